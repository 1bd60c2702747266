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
import re
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
#: One line of text with its line break (\r\n, \n or \r), the way csv reads a file opened with newline="".
LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
#: Delimiters a CSV export may use, and how much of its start decides which one it uses.
DELIMITERS = (",", "\t")
SNIFF_ROWS, SNIFF_CHARS = 20, 65536
#: The header is the first of the first rows with more than half as many filled cells as the widest.
HEADER_SEARCH_ROWS = 10
#: Characters that do not show but make two keys differ (zero-width space and joiners, word joiner, BOM).
INVISIBLE = {"\u200b": "zero-width space", "\u200c": "zero-width non-joiner", "\u200d": "zero-width joiner",
             "\u2060": "word joiner", "\ufeff": "byte order mark", "\u00ad": "soft hyphen"}
INVISIBLE_RE = re.compile(f"[{''.join(INVISIBLE)}]")
#: A unit note (单位：万户) in a title row above the header.
UNIT_NOTE_RE = re.compile(r"单\s*位\s*[:：]\s*(?P<unit>[^\s,，;；)）]+)")
#: Characters of a unit that scale the figures (万户, 亿元, 千人): a unit the cells do not carry.
SCALING_CHARS = "十百千万亿"
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
    """Comma or tab, whichever splits the first rows into the most rows of one width (more than one cell).

    The whole first rows count, not the characters: a tab-separated file whose notes hold commas is
    still tab-separated, because its rows agree on their width only when split at tabs.
    """
    head = text[:SNIFF_CHARS]
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        widths: dict[int, int] = {}
        try:
            for i, row in enumerate(csv.reader(io.StringIO(head, newline=""), delimiter=delimiter)):
                if i >= SNIFF_ROWS:
                    break
                if sum(1 for c in row if c.strip()) > 1:
                    widths[len(row)] = widths.get(len(row), 0) + 1
        except csv.Error:
            pass
        score = max(((n, width) for width, n in widths.items()), default=(0, 0))
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _csv_records(path: Path, where: str) -> tuple[list[list], str, bool, bool]:
    """Records of a CSV file, how it was read, whether its last line ends without a line break, and
    whether it holds invisible characters (:data:`INVISIBLE`)."""
    data = path.read_bytes()
    if not data.strip():
        raise _fail(where, None, "the file is empty", "a header row and data rows")
    text, encoding = _decode(data, where)
    delimiter = _delimiter(text)
    lines = (m.group(0) for m in LINE_RE.finditer(text))  # as io.StringIO(text, newline="") splits, without a copy
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    records: list[list] = []
    # A cell repeated down a column (region, year, source) is kept once: a large export's rows then cost
    # little more than their distinct values.
    distinct: dict[str, str] = {}
    try:
        records.extend([distinct.setdefault(c, c) for c in row] for row in reader)
    except csv.Error as err:
        row = len(records) + 1
        if "unexpected end of data" in str(err):
            raise _fail(where, row, "the file ends inside a quoted cell that starts on this row "
                        "(was the file cut short?)", "a closing quote") from err
        raise _fail(where, row, f"broken quoting ({err})",
                    'quotes only around a whole cell, a quote inside a cell doubled ("")') from err
    how = encoding if delimiter == "," else f"{encoding}, tab-separated"
    return records, how, not text.endswith(("\n", "\r")), INVISIBLE_RE.search(text) is not None


def _format_literals(number_format: str) -> tuple[str, str]:
    """The text a number format shows before and after the number (``0"万户"`` -> ``("", "万户")``).

    Only the first section (positive numbers) counts; quoted text and backslash-escaped characters are
    literals. A format without literal text gives ``("", "")``.
    """
    section = re.split(r'(?<!\\);', number_format or "")[0]
    prefix, suffix, seen_digit = [], [], False
    for quoted, escaped, other in re.findall(r'"([^"]*)"|\\(.)|([^"\\])', section):
        if other in "0#?":
            seen_digit = True
        text = quoted or escaped
        if text:
            (suffix if seen_digit else prefix).append(text)
    return "".join(prefix).strip(), "".join(suffix).strip()


def _plain(value: float | int) -> str:
    return f"{Decimal(repr(value)).normalize():f}"


