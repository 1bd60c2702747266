"""Records -> tables: identifiers, dates, validation inside the engine, the counting rules, the example district."""
from __future__ import annotations

import dataclasses
import datetime as dt
import os
import threading
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from analysis import example_district
from analysis.__main__ import main
from analysis.config import RAW_DATA_DIR
from analysis.readers import datasets
from analysis.readers.io import DataError
from analysis.records import identifiers, pipeline, queries
from analysis.records.engine import DuckDBEngine, OutOfMemory, java_available
from analysis.records.fields import REGISTER
from analysis.records.sources import prepare

COMMITTED = RAW_DATA_DIR / example_district.DATASET
DISTRICT = pipeline.District(region="测试区", level="district", codes=("350102",), source_url="https://example.invalid/t",
                             note="test", first_year=2020, divisions={"350102": ("测试区",)},
                             data_end=dt.date(2021, 12, 31))
HEAD = "统一社会信用代码,市场主体类型,成立日期,注销日期,吊销日期,迁入日期,迁出日期,住所行政区划代码\n"


def _uscc(type_code: str, serial: int) -> str:
    body = f"{type_code}350102MA{serial:07d}"
    return body + identifiers.uscc_check_char(body)


def _records(tmp_path: Path, files: dict[str, str], encoding: str = "utf-8") -> Path:
    folder = tmp_path / "records"
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding=encoding)
    return folder


def _aggregate(folder: Path, district=DISTRICT, engine=None):
    return pipeline.aggregate(folder, engine or DuckDBEngine(), district)


# --- identifiers -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("uscc", ["914403001922038216", "91110000100010433L", "91310000132200821H"])
def test_published_credit_codes_have_the_right_check_character(uscc):
    # Public registrations (Huawei, Sinopec, SAIC Motor), as printed on their business licences.
    assert identifiers.uscc_check_char(uscc[:17]) == uscc[17]


def test_engine_check_digits_agree_with_python_on_random_codes():
    rng = np.random.default_rng(0)
    codes, numbers = [], []
    for _ in range(1500):  # 3,000 codes and more below: DuckDB calls the USCC function once per 2,048 rows
        body = "9" + "".join(rng.choice(list(identifiers.USCC_CHARS), 16))
        good = body + identifiers.uscc_check_char(body)
        codes += [(good, True), (body + next(c for c in "0A" if c != good[-1]), False)]
        digits = "".join(map(str, rng.integers(0, 10, 12)))
        check = identifiers.application_check_char(digits)
        numbers += [(f"CN{digits}.{check}", True), (f"{digits}{'0' if check != '0' else '1'}", False)]
    good = _uscc("91", 17)
    codes += [(good, True), (good.lower(), False), (good[:-1], False), (good + "0", False), (" " + good[1:], False),
              ("9135O102MA00000017", False),  # O is not in the alphabet
              (good[:12] + "中文", False),  # 18 bytes, 14 characters
              ("", False), (None, False)]
    frame = pd.DataFrame(codes, columns=["u", "expected"]).rename_axis("i").reset_index()
    con = DuckDBEngine().con
    got = con.sql(f"SELECT i, {identifiers.uscc_valid_sql('u')} AS ok FROM frame ORDER BY i").df()["ok"]
    assert got.tolist() == frame["expected"].tolist()
    frame = pd.DataFrame(numbers, columns=["a", "expected"])
    digits = identifiers.application_digits_sql("a")
    got = duckdb.sql(f"SELECT {identifiers.application_valid_sql(digits)} AS ok FROM frame").df()["ok"]
    assert got.tolist() == frame["expected"].tolist()


def test_uscc_function_reads_a_slice_of_an_arrow_array_and_keeps_nulls():
    good = [_uscc("91", i) for i in range(6)]
    codes = pa.array(["x", *good[:3], None, good[3][:-1] + "Z", *good[3:]])
    assert identifiers.uscc_valid(codes.slice(1, 7)).to_pylist() == [True, True, True, None, False, True, True]
    assert identifiers.uscc_valid(pa.chunked_array([codes.slice(1, 3), codes.slice(7, 1)])).to_pylist() == [True] * 4
    assert identifiers.uscc_valid(codes.slice(0, 0)).to_pylist() == []


def test_application_check_character_ten_is_x():
    # 2,3,4,5,6,7,8,9,2,3,4,5 weights: 000000000002 -> 2*5 = 10 -> X
    assert identifiers.application_check_char("000000000002") == "X"
    assert identifiers.application_check_char("000000000001") == "5"


