"""Raw tables load the same from every form analysts have them in: encodings, Excel, Chinese headers."""
import re
import time

import openpyxl
import pandas as pd
import pytest

from analysis.readers import datasets, gaps
from analysis.sampling import step as sampling
from analysis.config import GAPS_FILE, RAW_DATA_DIR
from analysis.readers.io import DataError, raw_file, read_cells, read_table
from analysis.readers.schema import canonical_column, load_table


def _excel_value(cell: str):
    """A cell as Excel stores it after typing: plain numbers become numbers, everything else stays text."""
    if re.fullmatch(r"-?(0|[1-9][0-9]*)", cell):
        return int(cell)
    if re.fullmatch(r"-?[0-9]+\.[0-9]+", cell):
        return float(cell)
    return cell or None


def _write_copy(text: str, folder, name: str, form: str) -> str:
    """Write the raw table ``text`` as ``form``; return the encoding a person would say it has."""
    folder.mkdir()
    if form == "xlsx":
        cells, _ = read_table(RAW_DATA_DIR / name)
        book = openpyxl.Workbook()
        book.active.append(list(cells.columns))
        for row in cells.itertuples(index=False):
            book.active.append([_excel_value(c) for c in row])
        book.save(folder / name.replace(".csv", ".xlsx"))
        return "xlsx"
    if form == "gbk":
        # market_entities.csv quotes a Greek page ('ύ' is not in GBK): that copy is GB18030, GBK's superset.
        encoding = "gbk"
        try:
            data = text.encode(encoding)
        except UnicodeEncodeError:
            encoding, data = "gb18030", text.encode("gb18030")
        (folder / name).write_bytes(data)
        return encoding
    (folder / name).write_bytes(text.replace("\n", "\r\n").encode("utf-8-sig"))  # Excel's "CSV UTF-8"
    return "utf-8-sig"


@pytest.mark.parametrize("form, reported", [("gbk", "gb18030"), ("utf-8-sig", "utf-8-sig"), ("xlsx", "xlsx")])
@pytest.mark.parametrize("name", list(datasets.STEPS))
def test_shipped_data_loads_identically_from_csv_gbk_and_xlsx(tmp_path, name, form, reported):
    module = datasets.step(name)
    original = (RAW_DATA_DIR / module.RAW_FILE).read_text(encoding="utf-8")
    written = _write_copy(original, tmp_path / "copy", module.RAW_FILE, form)
    assert written in ("gbk", "gb18030", "utf-8-sig", "xlsx")
    expected, how = module.read(RAW_DATA_DIR)
    assert how == "utf-8"
    got, how = module.read(tmp_path / "copy")
    assert how == reported
    pd.testing.assert_frame_equal(got, expected)
    (tmp_path / "copy" / GAPS_FILE).write_bytes((RAW_DATA_DIR / GAPS_FILE).read_bytes())  # same dataset
    processed = module.process(tmp_path / "copy", tmp_path / "processed").read_bytes()
    assert processed == module.process(RAW_DATA_DIR, tmp_path / "reference").read_bytes()


