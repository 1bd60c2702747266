"""The work summary's figures against the structured data: verdicts, hand-made tables, the shipped builds."""
import hashlib
import math
import re
from pathlib import Path

import pandas as pd
import pytest

from analysis.readers import datasets
from analysis import example_district
from analysis.summary import findings, years
from analysis.summary.cli import cli
from analysis.readers.io import DataError
from analysis.summary import compare as summary
from analysis.config import RAW_DATA_DIR, dataset_dirs
from analysis.summary.indicators import extract_indicators, unparsed_mentions
from analysis.summary.text import read_summary
from analysis.summary.year import ReportedYear, check_reported_year, reported_year
from analysis.present.labels import format_bounds
from analysis.parameters import ParameterError

SUMMARY = RAW_DATA_DIR / "2021_work_summary.txt"
REGION = "示例区"
URL = "https://example.org/source"
SEED_SUMMARY = ("2021年专利授权量XXX件，同期增长XXX％。2021年新增各类市场主体XXX户，其中：个体XXX户，农专XX户；"
                "市场主体净增长XXX户。抽检食品XXX批次。")
N = math.nan


# -------------------------------------------------------------------------------------- hand-made tables
def patents_table(totals: dict[int, int], region: str = REGION, basis: str = "all",
                  qualifier: str = "exact") -> pd.DataFrame:
    """Processed patents rows (total only) for the given years."""
    return pd.DataFrame({"region": region, "basis": basis, "year": list(totals), "patent_type": "total",
                         "granted": pd.array(list(totals.values()), dtype="Int64"), "granted_qualifier": qualifier,
                         "source_url": URL})


def entities_table(rows: list[tuple], region: str = REGION) -> pd.DataFrame:
    """Processed market-entity rows from (year, measure, entity_type, value, qualifier, lower, upper)."""
    frame = pd.DataFrame(rows, columns=["year", "measure", "entity_type", "value", "qualifier", "lower", "upper"])
    frame["period"] = frame["measure"].map({"stock": "year-end"}).fillna("FY")
    frame["value"] = frame["value"].astype("Int64")
    return frame.assign(region=region, basis="SAMR", published=frame["value"].astype(str), source_url=URL)


def sampling_table(rows: list[tuple], region: str = REGION) -> pd.DataFrame:
    """Processed sampling rows from (scope, year, batches)."""
    frame = pd.DataFrame(rows, columns=["scope", "year", "batches"])
    return frame.assign(region=region, period="FY", category="all", batches_qualifier="exact", source_url=URL)


def district_tables(patent_totals=None, entity_rows=None, sampling_rows=None) -> dict[str, pd.DataFrame]:
    """A district whose 2021 figures all fit the summary's redactions, unless overridden."""
    exact = [(2021, "new", "all_entities", 667, "exact", 667, 667),
             (2021, "new", "individual", 472, "exact", 472, 472),
             (2021, "new", "cooperatives", 36, "exact", 36, 36),
             (2021, "stock", "all_entities", 3880, "exact", 3880, 3880),
             (2020, "stock", "all_entities", 3506, "exact", 3506, 3506)]
    return {"patents": patents_table(patent_totals or {2020: 44, 2021: 226}),
            "market_entities": entities_table(entity_rows or exact),
            "sampling": sampling_table(sampling_rows or [("region_reported", 2021, 708)])}


def compared(text: str, tables: dict, region: str = REGION, year: int = 2021) -> pd.DataFrame:
    return summary.compare(extract_indicators(text), tables, region, year, "district")


def row(comparison: pd.DataFrame, indicator: str) -> pd.Series:
    hit = comparison[comparison["indicator"].eq(indicator)]
    assert len(hit) == 1, indicator
    return hit.iloc[0]


