"""Reading a table column by column (`readers.io.read_columns`).

A CSV file without quote characters is split by Arrow's CSV reader, any other by the csv module; both
must give the same cells, row numbers, notes and errors. Memory grows with the codes (four bytes a
cell), not with the rows as Python lists.
"""
import csv
import tracemalloc

import pytest

from analysis.config import RAW_DATA_DIR
from analysis.readers import io
from analysis.readers.io import DataError, read_cells
from test_bad_inputs import CASES, COLUMNS

ROW = "全国,national,all_levels,{year},FY,粮食加工品,{batches},17,{rate},https://a.example/fy,"
QUOTE_FREE = {  # name -> text: every way of laying out rows that has no quote character
    "title, blank lines, comma-only rows, CRLF": "抽检情况（单位：批次）\r\n\r\n" + ",".join(COLUMNS) + "\r\n"
    + ROW.format(year=2021, batches=708, rate=2.4) + "\r\n\r\n,,,,,,,,,,\r\n"
    + ROW.format(year=2020, batches=700, rate=2.43) + "\r\n\r\n\r\n",
    "lone CR line breaks, no final line break": ",".join(COLUMNS) + "\r" + ROW.format(year=2021, batches=708,
                                                                                     rate=2.4) + "\r"
    + ROW.format(year=2020, batches=700, rate=2.43),
    "tab-separated, commas in a note": "\t".join(COLUMNS) + "\n" + "\t".join(
        ["全国", "national", "all_levels", "2021", "FY", "all", "708", "17", "2.4", "https://a.example", "a, b, c"]) + "\n",
    "invisible characters": ",".join(COLUMNS) + "\n" + ROW.format(year=2021, batches=708, rate=2.4).replace(
        "粮食", "粮\u200b食") + "\n\u2060,,,,,,,,,,\n" + ROW.format(year=2020, batches=700, rate=2.43) + "\n",
    "repeated and padded headers": ",".join(f" {c} " for c in COLUMNS[:-1]) + ",region\n"
    + ROW.format(year=2021, batches=708, rate=2.4) + "\n",
    "ragged row": ",".join(COLUMNS) + "\n" + ROW.format(year=2021, batches=708, rate=2.4) + ",extra\n"
    + ROW.format(year=2020, batches=700, rate=2.43)[:-1] + "\n",
    "a cell longer than the csv module allows": ",".join(COLUMNS) + "\n"
    + ROW.format(year=2021, batches=708, rate=2.4) + "x" * (csv.field_size_limit() + 1) + "\n",
    "whitespace-only line": ",".join(COLUMNS) + "\n \n" + ROW.format(year=2021, batches=708, rate=2.4) + "\n",
}
FILES = [(f"quote-free: {name}", text.encode(encoding)) for name, text in QUOTE_FREE.items()
         for encoding in ("utf-8", "gb18030")] + [
    ("BOM", b"\xef\xbb\xbf" + QUOTE_FREE["title, blank lines, comma-only rows, CRLF"].encode()),
    *((f"corpus: {case}", data) for case, name, data, _ in CASES if name.endswith(".csv")),
    *((f"shipped: {p.name}", p.read_bytes()) for p in sorted(RAW_DATA_DIR.glob("*.csv"))),
]


def _read(path):
    try:
        cells, how = read_cells(path)
    except DataError as err:
        return str(err), None
    return cells, how


@pytest.mark.parametrize("data", [data for _, data in FILES], ids=[name for name, _ in FILES])
def test_arrow_and_the_csv_module_give_the_same_cells_and_errors(tmp_path, monkeypatch, data):
    path = tmp_path / "sampling.csv"
    path.write_bytes(data)
    arrow = _read(path)
    monkeypatch.setattr(io, "_arrow_columns", lambda *args: None)  # the csv module reads every file
    by_csv = _read(path)
    if isinstance(by_csv[0], str):
        assert arrow == by_csv
    else:
        assert arrow[1] == by_csv[1]
        assert arrow[0].equals(by_csv[0]) and arrow[0].attrs == by_csv[0].attrs
        assert list(arrow[0].columns) == list(by_csv[0].columns)


@pytest.mark.parametrize("name, rows", [("title, blank lines, comma-only rows, CRLF", [4, 7]),
                                        ("tab-separated, commas in a note", [2]), ("invisible characters", [2, 4]),
                                        ("lone CR line breaks, no final line break", [2, 3])])
def test_a_file_without_quotes_is_read_by_arrow(tmp_path, monkeypatch, name, rows):
    path = tmp_path / "sampling.csv"
    path.write_text(QUOTE_FREE[name], encoding="gb18030")
    used = []
    arrow_columns = io._arrow_columns
    monkeypatch.setattr(io, "_arrow_columns", lambda *args: used.append(arrow_columns(*args)) or used[-1])
    cells, _ = read_cells(path)
    assert len(used) == 1 and used[0] is not None
    assert cells.index.tolist() == rows


def _rows_file(path, rows: int, quoted: bool) -> None:
    note = '"a, b"' if quoted else "a b"
    lines = [",".join(COLUMNS)] + [ROW.format(year=2000 + i % 20, batches=i % 1000 + 17, rate=1.5)[:-1] + f",{note}"
                                   for i in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize("quoted", [False, True], ids=["arrow", "csv module"])
def test_memory_grows_with_codes_not_with_python_rows(tmp_path, quoted):
    """Python's own allocations (tracemalloc) while reading 40,000 rows rather than 10,000: the 30,000
    more rows of 11 cells may cost about their codes (44 bytes) and row numbers (8 bytes), not the ~200
    bytes a row of Python strings in a list costs."""
    peaks = []
    for rows in (10_000, 40_000):
        path = tmp_path / f"{rows}.csv"
        _rows_file(path, rows, quoted)
        tracemalloc.start()
        cells, _ = io.read_columns(path)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        assert len(cells.rows) == rows
    assert (peaks[1] - peaks[0]) / 30_000 < 120


@pytest.mark.parametrize("formula, loads", [(False, 1), (True, 2)])
def test_a_workbook_is_read_for_its_formulas_only_when_it_has_any(tmp_path, monkeypatch, formula, loads):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(COLUMNS)
    book.active.append(["全国", "national", "all_levels", 2021, "FY", "all", 708, "=10+7" if formula else 17,
                        2.4, "https://a.example/fy", None])
    book.save(tmp_path / "sampling.xlsx")
    opened = []
    load_workbook = openpyxl.load_workbook
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: opened.append(k) or load_workbook(*a, **k))
    if formula:  # saved by openpyxl: a formula without a saved value
        with pytest.raises(DataError, match=r":2: cell H2 has the formula =10\+7 but no saved value"):
            read_cells(tmp_path / "sampling.xlsx")
    else:
        assert read_cells(tmp_path / "sampling.xlsx")[0]["unqualified"].tolist() == [17]
    assert [k["data_only"] for k in opened] == [True, False][:loads]