# --- dates -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("written, expected", [
    ("2021-03-05", dt.date(2021, 3, 5)), ("2021/3/5", dt.date(2021, 3, 5)), ("20210305", dt.date(2021, 3, 5)),
    ("2021年3月5日", dt.date(2021, 3, 5)), ("2021.03.05", dt.date(2021, 3, 5)),
    ("2021-03-05 14:30:00", dt.date(2021, 3, 5)), ("44260", dt.date(2021, 3, 5)), ("44260.0", dt.date(2021, 3, 5)),
    ("2021-02-29", None), ("2021-13-01", None), ("三月", None), ("2021", None),
])
def test_dates_in_every_export_form(written, expected):
    got = duckdb.sql(f"SELECT {queries.parse_date('d')} AS day FROM (SELECT '{written}' AS d)").fetchall()[0][0]
    assert got == expected


# --- validation --------------------------------------------------------------------------------------------------

def _bad_register_rows() -> list[str]:
    good = _uscc("91", 1)
    return [f"{good},有限责任公司,2020-01-02,,,,,350102",
            f"{good[:-1]}{'1' if good[-1] != '1' else '2'},有限责任公司,2020-01-02,,,,,350102",  # check digit
            f"{_uscc('92', 2)},有限责任公司,2020-01-02,,,,,350102",  # 92 = individual, declared enterprise
            f"{_uscc('91', 3)},有限责任公司,2020-02-30,,,,,350102",  # no such day
            f"{_uscc('91', 4)},有限责任公司,2020-02-03,2019-05-01,,,,350102"]  # exit before founding


def test_problems_name_file_row_and_column_and_nothing_is_counted(tmp_path):
    rows = _bad_register_rows()
    folder = _records(tmp_path, {"register.csv": HEAD + "\n".join(rows) + "\n"})
    with pytest.raises(DataError) as err:
        _aggregate(folder)
    text = str(err.value)
    where = folder.joinpath("register.csv").as_posix()
    assert f"{where}:3: column 'uscc': USCC check digit" in text
    assert f"{where}:4: column 'uscc': USCC type: code type 92 does not fit 市场主体类型 有限责任公司" in text
    assert f"{where}:5: column 'founded': date: not a date: 2020-02-30" in text
    assert f"{where}:6: column 'founded': date order" in text
    assert "1 problem(s) of kind 'USCC check digit'" in text


def test_first_twenty_of_a_kind_then_the_count(tmp_path):
    rows = [f"{_uscc('91', i)},有限责任公司,2020-13-{i:02d},,,,,350102" for i in range(1, 26)]
    folder = _records(tmp_path, {"register.csv": HEAD + "\n".join(rows) + "\n"})
    with pytest.raises(DataError) as err:
        _aggregate(folder)
    lines = str(err.value).splitlines()
    assert sum("date: not a date" in line for line in lines) == 20
    assert lines[0].endswith(":2: column 'founded': date: not a date: 2020-13-01")
    assert lines[-1] == "records: 25 problem(s) of kind 'date' (first 20 shown)"


def test_copies_across_files_are_one_record_when_identical_and_an_error_when_not(tmp_path):
    a, b = _uscc("91", 1), _uscc("92", 2)
    folder = _records(tmp_path, {
        "register_01.csv": HEAD + f"{a},有限责任公司,2020-01-02,,,,,350102\n{b},个体工商户,2020-03-04,,,,,350102\n",
        "register_02.csv": HEAD + f"{a},有限责任公司,2020年1月2日,,,,,350102\n"})  # same entity, other date form
    result = _aggregate(folder)
    stock = result.flows.set_index(["entity_type", "year"])["stock"]
    assert (stock["enterprises", 2020], stock["individual", 2020]) == (1, 1)
    (folder / "register_02.csv").write_text(HEAD + f"{a},有限责任公司,2020-01-03,,,,,350102\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"register_02.csv:2: column 'uscc': conflicting duplicate: same uscc as "
                                        r".*register_01.csv:2 with different values"):
        _aggregate(folder)