# -------------------------------------------------------------------------------------- verdicts
@pytest.mark.parametrize("stated, structured, verdict, reason", [
    ((N, 100, 999), (226, 226), "consistent", "structured 226 within the stated 100–999"),
    ((N, 100, 999), (50.7, 50.7), "contradiction", "structured 50.7 below the stated 100–999"),
    ((N, 10, 99), (120, 120), "contradiction", "structured 120 above the stated 10–99"),
    ((N, 100, N), (5000, 5000), "consistent", "structured 5,000 within the stated ≥100"),  # XXX余: no upper bound
    ((N, 100, 999), (300, 500), "consistent", "structured 300–500 within the stated 100–999"),
    ((N, 100, 999), (950, 1050), "not comparable", "structured 950–1,050 overlaps the stated 100–999 only in part"),
    ((N, 100, 999), (380, N), "not comparable", "structured ≥380 overlaps the stated 100–999 only in part"),
    ((N, 100, 999), (1000, N), "contradiction", "structured ≥1,000 above the stated 100–999"),
    ((1200, N, N), (1180, 1180), "not comparable", "the summary states about 1,200, without bounds"),  # 约1200
    ((N, N, N), (3, 3), "not comparable", "the summary gives neither the figure nor bounds"),  # 罚款万元
    ((2345, 2345, 2345), (2345, 2345), "consistent", "structured 2,345 within the stated 2,345–2,345"),
])
def test_judge(stated, structured, verdict, reason):
    assert summary.judge(*stated, *structured) == (verdict, reason)


@pytest.mark.parametrize("lower, upper, lang, text", [
    (100, 999, "en", "100–999"), (100, N, "en", "≥100"), (N, 999, "en", "≤999"), (N, N, "en", "unknown"),
    (N, N, "zh", "未知"), (100000, N, "zh", "≥100,000"), (0.5, 9.5, "en", "0.5–9.5"),
])
def test_format_bounds(lower, upper, lang, text):
    assert format_bounds(lower, upper, lang) == text


# -------------------------------------------------------------------------------------- compare
def test_a_district_that_fits_every_redaction_is_consistent():
    comparison = compared(SEED_SUMMARY, district_tables())
    assert list(comparison.columns) == summary.COMPARISON_COLUMNS
    assert list(comparison["indicator"]) == [c.indicator for c in summary.COMPARED]
    assert (comparison["verdict"] == "consistent").all()
    growth = row(comparison, "patents_growth")
    # 2021 over 2020: 226 / 44 - 1 = 4.136364 -> 413.64%, within 同期增长XXX％ = 100..999
    assert growth["structured_value"] == pytest.approx(413.636364)
    assert growth["reason"] == "structured 413.6 within the stated 100–999"
    # net growth: year-end 2021 minus year-end 2020 = 3880 - 3506 = 374
    assert row(comparison, "net_growth")["structured_value"] == 374
    assert row(comparison, "food_batches")["structured_source"] == "sampling.csv 示例区 2021 FY all, scope region_reported"
    assert set(comparison["source_url"]) == {URL}


def test_a_growth_the_counts_do_not_allow_is_a_contradiction():
    # 2021 over 2020: 226 / 150 - 1 = 0.50667 -> 50.7%, below 同期增长XXX％ (at least 100%)
    comparison = compared(SEED_SUMMARY, district_tables(patent_totals={2020: 150, 2021: 226}))
    growth = row(comparison, "patents_growth")
    assert (growth["verdict"], growth["reason"]) == ("contradiction", "structured 50.7 below the stated 100–999")
    assert growth["structured_value"] == pytest.approx(50.666667)
    assert row(comparison, "patents_granted")["verdict"] == "consistent"  # 226 is still a three-digit count


def test_a_count_with_another_number_of_digits_is_a_contradiction():
    # 农专XX户 is 10..99; 8 new cooperatives have one digit
    rows = [(2021, "new", "cooperatives", 8, "exact", 8, 8)]
    comparison = compared("新增市场主体XXX户，其中：农专XX户。", district_tables(entity_rows=rows))
    cooperatives = row(comparison, "new_cooperatives")
    assert (cooperatives["verdict"], cooperatives["reason"]) == ("contradiction", "structured 8 below the stated 10–99")
    assert row(comparison, "new_entities")["reason"] == "no SAMR FY new of all_entities for 示例区 in 2021"


