"""Reading raw tables as analysts really have them, and writing outputs atomically.

Raw tables arrive as CSV exported by government systems or Excel (UTF-8, UTF-8 with BOM, GBK or GB18030;
comma- or tab-separated) or as .xlsx workbooks. :func:`read_cells` returns the cells as found, indexed by
the row number a spreadsheet shows (header = row 1). A title row above the header (one filled cell, e.g.
a merged title) and blank rows are skipped; anything that makes the table ambiguous (a row with more or
fewer cells than the header, a value under no header, a file cut short, broken quoting) raises a
:class:`DataError` naming the row. Files are read as a stream and kept column by column
(:func:`read_columns`, :class:`Cells`: each column's distinct cells and a code per row), so memory
follows the codes and the distinct cells, not the file's rows as Python lists.

The encoding is found by strict decoding, UTF-8 first, then GB18030 (a superset of GBK and GB2312): a
GBK file is practically never valid UTF-8, so the first encoding that decodes every byte is the right one.
A file that is UTF-8 except for a few damaged bytes is an error rather than a GB18030 misreading.

A dataset step finds its raw table in a folder with :func:`raw_file`: the CSV or the .xlsx workbook of
that name, never both. Raw files are only ever read. Every output (processed table, figure, report) is
written to a temporary file in the destination folder and renamed into place, so a failed run leaves the
previous good output.
"""
from __future__ import annotations

import codecs
import csv
import datetime
import functools
import io
import os
import re
import tempfile
import zipfile
from itertools import chain, islice
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from analysis.config import PROJ_ROOT
from analysis.readers.numbers import MONEY_UNITS, PERCENT_POINT_UNITS, UNITS

if TYPE_CHECKING:
    import numpy as np
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
#: Delimiters a CSV export may use, and how much of its start decides which one it uses.
DELIMITERS = (",", "\t")
SNIFF_ROWS, SNIFF_CHARS = 20, 65536
#: A CSV file is decoded and split this many bytes at a time, and rows are stored this many at a time.
BLOCK_BYTES, CHUNK_ROWS = 1 << 20, 2048
#: The header is the first of the first rows (of the first records) with more than half as many filled
#: cells as the widest.
HEADER_SEARCH_ROWS, HEADER_SEARCH_RECORDS = 10, 1000
#: Characters that do not show but make two keys differ (zero-width space and joiners, word joiner, BOM).
INVISIBLE = {"\u200b": "zero-width space", "\u200c": "zero-width non-joiner", "\u200d": "zero-width joiner",
             "\u2060": "word joiner", "\ufeff": "byte order mark", "\u00ad": "soft hyphen"}
INVISIBLE_RE = re.compile(f"[{''.join(INVISIBLE)}]")
#: A unit note (单位：万户) in a title row above the header.
UNIT_NOTE_RE = re.compile(r"单\s*位\s*[:：]\s*(?P<unit>[^\s,，;；)）]+)")
#: Characters of a unit that scale the figures (万户, 亿元, 千人): a unit the cells do not carry.
SCALING_CHARS = "十百千万亿"
#: Units of things counted (户, 批次, 件, 人次 ...): not money, shares, sizes, weights or durations.
COUNT_UNITS = tuple(u for u in UNITS if u not in {"%", *PERCENT_POINT_UNITS, *MONEY_UNITS, "倍", "吨", "公斤", "千克",
                                                  "克", "升", "平方米", "亩", "公里", "米", "个工作日", "工作日", "天",
                                                  "个月", "周", "年", "小时", "分钟"})
#: A unit that scales counts (万户, 千人, 万): a multiplier, then nothing or one unit of counted things.
SCALED_COUNT_UNIT_RE = re.compile(f"(?P<multiplier>[{SCALING_CHARS}]+)(?:{'|'.join(COUNT_UNITS)})?")
#: A formula in a worksheet's XML: an ``<f>`` element (with or without a namespace prefix).
FORMULA_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
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


