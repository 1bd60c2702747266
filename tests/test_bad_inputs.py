"""A corpus of bad raw files, as district analysts really bring them, and the exact lines they get back.

Each case starts from a good sampling table, breaks it the way exported or hand-edited files break, and
checks three things: the DataError's message, line for line (file, row as a spreadsheet numbers it with
the header as row 1, column, what is wrong, what was expected); the processed table written before from
the good file is byte-identical afterwards; the bad raw file is unchanged.
"""
import csv
import dataclasses
import datetime
import io
import random
import re
import subprocess
import sys
import zipfile

import openpyxl
import pytest

from analysis.readers import datasets
from analysis.sampling import step as sampling
from analysis.config import PROJ_ROOT, RAW_DATA_DIR
from analysis.readers.io import DataError, Problem
from analysis.parameters import ParameterError
from analysis.readers.schema import load_table

COLUMNS = ["region", "level", "scope", "year", "period", "category", "batches", "unqualified",
           "unqualified_rate_pct", "source_url", "note"]
BASE = [  # spreadsheet rows 2, 3, 4
    ["全国", "national", "all_levels", "2021", "Q3", "all", "2459894", "63611", "2.59", "https://a.example/q3", ""],
    ["全国", "national", "all_levels", "2020", "Q3", "all", "2234829", "49534", "2.22", "https://a.example/q3", ""],
    ["全国", "national", "all_levels", "2020", "FY", "all", "638万余", "", "2.31", "https://a.example/fy",
     "rounded, as published"],
]
THIS_YEAR = datetime.date.today().year
FORMULA_HINT = "expected a value (correct the formula or paste values)"
COUNT_EXAMPLE = "expected a count such as 6954438, 1.54亿 or 638万余"
SOURCE_HINT = ("expected a source URL starting with http:// or https:// and a host name, without spaces, braces "
               "or quotes, or a description of the source (本局登记注册系统导出 2022-01-05)")
RATE_HINT = ("expected the rate of the row's own counts, to the rounding of its printed digits (a fraction "
             "written in a percent column?)")


def table(rows=BASE, header=COLUMNS) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *rows])
    return out.getvalue()


def changed(row: int, **cells) -> list:
    """One base row (spreadsheet row 2..4) with some cells replaced."""
    cells_of_row = list(BASE[row - 2])
    for column, value in cells.items():
        cells_of_row[COLUMNS.index(column)] = value
    return cells_of_row


def edit(row: int, **cells) -> list[list]:
    """The base rows with cells of one spreadsheet row (2..4) replaced."""
    return [changed(r, **cells) if r == row else list(BASE[r - 2]) for r in (2, 3, 4)]


def csv_bytes(rows=BASE, header=COLUMNS, encoding="utf-8") -> bytes:
    return table(rows, header).encode(encoding)


def xlsx_bytes(rows=BASE, header=COLUMNS, sheet="Sheet1") -> bytes:
    book = openpyxl.Workbook()
    book.active.title = sheet
    for cells in [header, *rows]:
        book.active.append([c if c != "" else None for c in cells])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def workbook_bytes(sheets: dict, active: str | None = None, hidden=(), formats=None) -> bytes:
    """A workbook of several sheets (name -> rows), opening on ``active``, with ``hidden`` sheets and
    number formats ``{(sheet, cell): format}``."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for cells in rows:
            sheet.append([c if c != "" else None for c in cells])
        sheet.sheet_state = "hidden" if name in hidden else "visible"
    for (name, ref), number_format in (formats or {}).items():
        book[name][ref].number_format = number_format
    book.active = book.sheetnames.index(active or next(iter(sheets)))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def opening_on_first_sheet(data: bytes) -> bytes:
    """The workbook set to open on its first sheet, as other tools write it even when that sheet is hidden
    (openpyxl itself moves the active sheet off a hidden one)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "xl/workbook.xml":
                content = re.sub(rb'activeTab="\d+"', b'activeTab="0"', content)
            dst.writestr(info, content)
    return out.getvalue()


def numeric(rows=BASE) -> list[list]:
    """Rows as a workbook holds them: counts and years as numbers where they are plain digits."""
    return [[int(c) if c.isdigit() else c for c in r] for r in rows]


def cut(text: str, marker: str) -> bytes:
    """The file cut just before the last occurrence of ``marker``, as an interrupted copy leaves it."""
    return text[:text.rindex(marker)].encode("utf-8")