def test_net_growth_is_bounded_by_the_rounding_of_both_stocks():
    # 0.39万 is 3850..3950 and 0.35万 3450..3550: net growth 3900 - 3500 = 400, bounds 3850 - 3550 = 300 and
    # 3950 - 3450 = 500, all within 100..999
    rows = [(2021, "stock", "all_entities", 3900, "rounded", 3850, 3950),
            (2020, "stock", "all_entities", 3500, "rounded", 3450, 3550)]
    net = row(compared("市场主体净增长XXX户。", district_tables(entity_rows=rows)), "net_growth")
    assert (net["structured_value"], net["structured_lower"], net["structured_upper"]) == (400, 300, 500)
    assert net["verdict"] == "consistent"
    # 近3500 has no lower bound, so the net growth has no upper bound: at least 3880 - 3500 = 380
    rows = [(2021, "stock", "all_entities", 3880, "exact", 3880, 3880),
            (2020, "stock", "all_entities", 3500, "approximate", N, 3500)]
    net = row(compared("市场主体净增长XXX户。", district_tables(entity_rows=rows)), "net_growth")
    assert (net["structured_lower"], math.isnan(net["structured_upper"])) == (380, True)
    assert (net["verdict"], net["reason"]) == ("not comparable", "structured ≥380 overlaps the stated 100–999 only in part")


def test_a_rounded_count_without_bounds_is_judged_on_its_value_and_says_so():
    comparison = compared("专利授权量XXX件。", district_tables(patent_totals={2021: 500}))
    assert row(comparison, "patents_granted")["reason"] == "structured 500 within the stated 100–999"
    tables = district_tables()
    tables["patents"] = patents_table({2021: 500}, qualifier="rounded")
    granted = row(compared("专利授权量XXX件。", tables), "patents_granted")
    assert granted["reason"] == "structured 500 within the stated 100–999; published rounded: judged on its value"


def test_region_without_any_structured_data_is_not_comparable():
    comparison = compared(SEED_SUMMARY, district_tables(), region="本区")
    assert len(comparison) == 7 and (comparison["verdict"] == "not comparable").all()
    assert set(comparison["reason"]) == {"no structured data for 本区 in dataset district"}
    assert comparison["structured_value"].isna().all() and set(comparison["structured_source"]) == {""}


@pytest.mark.parametrize("text, tables, indicator, reason", [
    ("专利授权量XXX件。", {"patents": patents_table({2020: 44})}, "patents_granted",
     "no total of patents granted for 示例区 in 2021 (basis all or domestic)"),
    ("专利授权量XXX件，同期增长XXX％。", {"patents": patents_table({2021: 226})}, "patents_growth",
     "no total of patents granted for 示例区 in 2020 (basis all or domestic)"),
    ("专利授权量XXX件，同期增长XXX％。", {"patents": patents_table({2020: 0, 2021: 226})}, "patents_growth",
     "no patents granted in 2020: growth undefined"),
    ("专利授权量XXX件。", {"patents": patents_table({2021: 226}, basis="first_patentee_non_official")},
     "patents_granted", "no total of patents granted for 示例区 in 2021 (basis all or domestic)"),
    ("专利授权量226项。", {}, "patents_granted", "stated in 项, the structured figure is in 件"),
    ("新增市场主体约1200户。", {}, "new_entities", "the summary states about 1,200, without bounds"),
    ("市场主体净增长XXX户。", {"market_entities": entities_table([(2021, "stock", "all_entities", 3880, "exact",
                                                              3880, 3880)])}, "net_growth",
     "no SAMR year-end stock of all_entities for 示例区 in 2020: net growth not computable"),
    ("抽检食品XXX批次。", {"sampling": sampling_table([("national_organised", 2021, 500)])}, "food_batches",
     "no full-year food sampling (category all) for 示例区 in 2021"),
    ("抽检食品XXX批次。", {"sampling": sampling_table([("region_reported", 2021, 500)], region="其他区")},
     "food_batches", "no sampling data for 示例区 in dataset district"),
])
def test_not_comparable(text, tables, indicator, reason):
    comparison = compared(text, {**district_tables(), **tables})
    hit = row(comparison, indicator)
    assert (hit["verdict"], hit["reason"]) == ("not comparable", reason)


def test_the_region_own_sampling_comes_before_all_levels():
    tables = district_tables(sampling_rows=[("all_levels", 2021, 1500), ("region_reported", 2021, 708)])
    food = row(compared("抽检食品XXX批次。", tables), "food_batches")
    assert (food["structured_value"], food["verdict"]) == (708, "consistent")
    tables = district_tables(sampling_rows=[("all_levels", 2021, 1500)])
    food = row(compared("抽检食品XXX批次。", tables), "food_batches")
    assert (food["structured_value"], food["verdict"]) == (1500, "contradiction")