def test_keys_sharing_their_hashes_are_not_copies(tmp_path, monkeypatch):
    a, b = "919900080000001540", "91990046000000EA40"  # two valid codes with the same DuckDB hash()
    assert identifiers.uscc_check_char(a[:17]) == a[17] and identifiers.uscc_check_char(b[:17]) == b[17]
    assert duckdb.sql(f"SELECT hash('{a}') = hash('{b}') AND hash(reverse('{a}')) <> hash(reverse('{b}'))").fetchall() == [(True,)]
    # With the first hash alone, the two codes are candidates; the exact pass finds no key given twice.
    tally = queries.tally
    monkeypatch.setattr(queries, "tally", lambda *args: tally(*args).replace("hash(reverse(uscc))", "0"))
    rows = [f"{a},有限责任公司,2020-01-02,,,,,350102", f"{b},有限责任公司,2021-03-04,,,,,350102"]
    flows = _aggregate(_records(tmp_path, {"register.csv": HEAD + "\n".join(rows) + "\n"})).flows
    assert flows.loc[flows["entity_type"].eq("enterprises"), ["year", "stock", "new"]].values.tolist() == [
        [2019, 0, 0], [2020, 1, 1], [2021, 2, 1]]


def test_parquet_dates_are_read_as_dates_and_checked_like_text(tmp_path):
    import pyarrow as pa

    a, b = _uscc("91", 1), _uscc("92", 2)
    folder = _records(tmp_path, {"register_01.csv": HEAD + f"{a},有限责任公司,2020年1月2日,,,,,350102\n"})
    columns = HEAD.strip().split(",")
    day = lambda *d: dt.date(*d) if d else None
    table = pa.table({"统一社会信用代码": [a, b], "市场主体类型": ["有限责任公司", "个体工商户"],
                      "成立日期": pa.array([day(2020, 1, 2), day(2020, 3, 4)], pa.date32()),
                      **{c: pa.array([None, None], pa.date32()) for c in columns[3:7]},
                      "住所行政区划代码": ["350102", "350102"]})
    pq.write_table(table, folder / "register_02.parquet")
    source = prepare(folder / "register_02.parquet", REGISTER, tmp_path)
    assert source.dates == {"founded", "deregistered", "revoked", "moved_in", "moved_out"}  # no text round trip
    stock = _aggregate(folder).flows.set_index(["entity_type", "year"])["stock"]
    assert (stock["enterprises", 2020], stock["individual", 2020]) == (1, 1)  # the CSV's copy of a is the same day
    pq.write_table(table.set_column(2, "成立日期", pa.array([day(2020, 1, 3), None], pa.date32())),
                   folder / "register_02.parquet")
    with pytest.raises(DataError) as err:
        _aggregate(folder)
    text = str(err.value)
    assert "register_02.parquet:2: column 'uscc': conflicting duplicate" in text
    assert "register_02.parquet:3: column 'founded': missing value: empty" in text


def test_a_missing_required_column_is_named(tmp_path):
    folder = _records(tmp_path, {"register.csv": "统一社会信用代码,成立日期,住所行政区划代码\n"})
    with pytest.raises(DataError, match="register.csv:1: missing column 'declared_type' \\(a header 市场主体类型 or 主体类型\\)"):
        _aggregate(folder)


# --- counting rules ----------------------------------------------------------------------------------------------

def test_entity_rules_exits_once_moves_apart_and_the_stock_identity(tmp_path):
    rows = [
        f"{_uscc('91', 1)},有限责任公司,2019-05-01,,,,,350102",             # in every stock
        f"{_uscc('91', 2)},有限责任公司,2019-05-01,2021-03-01,2020-06-01,,,350102",  # revoked 2020, later deregistered
        f"{_uscc('91', 3)},有限责任公司,2020-02-01,2020-12-31,,,,350102",   # new and exits 31 Dec 2020
        f"{_uscc('91', 4)},有限责任公司,2015-02-01,,,2020-04-01,,350102",   # moved in: not new
        f"{_uscc('91', 5)},有限责任公司,2018-02-01,,,,2021-07-01,350102",   # moved out: not an exit
        f"{_uscc('91', 6)},有限责任公司,2020-02-01,,,,,350103",             # another district
        f"{_uscc('92', 7)},个体工商户,2021-12-31,,,,,350102",               # new on the last day
    ]
    folder = _records(tmp_path, {"register.csv": HEAD + "\n".join(rows) + "\n"})
    flows = _aggregate(folder).flows.set_index(["entity_type", "year"])
    e = flows.loc["enterprises"]
    assert e["stock"].to_dict() == {2019: 3, 2020: 3, 2021: 2}
    assert (e.at[2020, "new"], e.at[2020, "moved_in"], e.at[2020, "revoked"], e.at[2020, "deregistered"]) == (1, 1, 1, 1)
    assert e.at[2021, "deregistered"] == 0 and e.at[2021, "moved_out"] == 1
    assert flows.at[("individual", 2021), "stock"] == 1
    change = flows["stock"] - flows.groupby(level=0)["stock"].shift()
    identity = flows["new"] - flows["exits"] + flows["moved_in"] - flows["moved_out"]
    assert change.dropna().eq(identity[change.notna()]).all()