def _excel_value(cell):
    """A cell's value as a person sees it: percent-formatted numbers as ``2.59%``, dates as ISO dates.

    A number whose format shows text (``0"万户"``) is the text shown with the number as stored
    (``12.5万户``): the unit changes the magnitude, so it is never dropped.
    """
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number_format = cell.number_format or ""
        if "%" in number_format.replace('"%"', ""):
            return f"{(Decimal(repr(value)) * 100).normalize():f}%"
        prefix, suffix = _format_literals(number_format)
        if re.search(r"[^\W\d_]", prefix + suffix):
            return f"{prefix}{_plain(value)}{suffix}"
        return value
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, (datetime.date, datetime.time, bool)):
        return str(value)
    return value


def _choose_sheet(book, where: str, sheet: str | None):
    """The sheet named ``sheet``, else the sheet the workbook opens on (never a hidden draft)."""
    names = ", ".join(repr(s) for s in book.sheetnames)
    if sheet is not None:
        if sheet not in book.sheetnames:
            raise _fail(where, None, f"no sheet named {sheet!r}", f"one of the sheets {names}")
        return book[sheet]
    worksheet = book.active
    if worksheet is None or worksheet.sheet_state != "visible":
        raise _fail(where, None, "the workbook opens on a hidden sheet",
                    f"the sheet to read chosen by name (--sheet, or `sheets:` in the parameters file): {names}")
    return worksheet


def _sheet_records(values, formulas, where: str) -> list[list]:
    """The rows of a read-only sheet up to the last row with a value, trailing empty cells dropped.

    Rows are read as stored, so a formatted but empty cell at row 1,048,576 costs nothing. A formula
    with no saved result (a workbook written by a script or a web form, never opened in Excel) is an
    error naming the cell: reading it as empty would turn a figure into "not published".
    """
    values.reset_dimensions()
    formulas.reset_dimensions()
    records: list[list] = []
    blank_run, problems = 0, []
    for number, (cells, formula_cells) in enumerate(zip(values.iter_rows(), formulas.iter_rows()), start=1):
        row = [_excel_value(c) for c in cells]
        for cell, formula in zip(cells, formula_cells):
            if cell.value is None and isinstance(formula.value, str) and formula.value.startswith("="):
                problems.append(Problem(where, number, None, f"cell {formula.coordinate} has the formula "
                                        f"{formula.value} but no saved value",
                                        "a value: open the workbook in Excel or WPS and save it, or paste values"))
        while row and _blank(row[-1]):
            row.pop()
        if not row:
            blank_run += 1
            continue
        records.extend([] for _ in range(blank_run))
        blank_run = 0
        records.append(row)
    if problems:
        raise DataError(problems)
    return records


def _excel_records(path: Path, where: str, sheet: str | None) -> tuple[list[list], str]:
    try:
        import openpyxl  # imported here: the notebook runner writes files without needing it

        books = [openpyxl.load_workbook(path, read_only=True, data_only=data_only) for data_only in (True, False)]
    except Exception as err:  # noqa: BLE001 - openpyxl raises many kinds for corrupt files
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise _fail(where, None, f"not a readable .xlsx workbook ({reason})",
                    "an .xlsx file saved by Excel or WPS") from err
    try:
        worksheet = _choose_sheet(books[0], where, sheet)
        records = _sheet_records(worksheet, books[1][worksheet.title], where)
        if not records:
            raise _fail(where, None, f"the sheet {worksheet.title!r} is empty", "a header row and data rows")
        several = len(books[0].sheetnames) > 1
    finally:
        for book in books:
            book.close()
    return records, f"xlsx sheet {worksheet.title}" if sheet is not None or several else "xlsx"


def _blank(cell) -> bool:
    return cell is None or str(cell).strip() == ""


def _filled(cells) -> int:
    return sum(not _blank(c) for c in cells)


def _header_index(records: list[list], where: str) -> int:
    """The header: of the first rows, the first with more than half as many filled cells as the widest.

    A title row above it (a merged title, or a title with a unit note in its last cell) has fewer.
    """
    first = [(i, _filled(r)) for i, r in enumerate(records[:1000]) if r][:HEADER_SEARCH_ROWS]
    widest = max((n for _, n in first), default=0)
    header_at = next((i for i, n in first if n >= 2 and n > widest / 2), None)
    if header_at is None:
        raise _fail(where, None, "no header row (no row with two or more filled cells)",
                    "a header row naming the columns, then data rows")
    return header_at