def test_individual_and_cooperatives_count_only_as_new_registrations():
    comparison = compared("个体工商户XXX户，农专XX户。新增市场主体XXX户。", district_tables())
    assert list(comparison["indicator"]) == ["new_entities"]  # the first sentence gives stocks, not new entities
    comparison = compared("新登记市场主体XXX户，其中个体工商户XXX户，农民专业合作社XX户。", district_tables())
    assert list(comparison["indicator"]) == ["new_entities", "new_individual", "new_cooperatives"]


def test_nothing_to_compare():
    text = "检查冷库XX个次，罚款万元。"
    comparison = compared(text, district_tables())
    assert comparison.empty and list(comparison.columns) == summary.COMPARISON_COLUMNS
    figures = summary.figures(extract_indicators(text), text)
    bounds = summary.bounds_counts(summary.redactions(figures))
    assert findings.key_findings(figures, bounds, unparsed_mentions(text), comparison, REGION, "district", 2021,
                                 "en") == [
        "The summary states 2 figures in 2 domains (food 1, enforcement 1); 2 of them are redacted (digits replaced "
        "by X, or the number removed).",
        "Bounds from the number of X: 10–99 for 1; 1 with the number removed entirely, without bounds.",
        "0 other number-like mentions are not figures (years, names, headings ...); each is listed with its reason "
        "and left out.",
        "The summary states no figure the structured data also give."]


# -------------------------------------------------------------------------------------- the shipped summary
@pytest.fixture(scope="module")
def seed():
    text = read_summary(SUMMARY)
    rows = extract_indicators(text)
    figures = summary.figures(rows, text)
    return text, rows, figures, summary.redactions(figures), unparsed_mentions(text)


def test_the_shipped_summary_is_the_seed_unchanged():
    digest = hashlib.sha256(SUMMARY.read_bytes()).hexdigest()
    assert digest == "72606914d5f8eb93311085e23b4cd6dfd576cc6ba12640686f231e94f05ec7e4"


def test_figures_by_domain_and_their_redactions(seed):
    text, rows, figures, redacted, unparsed = seed
    assert list(figures.columns) == summary.FIGURE_COLUMNS and len(figures) == len(rows) == 73
    assert list(figures["domain"].drop_duplicates()) == list(summary.DOMAINS)
    counts = summary.domain_counts(figures).set_index("domain")
    assert counts["figures"].sum() == 73 and counts["redacted"].sum() == 70 == len(redacted)
    assert counts.loc["intellectual_property", "growth_rates"] == 2
    food = figures[figures["object"].eq("食品抽检")].iloc[0]
    assert (food["written"], food["lower"], food["upper"]) == ("XXX批次", 100, 999)
    bounds = summary.bounds_counts(redacted)
    assert dict(zip(bounds["bounds"], bounds["n"])) == {
        "0–9": 12, "10–99": 21, "≥10": 1, "100–999": 24, "≥100": 4, "≥1,000": 2, "≥100,000": 1, "unknown": 5}
    excluded = summary.excluded_by_reason(unparsed)
    assert excluded["n"].sum() == len(unparsed) == 51
    assert excluded.iloc[0].tolist() == ["in quotes: a name", 18, "“七个专项” / “四个最严” / “XX禁捕”"]


def test_public_build_compares_nothing_for_the_default_region(seed, tmp_path):
    _, rows, *_ = seed
    tables = {}
    for name in ("patents", "market_entities", "sampling"):
        datasets.step(name).process(dataset_dirs("public")[0], tmp_path)
        tables[name] = datasets.step(name).load(tmp_path)
    comparison = summary.compare(rows, tables, "本区", 2021, "public")
    assert len(comparison) == 7
    assert set(comparison["reason"]) == {"no structured data for 本区 in dataset public"}