def test_register_parquet_has_exactly_the_contract(tmp_path):
    rows = [f"{_uscc('91', 2)},有限责任公司,2019-05-01,2021-03-01,2020-06-01,,,350102",
            f"{_uscc('93', 1)},农民专业合作社,2019-05-01,2021-03-01,,,,350102"]
    folder = _records(tmp_path, {"register.csv": HEAD + "\n".join(rows) + "\n"})
    eng = DuckDBEngine()
    result = _aggregate(folder, dataclasses.replace(DISTRICT, data_end=None), engine=eng)
    path = pipeline.write_register(eng, tmp_path / "register.parquet", result.data_end)
    file = pq.ParquetFile(path)
    assert file.schema_arrow.names == ["uscc", "entity_type", "founded", "deregistered", "revoked", "exit_date",
                                       "exit_kind", "moved_in", "moved_out", "division_code"]
    assert file.metadata.metadata[b"data_end"] == b"2021-03-01"  # the latest date in the records
    table = file.read().to_pandas()
    assert table["uscc"].is_monotonic_increasing
    assert table[["entity_type", "exit_kind"]].values.tolist() == [["enterprises", "revoked"],
                                                                   ["cooperatives", "deregistered"]]
    assert table["exit_date"].tolist() == [dt.date(2020, 6, 1), dt.date(2021, 3, 1)]


def test_a_damaged_utf8_record_file_is_an_error_naming_its_line_not_read_as_gbk(tmp_path):
    # One stray byte in a UTF-8 export: GB18030 would decode most of it into other characters (or fail
    # with a bare UnicodeDecodeError, as it did); the tables' reader says where the byte is instead.
    text = "申请号,专利类型,授权公告日,行政区划代码\n202010000001.7,发明,2021-03-05,350102\n"
    folder = _records(tmp_path, {"patents.csv": text})
    data = (folder / "patents.csv").read_bytes()
    at = data.index("发明".encode())
    (folder / "patents.csv").write_bytes(data[:at] + b"\xff" + data[at + 1:])
    with pytest.raises(DataError, match=r"patents.csv: invalid UTF-8 byte 0xFF on line 2 of an otherwise UTF-8 file"):
        _aggregate(folder)


def test_patents_placed_by_code_else_address_and_unplaced_are_listed(tmp_path):
    def number(year, digit, serial):
        digits = f"{year}{digit}{serial:07d}"
        return f"{digits}.{identifiers.application_check_char(digits)}"
    text = ("申请号,专利类型,授权公告日,申请人地址,行政区划代码\n"
            f"{number(2020, 1, 1)},发明,2021/3/5,,350102\n"
            f"{number(2020, 2, 2)},实用新型,20210305,福州市测试区某路,\n"
            f"{number(2020, 3, 3)},外观设计,2021-03-05,福州市别区某路,\n"
            f"{number(2020, 3, 4)},外观设计,2021-03-05,,350103\n")
    result = _aggregate(_records(tmp_path, {"patents.csv": text}, encoding="gb18030"))
    row = result.tables["patents"].iloc[0]
    assert (row["year"], row["invention"], row["utility_model"], row["design"], row["total"]) == (2021, 1, 1, 0, 2)
    assert result.unplaced["address"].tolist() == ["福州市别区某路"]
    bad = text.replace(f"{number(2020, 1, 1)},发明", f"{number(2020, 1, 1)},实用新型")
    (tmp_path / "records" / "patents.csv").write_text(bad, encoding="utf-8")
    with pytest.raises(DataError, match="application type: type digit 1 of .* does not fit 专利类型 实用新型"):
        _aggregate(tmp_path / "records")