def _blocks(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as f:
        while block := f.read(BLOCK_BYTES):
            yield block


def _mostly_utf8(path: Path) -> bool:
    """True when at least as many Chinese characters decode as UTF-8 as bytes fail: a damaged UTF-8 file.

    GBK text read as UTF-8 gives about thirty undecodable bytes for each (chance) valid character of
    three bytes or more; a UTF-8 file with a stray byte gives many valid characters for each bad byte.
    """
    import numpy as np  # imported here: the notebook runner writes files without needing it

    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    good = bad = 0
    for block in chain(_blocks(path), [b""]):
        text = decoder.decode(block, final=not block)
        failed = text.count("\ufffd")
        bad += failed
        units = np.frombuffer(text.encode("utf-16-le"), dtype="<u2")  # a character above U+FFFF: two units
        good += int(np.count_nonzero(units >= 0x800) - np.count_nonzero((units >= 0xDC00) & (units <= 0xDFFF))) - failed
    return good >= bad


def _first_undecodable(path: Path, encoding: str) -> tuple[int, int] | None:
    """The first byte that ``encoding`` cannot decode and its line, or None: the file read a block at a time."""
    decoder = codecs.getincrementaldecoder(encoding)()
    lines = 0
    for block in chain(_blocks(path), [b""]):
        try:
            decoder.decode(block, final=not block)
        except UnicodeDecodeError as err:  # err.object: the block with the bytes pending before it (no line break)
            return err.object[err.start], lines + err.object.count(b"\n", 0, err.start) + 1
        lines += block.count(b"\n")
    return None


def _encoding(path: Path, where: str) -> tuple[str, bool]:
    """The encoding by strict decoding, UTF-8 first, then GB18030, the file read a block at a time; and
    whether the file holds a quote character (in neither encoding is it part of another character)."""
    head, blank, quoted = b"", True, False
    for block in _blocks(path):
        if not head:
            head = block
            for signature, message, expected in BINARY_SIGNATURES:
                if head.startswith(signature):
                    raise _fail(where, None, message, expected)
        if b"\x00" in block:
            raise _fail(where, None, "the file contains NUL bytes (UTF-16 without BOM, or not a text file)",
                        f"{TEXT_ENCODINGS}: save it as 'CSV UTF-8'")
        blank = blank and not block.strip()
        quoted = quoted or b'"' in block
    if blank:
        raise _fail(where, None, "the file is empty", "a header row and data rows")
    failure = _first_undecodable(path, "utf-8-sig")
    if failure is None:
        return "utf-8-sig" if head.startswith(b"\xef\xbb\xbf") else "utf-8", quoted
    if _mostly_utf8(path):
        raise _fail(where, None, f"invalid UTF-8 byte 0x{failure[0]:02X} on line {failure[1]} of an otherwise "
                    "UTF-8 file", "valid UTF-8 throughout: correct that cell and save the file as 'CSV UTF-8'")
    failure = _first_undecodable(path, "gb18030")
    if failure is None:
        return "gb18030", quoted
    raise _fail(where, None, "cannot decode the file",
                f"{TEXT_ENCODINGS} (byte 0x{failure[0]:02X} on line {failure[1]} is neither)")


def text_encoding(path: Path | str) -> str:
    """The encoding of a CSV file as :func:`read_cells` finds it (``utf-8-sig``, ``utf-8`` or ``gb18030``);
    a file that is not text, is empty, or decodes in neither (a damaged UTF-8 file included) is a
    :class:`DataError` naming the file and the line of the first bad byte."""
    return _encoding(Path(path), display_path(path))[0]


def _head(path: Path, encoding: str) -> str:
    """The start of a text file: at least its first :data:`SNIFF_CHARS` characters."""
    with open(path, "rb") as f:
        return codecs.getincrementaldecoder(encoding)().decode(f.read(4 * SNIFF_CHARS))


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


def _csv_records(path: Path, where: str, encoding: str, delimiter: str) -> Iterator[list]:
    """The records of a CSV file, one list of cells each, read and decoded a block at a time."""
    count = 0
    try:
        with open(path, encoding=encoding, newline="") as text:
            for record in csv.reader(text, delimiter=delimiter, strict=True):
                count += 1
                yield record
    except csv.Error as err:
        row = count + 1
        if "unexpected end of data" in str(err):
            raise _fail(where, row, "the file ends inside a quoted cell that starts on this row "
                        "(was the file cut short?)", "a closing quote") from err
        raise _fail(where, row, f"broken quoting ({err})",
                    'quotes only around a whole cell, a quote inside a cell doubled ("")') from err


def _ends_without_line_break(path: Path) -> bool:
    """Whether the last byte of a file is not a line break (in neither encoding is it part of a character)."""
    with open(path, "rb") as f:
        f.seek(-1, os.SEEK_END)
        return f.read(1) not in (b"\n", b"\r")


@functools.lru_cache(maxsize=None)
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


def _has_formulas(path: Path) -> bool:
    """Whether any worksheet of a workbook holds a formula (an ``<f>`` element), its XML read as a stream."""
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                with archive.open(name) as xml:
                    tail = b""
                    while block := xml.read(BLOCK_BYTES):
                        if FORMULA_RE.search(tail + block):
                            return True
                        tail = block[-32:]
    return False


def _sheet_records(values, formulas, where: str) -> Iterator[list]:
    """The rows of a read-only sheet up to the last row with a value, trailing empty cells dropped.

    Rows are read as stored, so a formatted but empty cell at row 1,048,576 costs nothing. A formula
    with no saved result (a workbook written by a script or a web form, never opened in Excel) is an
    error naming the cell, raised after the last row: reading it as empty would turn a figure into "not
    published". ``formulas``: the same sheet read for its formulas, or None for a workbook without any.
    """
    values.reset_dimensions()
    rows = values.iter_rows()
    if formulas is not None:
        formulas.reset_dimensions()
        rows = zip(rows, formulas.iter_rows())
    blank_run, problems = 0, []
    for number, cells in enumerate(rows, start=1):
        if formulas is not None:
            cells, formula_cells = cells
            for cell, formula in zip(cells, formula_cells):
                if cell.value is None and isinstance(formula.value, str) and formula.value.startswith("="):
                    problems.append(Problem(where, number, None, f"cell {formula.coordinate} has the formula "
                                            f"{formula.value} but no saved value", "a value: open the workbook "
                                            "in Excel or WPS and save it, or paste values"))
        row = [_excel_value(c) for c in cells]
        while row and _blank(row[-1]):
            row.pop()
        if not row:
            blank_run += 1
            continue
        for _ in range(blank_run):
            yield []
        blank_run = 0
        yield row
    if problems:
        raise DataError(problems)


def _excel_records(path: Path, where: str, sheet: str | None) -> tuple[Iterator[list], str]:
    """The rows of the sheet to read (see :func:`_sheet_records`) and how it was read.

    The workbook is read a second time for its formulas only when a worksheet holds any.
    """
    try:
        import openpyxl  # imported here: the notebook runner writes files without needing it

        books = [openpyxl.load_workbook(path, read_only=True, data_only=data_only)
                 for data_only in ((True, False) if _has_formulas(path) else (True,))]
    except Exception as err:  # noqa: BLE001 - openpyxl raises many kinds for corrupt files
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise _fail(where, None, f"not a readable .xlsx workbook ({reason})",
                    "an .xlsx file saved by Excel or WPS") from err
    try:
        worksheet = _choose_sheet(books[0], where, sheet)
    except DataError:
        for book in books:
            book.close()
        raise
    several = len(books[0].sheetnames) > 1

    def records() -> Iterator[list]:
        try:
            empty = True
            formulas = books[1][worksheet.title] if len(books) > 1 else None
            for row in _sheet_records(worksheet, formulas, where):
                empty = False
                yield row
            if empty:
                raise _fail(where, None, f"the sheet {worksheet.title!r} is empty", "a header row and data rows")
        finally:
            for book in books:
                book.close()

    return records(), f"xlsx sheet {worksheet.title}" if sheet is not None or several else "xlsx"


def _blank(cell) -> bool:
    return cell is None or str(cell).strip() == ""


def _filled(cells) -> int:
    return sum(not _blank(c) for c in cells)


def _header_index(records: list[list], where: str) -> int:
    """The header: of the first rows, the first with more than half as many filled cells as the widest.

    A title row above it (a merged title, or a title with a unit note in its last cell) has fewer.
    """
    first = [(i, _filled(r)) for i, r in enumerate(records[:HEADER_SEARCH_RECORDS]) if r][:HEADER_SEARCH_ROWS]
    widest = max((n for _, n in first), default=0)
    header_at = next((i for i, n in first if n >= 2 and n > widest / 2), None)
    if header_at is None:
        raise _fail(where, None, "no header row (no row with two or more filled cells)",
                    "a header row naming the columns, then data rows")
    return header_at


def _unit_notes(records: list[list], header_at: int, where: str) -> list[UnitNote]:
    """Units noted above the header (单位：批次, 单位：万户).

    A note whose unit scales the figures by anything but a count's multiplier (万元, 亿元: money; 万户、%:
    several units) is an error: the cells of such a table hold 12.5 for 125,000 and cannot be read as
    they are. Whether a scaling unit (万户) can be applied is for the schema to say: it knows the counts.
    """
    notes = []
    for i in range(header_at):
        for cell in records[i]:
            for match in UNIT_NOTE_RE.finditer(str(cell)):
                note = UnitNote(i + 1, match.group(0), match["unit"])
                if any(ch in SCALING_CHARS for ch in note.unit) and not note.multiplier:
                    raise _fail(where, note.row, f"the unit note {note.text!r} above the header scales every "
                                f"figure by {note.unit}", "figures written in full (125000, or 12.5万 in the cell) "
                                "and the unit note removed")
                notes.append(note)
    return notes


def _invisible_in(text: str) -> set[str]:
    return {INVISIBLE[ch] for ch in INVISIBLE_RE.findall(text)}


def _strip_invisible(cells: list) -> set[str]:
    """Remove invisible characters from the text cells of one row, in place; return the names of those found."""
    found: set[str] = set()
    for j, cell in enumerate(cells):
        if isinstance(cell, str) and INVISIBLE_RE.search(cell):
            found |= _invisible_in(cell)
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


@dataclass(frozen=True)
class UnitNote:
    """A unit noted above a table's header: its row, the note as written (单位：万户) and the unit (万户)."""

    row: int
    text: str
    unit: str

    @property
    def multiplier(self) -> str:
        """The multiplier of a count unit (万 of 万户, 万 of 万), or "" (批次; 万元 is money; 万户、% is not one unit)."""
        match = SCALED_COUNT_UNIT_RE.fullmatch(self.unit)
        return match["multiplier"] if match else ""


@dataclass
class Cells:
    """A table's cells as read, column by column: each column's distinct cells, and for each row the
    position of its cell among them (``codes``). A million rows of a few thousand distinct values take
    little more than the codes, four bytes a cell.

    ``header``: the columns' headers as written (stripped; they may repeat); ``rows``: each row's number
    as a spreadsheet shows it (header = row 1); ``header_row``: the header's; ``unit_notes``: units noted
    above the header; ``invisible``: row -> invisible characters removed from its cells.
    """

    header: list[str]
    rows: np.ndarray
    codes: list[np.ndarray]
    distinct: list[list]
    header_row: int
    unit_notes: list[UnitNote] = field(default_factory=list)
    invisible: dict[int, set[str]] = field(default_factory=dict)

    @property
    def units(self) -> list[str]:
        return [note.unit for note in self.unit_notes]

    def column(self, j: int) -> np.ndarray:
        """The cells of column ``j``, one per row (an object array sharing the distinct cells)."""
        import numpy as np

        values = np.empty(len(self.distinct[j]), dtype=object)
        values[:] = self.distinct[j]
        return values[self.codes[j]]

    def frame(self) -> pd.DataFrame:
        """The cells as a frame of objects indexed by row number (``attrs``: header_row, units, invisible)."""
        import pandas as pd

        frame = pd.DataFrame({j: self.column(j) for j in range(len(self.header))},
                             index=pd.Index(self.rows, name="row", dtype="int64")).set_axis(self.header, axis=1)
        frame.attrs.update(header_row=self.header_row, units=self.units, invisible=self.invisible)
        return frame


class _Columns:
    """Rows added a chunk at a time and kept column by column: codes into each column's distinct cells."""

    def __init__(self, width: int, typed: bool):
        self.positions: list[dict] = [{} for _ in range(width)]
        self.codes: list[list[np.ndarray]] = [[] for _ in range(width)]
        self.rows: list[np.ndarray] = []
        self.typed = typed  # cells of several types: a workbook's 17, 17.0, True and "17" are different cells

    def add(self, chunk: list[list], rows: np.ndarray) -> None:
        """Add rows of equal width with their row numbers."""
        import numpy as np

        if not chunk:
            return
        self.rows.append(rows)
        for positions, codes, cells in zip(self.positions, self.codes, zip(*chunk)):
            if self.typed:
                cells = [c if type(c) is str else (type(c), c) for c in cells]
            for cell in dict.fromkeys(cells):  # in order of first appearance
                if cell not in positions:
                    positions[cell] = len(positions)
            codes.append(np.fromiter(map(positions.__getitem__, cells), dtype=np.int32, count=len(cells)))

    def add_encoded(self, encoded: list[tuple[np.ndarray, list]], rows: np.ndarray) -> None:
        """Add rows given column by column as codes into a chunk's own distinct cells."""
        import numpy as np

        self.rows.append(rows)
        for positions, codes, (chunk_codes, cells) in zip(self.positions, self.codes, encoded):
            for cell in cells:
                if cell not in positions:
                    positions[cell] = len(positions)
            to_position = np.fromiter(map(positions.__getitem__, cells), dtype=np.int32, count=len(cells))
            codes.append(to_position[chunk_codes])

    def cells(self) -> tuple[np.ndarray, list[np.ndarray], list[list]]:
        """Row numbers, codes and distinct cells of every column."""
        import numpy as np

        rows = np.concatenate(self.rows) if self.rows else np.empty(0, dtype=np.int64)
        codes = []
        for chunks in self.codes:  # each column's chunks freed once joined
            codes.append(np.concatenate(chunks) if chunks else np.empty(0, dtype=np.int32))
            chunks.clear()
        distinct = [[c[1] if type(c) is tuple else c for c in positions] for positions in self.positions]
        return rows, codes, distinct


def _arrow_columns(path: Path, encoding: str, delimiter: str, skip: int, width: int, start: int) -> _Columns | None:
    """The rows of a CSV file without quote characters after its first ``skip`` lines, read by Arrow's CSV
    reader (in C, a block at a time), or None when a row is not ``width`` cells long or a cell is longer
    than the csv module allows: :func:`_table` then reads the rows itself and names what is wrong.

    Without quotes a record is a line and its cells are what lies between the delimiters, in Arrow as in
    the csv module (an empty line is a blank row in both), so both give the same cells.
    """
    import numpy as np  # imported here: the notebook runner writes files without needing them
    import pyarrow as pa
    import pyarrow.csv as pcsv

    names = [str(j) for j in range(width)]
    columns = _Columns(width, typed=False)
    try:
        reader = pcsv.open_csv(
            path, read_options=pcsv.ReadOptions(skip_rows=skip, column_names=names, block_size=BLOCK_BYTES,
                                                encoding="utf8" if encoding.startswith("utf-8") else encoding),
            parse_options=pcsv.ParseOptions(delimiter=delimiter, quote_char=False, ignore_empty_lines=False),
            convert_options=pcsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()),
                                                strings_can_be_null=False),
)
        for number, batch in enumerate(reader, start=1):
            encoded = [batch.column(j).dictionary_encode() for j in range(width)]
            encoded = [(e.indices.to_numpy(zero_copy_only=False), e.dictionary.to_pylist()) for e in encoded]
            if max((len(cell) for _, cells in encoded for cell in cells), default=0) > csv.field_size_limit():
                return None
            columns.add_encoded(encoded, start + np.arange(batch.num_rows))
            start += batch.num_rows
            if number % 8 == 0:  # Arrow's allocator keeps freed blocks; returned, reading stays below the file's size
                pa.default_memory_pool().release_unused()
    except pa.ArrowInvalid:
        return None
    finally:
        pa.default_memory_pool().release_unused()
    return columns