def test_example_district_agrees_with_every_compared_figure(seed, tmp_path):
    """The SYNTHETIC district was generated to fit each redaction of the 2021 summary."""
    _, rows, figures, redacted, unparsed = seed
    tables = {}
    for name in ("patents", "market_entities", "sampling"):
        datasets.step(name).process(dataset_dirs(example_district.DATASET)[0], tmp_path)
        tables[name] = datasets.step(name).load(tmp_path)
    comparison = summary.compare(rows, tables, example_district.REGION, example_district.SUMMARY_YEAR,
                                 example_district.DATASET)
    assert list(comparison["indicator"]) == [c.indicator for c in summary.COMPARED]
    assert list(comparison["verdict"]) == ["consistent"] * 7, comparison["reason"].tolist()
    lines = findings.key_findings(figures, summary.bounds_counts(redacted), unparsed, comparison,
                                  example_district.REGION, example_district.DATASET, 2021, "en")
    assert lines[-1].startswith("All 7 figures (patents granted, growth of patents granted, new market entities")
    assert lines[-1].endswith("are consistent with the structured data of Example District (SYNTHETIC), 2021 "
                              "(dataset example_district).")


# -------------------------------------------------------------------------------------- findings
def test_findings_state_counts_bounds_and_verdicts(seed):
    _, rows, figures, redacted, unparsed = seed
    bounds = summary.bounds_counts(redacted)
    contradiction = compared(SEED_SUMMARY, district_tables(patent_totals={2020: 150, 2021: 226}))
    zh = findings.key_findings(figures, bounds, unparsed, contradiction, REGION, "district", 2021, "zh")
    assert zh[0].startswith("工作总结列出73个统计数字，分属8个领域（食品25个、执法办案14个、")
    assert zh[0].endswith("其中70个隐去了数字（以X代替或整体删去）。")
    assert zh[1] == ("按X的位数推出上下限：12个为0–9、21个为10–99、1个为≥10、24个为100–999、4个为≥100、2个为≥1,000、"
                     "1个为≥100,000；5个整体删去了数字，没有上下限。")
    assert zh[2] == "另有51处数字不是统计数字（年份、名称、标题序号等），逐一列出原因，未计入。"
    assert zh[3].endswith("与示例区2021年的结构化数据（数据集district）对照：6个一致，1个矛盾，0个无法比较（原因见对照表）。")
    assert zh[4] == ("矛盾：专利授权量增长，总结为100–999%，结构化数据为50.7%"
                     "（patents.csv 示例区 2021 total, basis all, growth on 2020）。")
    en = findings.key_findings(figures, bounds, unparsed, contradiction, REGION, "district", 2021, "en")
    assert en[4] == ("Contradiction, growth of patents granted: the summary states 100–999%, the structured data give "
                     "50.7% (patents.csv 示例区 2021 total, basis all, growth on 2020).")
    nothing = compared(SEED_SUMMARY, district_tables(), region="本区")
    assert findings.key_findings(figures, bounds, unparsed, nothing, "本区", "public", 2021, "zh")[-1] == (
        "7个数字（专利授权量、专利授权量增长、新增市场主体、新增个体工商户、新增农民专业合作社、市场主体净增长、食品抽检批次）"
        "可与结构化数据对照，但数据集public中没有本区2021年的对应数据，未作比较（原因见对照表）。")


# -------------------------------------------------------------------------------------- parameters
EXAMPLE = "data/raw/example_district"


@pytest.mark.parametrize("change, message", [
    ({"summary_path": "data/raw/no_such_summary.txt"}, "summary_path 'data/raw/no_such_summary.txt': no such file"),
    ({"lang": "fr"}, "unknown lang 'fr'"),
    ({"region": " "}, "region must be a region name"),
    ({"target_year": "2021"}, "target_year must be a year such as 2021"),
    ({"target_year": 2022}, "summary_path data/raw/2021_work_summary.txt reports on 2021 (“2021年”), but target_year "
                            "is 2022"),
    ({"earlier_summary_paths": ["data/raw/nope.txt"]}, "earlier_summary_paths 'data/raw/nope.txt': no such file"),
    ({"earlier_summary_paths": [f"{EXAMPLE}/2021_work_summary.txt"]},
     "earlier_summary_paths: 2021_work_summary.txt does not report on a year before 2021"),
    ({"earlier_summary_paths": [f"{EXAMPLE}/2020_work_summary.txt", f"{EXAMPLE}/2020_work_summary.txt"]},
     "earlier_summary_paths: 2020_work_summary.txt: reports on 2020, as 2020_work_summary.txt does"),
    ({"summary_path": "", "earlier_summary_paths": [f"{EXAMPLE}/2020_work_summary.txt"]},
     "earlier_summary_paths given without a summary_path"),
])
def test_parameter_errors_are_one_line(change, message):
    params = {"summary_path": "data/raw/2021_work_summary.txt", "region": "本区", "target_year": 2021, "lang": "zh"}
    with pytest.raises(ParameterError, match=re.escape(message)) as err:
        summary.check_params(**{**params, **change})
    assert "\n" not in str(err.value)