_noise = random.Random(20240501)
RANDOM_BYTES = bytes(_noise.randrange(256) for _ in range(2048))

# (case id, file name, raw bytes, expected lines with {raw} for the raw file's path)
CASES = [
    ("truncated mid-row", "sampling.csv", cut(table(), ",2.31"),
     ["{raw}:4: the file ends in the middle of this row (8 of 11 cells); expected a complete last row "
      "(was the file cut short?)"]),
    ("truncated inside quotes", "sampling.csv", cut(table(), " as published"),
     ["{raw}:4: the file ends inside a quoted cell that starts on this row (was the file cut short?); "
      "expected a closing quote"]),
    ("empty file", "sampling.csv", b"",
     ["{raw}: the file is empty; expected a header row and data rows"]),
    ("blank lines only", "sampling.csv", b"\r\n\r\n",
     ["{raw}: the file is empty; expected a header row and data rows"]),
    ("header only", "sampling.csv", csv_bytes([]),
     ["{raw}: no data rows under the header; expected at least one row of data"]),
    ("title row only", "sampling.csv", "2021年食品安全监督抽检情况表\n".encode(),
     ["{raw}: no header row (no row with two or more filled cells); expected a header row naming the "
      "columns, then data rows"]),
    ("utf-16 with BOM", "sampling.csv", table().encode("utf-16"),
     ["{raw}: the file is UTF-16 text (Excel's 'Unicode Text'), not UTF-8 or GBK; expected UTF-8 (with or "
      "without BOM), GBK or GB18030 text: save it as 'CSV UTF-8'"]),
    ("utf-16 without BOM", "sampling.csv", table().encode("utf-16-le"),
     ["{raw}: the file contains NUL bytes (UTF-16 without BOM, or not a text file); expected UTF-8 (with or "
      "without BOM), GBK or GB18030 text: save it as 'CSV UTF-8'"]),
    ("big5 headers", "sampling.csv",
     table([["全國", "national", "all_levels", "2021", "Q3", "all", "1", "0", "", "https://a.example", ""]],
           ["地區", "層級", "範圍", "年份", "期間", "類別", "抽檢批次", "不合格批次", "不合格率", "來源", "備註"])
     .encode("big5"),
     [r"{raw}:1: none of the expected columns in the header (found '\ue6c7跋', '糷\ue1fa', '絛瞅', '\ue6e4\ue77d', "
      r"'戳丁', '摸\ue715', ...; read as gb18030); expected a header naming region, level, scope, year, period, "
      "category, batches, unqualified, source_url in English or Chinese (garbled names: save the file as UTF-8)"]),
    ("damaged utf-8", "sampling.csv", csv_bytes(edit(4, note="café")).replace("é".encode(), b"\xe9"),
     ["{raw}: invalid UTF-8 byte 0xE9 on line 4 of an otherwise UTF-8 file; expected valid UTF-8 "
      "throughout: correct that cell and save the file as 'CSV UTF-8'"]),
    ("GBK file with a stray byte", "sampling.csv", csv_bytes(edit(4, note="x"), encoding="gbk")
     .replace(b",x\n", b",\xff\n"),
     ["{raw}: cannot decode the file; expected UTF-8 (with or without BOM), GBK or GB18030 text (byte 0xFF "
      "on line 4 is neither)"]),
    ("missing column", "sampling.csv", table([r[:2] + r[3:] for r in BASE], COLUMNS[:2] + COLUMNS[3:]).encode(),
     ["{raw}:1: missing column 'scope'; expected a column headed 'scope' or 范围, 抽检范围"]),
    ("missing columns, Chinese headers", "sampling.csv",
     table([r[:7] + r[8:] for r in BASE],
           ["地区", "层级", "范围", "年份", "期间", "类别", "抽检批次", "不合格率", "来源网址", "备注"]).encode(),
     ["{raw}:1: missing column 'unqualified'; expected a column headed 'unqualified' or 不合格批次, 不合格批次数"]),
    ("duplicated column", "sampling.csv", table([r + ["全国"] for r in BASE], COLUMNS + ["地区"]).encode(),
     ["{raw}:1: column 'region' given 2 times (as 'region', '地区'); expected each column once"]),
    ("duplicated key", "sampling.csv", csv_bytes(BASE + [BASE[0]]),
     ["{raw}:5: same key (region=全国, scope=all_levels, year=2021, period=Q3, category=all) as row 2; "
      "expected one row per region/scope/year/period/category"]),
    ("keys repeated on later rows", "sampling.csv", csv_bytes(BASE + [BASE[0], BASE[1], BASE[0]]),
     ["{raw}:5: same key (region=全国, scope=all_levels, year=2021, period=Q3, category=all) as row 2; "
      "expected one row per region/scope/year/period/category",
      "{raw}:6: same key (region=全国, scope=all_levels, year=2020, period=Q3, category=all) as row 3; "
      "expected one row per region/scope/year/period/category",
      "{raw}:7: same key (region=全国, scope=all_levels, year=2021, period=Q3, category=all) as row 2; "
      "expected one row per region/scope/year/period/category"]),
    ("key repeated after a row whose key cell is unreadable", "sampling.csv",
     csv_bytes([changed(2, year="abc"), BASE[1], BASE[2], BASE[0], BASE[0]]),
     ["{raw}:2: column 'year': not a year: 'abc'; expected a year such as 2021 or 2021年",
      "{raw}:6: same key (region=全国, scope=all_levels, year=2021, period=Q3, category=all) as row 5; "
      "expected one row per region/scope/year/period/category"]),
    ("negative count", "sampling.csv", csv_bytes(edit(3, unqualified="-5")),
     ["{raw}:3: column 'unqualified': negative count -5; expected a whole number >= 0"]),
    ("unqualified > batches", "sampling.csv", csv_bytes(edit(2, batches="800", unqualified="900")),
     ["{raw}:2: column 'unqualified': unqualified 900 is greater than batches 800; expected unqualified <= batches"]),
    ("non-numeric cell", "sampling.csv", csv_bytes(edit(2, batches="abc")),
     [f"{{raw}}:2: column 'batches': not a number: 'abc'; {COUNT_EXAMPLE}"]),
    ("future year", "sampling.csv", csv_bytes(edit(2, year=str(THIS_YEAR + 1))),
     [f"{{raw}}:2: column 'year': {THIS_YEAR + 1} is in the future; expected a year from 1949 to {THIS_YEAR}"]),
    ("year before 1949", "sampling.csv", csv_bytes(edit(2, year="1948年")),
     [f"{{raw}}:2: column 'year': 1948 is before 1949; expected a year from 1949 to {THIS_YEAR}"]),
    ("not a year", "sampling.csv", csv_bytes(edit(2, year="FY2021")),
     ["{raw}:2: column 'year': not a year: 'FY2021'; expected a year such as 2021 or 2021年"]),
    ("bad period code", "sampling.csv", csv_bytes(edit(2, period="Q5")),
     ["{raw}:2: column 'period': unknown period 'Q5'; expected a period: FY, H1, H2, Q1..Q4, Q1-Q3 or M01-M05"]),
    ("unknown scope", "sampling.csv", csv_bytes(edit(2, scope="provincial")),
     ["{raw}:2: column 'scope': unknown scope 'provincial'; expected one of all_levels, national_organised, "
      "region_reported"]),
    ("unknown level", "sampling.csv", csv_bytes(edit(2, level="town")),
     ["{raw}:2: column 'level': unknown level 'town'; expected one of national, province, city, county, "
      "district"]),
    ("mistyped URL scheme", "sampling.csv", csv_bytes(edit(2, source_url="htp://www.samr.gov.cn/x")),
     [f"{{raw}}:2: column 'source_url': not a URL: 'htp://www.samr.gov.cn/x'; {SOURCE_HINT}"]),
    ("URL without scheme", "sampling.csv", csv_bytes(edit(3, source_url="www.samr.gov.cn/x")),
     [f"{{raw}}:3: column 'source_url': not a URL: 'www.samr.gov.cn/x'; {SOURCE_HINT}"]),
    ("URL with an unfilled template", "sampling.csv",
     csv_bytes(edit(2, source_url="https://freewechat.com/a/MzA4NjcxNjkzNw==/2651936835/{{href}}")),
     [f"{{raw}}:2: column 'source_url': not a URL: 'https://freewechat.com/a/MzA4NjcxNjkzNw==/2651936835/"
      f"{{{{{{{{href}}}}}}}}'; {SOURCE_HINT}"]),
    ("URL with a space", "sampling.csv", csv_bytes(edit(2, source_url="https://www.samr.gov.cn/a b.html")),
     [f"{{raw}}:2: column 'source_url': not a URL: 'https://www.samr.gov.cn/a b.html'; {SOURCE_HINT}"]),
    ("fractional count", "sampling.csv", csv_bytes(edit(2, batches="2459894.5")),
     ["{raw}:2: column 'batches': not a whole number: 2459894.5; expected a whole number >= 0"]),
    ("redacted value", "sampling.csv", csv_bytes(edit(2, unqualified="XXX")),
     ["{raw}:2: column 'unqualified': redacted value 'XXX' where a number is required; expected the published "
      "figure itself"]),
    ("range where a count is required", "sampling.csv", csv_bytes(edit(2, unqualified="600-700")),
     [f"{{raw}}:2: column 'unqualified': a range or vague figure '600-700' where one number is required; "
      f"{COUNT_EXAMPLE}"]),
    ("formula errors in a CSV export", "sampling.csv",
     csv_bytes(edit(2, region="#REF!", batches="#DIV/0!", unqualified_rate_pct="#N/A")),
     [f"{{raw}}:2: column 'region': spreadsheet formula error #REF!; {FORMULA_HINT}",
      f"{{raw}}:2: column 'batches': spreadsheet formula error #DIV/0!; {FORMULA_HINT}",
      f"{{raw}}:2: column 'unqualified_rate_pct': spreadsheet formula error #N/A; {FORMULA_HINT}"]),
    ("formula error cells in .xlsx", "sampling.xlsx", xlsx_bytes(edit(3, unqualified="#DIV/0!", year="#VALUE!")),
     [f"{{raw}}:3: column 'year': spreadsheet formula error #VALUE!; {FORMULA_HINT}",
      f"{{raw}}:3: column 'unqualified': spreadsheet formula error #DIV/0!; {FORMULA_HINT}"]),
    ("corrupt .xlsx", "sampling.xlsx", RANDOM_BYTES,
     ["{raw}: not a readable .xlsx workbook (File is not a zip file); expected an .xlsx file saved by Excel "
      "or WPS"]),
    ("old .xls workbook", "sampling.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + RANDOM_BYTES,
     ["{raw}: old Excel 97-2003 .xls workbooks cannot be read; expected an .xlsx workbook (Save As .xlsx in "
      "Excel or WPS) or a .csv file"]),
    ("workbook saved as .csv", "sampling.csv", xlsx_bytes(),
     ["{raw}: the file is an .xlsx workbook (or another zip archive), not CSV text; expected a CSV file, or "
      "the workbook named .xlsx"]),
    ("percentage over 100", "sampling.csv", csv_bytes(edit(2, unqualified_rate_pct="259")),
     ["{raw}:2: column 'unqualified_rate_pct': percentage 259 is over 100; expected a percentage between 0 "
      "and 100"]),
    ("negative percentage", "sampling.csv", csv_bytes(edit(2, unqualified_rate_pct="-2.59%")),
     ["{raw}:2: column 'unqualified_rate_pct': negative percentage -2.59; expected a percentage between 0 "
      "and 100"]),
    ("percentage points for a rate", "sampling.csv", csv_bytes(edit(2, unqualified_rate_pct="0.38个百分点")),
     ["{raw}:2: column 'unqualified_rate_pct': not a plain percentage: '0.38个百分点'; expected a percentage "
      "such as 2.69 or 2.69%"]),
    ("count with a unit", "sampling.csv", csv_bytes(edit(3, unqualified="300件")),
     ["{raw}:3: column 'unqualified': '300件' has the unit '件'; expected a plain count without a unit "
      "(the header says what is counted)"]),
    ("empty required cell", "sampling.csv", csv_bytes(edit(3, region="", category="-")),
     ["{raw}:3: column 'region': empty cell; expected region name, e.g. 全国, 福建省, a district",
      "{raw}:3: column 'category': no value: '-'; expected 'all' (合计, 总计, 全部) or the food category as printed"]),
    ("unquoted comma in a note", "sampling.csv", table().replace('"rounded, as published"', "rounded, as published")
     .encode(),
     ["{raw}:4: 12 cells where the header has 11 (extra value 'as published'); expected one cell per header "
      "column (a cell containing a comma must be quoted)"]),
    ("missing comma", "sampling.csv", table().replace("Q3,all", "Q3all", 1).encode(),
     ["{raw}:2: 10 cells where the header has 11; expected one cell per header column (a missing comma?)"]),
    ("value under no header in .xlsx", "sampling.xlsx", xlsx_bytes([r + ["", "checked"] for r in BASE]),
     [f"{{raw}}:{row}: value 'checked' in column 13, which has no header; expected a header for every column "
      "with values" for row in (2, 3, 4)]),
    ("broken quoting", "sampling.csv", table().replace('"rounded, as published"', '"rounded" as published')
     .encode(),
     ["{raw}:4: broken quoting (',' expected after '\"'); expected quotes only around a whole cell, a quote "
      "inside a cell doubled (\"\")"]),
    ("several problems", "sampling.csv",
     csv_bytes([BASE[0], changed(3, year="2099", batches="1,2"),
                changed(4, level="乡镇", scope="全部", batches="6380000", unqualified="7000000"), BASE[0]]),
     ["{raw}:3: column 'year': 2099 is in the future; expected a year from 1949 to " + str(THIS_YEAR),
      f"{{raw}}:3: column 'batches': not a number: '1,2'; {COUNT_EXAMPLE}",
      "{raw}:4: column 'level': unknown level '乡镇'; expected one of national, province, city, county, district",
      "{raw}:4: column 'scope': unknown scope '全部'; expected one of all_levels, national_organised, "
      "region_reported",
      "{raw}:4: column 'unqualified': unqualified 7000000 is greater than batches 6380000; expected "
      "unqualified <= batches",
      "{raw}:5: same key (region=全国, scope=all_levels, year=2021, period=Q3, category=all) as row 2; "
      "expected one row per region/scope/year/period/category"]),
    ("problems named by Chinese header", "sampling.csv",
     table(edit(2, batches="1.2万", unqualified="13000"),
           ["地区", "层级", "范围", "年份", "期间", "类别", "抽检批次", "不合格批次", "不合格率（%）", "来源", "备注"])
     .encode("gbk"),
     ["{raw}:2: column '不合格批次' (unqualified): unqualified 13000 is greater than batches 12000; expected "
      "unqualified <= batches"]),
    # issue 19: inputs that gave a wrong number with no message
    ("workbook opening on a hidden sheet", "sampling.xlsx",
     opening_on_first_sheet(workbook_bytes({"旧稿": [COLUMNS, *BASE], "2021": [COLUMNS, *BASE]}, active="2021",
                                           hidden=("旧稿",))),
     ["{raw}: the workbook opens on a hidden sheet; expected the sheet to read chosen by name (--sheet, or "
      "`sheets:` in the parameters file): '旧稿', '2021'"]),
    ("formula with no saved value", "sampling.xlsx",
     workbook_bytes({"Sheet1": [COLUMNS, *numeric(edit(2, unqualified="=G2*0.026"))]}),
     ["{raw}:2: cell H2 has the formula =G2*0.026 but no saved value; expected a value: open the workbook in "
      "Excel or WPS and save it, or paste values"]),
    ("unit line above the header, a count with a multiplier of its own", "sampling.csv",
     ("2021年抽检情况\n单位：万批次\n" + table(edit(2, batches="245.9894", unqualified="6.3611"))).encode(),
     ["{raw}:6: column 'batches': '638万余' has a multiplier of its own under the unit note '单位：万批次'; expected "
      "figures in 万批次 without 万 or 亿 (12.5 for 12.5万), or the figures written in full and the unit note removed"]),
    ("unit line in money above the header", "sampling.csv",
     ("2021年抽检情况\n单位：万元\n" + table(edit(2, batches="245.9894", unqualified="6.3611"))).encode(),
     ["{raw}:2: the unit note '单位：万元' above the header scales every figure by 万元; expected figures "
      "written in full (125000, or 12.5万 in the cell) and the unit note removed"]),
    ("two unit lines that disagree", "sampling.csv",
     ("单位：万批次\n单位：千批次\n" + table(edit(2, batches="245.9894", unqualified="6.3611"))).encode(),
     ["{raw}:2: the unit notes '单位：万批次' and '单位：千批次' above the header disagree; expected figures written "
      "in full (125000, or 12.5万 in the cell) and the unit note removed"]),
    ("number format showing a unit", "sampling.xlsx",
     workbook_bytes({"Sheet1": [COLUMNS, *numeric(edit(3, batches="223", unqualified="5"))]},
                    formats={("Sheet1", "G3"): '0"万批次"', ("Sheet1", "H3"): '0"万批次"'}),
     ["{raw}:3: column 'batches': '223万批次' has the unit '批次'; expected a plain count without a unit (the header "
      "says what is counted)",
      "{raw}:3: column 'unqualified': '5万批次' has the unit '批次'; expected a plain count without a unit (the "
      "header says what is counted)"]),
    ("a fraction in a percent column", "sampling.csv",
     csv_bytes(edit(2, batches="708", unqualified="17", unqualified_rate_pct="0.0240")),
     [f"{{raw}}:2: column 'unqualified_rate_pct': published rate 0.024% is not unqualified/batches = 17/708 = "
      f"2.401%; {RATE_HINT}"]),
    ("published rate contradicting its counts", "sampling.csv",
     table(edit(3, batches="1688", unqualified="45", unqualified_rate_pct="5%"),
           ["地区", "层级", "范围", "年份", "期间", "类别", "抽检批次", "不合格批次", "不合格率", "来源", "备注"]).encode(),
     [f"{{raw}}:3: column '不合格率' (unqualified_rate_pct): published rate 5% is not unqualified/batches = 45/1688 "
      f"= 2.666%; {RATE_HINT}"]),
    # issue 19: tracebacks that became one line
    ("20-digit count", "sampling.csv", csv_bytes(edit(2, batches="12345678901234567890")),
     ["{raw}:2: column 'batches': count '12345678901234567890' is too large (20 digits); expected a count up to "
      "9007199254740992 (an ID or a pasted figure in a count column?)"]),
    ("cover sheet first", "sampling.xlsx",
     workbook_bytes({"封面": [["2021年食品安全监督抽检情况"], ["填报单位", "某区市场监督管理局"]],
                     "数据": [COLUMNS, *BASE]}),
     ["{raw}:2: none of the expected columns in the header (found '填报单位', '某区市场监督管理局'; read as xlsx sheet "
      "封面); expected a header naming region, level, scope, year, period, category, batches, unqualified, "
      "source_url in English or Chinese; or the sheet that holds the table, chosen by name (`sheets:` in the "
      "parameters file, or --sheet)"]),
    ("not a whole number beyond float noise", "sampling.csv", csv_bytes(edit(2, batches="17.0000001",
                                                                             unqualified="1")),
     ["{raw}:2: column 'batches': not a whole number: 17.0000001; expected a whole number >= 0"]),
]