def _row_columns(records: Iterator[list], start: int, width: int, raw_header: list[str], where: str, padded: bool,
                 cut_short: Callable[[], bool], invisible: dict[int, set[str]]) -> _Columns:
    """The data rows (numbered from ``start``) read a chunk at a time: rows of exactly the header's width
    under a header without gaps are stored column by column as they come; only the others (ragged, or
    under an unnamed column) are looked at one by one. Raises :class:`DataError` naming every ragged row.
    """
    import numpy as np

    clean_width = all(raw_header[:width]) and len(raw_header) == width
    columns = _Columns(width, typed=padded)
    problems: list[Problem] = []
    last_odd = None  # the last ragged row: its problem is worded differently if the file ends inside it
    while chunk := list(islice(records, CHUNK_ROWS)):
        keep = np.ones(len(chunk), dtype=bool)
        lengths = np.fromiter(map(len, chunk), dtype=np.int64, count=len(chunk))
        for k in (np.flatnonzero(lengths != width) if clean_width else range(len(chunk))):
            cells, row = list(chunk[k]), start + int(k)
            if found := _strip_invisible(cells):
                invisible.setdefault(row, set()).update(found)
            if padded and len(cells) < width:
                cells += [""] * (width - len(cells))
            if _blank_row(cells):
                keep[k] = False
                continue
            if problem := _row_problem(cells, row, width, raw_header, where, False, padded):
                problems.append(problem)
                last_odd = (len(problems) - 1, cells, row)
            chunk[k] = cells[:width]
        if not problems:  # a table with problems is refused: its rows are checked, not kept
            columns.add(chunk if keep.all() else [c for c, k in zip(chunk, keep) if k], start + np.flatnonzero(keep))
        start += len(chunk)
    if last_odd is not None and last_odd[2] == start - 1 and cut_short():
        i, cells, row = last_odd
        problems[i] = _row_problem(cells, row, width, raw_header, where, True, padded)
    if problems:
        raise DataError(problems)
    return columns