def test_summary_path_is_relative_to_the_project_root_or_absolute(tmp_path):
    [shipped] = summary.check_params("data/raw/2021_work_summary.txt", "本区", 2021, "en")
    assert (shipped.name, shipped.year, shipped.text) == ("2021_work_summary.txt", 2021, read_summary(SUMMARY))
    other = tmp_path / "summary.txt"
    other.write_text("抽检食品XXX批次。", encoding="gbk")  # names no year: taken as the target year's
    [given] = summary.check_params(str(other), "本区", 2021, "en")
    assert (given.year, given.text, len(given.rows)) == (2021, "抽检食品XXX批次。", 1)


def test_no_summary_path_means_no_summary():
    assert summary.check_params("", "本区", 2021, "zh") == []
    assert findings.NO_SUMMARY["zh"] == ["没有提供本地区的工作总结（参数summary_path为空），本节没有可列出或对照的数字。"]
    rows = extract_indicators("")
    figures = summary.figures(rows, "")
    assert summary.domain_counts(figures).empty and summary.redactions(figures).empty
    assert summary.bounds_counts(summary.redactions(figures)).empty
    assert summary.compare(rows, district_tables(), REGION, 2021, "district").empty
    assert years.linked([]).empty and years.growth_checks(years.linked([])).empty


def test_earlier_summaries_come_after_the_target_year_in_order_of_year():
    found = summary.check_params(f"{EXAMPLE}/2021_work_summary.txt", "示例区(合成数据)", 2021, "zh",
                                 [f"{EXAMPLE}/2020_work_summary.txt", f"{EXAMPLE}/2019_work_summary.txt"])
    assert [s.year for s in found] == [2021, 2019, 2020]


def test_over_years_findings():
    table = years.linked(years.read_year_summaries(BUREAU))
    lines = findings.over_years_findings(table, years.growth_checks(table), [2019, 2020, 2021], "zh")
    assert lines[0] == "3份工作总结（2019–2021年）中，4个指标出现在两年或以上：新增个体工商户、新增市场主体、罚没款、食品抽检。"
    assert lines[1] == "总结所述增长率5个：4个是两年的数字能够给出的，1个矛盾，0个无法核对（缺一年的数字或没有上下限）。"
    assert lines[2] == "矛盾：2021年的总结称新增个体工商户增长+19.5% – +20.5%，而2020年和2021年总结中的数字只能给出+11.4%。"
    assert findings.over_years_findings(table.head(0), years.growth_checks(table.head(0)), [2021], "en") == [
        "Only one year's summary was given: nothing to compare over the years (parameter earlier_summary_paths "
        "lists earlier summaries)."]


# -------------------------------------------------------------------------------------- the year reported on
@pytest.mark.parametrize("text, year, evidence", [
    ("2022年区市场监管局工作总结\n一、市场主体", 2022, "2022年区市场监管局工作总结"),
    ("XX区市场监督管理局2021年工作总结和2022年工作计划\n全年新增", 2021, "2021年工作总结"),
    ("二〇二〇年度工作總結\n今年以来", 2020, "二〇二〇年度工作总结"),  # Traditional 總結, Chinese year
    ("２０１９年工作总结\n", 2019, "2019年工作总结"),  # full-width digits
    ("\ufeff2021年区市场监管局以党建工作为统领，围绕民生主线", 2021, "2021年"),  # the shipped summary opens so
    ("2021年，全局上下", 2021, "2021年"),
    ("今年以来，全局上下", None, ""),  # 今年 without a title year: not stated
    ("2019年以来，我局持续推进", None, ""),  # a period, not the year reported on
    ("2020-2021年工作回顾\n", None, ""),
])
def test_reported_year(text, year, evidence):
    assert reported_year(text) == ReportedYear(year, evidence)


