"""The sampling dataset step: raw -> validated, tidy processed table; bad rows stop it and lose nothing."""
import pandas as pd
import pytest

from analysis.sampling import step as sampling
from analysis.config import RAW_DATA_DIR
from analysis.readers.io import DataError
from analysis.parameters import ParameterError

HEADER = "region,level,scope,year,period,category,batches,unqualified,unqualified_rate_pct,source_url,note\n"
ROWS = [
    "全国,national,all_levels,2021,Q3,all,2459894,63611,2.59,https://a.example/q3-2021,",
    "全国,national,all_levels,2020,Q3,all,2234829,49534,2.22,https://a.example/q3-2020,",
    "全国,national,all_levels,2020,FY,all,638万余,,2.31,https://a.example/fy-2020,rounded",
    "全国,national,all_levels,2021,FY,all,\"6,954,438\",187368,2.69,https://a.example/fy-2021,",
]


def _write(folder, rows):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sampling.csv").write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return folder


def test_process_writes_a_tidy_table(tmp_path):
    path = sampling.process(_write(tmp_path / "raw", ROWS), tmp_path / "processed")
    table = sampling.load(path.parent)
    fy2020 = table[(table.year == 2020) & (table.period == "FY")].iloc[0]
    assert fy2020["batches"] == 6380000 and fy2020["batches_qualifier"] == "lower_bound"
    assert not fy2020["countable"] and pd.isna(fy2020["pass_rate"])
    assert fy2020["published_pass_rate_pct"] == pytest.approx(97.69)
    q3 = table[(table.year == 2021) & (table.period == "Q3")].iloc[0]
    assert q3["countable"] and q3["qualified"] == 2459894 - 63611
    assert q3["pass_rate"] == pytest.approx((2459894 - 63611) / 2459894)
    assert table.loc[(table.year == 2021) & (table.period == "FY"), "batches"].item() == 6954438


def test_processing_is_deterministic(tmp_path):
    raw = _write(tmp_path / "raw", ROWS)
    first = sampling.process(raw, tmp_path / "a").read_bytes()
    second = sampling.process(raw, tmp_path / "b").read_bytes()
    assert first == second


def test_the_processed_table_keeps_its_columns_not_the_details_of_reading(tmp_path):
    raw, _ = sampling.read(_write(tmp_path / "raw", ROWS))
    assert raw.loc[2, ["batches_lower", "batches_text"]].tolist() == [6380000, "638万余"]  # 638万余: at least
    header = sampling.process(tmp_path / "raw", tmp_path / "p").read_text(encoding="utf-8").splitlines()[0]
    assert header == ("region,level,scope,year,period,category,batches,batches_qualifier,unqualified,"
                      "unqualified_qualifier,qualified,countable,pass_rate,unqualified_rate_pct,"
                      "published_pass_rate_pct,source_url,note")


def test_bad_row_names_file_row_and_column_and_keeps_previous_output(tmp_path):
    raw, processed = tmp_path / "raw", tmp_path / "processed"
    good = sampling.process(_write(raw, ROWS), processed).read_bytes()
    bad = ROWS[:1] + ["全国,national,all_levels,2020,Q3,all,800,900,,https://a.example/x,"] + ROWS[2:]
    before = (_write(raw, bad) / "sampling.csv").read_bytes()
    with pytest.raises(DataError) as err:
        sampling.process(raw, processed)
    assert str(err.value) == (f"{tmp_path}/raw/sampling.csv:3: column 'unqualified': unqualified 900 is greater "
                              "than batches 800; expected unqualified <= batches")
    assert (processed / "sampling.csv").read_bytes() == good
    assert (raw / "sampling.csv").read_bytes() == before


def test_shipped_raw_table_is_valid_and_unchanged_by_processing(tmp_path):
    before = (RAW_DATA_DIR / "sampling.csv").read_bytes()
    table = sampling.tidy(sampling.read(RAW_DATA_DIR)[0])
    assert (RAW_DATA_DIR / "sampling.csv").read_bytes() == before
    assert table["source_url"].str.startswith("http").all()
    national_fy_2021 = table[(table.region == "全国") & (table.scope == "all_levels") & (table.year == 2021)
                             & (table.period == "FY") & (table.category == "all")]
    assert national_fy_2021[["batches", "unqualified"]].iloc[0].tolist() == [6954438, 187368]


@pytest.fixture()
def table(tmp_path):
    return sampling.load(sampling.process(_write(tmp_path / "raw", ROWS), tmp_path / "p").parent)


@pytest.mark.parametrize("change, message", [
    ({"region": "火星"}, "unknown region '火星'; available: 全国"),
    ({"period": "Q2"}, "unknown period 'Q2'; available: FY, Q3"),
    ({"target_year": 2030}, "target_year 2030 has no data for 全国/all_levels/Q3/all with exact counts; "
                            "years with data: 2020, 2021"),
    ({"period": "FY", "baseline_years": [2020]},
     "baseline_years [2020] have no data for 全国/all_levels/FY/all with exact counts; years with data: 2021"),
    ({"lang": "fr"}, "unknown lang 'fr'; available: en, zh"),
])
def test_invalid_parameters_stop_with_one_line(table, change, message):
    params = dict(region="全国", scope="all_levels", period="Q3", category="all", target_year=2021,
                  baseline_years=[2020], lang="zh") | change
    with pytest.raises(ParameterError) as err:
        sampling.check_params(table, **params)
    assert str(err.value) == message


# --- the stratified comparison: category rows, Mantel-Haenszel per baseline year, findings ----------------

