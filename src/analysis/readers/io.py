"""Reading raw tables as analysts really have them, and writing outputs atomically.

Raw tables arrive as CSV exported by government systems or Excel (UTF-8, UTF-8 with BOM, GBK or GB18030;
comma- or tab-separated) or as .xlsx workbooks. :func:`read_cells` returns the cells as found, indexed by
the row number a spreadsheet shows (header = row 1). A title row above the header (one filled cell, e.g.
a merged title) and blank rows are skipped; anything that makes the table ambiguous (a row with more or
fewer cells than the header, a value under no header, a file cut short, broken quoting) raises a
:class:`DataError` naming the row.

The encoding is found by strict decoding, UTF-8 first, then GB18030 (a superset of GBK and GB2312): a
GBK file is practically never valid UTF-8, so the first encoding that decodes every byte is the right one.
A file that is UTF-8 except for a few damaged bytes is an error rather than a GB18030 misreading.

A dataset step finds its raw table in a folder with :func:`raw_file`: the CSV or the .xlsx workbook of
that name, never both. Raw files are only ever read. Every output (processed table, figure, report) is
written to a temporary file in the destination folder and renamed into place, so a failed run leaves the
previous good output.
"""
from __future__ import annotations

import csv
import datetime
import io
import os
import tempfile
from collections.abc import Callable
from typing import TYPE_CHECKING
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from analysis.config import PROJ_ROOT

if TYPE_CHECKING:
    import pandas as pd

#: Encodings tried in order. GB18030 is a superset of GBK and GB2312, so it reads all three.
ENCODINGS = ("utf-8-sig", "gb18030")
CSV_SUFFIXES = (".csv",)
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
#: The forms of a dataset step's raw table (see :func:`raw_file`).
RAW_SUFFIXES = (".csv", ".xlsx")
TEXT_ENCODINGS = "UTF-8 (with or without BOM), GBK or GB18030 text"
#: Leading bytes of files that are not text: (bytes, what the file is, what to do).
BINARY_SIGNATURES = (
    (b"\xff\xfe", "the file is UTF-16 text (Excel's 'Unicode Text'), not UTF-8 or GBK",
     f"{TEXT_ENCODINGS}: save it as 'CSV UTF-8'"),
    (b"\xfe\xff", "the file is UTF-16 text, not UTF-8 or GBK", f"{TEXT_ENCODINGS}: save it as 'CSV UTF-8'"),
    (b"PK\x03\x04", "the file is an .xlsx workbook (or another zip archive), not CSV text",
     "a CSV file, or the workbook named .xlsx"),
    (b"\xd0\xcf\x11\xe0", "the file is an old Excel .xls workbook (or another binary file), not CSV text",
     "a CSV file, or the workbook saved as .xlsx"),
)
#: Values Excel shows for a failed formula.
EXCEL_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#SPILL!",
                          "#CALC!", "#GETTING_DATA"})


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where it is, what is wrong, what was expected.

    ``row`` is the row as a spreadsheet numbers it (header = row 1); ``column`` the canonical column
    name and ``header`` the column's header as written in the file, shown when it differs.
    """

    file: str
    row: int | None
    column: str | None
    message: str
    expected: str | None = None
    header: str | None = None

    def __str__(self) -> str:
        where = self.file if self.row is None else f"{self.file}:{self.row}"
        column = ""
        if self.column:
            written = f" ({self.column})" if self.header and self.header != self.column else ""
            column = f" column '{self.header or self.column}'{written}:"
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


def _fail(where: str, row: int | None, message: str, expected: str) -> DataError:
    return DataError([Problem(where, row, None, message, expected)])


def _mostly_utf8(data: bytes) -> bool:
    """True when at least as many Chinese characters decode as UTF-8 as bytes fail: a damaged UTF-8 file.

    GBK text read as UTF-8 gives about thirty undecodable bytes for each (chance) valid character of
    three bytes or more; a UTF-8 file with a stray byte gives many valid characters for each bad byte.
    """
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = sum(1 for ch in text if ord(ch) >= 0x800) - bad
    return good >= bad


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _decode(data: bytes, where: str) -> tuple[str, str]:
    """Text and encoding by strict decoding, UTF-8 first, then GB18030."""
    for signature, message, expected in BINARY_SIGNATURES:
        if data.startswith(signature):
            raise _fail(where, None, message, expected)
    if b"\x00" in data:
        raise _fail(where, None, "the file contains NUL bytes (UTF-16 without BOM, or not a text file)",
                    f"{TEXT_ENCODINGS}: save it as 'CSV UTF-8'")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        if _mostly_utf8(data):
            raise _fail(where, None, f"invalid UTF-8 byte 0x{data[err.start]:02X} on line "
                        f"{_line_of(data, err.start)} of an otherwise UTF-8 file",
                        "valid UTF-8 throughout: correct that cell and save the file as 'CSV UTF-8'") from err
    else:
        return text, "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as err:
        raise _fail(where, None, "cannot decode the file",
                    f"{TEXT_ENCODINGS} (byte 0x{data[err.start]:02X} on line {_line_of(data, err.start)} "
                    "is neither)") from err


def _delimiter(text: str) -> str:
    """Tab for a tab-separated export (more tabs than commas in the first lines), else comma."""
    head = "\n".join(text.splitlines()[:5])
    return "\t" if head.count("\t") > head.count(",") else ","


def _csv_records(path: Path, where: str) -> tuple[list[list], str, bool]:
    """Records of a CSV file, how it was read, and whether its last line ends without a line break."""
    data = path.read_bytes()
    if not data.strip():
        raise _fail(where, None, "the file is empty", "a header row and data rows")
    text, encoding = _decode(data, where)
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[list] = []
    try:
        records.extend(reader)
    except csv.Error as err:
        row = len(records) + 1
        if "unexpected end of data" in str(err):
            raise _fail(where, row, "the file ends inside a quoted cell that starts on this row "
                        "(was the file cut short?)", "a closing quote") from err
        raise _fail(where, row, f"broken quoting ({err})",
                    'quotes only around a whole cell, a quote inside a cell doubled ("")') from err
    how = encoding if delimiter == "," else f"{encoding}, tab-separated"
    return records, how, not text.endswith(("\n", "\r"))


def _excel_value(cell):
    """A cell's value as a person sees it: percent-formatted numbers as ``2.59%``, dates as ISO dates."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and "%" in (cell.number_format or ""):
        return f"{(Decimal(repr(value)) * 100).normalize():f}%"
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, (datetime.date, datetime.time, bool)):
        return str(value)
    return value


