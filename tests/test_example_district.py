"""The SYNTHETIC example district: raw layout, labelling, consistency with the real 2021 summary, determinism."""
import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
import yaml

from analysis.readers import datasets
from analysis import example_district
from analysis.sampling import step as sampling
from analysis.__main__ import main
from analysis.config import PARAMS_DIR, RAW_DATA_DIR
from analysis.summary import years
from analysis.summary.compare import COMPARED, compare
from analysis.summary.indicators import extract_indicators
from analysis.summary.year import reported_year
from analysis.present.labels import dataset_marker

COMMITTED = RAW_DATA_DIR / example_district.DATASET
TABLES = ("sampling.csv", "patents.csv", "market_entities.csv")
SUMMARIES = ("2019_work_summary.txt", "2020_work_summary.txt", "2021_work_summary.txt")  # SYNTHETIC
FILES = TABLES + SUMMARIES
STEP_OF_FILE = {"sampling.csv": "sampling", "patents.csv": "patents", "market_entities.csv": "market_entities"}

#: Sentences of the real 2021 work summary (区市场监管局2021年工作总结, redacted; the file is not in the
#: repository) with every figure about sampling, market entities and patents, copied verbatim.
SUMMARY_2021 = (
    "全面落实“四个最严”要求，统筹推进疫情防控和食品安全各项工作，进口冷链食品生产经营主体监管常态化，检查农贸市场XX个次，"
    "冷库XX个次，生产经营户XXX家次，餐饮单位XXX余户次，核酸采样从业人员XXX人次，外环境采样XXX份次，"
    "累计培训从业人员XXX余人次，抽检食品XXX批次。"
    "不断规范药品市场，出动XXX余人次，检查药品化妆品经营使用单位XXX家次，责令改正XX家次，抽验药品X批次，医疗器械X批次，"
    "办结药品医疗器械化妆品违法案件X件，罚款万元。"
    "制定出台了深入实施质量提升行动方案，聚焦产品质量提升，抽检玻璃产品、铝型材、危险化学品、瓷砖等产品数十批次，"
    "立案查处企业X家，对XX家XX个品牌的XXX辆存货电动自行车进行了排查，未发现销售没有国家“3C”认证、"
    "不符合国家认定标准（GB17761－20XX《电动自行车安全技术规范》）的电动自行车情况。"
    "2021年新增各类市场主体XXX户，其中：个体XXX户，农专XX户；市场主体净增长XXX户。"
    "不断健全知识产权工作机制，全区商标注册有效量XXX件，年均增长X％，2021年专利授权量XXX件，同期增长XXX％，"
    "增长量居全市第一，呈钢、首峰、双友X家企业被确定为省级知识产权优势企业，双友牧业通过知识产权贯标认证；"
)
#: The 2021 figures the generated files hold, as the summary writes them.
PHRASES = ("抽检食品XXX批次", "抽验药品X批次", "医疗器械X批次", "产品数十批次", "新增各类市场主体XXX户", "个体XXX户",
           "农专XX户", "市场主体净增长XXX户", "专利授权量XXX件", "同期增长XXX％")
#: Figures of those kinds the three raw files cannot hold, and why.
NOT_GENERATED = {
    "商标注册有效量XXX件": "a stock of valid trademarks; patents.csv's trademarks column holds annual registrations",
    "年均增长X％": "the growth of that trademark stock",
    "双友X家企业": "firms named provincial IP advantage enterprises: no such table",
    "居全市第一": "a rank among the city's districts (role rank): no such table",
}


def _read(name: str, raw_dir=COMMITTED) -> pd.DataFrame:
    raw, _ = datasets.step(STEP_OF_FILE[name]).read(raw_dir)
    return raw


@pytest.fixture(scope="module")
def values_2021() -> dict[str, float]:
    """The 2021 figures of the summary, computed from the committed files (not from the generator)."""
    batches = _read("sampling.csv").set_index(["year", "category"])["batches"]
    granted = _read("patents.csv").set_index("year")["total"]
    entities = _read("market_entities.csv").set_index(["year", "measure"])
    return {
        "抽检食品XXX批次": batches[2021, "all"],
        "抽验药品X批次": batches[2021, example_district.DRUGS],
        "医疗器械X批次": batches[2021, example_district.DEVICES],
        "产品数十批次": batches[2021, example_district.PRODUCTS],
        "新增各类市场主体XXX户": entities.at[(2021, "new"), "all_entities"],
        "个体XXX户": entities.at[(2021, "new"), "individual"],
        "农专XX户": entities.at[(2021, "new"), "cooperatives"],
        "市场主体净增长XXX户": entities.at[(2021, "stock"), "all_entities"] - entities.at[(2020, "stock"), "all_entities"],
        "专利授权量XXX件": granted[2021],
        "同期增长XXX％": 100 * (granted[2021] / granted[2020] - 1),
    }