CATEGORY_ROWS = [
    "本区,district,region_reported,2021,FY,all,160,5,,https://a.example/d,",
    "本区,district,region_reported,2020,FY,all,140,2,,https://a.example/d,",
    "本区,district,region_reported,2021,FY,餐饮食品,100,5,,https://a.example/d,",
    "本区,district,region_reported,2021,FY,粮食加工品,60,0,,https://a.example/d,",
    "本区,district,region_reported,2020,FY,餐饮食品,40,2,,https://a.example/d,",
    "本区,district,region_reported,2020,FY,粮食加工品,100,0,,https://a.example/d,",
    "本区,district,region_reported,2021,FY,餐饮食品-其中:餐饮具,30,4,,https://a.example/d,sub-row",
    "本区,district,region_reported,2021,FY,工业产品(非食品),36,5,,https://a.example/d,non-food",
    "本区,district,region_reported,2019,FY,all,120,1,,https://a.example/d,no categories this year",
]


@pytest.fixture()
def district(tmp_path):
    return sampling.load(sampling.process(_write(tmp_path / "raw", CATEGORY_ROWS), tmp_path / "processed").parent)


def test_food_category_rows_leave_out_all_sub_rows_and_non_food(district):
    rows = sampling.food_category_rows(district, "本区", "region_reported", "FY")
    assert rows[["year", "category"]].values.tolist() == [[2020, "粮食加工品"], [2020, "餐饮食品"],
                                                          [2021, "粮食加工品"], [2021, "餐饮食品"]]


def test_stratified_comparisons_of_the_district(district):
    out = sampling.stratified_comparisons(district, "本区", "region_reported", "FY", "all", 2021, [2019, 2020])
    assert out["comparison"].tolist() == ["2021 vs 2020"]  # 2019 has no category rows
    row = out.iloc[0]
    # one informative stratum (餐饮食品): the Mantel-Haenszel estimate is its odds ratio (5 * 38) / (95 * 2)
    assert row["n_strata"] == 1 and row["common_odds_ratio"] == pytest.approx(5 * 38 / (95 * 2), rel=1e-12)
    assert (row["target_batches"], row["baseline_batches"]) == (160, 140)  # both categories: the food total
    assert row["note"] == "no unqualified batch: 粮食加工品"
    assert sampling.stratified_comparisons(district, "本区", "region_reported", "FY", "餐饮食品", 2021, [2020]).empty


def _findings_inputs(district, comparisons_p_adj, stratified_p_adj):
    from analysis.stats import proportions
    series = sampling.select(district, "本区", "region_reported", "FY", "all")
    rates = proportions.pass_rates(series, by="year")
    comparisons = proportions.compare_pass_rates(series, 2021, [2019, 2020]).assign(p_adj=comparisons_p_adj)
    stratified = sampling.stratified_comparisons(district, "本区", "region_reported", "FY", "all", 2021, [2019, 2020])
    trend = proportions.trend_test(series)
    return rates, comparisons, stratified.assign(p_adj=stratified_p_adj), trend


@pytest.mark.parametrize("lang, expected", [
    ("zh", "注意：与2020年相比，合计比较（合格率显著较低）与按类别分层的比较（无显著差异）结论不同。"
           "两者用的是同一批次，差别来自各类食品抽检比例（类别构成）的变化，而非类别内合格率的变化。"),
    ("en", "Note: against 2020, the crude comparison (significantly worse) and the comparison stratified by "
           "category (no significant difference) disagree. Both use the same batches: the difference comes from "
           "the category mix of sampling, not from pass rates within categories."),
])
def test_findings_say_when_crude_and_stratified_disagree(district, lang, expected):
    from analysis.sampling import findings
    # the p-values are set by hand to make the crude comparison significant and the stratified one not
    rates, comparisons, stratified, trend = _findings_inputs(district, [0.5, 0.01, 0.02], [0.4])
    lines = findings.key_findings(rates, comparisons, stratified, trend, 2021, [2019, 2020], "本区", "FY", lang)
    assert expected in lines
    assert ("2019年没有分类别的批次数，未做按类别分层的比较。" if lang == "zh"
            else "No category counts for 2019: no stratified comparison.") in lines
    agree = findings.key_findings(*_findings_inputs(district, [0.5, 0.3, 0.2], [0.4])[:3], trend, 2021,
                                  [2019, 2020], "本区", "FY", lang)
    assert not [line for line in agree if "注意" in line or "disagree" in line]


def test_adjustment_note_names_method_and_families(district):
    from analysis.sampling import findings
    rates, comparisons, stratified, _ = _findings_inputs(district, [0.5, 0.01, 0.02], [0.4])
    en = findings.adjustment_note(comparisons, stratified, "en")
    assert "Holm-adjusted" in en and "a family of 3" in en and "a family of 1" in en
    assert "Holm法校正" in findings.adjustment_note(comparisons, stratified, "zh")
def test_census_caveat_warns_about_significance_only_for_large_counts():
    from analysis.sampling import findings

    large = pd.DataFrame({"batches": [624423, 2459894]})
    small = pd.DataFrame({"batches": [75, 222]})
    assert findings.caveat(large, "zh").endswith("批次数很大（本表每年最多2,459,894批次），极小的差异也会“显著”，应先看差异大小。")
    assert "up to 2,459,894 a year here" in findings.caveat(large, "en")
    assert findings.caveat(small, "zh") == findings.CAVEAT["zh"] and "显著" not in findings.caveat(small, "zh")
    assert findings.caveat(pd.DataFrame({"batches": [findings.LARGE_BATCHES]}), "en") != findings.CAVEAT["en"]