def test_sampling_year_basis_scopes_and_xlsx_input(tmp_path):
    frame = pd.DataFrame({"抽样单编号": ["A1", "A2", "A3", "A4"],
                          "抽样日期": [dt.datetime(2020, 12, 30), "2021/1/5", "44200", "2021-02-01"],
                          "报告日期": ["2021-01-10", "2021-01-20", "2021-01-30", "2021-02-10"],
                          "食品大类": ["糕点", "糕点", "药品(非食品)", "糕点"], "任务来源": ["国抽", "县抽", "国抽", "国抽"],
                          "区划代码": ["350102", "350102", "350102", "350103"], "检验结论": ["不合格", "合格", "合格", "不合格"]})
    (tmp_path / "records").mkdir()
    frame.to_excel(tmp_path / "records" / "sampling.xlsx", index=False)
    columns = ["scope", "year", "category", "batches", "unqualified"]
    table = _aggregate(tmp_path / "records").tables["sampling"]
    # A4 is of another district; 国抽 in 2021 is one non-food batch: no food total of 0 batches.
    assert table[columns].values.tolist() == [
        ["region_reported", 2020, "all", 1, 1], ["region_reported", 2020, "糕点", 1, 1],
        ["region_reported", 2021, "all", 1, 0], ["region_reported", 2021, "糕点", 1, 0],
        ["region_reported", 2021, "药品(非食品)", 1, 0],
        ["national_organised", 2020, "all", 1, 1], ["national_organised", 2020, "糕点", 1, 1],
        ["national_organised", 2021, "药品(非食品)", 1, 0]]
    table = pipeline.aggregate(tmp_path / "records", DuckDBEngine(), DISTRICT, year_basis="report_date").tables["sampling"]
    assert table[columns].values.tolist() == [
        ["region_reported", 2021, "all", 2, 1], ["region_reported", 2021, "糕点", 2, 1],
        ["region_reported", 2021, "药品(非食品)", 1, 0],
        ["national_organised", 2021, "all", 1, 1], ["national_organised", 2021, "糕点", 1, 1],
        ["national_organised", 2021, "药品(非食品)", 1, 0]]


def test_a_scope_only_the_records_give_is_not_a_difference():
    published = pd.DataFrame({"region": ["测试区"], "scope": ["region_reported"], "year": [2021], "period": ["FY"],
                              "category": ["all"], "batches": [2], "unqualified": [1]})
    derived = pd.concat([published, published.assign(scope="national_organised", batches=1)], ignore_index=True)
    assert pipeline.unpublished_scopes(published, derived) == ["national_organised"]
    assert pipeline.differences(published, derived, "sampling") == []
    assert pipeline.differences(published, derived.assign(unqualified=[0, 1]), "sampling") == [
        "sampling: region=测试区, scope=region_reported, year=2021, period=FY, category=all: unqualified published 1, "
        "from records 0"]
    # Once published, the scope is compared; a region the published table lacks differs in every row.
    both = derived.assign(batches=[2, 3])
    assert pipeline.unpublished_scopes(both, derived) == []
    assert pipeline.differences(both, derived, "sampling") == [
        "sampling: region=测试区, scope=national_organised, year=2021, period=FY, category=all: batches published 3, "
        "from records 1"]
    elsewhere = published.assign(region="别区")
    assert pipeline.unpublished_scopes(elsewhere, derived) == []
    assert len(pipeline.differences(elsewhere, derived, "sampling")) == 2


# --- the example district -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def example():
    eng = DuckDBEngine()
    return pipeline.aggregate(COMMITTED / "records", eng), eng


@pytest.mark.parametrize("name", ["sampling", "patents", "market_entities"])
def test_example_records_aggregate_exactly_to_the_committed_tables(example, name):
    published, _ = datasets.step(name).read(COMMITTED)
    derived = example[0].tables[name]
    assert pipeline.differences(published, derived, name) == []
    keys, values = pipeline.COMPARED[name]
    if name == "sampling":  # the committed table publishes region_reported only, as a district's summary does
        assert published["scope"].unique().tolist() == ["region_reported"]
        derived = derived[derived["scope"].eq("region_reported")]
    assert len(derived) == len(published)
    changed = derived.copy()
    changed.loc[3, values[0]] += 1
    assert pipeline.differences(published, changed, name) == [
        f"{name}: {', '.join(f'{k}={changed.at[3, k]}' for k in keys)}: {values[0]} published "
        f"{changed.at[3, values[0]] - 1}, from records {changed.at[3, values[0]]}"]