ENGLISH = """region,level,scope,year,period,category,batches,unqualified,unqualified_rate_pct,source_url,note
Fujian,province,all_levels,2021,FY,all,154000000,6380000,4.14,https://a.example/fj,
China,national,all_levels,2020,H1,all,6954438,187368,2.69,https://a.example/cn,as published
Fujian Province,province,all_levels,2020,Q1-Q3,all,12345,67,,https://a.example/fj2,
"""
CHINESE = """地区,层级,范围,年份,期间,类别,抽检批次,不合格批次,不合格率（%）,来源,备注
福建,省级,all_levels,2021年,全年,all,1.54亿,６３８万余,4.14%,https://a.example/fj,
全国,国家级,all_levels,２０２０年度,上半年,all,"６，９５４，４３８",１８７３６８,２.６９％,https://a.example/cn,as published
福建省,省,all_levels,二〇二〇年,前三季度,all,一万二千三百四十五,六十七,—,https://a.example/fj2,
"""


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_chinese_headers_and_values_load_to_the_english_table(tmp_path, encoding):
    (tmp_path / "en.csv").write_text(ENGLISH, encoding="utf-8")
    (tmp_path / "zh.csv").write_text(CHINESE, encoding=encoding)
    english, _ = load_table(tmp_path / "en.csv", sampling.SCHEMA)
    chinese, how = load_table(tmp_path / "zh.csv", sampling.SCHEMA)
    assert how == {"utf-8": "utf-8", "gbk": "gb18030"}[encoding]
    assert chinese["region"].tolist() == ["福建省", "全国", "福建省"]
    # The values are the same; the qualifier keeps how 1.54亿 and 638万余 were written.
    assert chinese["batches_qualifier"].tolist() == ["rounded", "exact", "exact"]
    assert chinese["unqualified_qualifier"].tolist() == ["lower_bound", "exact", "exact"]
    # ... the interval the writing allows (1.54亿: 1.535亿..1.545亿; 638万余: at least 638万) and the text.
    assert chinese.loc[0, ["batches_lower", "batches_upper", "batches_text"]].tolist() == [153500000, 154500000,
                                                                                          "1.54亿"]
    assert chinese.loc[0, ["unqualified_lower", "unqualified_text"]].tolist() == [6380000, "６３８万余"]
    assert pd.isna(chinese.loc[0, "unqualified_upper"])
    assert english.loc[1, ["batches_lower", "batches_upper", "batches_text"]].tolist() == [6954438, 6954438,
                                                                                          "6954438"]
    texts = ["batches_text", "unqualified_text"]
    written = [f"{c}_{d}" for c in ("batches", "unqualified") for d in ("qualifier", "lower", "upper")] + texts
    pd.testing.assert_frame_equal(chinese.drop(columns=written), english.drop(columns=written))
    # exact figures in Chinese numerals or full-width digits: the same but for the text as written
    pd.testing.assert_frame_equal(chinese.iloc[1:].drop(columns=texts), english.iloc[1:].drop(columns=texts))


@pytest.mark.parametrize("header, name", [
    ("地区", "region"), ("\ufeff地区", "region"), (" 年份 ", "year"), ("抽检\n批次", "batches"),
    ("不合格率（%）", "unqualified_rate_pct"), ("不合格率(%)", "unqualified_rate_pct"),
    ("Source URL", "source_url"), ("Unqualified", "unqualified"), ("ｙｅａｒ", "year"), ("来源网址", "source_url"),
])
def test_headers_as_exported_map_to_canonical_names(header, name):
    assert canonical_column(header) == name


def _workbook(path, rows, formats=None):
    book = openpyxl.Workbook()
    for cells in rows:
        book.active.append(cells)
    for ref, number_format in (formats or {}).items():
        book.active[ref].number_format = number_format
    book.save(path)


def test_xlsx_title_rows_blank_rows_and_percent_cells_read_as_the_sheet_shows(tmp_path):
    header = ["region", "level", "scope", "year", "period", "category", "batches", "unqualified",
              "unqualified_rate_pct", "source_url"]
    row = ["全国", "national", "all_levels", 2021, "FY", "all", 6954438, 187368, 0.0269, "https://a.example"]
    _workbook(tmp_path / "sampling.xlsx", [["2021年全国食品安全监督抽检情况"], [], header, [], row, [None] * 10],
              formats={"I5": "0.00%"})
    cells, how = read_cells(tmp_path / "sampling.xlsx")
    assert how == "xlsx" and cells.attrs["header_row"] == 3
    assert cells.index.tolist() == [5]
    assert cells.loc[5, "unqualified_rate_pct"] == "2.69%"
    parsed, _ = sampling.read(tmp_path)
    assert parsed[["source_row", "year", "batches", "unqualified_rate_pct"]].iloc[0].tolist() == [5, 2021, 6954438,
                                                                                                  2.69]