def _table(records: Iterable[list], where: str, padded: bool, cut_short: Callable[[], bool] = lambda: False,
           fast: Callable[[int, int, int], _Columns | None] | None = None) -> Cells:
    """Cells under their headers; ragged rows and headless values are errors naming the row.

    The header is found among the first ``records``; the rows under it are read once, by
    ``fast(records before the first row, header width, first row number)`` when given and the header has
    no gaps (None from it: read them here after all), else by :func:`_row_columns`. Blank rows are left
    out (their numbers are kept); invisible characters are removed from the distinct cells.
    ``padded``: rows may end before the header does (a workbook stores no empty trailing cells).
    ``cut_short()``: after the last record, whether the file ends without a line break.
    """
    import numpy as np  # imported here: the notebook runner writes files without needing it

    records = iter(records)
    head: list[list] = []
    for record in records:
        head.append(record)
        if len(head) >= HEADER_SEARCH_RECORDS or sum(1 for r in head if r) >= HEADER_SEARCH_ROWS:
            break
    header_at = _header_index(head, where)
    units = _unit_notes(head, header_at, where)
    header = list(head[header_at])
    found = _strip_invisible(header)
    invisible = {header_at + 1: found} if found else {}
    raw_header = [str(c).strip() if not _blank(c) else "" for c in header]
    width = max(i for i, name in enumerate(raw_header) if name) + 1
    clean_width = all(raw_header[:width]) and len(raw_header) == width
    columns = fast(header_at + 1, width, header_at + 2) if fast is not None and clean_width else None
    if columns is None:
        columns = _row_columns(chain(head[header_at + 1:], records), header_at + 2, width, raw_header, where,
                               padded, cut_short, invisible)
    rows, codes, distinct = columns.cells()
    blank = np.ones(len(rows), dtype=bool)
    for j in range(width):
        names = [_invisible_in(c) if isinstance(c, str) and INVISIBLE_RE.search(c) else None for c in distinct[j]]
        if any(names):
            for k in np.flatnonzero(np.array([n is not None for n in names])[codes[j]]):
                invisible.setdefault(int(rows[k]), set()).update(names[codes[j][k]])
            distinct[j] = [c if n is None else INVISIBLE_RE.sub("", c) for c, n in zip(distinct[j], names)]
        blank &= np.array([_blank(c) for c in distinct[j]], dtype=bool)[codes[j]]
    named = [j for j in range(width) if raw_header[j]]
    if blank.any():
        rows, codes = rows[~blank], [c[~blank] for c in codes]
    return Cells([raw_header[j] for j in named], rows, [codes[j] for j in named], [distinct[j] for j in named],
                 header_at + 1, units, dict(sorted(invisible.items())))


