"""Reading raw tables as analysts really have them, and writing outputs atomically.

Raw files are only ever read. Every output (processed table, figure, report) is written to a temporary
file in the destination folder and renamed into place, so a failed run leaves the previous good output.
"""
from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.config import PROJ_ROOT

#: Encodings tried in order. GB18030 is a superset of GBK and GB2312, so it reads all three.
ENCODINGS = ("utf-8-sig", "gb18030")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where it is, what is wrong, what was expected."""

    file: str
    row: int | None
    column: str | None
    message: str
    expected: str | None = None

    def __str__(self) -> str:
        where = self.file if self.row is None else f"{self.file}:{self.row}"
        column = f" column '{self.column}':" if self.column else ""
        expected = f"; expected {self.expected}" if self.expected else ""
        return f"{where}:{column} {self.message}{expected}"


class DataError(ValueError):
    """Raised for bad input; its message has one line per problem."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def display_path(path: Path | str) -> str:
    """A path as a person reads it: relative to the project root when inside it."""
    path = Path(path).resolve()
    try:
        return str(path.relative_to(PROJ_ROOT))
    except ValueError:
        return str(path)


def _decode(data: bytes, where: str) -> tuple[str, str]:
    for encoding in ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-8-sig":
            encoding = "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
        return text, encoding
    raise DataError([Problem(where, None, None, "cannot decode the file",
                             "UTF-8 (with or without BOM), GBK or GB18030 text")])


def _read_csv(path: Path, where: str) -> tuple[pd.DataFrame, str]:
    data = path.read_bytes()
    if not data.strip():
        raise DataError([Problem(where, None, None, "the file is empty", "a header row and data rows")])
    text, encoding = _decode(data, where)
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False,
                            skipinitialspace=True)
    except pd.errors.ParserError as err:
        raise DataError([Problem(where, None, None, f"not a well-formed CSV table ({err})".replace("\n", " "),
                                 "the same number of comma-separated cells on every line")]) from err
    return frame, encoding


def _read_excel(path: Path, where: str, sheet: str | None) -> tuple[pd.DataFrame, str]:
    try:
        frame = pd.read_excel(path, sheet_name=sheet if sheet is not None else 0, dtype=object)
    except ValueError as err:  # unknown sheet name
        raise DataError([Problem(where, None, None, str(err).splitlines()[0], "an existing sheet")]) from err
    except Exception as err:  # noqa: BLE001 - openpyxl raises many kinds for corrupt files
        raise DataError([Problem(where, None, None, f"cannot read the workbook ({type(err).__name__})",
                                 "a valid .xlsx file")]) from err
    frame = frame.astype(object).where(frame.notna(), "")
    return frame, "xlsx" if sheet is None else f"xlsx sheet {sheet}"


def read_table(path: Path | str, sheet: str | None = None) -> tuple[pd.DataFrame, str]:
    """Read a CSV (UTF-8, UTF-8-BOM, GBK, GB18030) or .xlsx sheet as untyped cells.

    Returns the table, with every cell as found (strings for CSV, Excel's own values for .xlsx;
    empty cells as ""), and how it was read: the detected encoding or ``"xlsx"``.
    """
    path = Path(path)
    where = display_path(path)
    if not path.is_file():
        raise DataError([Problem(where, None, None, "no such file", "an existing raw file")])
    if path.suffix.lower() in EXCEL_SUFFIXES:
        frame, how = _read_excel(path, where, sheet)
    else:
        frame, how = _read_csv(path, where)
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame, how


def write_atomic(path: Path | str, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_path)`` and rename the result onto ``path``; on failure ``path`` is untouched."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        write(tmp_path)
        os.chmod(tmp_path, 0o644)
        os.replace(tmp_path, path)
    finally:
        tmp_path.unlink(missing_ok=True)
    return path


def write_csv(frame: pd.DataFrame, path: Path | str) -> Path:
    """Write a table as UTF-8 CSV, atomically, with stable line endings and float format."""
    return write_atomic(path, lambda tmp: frame.to_csv(tmp, index=False, lineterminator="\n",
                                                       encoding="utf-8"))


def write_text(text: str, path: Path | str) -> Path:
    """Write UTF-8 text atomically."""
    return write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