def _excel_records(path: Path, where: str, sheet: str | None) -> tuple[list[list], str]:
    try:
        import openpyxl  # imported here: the notebook runner writes files without needing it

        book = openpyxl.load_workbook(path, data_only=True)
    except Exception as err:  # noqa: BLE001 - openpyxl raises many kinds for corrupt files
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise _fail(where, None, f"not a readable .xlsx workbook ({reason})",
                    "an .xlsx file saved by Excel or WPS") from err
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise _fail(where, None, f"no sheet named {sheet!r}",
                        f"one of the sheets {', '.join(repr(s) for s in book.sheetnames)}")
        worksheet = book[sheet] if sheet is not None else book.worksheets[0]
        records = [[_excel_value(c) for c in row] for row in worksheet.iter_rows()]
        if not records:
            raise _fail(where, None, f"the sheet {worksheet.title!r} is empty", "a header row and data rows")
    finally:
        book.close()
    return records, "xlsx" if sheet is None else f"xlsx sheet {sheet}"


def _blank(cell) -> bool:
    return cell is None or str(cell).strip() == ""


def _table(records: list[list], where: str, cut_short: bool) -> pd.DataFrame:
    """Cells under their headers, indexed by row number; ragged rows and headless values are errors."""
    import pandas as pd  # imported here: the notebook runner writes files without needing pandas

    header_at = next((i for i, r in enumerate(records) if sum(not _blank(c) for c in r) >= 2), None)
    if header_at is None:
        raise _fail(where, None, "no header row (no row with two or more filled cells)",
                    "a header row naming the columns, then data rows")
    raw_header = [str(c).strip() if not _blank(c) else "" for c in records[header_at]]
    width = max(i for i, name in enumerate(raw_header) if name) + 1
    problems, rows, index = [], [], []
    last = len(records) - 1
    for i in range(header_at + 1, len(records)):
        cells, row = records[i], i + 1
        if all(_blank(c) for c in cells):
            continue
        extra = [(j, c) for j, c in enumerate(cells) if not _blank(c) and (j >= width or not raw_header[j])]
        if len(cells) < width:
            if i == last and cut_short:
                problems.append(Problem(where, row, None, f"the file ends in the middle of this row "
                                        f"({len(cells)} of {width} cells)", "a complete last row "
                                        "(was the file cut short?)"))
            else:
                problems.append(Problem(where, row, None, f"{len(cells)} cells where the header has {width}",
                                        "one cell per header column (a missing comma?)"))
        elif extra and extra[0][0] >= len(raw_header):
            problems.append(Problem(where, row, None, f"{len(cells)} cells where the header has {width} "
                                    f"(extra value {str(extra[0][1]).strip()!r})",
                                    "one cell per header column (a cell containing a comma must be quoted)"))
        elif extra:
            j, value = extra[0]
            problems.append(Problem(where, row, None, f"value {str(value).strip()!r} in column {j + 1}, "
                                    "which has no header", "a header for every column with values"))
        rows.append(cells[:width])
        index.append(row)
    if problems:
        raise DataError(problems)
    named = [j for j in range(width) if raw_header[j]]
    frame = pd.DataFrame([[cells[j] for j in named] for cells in rows], columns=[raw_header[j] for j in named],
                         index=pd.Index(index, name="row", dtype="int64"), dtype=object)
    frame.attrs["header_row"] = header_at + 1
    return frame