def _how(how: str, cells: Cells) -> str:
    """How a file was read, with what reading it changed or noted: removed invisible characters, units."""
    notes = [how]
    if cells.invisible:
        names = sorted(set().union(*cells.invisible.values()))
        notes.append(f"removed invisible characters ({', '.join(names)}) from rows "
                     f"{', '.join(str(r) for r in sorted(cells.invisible))}")
    if cells.units:
        notes.append(f"unit noted above the header: {', '.join(cells.units)}")
    return "; ".join(notes)


def read_columns(path: Path | str, sheet: str | None = None) -> tuple[Cells, str]:
    """Read a CSV or .xlsx sheet as untyped :class:`Cells`, column by column; see :func:`read_cells`.

    A CSV file is decoded and split a block at a time, and its rows stored column by column as they are
    read: memory stays near the size of the codes and the distinct cells, never the file's rows as
    Python lists.
    """
    path = Path(path)
    where = display_path(path)
    if not path.is_file():
        raise _fail(where, None, "no such file", "an existing raw file")
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        records, how = _excel_records(path, where, sheet)
        cells = _table(records, where, padded=True)
        return cells, _how(how, cells)
    if suffix == ".xls":
        raise _fail(where, None, "old Excel 97-2003 .xls workbooks cannot be read",
                    "an .xlsx workbook (Save As .xlsx in Excel or WPS) or a .csv file")
    if suffix not in CSV_SUFFIXES:
        raise _fail(where, None, f"unsupported file type {path.suffix!r}", "a .csv or .xlsx file")
    encoding, quoted = _encoding(path, where)
    delimiter = _delimiter(_head(path, encoding))
    cells = _table(_csv_records(path, where, encoding, delimiter), where, padded=False,
                   cut_short=functools.partial(_ends_without_line_break, path),
                   fast=None if quoted else functools.partial(_arrow_columns, path, encoding, delimiter))
    return cells, _how(encoding if delimiter == "," else f"{encoding}, tab-separated", cells)


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
    cells, how = read_columns(path, sheet)
    return cells.frame(), how


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