def test_the_shipped_summary_reports_on_2021():
    assert reported_year(read_summary(SUMMARY)).year == 2021


def test_a_summary_of_another_year_is_a_one_line_parameter_error():
    text = "2020年工作总结\n全年新增市场主体812户。"
    assert check_reported_year(text, 2020, "a.txt") == 2020
    assert check_reported_year("今年以来，新增市场主体812户。", 2021, "a.txt") is None
    with pytest.raises(ParameterError) as err:
        check_reported_year(text, 2021, "data/raw/x/2020_work_summary.txt")
    assert str(err.value) == ("data/raw/x/2020_work_summary.txt reports on 2020 (“2020年工作总结”), but target_year "
                              "is 2021; give the summary of 2021 or set target_year: 2020")


# -------------------------------------------------------------------------------------- summaries over the years
BUREAU = sorted((Path(__file__).parent / "data" / "summaries" / "bureau").glob("*.txt"))  # SYNTHETIC, see SOURCES.md


@pytest.fixture(scope="module")
def bureau():
    table = years.linked(years.read_year_summaries(BUREAU))
    return table, years.growth_checks(table)


def linked_row(table: pd.DataFrame, indicator: str, year: int) -> pd.Series:
    hit = table[table["indicator"].eq(indicator) & table["year"].eq(year) & ~table["is_growth_rate"]]
    assert len(hit) == 1, (indicator, year)
    return hit.iloc[0]


@pytest.mark.parametrize("obj, sentence, name", [
    ("食品抽检", "", "食品抽检"),
    ("完成食品安全监督抽检", "", "食品抽检"),  # 抽检食品 is already 食品抽检 from the extractor
    ("药品抽验", "", "药品抽检"),
    ("新登记市场主体", "", "新增市场主体"),
    ("新设经营主体", "", "新增市场主体"),
    ("实有市场主体", "", "实有市场主体"),
    ("登记在册个体户", "", "实有个体工商户"),
    ("市场主体净增", "", "市场主体净增长"),
    ("个体", "新增各类市场主体XXX户，其中：个体XXX户", "新增个体工商户"),
    ("个体工商户", "全区个体工商户3,000户", "个体工商户"),  # not new registrations: not linked with them
    ("农专", "新设农专XX户", "新增农民专业合作社"),
    ("专利授权增长", "", "专利授权量增长"),
    ("完成食品抽检增长", "", "食品抽检增长"),
    ("商标注册有效量年均增长", "", "商标注册有效量年均增长"),
])
def test_indicator_names(obj, sentence, name):
    assert years.indicator_name(obj, sentence) == name


def test_the_same_indicator_is_linked_across_wordings_units_and_years(bureau):
    table, _ = bureau
    food = table[table["indicator"].eq("食品抽检")]
    assert list(food["year"]) == [2019, 2020, 2021]
    assert list(food["written"]) == ["705批次", "XXX批次", "812批次"]  # 完成食品安全监督抽检, 抽检食品, 抽检食品
    new = table[table["indicator"].eq("新增市场主体") & ~table["is_growth_rate"]]
    assert list(new["written"]) == ["5,000户", "5,600家", "6,100户"] and set(new["unit"]) == {"户"}  # 家 = 户
    individual = table[table["indicator"].eq("新增个体工商户") & ~table["is_growth_rate"]]
    assert list(individual["value"]) == [3000, 3500, 3900]  # 个体 is never linked with all entities
    assert list(table[table["indicator"].eq("实有市场主体")]["year"]) == [2019]  # a stock, not a flow
    assert list(table[table["indicator"].eq("罚没款")]["value"].fillna(-1)) == [156.8, 12000, -1]  # 1.2亿元 in 万元