def test_tab_separated_gbk_export_reads_like_the_csv(tmp_path):
    (tmp_path / "t.csv").write_bytes(CHINESE.replace(",", "\t").encode("gbk"))
    (tmp_path / "c.csv").write_text(CHINESE, encoding="utf-8")
    tabbed, how = read_cells(tmp_path / "t.csv")
    assert how == "gb18030, tab-separated"
    pd.testing.assert_frame_equal(tabbed, read_cells(tmp_path / "c.csv")[0])


def test_blank_lines_keep_the_row_numbers_a_spreadsheet_shows(tmp_path):
    lines = ENGLISH.splitlines()
    (tmp_path / "t.csv").write_text("\n".join([lines[0], lines[1], ",,,,,,,,,,", "", lines[2]]) + "\n")
    cells, _ = read_cells(tmp_path / "t.csv")
    assert cells.index.tolist() == [2, 5]
    assert read_table(tmp_path / "t.csv")[0].index.tolist() == [0, 1]


@pytest.mark.parametrize("batches, unqualified", [("638万余", "6400000"), ("约1200", "1250")])
def test_a_bound_is_not_contradicted_by_a_larger_part(tmp_path, batches, unqualified):
    """638万余 means at least 6,380,000, so 6,400,000 unqualified batches need not exceed it."""
    lines = ENGLISH.splitlines()
    row = lines[1].replace("154000000,6380000", f"{batches},{unqualified}")
    (tmp_path / "t.csv").write_text("\n".join([lines[0], row]) + "\n", encoding="utf-8")
    parsed, _ = load_table(tmp_path / "t.csv", sampling.SCHEMA)
    assert parsed["unqualified"].item() > parsed["batches"].item()


def test_a_chinese_value_alias_applies_only_where_its_meaning_is_allowed(tmp_path):
    """全年 is FY in a period column; in the free-text category it stays as written."""
    lines = ENGLISH.splitlines()
    row = lines[1].replace(",FY,all,", ",全年,全年,")
    (tmp_path / "t.csv").write_text("\n".join([lines[0], row]) + "\n", encoding="utf-8")
    parsed, _ = load_table(tmp_path / "t.csv", sampling.SCHEMA)
    assert parsed[["period", "category"]].iloc[0].tolist() == ["FY", "全年"]


@pytest.mark.parametrize("name", ["sampling.csv", "sampling"])
def test_raw_file_is_the_csv_or_the_workbook_of_the_table(tmp_path, name):
    (tmp_path / "sampling.xlsx").write_bytes(b"")
    (tmp_path / "patents.csv").write_bytes(b"")
    assert raw_file(tmp_path, name) == tmp_path / "sampling.xlsx"
    assert raw_file(tmp_path, "patents.csv") == tmp_path / "patents.csv"


def test_raw_file_refuses_two_copies_of_a_table_and_names_a_missing_one(tmp_path):
    (tmp_path / "sampling.csv").write_text(ENGLISH, encoding="utf-8")
    (tmp_path / "sampling.xlsx").write_bytes(b"")
    with pytest.raises(DataError) as err:
        sampling.read(tmp_path)  # which copy is current cannot be told: no silent choice
    assert str(err.value) == (f"{tmp_path}: both sampling.csv and sampling.xlsx are here; expected one raw file per "
                              "table (move the copy that is not current out of the folder)")
    with pytest.raises(DataError) as err:
        raw_file(tmp_path, "patents.csv")
    assert str(err.value) == (f"{tmp_path}: no patents.csv or patents.xlsx here; expected the raw patents table as "
                              "CSV or .xlsx workbook")


# issue 19: inputs that used to be misread without a message, read right