@pytest.fixture(scope="module")
def indicators() -> pd.DataFrame:
    return extract_indicators(SUMMARY_2021)


def _indicator(indicators: pd.DataFrame, phrase: str) -> pd.Series:
    """The one indicator row whose mention lies inside ``phrase`` in the summary text."""
    start = SUMMARY_2021.index(phrase)
    assert SUMMARY_2021.count(phrase) == 1, phrase
    inside = indicators[indicators["start"].ge(start) & indicators["end"].le(start + len(phrase))]
    assert len(inside) == 1, f"{phrase}: {len(inside)} indicator rows"
    return inside.iloc[0]


def test_text_bounds_are_as_read_by_hand(indicators):
    # XXX = three digits 100..999, XX = 10..99, X = 0..9, 数十 = some tens (20..99)
    expected = {"抽检食品XXX批次": (100, 999), "抽验药品X批次": (0, 9), "医疗器械X批次": (0, 9),
                "产品数十批次": (20, 99), "新增各类市场主体XXX户": (100, 999), "个体XXX户": (100, 999),
                "农专XX户": (10, 99), "市场主体净增长XXX户": (100, 999), "专利授权量XXX件": (100, 999),
                "同期增长XXX％": (100, 999)}
    read = {phrase: tuple(_indicator(indicators, phrase)[["lower", "upper"]]) for phrase in expected}
    assert read == expected


@pytest.mark.parametrize("phrase", PHRASES)
def test_committed_2021_figure_fits_the_summary(indicators, values_2021, phrase):
    row = _indicator(indicators, phrase)
    value = values_2021[phrase]
    assert row["lower"] <= value, f"{phrase} = {value}"
    assert math.isnan(row["upper"]) or value <= row["upper"], f"{phrase} = {value}"


def test_every_sampling_entity_and_patent_figure_is_checked_or_explained(indicators, values_2021):
    assert list(values_2021) == list(PHRASES)
    relevant = indicators[indicators["unit"].eq("批次")
                          | indicators["domain"].isin(["market_entities", "intellectual_property"])]
    accounted = [*PHRASES, *NOT_GENERATED]
    covered = [_indicator(indicators, phrase).name for phrase in accounted]
    assert sorted(relevant.index) == sorted(covered)


def test_generator_bounds_are_the_summary_bounds(indicators):
    assert set(example_district.SUMMARY_BOUNDS) == set(PHRASES)
    for phrase, (low, high) in example_district.SUMMARY_BOUNDS.items():
        row = _indicator(indicators, phrase)
        assert row["lower"] <= low <= high <= row["upper"], phrase


def test_files_have_exactly_the_public_layout():
    for name in TABLES:
        committed = (COMMITTED / name).read_text(encoding="utf-8").splitlines()[0]
        public = (RAW_DATA_DIR / name).read_text(encoding="utf-8").splitlines()[0]
        assert committed == public, name
        assert len(_read(name)) > 0


def test_every_row_is_labelled_synthetic():
    for name in TABLES:
        raw = _read(name)
        assert raw["region"].eq("示例区(合成数据)").all()
        assert raw["level"].eq("district").all()
        assert raw["source_url"].eq("https://example.invalid/synthetic").all()
        assert raw["note"].str.startswith("SYNTHETIC: generated by analysis.example_district seed=2021; ").all()


def test_sampling_rows_add_up_and_non_food_stays_out_of_all():
    raw = _read("sampling.csv")
    assert set(raw["year"]) == set(range(2016, 2022)) and raw["period"].eq("FY").all()
    assert raw["scope"].eq("region_reported").all()
    non_food = raw["category"].str.endswith("(非食品)")
    assert set(raw.loc[non_food, "category"]) == {"药品(非食品)", "医疗器械(非食品)", "工业产品(非食品)"}
    food = raw[~non_food & raw["category"].ne("all")]
    assert food["category"].nunique() == 11
    totals = raw[raw["category"].eq("all")].set_index("year")[["batches", "unqualified"]]
    pd.testing.assert_frame_equal(totals, food.groupby("year")[["batches", "unqualified"]].sum(),
                                  check_dtype=False)