def test_example_national_organised_rows_are_the_districts_national_batches(example):
    # Counted here with pandas alone: both exports, 国抽, the district's division code, one row per 抽样单编号,
    # the year of 抽样日期; the food total leaves out the non-food categories.
    folder = COMMITTED / "records"
    csv = pd.read_csv(folder / "sampling_2016-2018.csv", encoding="gbk", dtype=str)
    csv["year"] = csv["抽样日期"].str.extract(r"^(\d{4})年", expand=False).astype(int)
    parquet = pd.read_parquet(folder / "sampling_2019-2021.parquet")
    parquet["year"] = pd.to_datetime(parquet["抽样日期"]).dt.year
    batches = pd.concat([csv, parquet], ignore_index=True).drop_duplicates("抽样单编号")
    national = batches[batches["任务来源"].eq("国抽") & batches["被抽样单位区划代码"].eq("990101")]
    national = national.assign(unqualified=national["检验结论"].eq("不合格").astype(int))
    expected = []
    for year, rows in national.groupby("year"):
        food = rows[~rows["食品大类"].str.endswith("(非食品)")]
        expected.append([year, "all", len(food), food["unqualified"].sum()])
        expected += [[year, category, len(group), group["unqualified"].sum()]
                     for category, group in rows.groupby("食品大类")]
    table = example[0].tables["sampling"]
    derived = table[table["scope"].eq("national_organised")]
    assert len(national) > 0 and len(expected) > 0
    assert derived[["year", "category", "batches", "unqualified"]].values.tolist() == expected
    assert table["scope"].tolist() == sorted(table["scope"], key=["region_reported", "national_organised"].index)


def _tallied_in_parts(eng, monkeypatch) -> pipeline.Result:
    """The example district aggregated on ``eng`` as if every one-pass tally ran out of memory."""
    out_of_memory = []
    table = eng.table

    def table_or_out_of_memory(name, query):
        if "GROUPING SETS" in query:  # the one-pass tally
            out_of_memory.append(name)
            raise OutOfMemory([])
        table(name, query)

    monkeypatch.setattr(eng, "table", table_or_out_of_memory)
    result = pipeline.aggregate(COMMITTED / "records", eng)
    assert sorted(out_of_memory) == ["patents_tally", "register_tally", "sampling_tally"]
    return result


def test_out_of_memory_in_one_pass_makes_the_same_tally_in_parts(example, monkeypatch):
    eng = DuckDBEngine()
    parts = _tallied_in_parts(eng, monkeypatch)
    assert eng.frame("SELECT count(*) AS n FROM sampling_norm_dup_keys")["n"].iloc[0] == 1  # one batch in two files
    for name, tallied in example[0].tables.items():
        pd.testing.assert_frame_equal(parts.tables[name], tallied, obj=name)
    pd.testing.assert_frame_equal(parts.flows, example[0].flows)
    assert parts.notes == [f"{name}: DuckDB ran out of memory grouping the keys in one pass; grouped in 4 parts"
                           for name in ("sampling", "register", "patents")] + example[0].notes


def test_example_records_are_labelled_and_small():
    files = list((COMMITTED / "records").iterdir())
    assert sum(p.stat().st_size for p in files) < 2_000_000
    assert "SYNTHETIC" in (COMMITTED / "records" / "district.yaml").read_text(encoding="utf-8")


def test_example_records_are_reproduced_byte_for_byte(tmp_path):
    paths = example_district.write_records(tmp_path)
    for path in paths:
        assert path.read_bytes() == (COMMITTED / "records" / path.name).read_bytes(), path.name


def _district_folder(tmp_path: Path, monkeypatch, published=()) -> tuple[Path, Path]:
    """A dataset ``d`` with the example district's records and its ``published`` tables; its raw and processed folders."""
    raw, processed = tmp_path / "raw", tmp_path / "processed"
    (raw / "d" / "records").mkdir(parents=True)
    for path in [*(COMMITTED / "records").iterdir(), *(COMMITTED / name for name in published)]:
        (raw / "d" / path.relative_to(COMMITTED)).write_bytes(path.read_bytes())
    monkeypatch.setattr(pipeline, "dataset_dirs", lambda name: (raw / name, processed / name))
    monkeypatch.setattr("analysis.__main__.dataset_dirs", lambda name: (raw / name, processed / name))
    return raw, processed