def _raw_dir(tmp_path, name, data):
    folder = tmp_path / "raw"
    folder.mkdir()
    (folder / name).write_bytes(data)
    return folder


@pytest.mark.parametrize("case, name, data, lines", CASES, ids=[c[0] for c in CASES])
def test_bad_file_gives_exact_lines_and_loses_nothing(tmp_path, case, name, data, lines):
    processed = tmp_path / "processed"
    good = tmp_path / "good"
    good.mkdir()
    (good / "sampling.csv").write_bytes(csv_bytes())
    before = sampling.process(good, processed).read_bytes()
    raw = _raw_dir(tmp_path, name, data)
    path = raw / name
    with pytest.raises(DataError) as err:
        if path.suffix in (".csv", ".xlsx"):
            sampling.process(raw, processed)
        else:
            datasets.validate_file(path)
    assert str(err.value).splitlines() == [line.format(raw=path) for line in lines]
    assert len(err.value.problems) == len(lines)
    assert (processed / "sampling.csv").read_bytes() == before
    assert path.read_bytes() == data


def test_corpus_has_at_least_thirty_distinct_cases():
    assert len({case for case, *_ in CASES}) == len(CASES) >= 30
    assert len({data for _, _, data, _ in CASES}) == len(CASES)


def test_unknown_sheet_names_the_sheets_there_are(tmp_path):
    raw = _raw_dir(tmp_path, "sampling.xlsx", xlsx_bytes(sheet="2021年"))
    with pytest.raises(DataError) as err:
        sampling.read(raw, sheet="2022年")
    assert str(err.value) == f"{raw / 'sampling.xlsx'}: no sheet named '2022年'; expected one of the sheets '2021年'"
    assert sampling.read(raw, sheet="2021年")[1] == "xlsx sheet 2021年"