def test_market_entities_stocks_and_flows_add_up_exactly():
    raw = _read("market_entities.csv")
    types = ["enterprises", "individual", "cooperatives"]
    assert raw["all_entities"].eq(raw[types].sum(axis=1)).all()
    assert raw["basis"].eq("SAMR").all()
    wide = raw.set_index(["measure", "year"])[["all_entities", *types]].astype(int)
    stock, new, gone = wide.loc["stock"], wide.loc["new"], wide.loc["deregistered"]
    assert list(stock.index) == list(range(2014, 2022)) and list(new.index) == list(range(2015, 2022))
    previous = stock.shift(1).loc[2015:]
    pd.testing.assert_frame_equal(stock.loc[2015:], (previous + new - gone).astype(int))


def test_patent_totals_are_the_sum_of_the_types():
    raw = _read("patents.csv")
    assert list(raw["year"]) == list(range(2015, 2022)) and raw["basis"].eq("all").all()
    assert raw["total"].eq(raw[["invention", "utility_model", "design"]].sum(axis=1)).all()
    assert raw["trademarks"].isna().all()


def test_district_sized_and_calibrated():
    raw = _read("sampling.csv")
    food = raw[~raw["category"].str.endswith("(非食品)") & raw["category"].ne("all")]
    assert food["batches"].between(5, 400).all()  # tens to hundreds per category
    all_food = raw[raw["category"].eq("all")]
    assert 0.015 < all_food["unqualified"].sum() / all_food["batches"].sum() < 0.04
    entities = _read("market_entities.csv").set_index(["measure", "year"])
    stock = entities.loc["stock"]
    assert (stock["individual"] / stock["all_entities"]).between(0.55, 0.75).all()  # about two thirds
    assert entities.at[("new", 2020), "all_entities"] < entities.at[("new", 2019), "all_entities"]  # the 2020 dip


def test_food_rates_are_the_national_2019h2_annex_rates():
    public = pd.read_csv(RAW_DATA_DIR / "sampling.csv")
    annex = public[public["region"].eq("全国") & public["year"].eq(2019) & public["period"].eq("H2")]
    published = annex.set_index("category")["unqualified_rate_pct"]
    for category in example_district.FOOD:
        assert category.unqualified_rate * 100 == pytest.approx(published[category.name]), category.name
    assert sum(c.share for c in example_district.FOOD) == pytest.approx(1)


def test_default_seed_reproduces_the_committed_files_byte_for_byte(tmp_path):
    paths = example_district.write(tmp_path)
    assert [p.name for p in paths] == list(FILES)
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (COMMITTED / name).read_bytes(), name


def test_same_seed_same_bytes_other_seed_other_district(tmp_path):
    for folder, seed in (("a", 7), ("b", 7), ("c", 8)):
        example_district.write(tmp_path / folder, seed)
    for name in FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert (tmp_path / "a" / "sampling.csv").read_bytes() != (tmp_path / "c" / "sampling.csv").read_bytes()
    assert "seed=7;" in (tmp_path / "a" / "patents.csv").read_text(encoding="utf-8")


def test_yearly_aggregates_use_only_the_generator_given():
    district = example_district.District()
    first = example_district.yearly_aggregates(district, np.random.default_rng(1))
    np.random.seed(0)  # global state must not matter
    second = example_district.yearly_aggregates(district, np.random.default_rng(1))
    pd.testing.assert_frame_equal(first.entities, second.entities)
    pd.testing.assert_frame_equal(first.sampling, second.sampling)


def test_summary_violations_name_the_figure_and_its_bounds():
    aggregates = example_district.draw_aggregates(3)
    assert example_district.summary_violations(aggregates) == []
    entities = aggregates.entities.copy()
    row = entities["year"].eq(2021) & entities["entity_type"].eq("cooperatives")
    entities.loc[row, "new"] = 5
    entities.loc[row, "closing"] = entities.loc[row, "opening"] + 5 - entities.loc[row, "deregistered"]
    broken = dataclasses.replace(aggregates, entities=entities)
    assert example_district.summary_violations(broken) == ["农专XX户 = 5, not in 10..99"]