def test_command_line_writes_tables_and_register(example, tmp_path, monkeypatch, capsys):
    raw, processed = _district_folder(tmp_path, monkeypatch)
    assert main(["records", "--dataset", "d"]) == 0
    out = capsys.readouterr().out
    assert "1 with no district found" in out
    assert "from records only" not in out  # nothing published to compare with
    # No published tables in this folder: the records' tables are processed for the notebooks, and they
    # are the processed tables of the published ones but for the note (and sampling's national_organised rows,
    # which the published table does not have).
    for name in ("sampling", "patents", "market_entities"):
        published = pd.read_csv(datasets.step(name).process(COMMITTED, tmp_path / "published"))
        derived = pd.read_csv(processed / "d" / f"{name}.csv")
        if name == "sampling":
            national = derived[derived["scope"].eq("national_organised")]
            derived = derived[derived["scope"].eq("region_reported")].reset_index(drop=True)
            counted = example[0].tables["sampling"]
            counted = counted[counted["scope"].eq("national_organised")].sort_values(["category", "year"], kind="stable")
            columns = ["year", "category", "batches", "unqualified"]
            assert national[columns].values.tolist() == counted[columns].values.tolist() != []
            validated, _ = datasets.step(name).read(processed / "d" / "records")  # raises on an invalid row
            assert validated["scope"].value_counts().to_dict() == {"region_reported": len(derived),
                                                                   "national_organised": len(national)}
        pd.testing.assert_frame_equal(derived.drop(columns="note"), published.drop(columns="note"), obj=name)
    assert (processed / "d" / "register.parquet").is_file()


def test_a_scope_the_published_table_lacks_is_said_and_kept_apart(tmp_path, monkeypatch, capsys):
    raw, processed = _district_folder(tmp_path, monkeypatch, published=["sampling.csv"])
    assert main(["records", "--dataset", "d"]) == 0
    from_records = (processed / "d" / "records" / "sampling.csv").as_posix()
    assert (f"sampling: scope national_organised (国抽) from records only, not in the published table: "
            f"in {from_records}") in capsys.readouterr().out.splitlines()
    assert set(pd.read_csv(from_records)["scope"]) == {"region_reported", "national_organised"}
    assert not (processed / "d" / "sampling.csv").exists()  # the published table is processed by its own step
    published = (raw / "d" / "sampling.csv").read_text(encoding="utf-8").splitlines()
    changed = published[1].replace("region_reported,2016,FY,all,233,6,2.58,", "region_reported,2016,FY,all,234,6,2.56,")
    assert changed != published[1]
    (raw / "d" / "sampling.csv").write_text("\n".join([published[0], changed, *published[2:]]) + "\n", encoding="utf-8")
    assert main(["records", "--dataset", "d"]) != 0  # a difference inside a published scope is still an error
    assert ("scope=region_reported, year=2016, period=FY, category=all: batches published 234, from records 233"
            in capsys.readouterr().err)


# --- engines -----------------------------------------------------------------------------------------------------

def test_duckdb_passes_run_side_by_side_over_files_read_on_fewer_cores_and_share_views(tmp_path):
    eng = DuckDBEngine(threads=2)
    pq.write_table(pa.table({"x": range(10)}), tmp_path / "one_row_group.parquet")  # read on one core
    narrow = [[tmp_path / "one_row_group.parquet"], [], []]
    together = threading.Barrier(3, timeout=30)  # broken unless the three passes run at the same time

    def task(n, barrier=None):
        def run():
            if barrier:
                barrier.wait()
            eng.table(f"part_{n}", f"SELECT range AS x FROM range({n})")
            return int(eng.frame(f"SELECT count(*) AS n FROM part_{n}")["n"].iloc[0])
        return run

    assert eng.concurrently([task(3, together), task(5, together), task(7, together)], narrow) == [3, 5, 7]
    # Tables made by the passes' threads are read by the thread that goes on from their results.
    assert eng.frame("SELECT (SELECT count(*) FROM part_3) + (SELECT count(*) FROM part_7) AS n")["n"].iloc[0] == 10

    def fails():
        eng.frame("SELECT * FROM no_such_table")

    with pytest.raises(duckdb.CatalogException, match="no_such_table"):
        eng.concurrently([task(2), fails], narrow[:2])
    # Files DuckDB splits over its threads: one pass after another, in this thread.
    pq.write_table(pa.table({"x": range(10)}), tmp_path / "two_row_groups.parquet", row_group_size=5)
    (tmp_path / "export.csv").write_text("x\n1\n", encoding="utf-8")
    ran_in = []
    wide = [[tmp_path / "two_row_groups.parquet"], [tmp_path / "export.csv"]]
    assert eng.concurrently([lambda: ran_in.append(threading.get_ident()) or 1] * 2, wide) == [1, 1]
    assert ran_in == [threading.get_ident()] * 2


def test_duckdb_out_of_memory_says_how_to_raise_the_cap():
    eng = DuckDBEngine(memory_limit="8MB")
    with pytest.raises(DataError) as err:  # one list of three million numbers cannot spill
        eng.table("numbers", "SELECT list(range) AS numbers FROM range(3000000)")
    assert str(err.value).startswith("records: DuckDB ran out of memory at its cap of 7.6 MiB (Out of Memory Error")
    assert str(err.value).endswith("expected a higher cap, e.g. AMR_DUCKDB_MEMORY=3GB, then the same command again")