@pytest.mark.parametrize("cells, value", [
    ({"unqualified_rate_pct": "2.59%"}, 2.59),
    ({"unqualified_rate_pct": "２.５９％"}, 2.59),
    ({"unqualified_rate_pct": " 2.59 "}, 2.59),
    ({"unqualified_rate_pct": "-"}, None),  # a dash: not published
])
def test_a_rate_with_a_percent_sign_is_valid(tmp_path, cells, value):
    raw = _raw_dir(tmp_path, "sampling.csv", csv_bytes(edit(2, **cells)))
    parsed, how = sampling.read(raw)
    assert how == "utf-8"
    rate = parsed.loc[parsed.source_row == 2, "unqualified_rate_pct"].item()
    assert rate == pytest.approx(value) if value is not None else rate != rate


def test_problems_of_a_title_row_file_count_rows_as_the_sheet_shows(tmp_path):
    rows = [["2021年食品安全监督抽检情况表"], [], COLUMNS, *edit(3, batches="abc")]
    book = openpyxl.Workbook()
    for cells in rows:
        book.active.append(cells)
    book.save(tmp_path / "sampling.xlsx")
    with pytest.raises(DataError) as err:
        sampling.read(tmp_path)
    assert str(err.value) == f"{tmp_path / 'sampling.xlsx'}:5: column 'batches': not a number: 'abc'; {COUNT_EXAMPLE}"