def _unit_notes(records: list[list], header_at: int, where: str) -> list[str]:
    """Units noted above the header (单位：批次); a unit that scales the figures (单位：万户) is an error.

    The cells of such a table hold 12.5 for 125,000 households: read as they are, every count would be
    10,000 times too small, and applying the unit would turn exact counts into rounded ones.
    """
    units = []
    for i in range(header_at):
        for cell in records[i]:
            for match in UNIT_NOTE_RE.finditer(str(cell)):
                unit = match["unit"]
                if any(ch in SCALING_CHARS for ch in unit):
                    raise _fail(where, i + 1, f"the unit note {match.group(0)!r} above the header scales every "
                                f"figure by {unit}", "figures written in full (125000, or 12.5万 in the cell) "
                                "and the unit note removed")
                units.append(unit)
    return units


def _strip_invisible(records: list[list], start: int) -> dict[int, set[str]]:
    """Remove invisible characters from the text cells of rows from ``start``; return row -> names found."""
    found: dict[int, set[str]] = {}
    for i in range(start, len(records)):
        cells = records[i]
        for j, cell in enumerate(cells):
            if isinstance(cell, str) and INVISIBLE_RE.search(cell):
                found.setdefault(i + 1, set()).update(INVISIBLE[ch] for ch in INVISIBLE_RE.findall(cell))
                cells[j] = INVISIBLE_RE.sub("", cell)
    return found


def _row_problem(cells: list, row: int, width: int, raw_header: list[str], where: str, last_cut: bool,
                 padded: bool):
    """What makes one data row ambiguous (too few or too many cells, a value under no header), or None."""
    extra = [(j, c) for j, c in enumerate(cells) if not _blank(c) and (j >= width or not raw_header[j])]
    if len(cells) < width:
        if last_cut:
            return Problem(where, row, None, f"the file ends in the middle of this row ({len(cells)} of {width} "
                           "cells)", "a complete last row (was the file cut short?)")
        return Problem(where, row, None, f"{len(cells)} cells where the header has {width}",
                       "one cell per header column (a missing comma?)")
    if extra and extra[0][0] >= len(raw_header) and not padded:
        return Problem(where, row, None, f"{len(cells)} cells where the header has {width} "
                       f"(extra value {str(extra[0][1]).strip()!r})",
                       "one cell per header column (a cell containing a comma must be quoted)")
    if extra:
        j, value = extra[0]
        return Problem(where, row, None, f"value {str(value).strip()!r} in column {j + 1}, which has no header",
                       "a header for every column with values")
    return None


def _blank_row(cells) -> bool:
    try:
        return not "".join(cells).strip()  # text cells: one call for the row
    except TypeError:
        return all(_blank(c) for c in cells)


def _table(records: list[list], where: str, cut_short: bool, padded: bool, invisible: bool = True) -> pd.DataFrame:
    """Cells under their headers, indexed by row number; ragged rows and headless values are errors.

    ``padded``: rows may end before the header does (a workbook stores no empty trailing cells).
    ``invisible``: the cells may hold invisible characters (False when the whole text has none).
    ``frame.attrs`` holds ``header_row``, ``units`` (noted above the header) and ``invisible`` (row ->
    invisible characters removed from its cells).
    """
    import numpy as np  # imported here: the notebook runner writes files without needing them
    import pandas as pd

    header_at = _header_index(records, where)
    units = _unit_notes(records, header_at, where)
    invisible = _strip_invisible(records, header_at) if invisible else {}
    raw_header = [str(c).strip() if not _blank(c) else "" for c in records[header_at]]
    width = max(i for i, name in enumerate(raw_header) if name) + 1
    body = records[header_at + 1:]
    first_row = header_at + 2
    # Rows of exactly the header's width under a header without gaps are checked column by column below;
    # only the others (ragged, or under an unnamed column) are looked at one by one.
    clean_width = all(raw_header[:width]) and len(raw_header) == width
    lengths = np.fromiter(map(len, body), dtype=np.int64, count=len(body))
    odd = np.flatnonzero(lengths != width) if clean_width else np.arange(len(body))
    keep = np.ones(len(body), dtype=bool)
    problems = []
    for k in odd:
        cells = body[k]
        if padded and len(cells) < width:
            cells = list(cells) + [""] * (width - len(cells))
        if _blank_row(cells):
            keep[k] = False
            continue
        problem = _row_problem(cells, first_row + int(k), width, raw_header, where,
                               cut_short and k == len(body) - 1, padded)
        if problem is not None:
            problems.append(problem)
        body[k] = cells[:width]
    if problems:
        raise DataError(problems)
    frame = pd.DataFrame(body, columns=range(width), dtype=object) if body else pd.DataFrame(columns=range(width))
    blank = np.ones(len(body), dtype=bool)
    for j in range(width):
        blank &= frame[j].astype(str).str.strip().eq("").to_numpy()
    keep &= ~blank
    named = [j for j in range(width) if raw_header[j]]
    frame = frame.loc[keep, named].set_axis([raw_header[j] for j in named], axis=1)
    frame.index = pd.Index(np.flatnonzero(keep) + first_row, name="row", dtype="int64")
    frame.attrs.update(header_row=header_at + 1, units=units, invisible=invisible)
    return frame