def test_a_hidden_first_sheet_is_not_read_the_sheet_the_workbook_opens_on_is(tmp_path):
    header = ENGLISH.splitlines()[0].split(",")
    book = openpyxl.Workbook()
    draft = book.active
    draft.title = "旧稿"
    draft.append(header)
    draft.append(["全国", "national", "all_levels", 2021, "FY", "all", 999, 1, None, "https://a.example/old"])
    draft.sheet_state = "hidden"
    current = book.create_sheet("2021")
    current.append(header)
    current.append(["全国", "national", "all_levels", 2021, "FY", "all", 708, 17, "2.40", "https://a.example/new"])
    book.active = 1
    book.save(tmp_path / "sampling.xlsx")
    parsed, how = sampling.read(tmp_path)
    assert how == "xlsx sheet 2021"
    assert parsed[["batches", "unqualified", "source_url"]].iloc[0].tolist() == [708, 17, "https://a.example/new"]
    assert sampling.read(tmp_path, sheet="旧稿")[0]["batches"].tolist() == [999]  # chosen by name: read


def test_invisible_characters_in_keys_are_removed_and_reported(tmp_path):
    lines = ENGLISH.splitlines()
    row = lines[3].replace("Fujian Province", "Fujian\u200b Province").replace(",all,", ",all\u2060,")
    (tmp_path / "t.csv").write_text("\n".join([lines[0], lines[1], lines[2], row]) + "\n", encoding="utf-8")
    parsed, how = load_table(tmp_path / "t.csv", sampling.SCHEMA)
    assert parsed["region"].tolist() == ["福建省", "全国", "福建省"]
    assert parsed["category"].unique().tolist() == ["all"]
    assert how == "utf-8; removed invisible characters (word joiner, zero-width space) from rows 4"


def test_a_title_row_with_a_unit_note_in_its_last_cell_is_not_the_header(tmp_path):
    lines = ENGLISH.splitlines()
    title = "2021年食品安全监督抽检情况" + "," * 9 + "单位：批次"
    (tmp_path / "t.csv").write_text("\n".join([title, *lines]) + "\n", encoding="utf-8")
    cells, how = read_cells(tmp_path / "t.csv")
    assert cells.attrs["header_row"] == 2 and cells.index.tolist() == [3, 4, 5]
    assert how == "utf-8; unit noted above the header: 批次"


def test_a_tab_separated_file_whose_notes_hold_commas_is_read_as_tab_separated(tmp_path):
    rows = [line.split(",") for line in ENGLISH.splitlines()]
    for row in rows[1:]:
        row[-1] = "口径调整, 含网络抽检, 见通告"
    (tmp_path / "t.csv").write_text("\n".join("\t".join(r) for r in rows) + "\n", encoding="utf-8")
    cells, how = read_cells(tmp_path / "t.csv")
    assert how == "utf-8, tab-separated"
    assert cells["note"].tolist() == ["口径调整, 含网络抽检, 见通告"] * 3


@pytest.mark.parametrize("stored", [17.000000000000004, 16.999999999999996, "17.000000000000004"])
def test_float_noise_in_a_count_is_the_integer_it_is(tmp_path, stored):
    header = ENGLISH.splitlines()[0].split(",")
    _workbook(tmp_path / "sampling.xlsx", [header, ["全国", "national", "all_levels", 2021, "FY", "all", 708,
                                                    stored, "2.40", "https://a.example"]])
    assert sampling.read(tmp_path)[0]["unqualified"].tolist() == [17]


def test_chinese_totals_and_a_source_description_are_accepted(tmp_path):
    lines = ENGLISH.splitlines()
    rows = [lines[1].replace(",all,", ",合计,").replace("https://a.example/fj", "本局抽检系统导出 2022-01-05"),
            lines[2].replace(",all,", ",总计,"), lines[3].replace(",all,", ",全部,")]
    (tmp_path / "t.csv").write_text("\n".join([lines[0], *rows]) + "\n", encoding="utf-8")
    parsed, _ = load_table(tmp_path / "t.csv", sampling.SCHEMA)
    assert parsed["category"].tolist() == ["all"] * 3
    assert parsed["source_url"].tolist() == ["本局抽检系统导出 2022-01-05", "https://a.example/cn",
                                             "https://a.example/fj2"]