def test_validate_command_exit_status_and_stderr(tmp_path):
    bad = _raw_dir(tmp_path, "sampling.csv", csv_bytes(edit(2, year="2099", batches="300件"))) / "sampling.csv"
    unknown = tmp_path / "抽检.csv"
    unknown.write_bytes(csv_bytes())
    good = RAW_DATA_DIR / "sampling.csv"
    result = subprocess.run([sys.executable, "-m", "analysis", "validate", str(good), str(bad), str(unknown)],
                            capture_output=True, text=True, cwd=PROJ_ROOT, check=False)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [f"{good}: ok (read as utf-8)"]
    assert result.stderr.splitlines() == [
        f"{bad}:2: column 'year': 2099 is in the future; expected a year from 1949 to {THIS_YEAR}",
        f"{bad}:2: column 'batches': '300件' has the unit '件'; expected a plain count without a unit "
        "(the header says what is counted)",
        f"{unknown}: no dataset step reads a file named '抽检'; expected one of "
        f"{', '.join(datasets.STEPS)}",
    ]


def test_validate_command_succeeds_on_good_files(tmp_path):
    good = _raw_dir(tmp_path, "sampling.xlsx", xlsx_bytes()) / "sampling.xlsx"
    result = subprocess.run([sys.executable, "-m", "analysis", "validate", str(good)],
                            capture_output=True, text=True, cwd=PROJ_ROOT, check=False)
    assert (result.returncode, result.stdout, result.stderr) == (0, f"{good}: ok (read as xlsx)\n", "")