def _how(how: str, frame: pd.DataFrame) -> str:
    """How a file was read, with what reading it changed or noted: removed invisible characters, units."""
    notes = [how]
    if frame.attrs["invisible"]:
        names = sorted(set().union(*frame.attrs["invisible"].values()))
        notes.append(f"removed invisible characters ({', '.join(names)}) from rows "
                     f"{', '.join(str(r) for r in sorted(frame.attrs['invisible']))}")
    if frame.attrs["units"]:
        notes.append(f"unit noted above the header: {', '.join(frame.attrs['units'])}")
    return "; ".join(notes)


def read_cells(path: Path | str, sheet: str | None = None) -> tuple[pd.DataFrame, str]:
    """Read a CSV or .xlsx sheet as untyped cells indexed by spreadsheet row number (header = row 1).

    Cells are as found: strings for CSV; Excel's own values for .xlsx (numbers, strings; percent-formatted
    numbers as ``"2.59%"``, dates as ISO strings); empty cells as ``""``. Headers are stripped and may
    repeat; ``frame.attrs["header_row"]`` is the header's row number. Also returns how the file was read:
    the encoding (``"utf-8"``, ``"utf-8-sig"``, ``"gb18030"``, with ``", tab-separated"`` for
    tab-separated files) or ``"xlsx"`` (``"xlsx sheet NAME"`` for a named sheet or a workbook of several
    sheets), followed by what reading changed (``; removed invisible characters (...) from rows 3, 5``)
    or noted (``; unit noted above the header: 批次``).
    """
    path = Path(path)
    where = display_path(path)
    if not path.is_file():
        raise _fail(where, None, "no such file", "an existing raw file")
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        records, how = _excel_records(path, where, sheet)
        frame = _table(records, where, cut_short=False, padded=True)
        return frame, _how(how, frame)
    if suffix == ".xls":
        raise _fail(where, None, "old Excel 97-2003 .xls workbooks cannot be read",
                    "an .xlsx workbook (Save As .xlsx in Excel or WPS) or a .csv file")
    if suffix not in CSV_SUFFIXES:
        raise _fail(where, None, f"unsupported file type {path.suffix!r}", "a .csv or .xlsx file")
    records, how, cut_short, invisible = _csv_records(path, where)
    frame = _table(records, where, cut_short, padded=False, invisible=invisible)
    return frame, _how(how, frame)


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


def append_table(sheet, frame: pd.DataFrame) -> None:
    """Append a table (header, then rows) to an openpyxl worksheet, every text cell written as text.

    openpyxl stores a string starting with ``=`` as a formula, so a note or category reading
    ``=HYPERLINK(...)`` would run when a colleague opens the workbook: here every string from the data
    is a text cell (type ``s``). Empty cells (NA) stay empty; numbers stay numbers; control characters,
    which an .xlsx cannot hold (text extracted from PDFs has them), are dropped.
    """
    import pandas as pd  # imported here: the notebook runner writes files without needing pandas
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    def cell(value):
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return None
        return value.item() if hasattr(value, "item") else value

    for values in [[str(c) for c in frame.columns], *frame.itertuples(index=False)]:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else cell(v) for v in values])
        for written in sheet[sheet.max_row]:
            if isinstance(written.value, str):
                written.data_type = "s"