def test_a_district_that_cannot_fit_the_summary_is_an_error():
    too_big = dataclasses.replace(example_district.District(), food_batches=5000.0)
    with pytest.raises(ValueError, match=r"^seed 1: no draw in 200 fits the 2021 summary \(last: 抽检食品XXX批次 = \d+"):
        example_district.draw_aggregates(1, too_big)


def test_command_line_writes_the_same_files(tmp_path, capsys):
    assert main(["example-district", "--seed", "5", "--out", str(tmp_path / "cli")]) == 0
    assert capsys.readouterr().out.count("wrote ") == len(FILES)
    example_district.write(tmp_path / "api", 5)
    for name in FILES:
        assert (tmp_path / "cli" / name).read_bytes() == (tmp_path / "api" / name).read_bytes()


def test_every_dataset_step_processes_the_example(tmp_path):
    for name in TABLES:
        path = datasets.step(STEP_OF_FILE[name]).process(COMMITTED, tmp_path)
        assert path.exists()


def test_parameters_file_covers_every_notebook_and_fits_the_data(tmp_path):
    default = yaml.safe_load((PARAMS_DIR / "default.yaml").read_text(encoding="utf-8"))
    params = yaml.safe_load((PARAMS_DIR / "example_district.yaml").read_text(encoding="utf-8"))
    assert params["dataset"] == example_district.DATASET
    assert set(params["notebooks"]) == set(default["notebooks"])
    for name, section in params["notebooks"].items():
        assert set(section) == set(default["notebooks"][name]), name
        assert section["region"] == example_district.REGION
    sampling.process(COMMITTED, tmp_path)
    series, baseline = sampling.check_params(sampling.load(tmp_path), target_year=params["target_year"],
                                             lang=params["lang"], **params["notebooks"]["sampling"])
    assert baseline == [2016, 2017, 2018, 2019, 2020] and series["countable"].all()


def test_dataset_marker_only_for_synthetic_datasets():
    assert dataset_marker("example_district", "zh") == "【合成数据 SYNTHETIC】"
    assert dataset_marker("example_district", "en") == "[SYNTHETIC DATA] "
    assert dataset_marker("public", "zh") == ""
    assert dataset_marker("my_district", "zh") == ""  # a district's own data is real


# -------------------------------------------------------------------------------------- its SYNTHETIC summaries
def _tables(tmp_path) -> dict[str, pd.DataFrame]:
    tables = {}
    for name in ("patents", "market_entities", "sampling"):
        datasets.step(name).process(COMMITTED, tmp_path)
        tables[name] = datasets.step(name).load(tmp_path)
    return tables


@pytest.mark.parametrize("name, year", [(n, int(n[:4])) for n in SUMMARIES])
def test_each_summary_is_labelled_reports_on_its_year_and_agrees_with_the_tables(tmp_path, name, year):
    text = (COMMITTED / name).read_text(encoding="utf-8")
    assert text.splitlines()[0] == f"示例区(合成数据)市场监督管理局{year}年工作总结"
    assert text.splitlines()[1].startswith("【合成数据 SYNTHETIC】")
    assert reported_year(text).year == year
    comparison = compare(extract_indicators(text), _tables(tmp_path), example_district.REGION, year,
                         example_district.DATASET)
    assert list(comparison["indicator"]) == [c.indicator for c in COMPARED]  # every compared figure stated
    assert set(comparison["verdict"]) == {"consistent"}, comparison["reason"].tolist()


def test_the_synthetic_2021_summary_is_redacted_as_the_real_one():
    text = (COMMITTED / "2021_work_summary.txt").read_text(encoding="utf-8")
    assert all(phrase in text for phrase in PHRASES)
    assert not any(ch.isdigit() for line in text.splitlines()[2:] for ch in line.replace("2021年", ""))


def test_the_summaries_link_over_the_years():
    table = years.linked(years.read_year_summaries([COMMITTED / n for n in SUMMARIES]))
    food = table[table["indicator"].eq("食品抽检")].set_index("year")
    batches = _read("sampling.csv").query("category == 'all'").set_index("year")["batches"]
    assert list(food.index) == [2019, 2020, 2021]
    assert list(food["value"][:2]) == [batches[2019], batches[2020]]
    assert (food.at[2021, "change_lower"], food.at[2021, "change_upper"]) == (100 - batches[2020], 999 - batches[2020])
    checks = years.growth_checks(table)
    assert "contradiction" not in set(checks["verdict"])
    assert set(checks.loc[checks["verdict"].eq("not comparable"), "year"]) == {2019}  # no 2018 summary