def test_target_year_missing_from_the_data_is_a_parameter_error(tmp_path):
    table = sampling.load(sampling.process(_raw_dir(tmp_path, "sampling.csv", csv_bytes()), tmp_path / "p").parent)
    with pytest.raises(ParameterError) as err:
        sampling.check_params(table, region="全国", scope="all_levels", period="Q3", category="all",
                              target_year=2022, baseline_years=[2020], lang="zh")
    assert str(err.value) == ("target_year 2022 has no data for 全国/all_levels/Q3/all with exact counts; "
                              "years with data: 2020, 2021")


# Every registered dataset step: the same generic breakages of its shipped raw file.

def _shipped(name):
    module = datasets.step(name)
    return module, (RAW_DATA_DIR / module.RAW_FILE).read_text(encoding="utf-8")


@pytest.mark.parametrize("name", list(datasets.STEPS))
@pytest.mark.parametrize("breakage", ["cut mid-row", "header only", "empty", "region column dropped"])
def test_every_step_reports_generic_breakage_and_keeps_its_output(tmp_path, name, breakage):
    module, text = _shipped(name)
    lines = text.splitlines(keepends=True)
    header = next(csv.reader(lines[:1]))
    good = tmp_path / "good"
    good.mkdir()
    (good / module.RAW_FILE).write_text(text, encoding="utf-8")
    before = module.process(good, tmp_path / "processed").read_bytes()
    if breakage == "cut mid-row":
        data = "".join(lines[:-1]) + ",".join(lines[-1].split(",")[:3])
        expected = (f"{{raw}}:{len(lines)}: the file ends in the middle of this row (3 of {len(header)} cells); "
                    "expected a complete last row (was the file cut short?)")
    elif breakage == "header only":
        data = lines[0]
        expected = "{raw}: no data rows under the header; expected at least one row of data"
    elif breakage == "empty":
        data = ""
        expected = "{raw}: the file is empty; expected a header row and data rows"
    else:
        data = "".join(line.split(",", 1)[1] for line in lines)
        expected = "{raw}:1: missing column 'region'; expected a column headed 'region' or 地区, 区域, 行政区划"
    raw = _raw_dir(tmp_path, module.RAW_FILE, data.encode("utf-8"))
    with pytest.raises(DataError) as err:
        module.process(raw, tmp_path / "processed")
    assert str(err.value) == expected.format(raw=raw / module.RAW_FILE)
    assert (tmp_path / "processed" / module.PROCESSED_FILE).read_bytes() == before
    assert (raw / module.RAW_FILE).read_bytes() == data.encode("utf-8")