def read_cells(path: Path | str, sheet: str | None = None) -> tuple[pd.DataFrame, str]:
    """Read a CSV or .xlsx sheet as untyped cells indexed by spreadsheet row number (header = row 1).

    Cells are as found: strings for CSV; Excel's own values for .xlsx (numbers, strings; percent-formatted
    numbers as ``"2.59%"``, dates as ISO strings); empty cells as ``""``. Headers are stripped and may
    repeat; ``frame.attrs["header_row"]`` is the header's row number. Also returns how the file was read:
    the encoding (``"utf-8"``, ``"utf-8-sig"``, ``"gb18030"``, with ``", tab-separated"`` for
    tab-separated files) or ``"xlsx"`` (``"xlsx sheet NAME"`` for a named sheet).
    """
    path = Path(path)
    where = display_path(path)
    if not path.is_file():
        raise _fail(where, None, "no such file", "an existing raw file")
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        records, how = _excel_records(path, where, sheet)
        return _table(records, where, cut_short=False), how
    if suffix == ".xls":
        raise _fail(where, None, "old Excel 97-2003 .xls workbooks cannot be read",
                    "an .xlsx workbook (Save As .xlsx in Excel or WPS) or a .csv file")
    if suffix not in CSV_SUFFIXES:
        raise _fail(where, None, f"unsupported file type {path.suffix!r}", "a .csv or .xlsx file")
    records, how, cut_short = _csv_records(path, where)
    return _table(records, where, cut_short), how


def raw_file(raw_dir: Path | str, name: str) -> Path:
    """The raw table ``name`` (``sampling.csv`` or ``sampling``) in ``raw_dir``: its CSV or its .xlsx workbook.

    Exactly one of ``<stem>.csv`` and ``<stem>.xlsx`` must be there. Both is a :class:`DataError`, not a
    silent choice: a workbook saved next to an older CSV export (or the reverse) would otherwise be
    ignored, and which copy is current cannot be told from the files. Neither is a :class:`DataError`
    naming both names.
    """
    folder, stem = Path(raw_dir), Path(name).stem
    names = [f"{stem}{suffix}" for suffix in RAW_SUFFIXES]
    found = [folder / n for n in names if (folder / n).is_file()]
    if len(found) > 1:
        raise _fail(display_path(folder), None, f"both {' and '.join(names)} are here",
                    "one raw file per table (move the copy that is not current out of the folder)")
    if not found:
        raise _fail(display_path(folder), None, f"no {' or '.join(names)} here",
                    f"the raw {stem} table as CSV or .xlsx workbook")
    return found[0]


def read_table(path: Path | str, sheet: str | None = None) -> tuple[pd.DataFrame, str]:
    """Read a CSV (UTF-8, UTF-8-BOM, GBK, GB18030) or .xlsx sheet as untyped cells, numbered from 0.

    The same cells as :func:`read_cells` (blank and title rows skipped) with a plain 0..n-1 index.
    """
    frame, how = read_cells(path, sheet)
    return frame.reset_index(drop=True), how


def write_atomic(path: Path | str, write: Callable[[Path], None], keep_unchanged: bool = False) -> Path:
    """Call ``write(tmp_path)`` and rename the result onto ``path``; on failure ``path`` is untouched.

    With ``keep_unchanged``, a result byte-identical to the existing file is discarded, so the file
    keeps its modification time and `make` does not rebuild what depends on it.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        write(tmp_path)
        if not (keep_unchanged and path.is_file() and path.read_bytes() == tmp_path.read_bytes()):
            os.chmod(tmp_path, 0o644)
            os.replace(tmp_path, path)
    finally:
        tmp_path.unlink(missing_ok=True)
    return path


def write_csv(frame: pd.DataFrame, path: Path | str, keep_unchanged: bool = False) -> Path:
    """Write a table as UTF-8 CSV, atomically, with stable line endings (see :func:`write_atomic`)."""
    return write_atomic(path, lambda tmp: frame.to_csv(tmp, index=False, lineterminator="\n", encoding="utf-8"),
                        keep_unchanged=keep_unchanged)


def write_text(text: str, path: Path | str) -> Path:
    """Write UTF-8 text atomically."""
    return write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