def test_a_workbook_formatted_down_to_its_last_row_reads_only_its_rows_quickly(tmp_path):
    """One formatted empty cell at row 1,048,576 took 38 s and 3.2 GB when every row was materialised."""
    header = ENGLISH.splitlines()[0].split(",")
    book = openpyxl.Workbook()
    book.active.append(header)
    book.active.append(["全国", "national", "all_levels", 2021, "FY", "all", 708, 17, "2.40", "https://a.example"])
    book.active["A1048576"].number_format = "0.00"
    book.save(tmp_path / "sampling.xlsx")
    started = time.process_time()
    cells, _ = read_cells(tmp_path / "sampling.xlsx")
    assert cells.index.tolist() == [2]
    assert time.process_time() - started < 10  # was 40 s of CPU


def test_duplicate_report_is_linear_in_the_rows_sharing_a_key(tmp_path):
    """8,000 rows sharing one key took over 40 s when each duplicate searched the whole table."""
    lines = ENGLISH.splitlines()
    (tmp_path / "t.csv").write_text("\n".join([lines[0]] + [lines[2]] * 8000) + "\n", encoding="utf-8")
    started = time.process_time()
    with pytest.raises(DataError) as err:
        load_table(tmp_path / "t.csv", sampling.SCHEMA)
    assert time.process_time() - started < 10  # was 65 s of CPU
    problems = err.value.problems
    assert [p.row for p in problems] == list(range(3, 8002))
    assert {p.message.rsplit(" ", 1)[1] for p in problems} == {"2"}


@pytest.mark.parametrize("form", ["csv", "xlsx"])
def test_a_unit_line_that_scales_the_counts_is_applied_to_every_count(tmp_path, form):
    """单位：万批次 above the header: 245.9894 batches is 245.9894万 = 2459894, read as the rounded figure it
    is; the rate is a percentage, not scaled; a dash stays not published."""
    rows = [["2021年抽检情况"], ["单位：万批次"], ENGLISH.splitlines()[0].split(","),
            ["全国", "national", "all_levels", "2021", "FY", "all", "245.9894", "6.3611", "2.59", "https://a.example/q", ""],
            ["全国", "national", "all_levels", "2020", "FY", "all", "三十", "—", "", "https://a.example/q", ""]]
    if form == "csv":
        (tmp_path / "t.csv").write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    else:
        book = openpyxl.Workbook()
        for row in rows:
            book.active.append([_excel_value(c) for c in row])
        book.save(tmp_path / "t.xlsx")
    parsed, how = load_table(tmp_path / f"t.{form}", sampling.SCHEMA)
    assert how == (form if form == "xlsx" else "utf-8") + "; unit noted above the header: 万批次 (applied to the " \
        "counts: batches, unqualified)"
    assert parsed["batches"].tolist() == [2459894, 300000] and parsed["unqualified"].tolist()[0] == 63611
    assert parsed["unqualified"].isna().tolist() == [False, True]
    assert parsed["batches_qualifier"].tolist() == ["rounded", "rounded"]
    assert parsed["batches_text"].tolist() == ["245.9894万", "三十万"]
    assert (parsed.at[0, "batches_lower"], parsed.at[0, "batches_upper"]) == (2459893.5, 2459894.5)
    assert parsed["unqualified_rate_pct"].tolist()[0] == 2.59


def test_a_unit_line_that_scales_figures_above_a_table_without_counts_is_refused(tmp_path):
    shipped = (RAW_DATA_DIR / "gaps.csv").read_text(encoding="utf-8")
    (tmp_path / "gaps.csv").write_text("单位：万户\n" + shipped, encoding="utf-8")
    with pytest.raises(DataError) as err:
        load_table(tmp_path / "gaps.csv", gaps.SCHEMA)
    assert str(err.value) == (f"{tmp_path / 'gaps.csv'}:1: the unit note '单位：万户' above the header scales every "
                              "figure by 万户, and the table has no counts; expected figures written in full (125000, "
                              "or 12.5万 in the cell) and the unit note removed")