def test_a_table_check_is_listed_with_the_others_and_sees_only_clean_rows(tmp_path):
    seen = []

    def q3_only_in_2021(parsed, where):
        seen.extend(parsed["source_row"])
        return [Problem(where, row, "period", "Q3 outside 2021", "Q3 in 2021 only")
                for row, year, period in parsed[["source_row", "year", "period"]].itertuples(index=False)
                if period == "Q3" and year != 2021]

    schema = dataclasses.replace(sampling.SCHEMA, checks=(q3_only_in_2021,))
    path = _raw_dir(tmp_path, "sampling.csv", csv_bytes(edit(4, batches="abc"))) / "sampling.csv"
    with pytest.raises(DataError) as err:
        load_table(path, schema)
    assert str(err.value).splitlines() == [
        f"{path}:3: column 'period': Q3 outside 2021; expected Q3 in 2021 only",
        f"{path}:4: column 'batches': not a number: 'abc'; {COUNT_EXAMPLE}",
    ]
    assert seen == [2, 3]


def test_a_cell_with_a_line_break_is_one_spreadsheet_row(tmp_path):
    rows = [changed(2, note="第一行\n第二行"), changed(3, batches="abc"), BASE[2]]
    path = _raw_dir(tmp_path, "sampling.csv", csv_bytes(rows)) / "sampling.csv"
    with pytest.raises(DataError) as err:
        sampling.read(path.parent)
    assert str(err.value) == f"{path}:3: column 'batches': not a number: 'abc'; {COUNT_EXAMPLE}"