# --- Spark --------------------------------------------------------------------------------------------------------

REQUIRE_SPARK = os.environ.get("AMR_REQUIRE_SPARK") == "1"


@pytest.fixture(scope="module")
def spark_engine():
    if not java_available():
        if REQUIRE_SPARK:
            pytest.fail("AMR_REQUIRE_SPARK=1 but no java on the PATH: the Spark engine is not tested")
        pytest.skip("no java on the PATH: the Spark engine (PySpark needs a JDK 17+) is not tested")
    try:
        from analysis.records.engine import SparkEngine
        return SparkEngine("local[1]")
    except ImportError as err:
        if REQUIRE_SPARK:
            raise
        pytest.skip(f"pyspark not installed ({err}): the Spark engine is not tested")


def test_spark_and_duckdb_give_identical_tables(example, spark_engine):
    on_spark = pipeline.aggregate(COMMITTED / "records", spark_engine)
    for name, table in example[0].tables.items():
        pd.testing.assert_frame_equal(on_spark.tables[name], table, check_dtype=False, obj=name)
    pd.testing.assert_frame_equal(on_spark.flows, example[0].flows, check_dtype=False)
    pd.testing.assert_frame_equal(on_spark.unplaced.astype(str), example[0].unplaced.astype(str))
    assert on_spark.notes == example[0].notes


def test_spark_trims_cells_as_duckdb_does(spark_engine):
    cells = ["\u3000350102\u3000", "\u00a0个体工商户 ", "\ta\t", " b", "\u2003c"]  # ideographic, no-break, em space
    query = ("SELECT i, trim(x) AS x FROM (VALUES " + ", ".join(f"({i}, '{c}')" for i, c in enumerate(cells))
             + ") AS v(i, x) ORDER BY i")
    assert spark_engine.frame(query)["x"].tolist() == DuckDBEngine().frame(query)["x"].tolist() == [
        "350102", "个体工商户", "\ta\t", "b", "c"]


def test_spark_makes_the_same_tally_in_parts(example, spark_engine, monkeypatch):
    parts = _tallied_in_parts(spark_engine, monkeypatch)
    for name, tallied in example[0].tables.items():
        pd.testing.assert_frame_equal(parts.tables[name], tallied, check_dtype=False, obj=name)
    # The batch exported twice is of the neighbouring district: the tables do not show it, the notes do.
    assert parts.notes[3:] == example[0].notes


def test_spark_finds_the_same_problems(tmp_path, spark_engine):
    rows = _bad_register_rows() + [f"{_uscc('91', i)},有限责任公司,2020-13-{i:02d},,,,,350102" for i in range(5, 8)]
    rows.append(f"\u3000{_uscc('92', 9)}\u3000,个体工商户\u3000,2020-01-02,,,,,\u3000350102")  # padded, valid
    folder = _records(tmp_path, {"register.csv": HEAD + "\n".join(rows) + "\n"})
    with pytest.raises(DataError) as on_duckdb:
        _aggregate(folder)
    with pytest.raises(DataError) as on_spark:
        _aggregate(folder, engine=spark_engine)
    assert str(on_spark.value) == str(on_duckdb.value)


def test_national_generator_is_seeded_and_valid_across_chunks(tmp_path, monkeypatch):
    from analysis.records import synthetic

    monkeypatch.setattr(synthetic, "CHUNK", 1000)  # three chunks: codes stay unique and valid across them
    for folder in ("a", "b"):
        synthetic.write(tmp_path / folder, 3000, seed=5)
    assert (tmp_path / "a" / "register.parquet").read_bytes() == (tmp_path / "b" / "register.parquet").read_bytes()
    a = pq.read_table(tmp_path / "a" / "register.parquet").to_pandas()
    assert a["统一社会信用代码"].is_unique and len(a) == 3000
    result = pipeline.aggregate(tmp_path / "b", DuckDBEngine())  # validates every record: no problem
    stocks = result.flows.groupby("year")["stock"].sum()
    in_district = a["住所行政区划代码"].isin(synthetic.DISTRICT_DIVISIONS)
    alive_2023 = in_district & a[["注销日期", "吊销日期", "迁出日期"]].isna().all(axis=1)
    assert stocks[2023] == alive_2023.sum()
    assert len(pd.read_csv(tmp_path / "b" / "sampling_gbk.csv", encoding="gb18030")) == 300