def test_a_change_between_a_redacted_and_a_stated_figure_is_an_interval(bureau):
    table, _ = bureau
    row = linked_row(table, "食品抽检", 2021)  # 812 against XXX (100 to 999) in 2020
    assert (row["change_from"], row["change_lower"], row["change_upper"]) == (2020, 812 - 999, 812 - 100)
    assert math.isnan(row["change"])
    row = linked_row(table, "食品抽检", 2020)  # XXX against 705
    assert (row["change_lower"], row["change_upper"]) == (100 - 705, 999 - 705)
    row = linked_row(table, "新增市场主体", 2021)
    assert (row["change"], row["change_lower"], row["change_upper"]) == (500, 500, 500)
    assert pd.isna(linked_row(table, "新增市场主体", 2019)["change_from"])


def test_stated_growth_rates_are_checked_against_the_figures(bureau):
    _, checks = bureau
    by = {(r.indicator, r.year): r for r in checks.itertuples()}
    individual = by[("新增个体工商户增长", 2021)]  # 同比增长20%, but 3,900 / 3,500 = +11.43%
    assert individual.verdict == "contradiction"
    assert individual.implied_value == pytest.approx(100 * (3900 / 3500 - 1), rel=1e-12)
    assert (individual.stated_lower, individual.stated_upper) == (19.5, 20.5)  # 20% as printed: 19.5 to 20.5
    assert by[("新增市场主体增长", 2020)].verdict == "consistent"  # 12%: 5,600 / 5,000 exactly
    assert by[("新增市场主体增长", 2021)].verdict == "consistent"  # 比增9%: 6,100 / 5,600 = +8.93%
    food = by[("食品抽检增长", 2021)]  # 25% against 812 / XXX: -18.7% to +712%
    assert food.verdict == "consistent"
    assert (food.implied_lower, food.implied_upper) == pytest.approx((100 * (812 / 999 - 1), 100 * (812 / 100 - 1)),
                                                                    rel=1e-12)
    assert list(checks["verdict"]).count("contradiction") == 1


def test_a_figure_takes_the_year_that_opens_its_sentence():
    text = "2021年工作总结\n2020年新增市场主体5,600户。全年新增市场主体6,100户，比2020年增长8.9%。"
    summary = years.YearSummary("x.txt", 2021, text, extract_indicators(text))
    table = years.linked([summary])
    assert list(zip(table["indicator"], table["year"])) == [
        ("新增市场主体", 2020), ("新增市场主体", 2021), ("新增市场主体增长", 2021)]
    assert years.growth_checks(table)["verdict"].tolist() == ["consistent"]


def test_summaries_must_name_distinct_years(tmp_path):
    first, second, none = tmp_path / "a.txt", tmp_path / "b.txt", tmp_path / "c.txt"
    first.write_text("2021年工作总结\n抽检食品812批次。", encoding="utf-8")
    second.write_text("2021年度工作总结\n抽检食品900批次。", encoding="utf-8")
    none.write_text("今年以来，抽检食品900批次。", encoding="utf-8")
    with pytest.raises(DataError, match="b.txt: reports on 2021, as a.txt does"):
        years.read_year_summaries([first, second])
    with pytest.raises(DataError, match="does not say which year it reports on"):
        years.read_year_summaries([first, none])


def test_cli_links_several_summaries(tmp_path, capsys):
    assert cli([str(p) for p in BUREAU]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == ",".join(years.LINKED_COLUMNS)
    assert "食品抽检,批次,False,2021,812.0,812.0,812.0,exact,812批次,食品抽检,2021.txt" in "\n".join(lines)
    out = tmp_path / "linked.xlsx"
    assert cli([*map(str, BUREAU), "--format", "xlsx", "-o", str(out)]) == 0
    assert pd.ExcelFile(out).sheet_names == ["linked", "growth_checks"]
    assert cli([str(BUREAU[0]), str(BUREAU[0])]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_other_wordings_of_a_compared_figure_are_compared():
    text = "全年完成食品安全监督抽检708批次。新设各类市场主体667家，其中个体工商户472家。全区实有个体工商户2,000户。"
    comparison = compared(text, district_tables())  # the district: 708 batches, 667 new, of which 472 individual
    assert list(comparison["indicator"]) == ["new_entities", "new_individual", "food_batches"]
    assert set(comparison["verdict"]) == {"consistent"}  # 实有个体工商户 is a stock: not compared with new ones