def test_a_build_chooses_the_sheet_of_a_workbook_with_a_cover_sheet_first(tmp_path):
    raw = _raw_dir(tmp_path, "sampling.xlsx", workbook_bytes({"封面": [["2021年食品安全监督抽检情况"]],
                                                              "数据": [COLUMNS, *numeric()]}))
    params = {"notebooks": {}, "sheets": {"sampling.xlsx": "数据"}}
    sheet = datasets.sheets(params)["sampling"]
    good = tmp_path / "good"
    good.mkdir()
    (good / "sampling.csv").write_bytes(csv_bytes())
    expected = sampling.process(good, tmp_path / "from_csv").read_bytes()
    assert sampling.process(raw, tmp_path / "processed", sheet=sheet).read_bytes() == expected


@pytest.mark.parametrize("sheets, message", [
    ({"抽检.xlsx": "数据"}, "sheets: no dataset step reads a file named '抽检.xlsx'; expected one of sampling.xlsx, "
                          "patents.xlsx, market_entities.xlsx"),
    ({"sampling": ""}, "sheets: sampling: expected a sheet name, got ''"),
    (["数据"], "sheets: expected a mapping of raw file name to sheet name, got ['数据']"),
])
def test_a_sheets_key_that_names_no_step_or_no_sheet_is_refused(sheets, message):
    with pytest.raises(ValueError) as err:
        datasets.sheets({"sheets": sheets})
    assert str(err.value) == message
