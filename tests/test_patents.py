"""The patents dataset step: raw -> validated, tidy long table; bad rows stop it and lose nothing.

What the statistics mean for these census counts is tested in test_counts.py; here the step, its
checks of the notebook's parameters, and the patent-specific glue (exact tests only on exact counts,
coverage notes, findings) are tested on small tables whose results can be checked by hand.
"""
import pandas as pd
import pytest

from analysis.stats import counts
from analysis import setup
from analysis.patents import figures, findings
from analysis.patents import step as patents
from analysis.present import plotting
from analysis.config import RAW_DATA_DIR
from analysis.readers.io import DataError
from analysis.parameters import ParameterError

HEADER = "region,level,year,period,basis,invention,utility_model,design,total,trademarks,source_url,note\n"
FUJIAN_2021 = ("福建省,province,2021,FY,all,12561,105267,35986,153814,,https://a.example/fj,"
               "\"statistical coverage (统计口径) adjusted from 2017 and again from 2021\"")
ROWS = [
    "福建省,province,2020,FY,all,10250,99956,35723,145929,,https://a.example/fj,statistical coverage adjusted",
    FUJIAN_2021,
    "全国,national,2021,FY,all,695946,3119990,785521,,773.9万,https://a.example/cn,total not printed",
    "全国,national,2020,FY,all,53.0万,237.7万,73.2万,343.9万,576.1万,https://a.example/cn20,rounded",
    "全国,national,2019,FY,all,45.3万,,,,,https://a.example/cn19,",
]
TYPES = ["invention", "utility_model", "design", "total"]


def _write(folder, rows):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "patents.csv").write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return folder


@pytest.fixture()
def table(tmp_path):
    return patents.load(patents.process(_write(tmp_path / "raw", ROWS), tmp_path / "p").parent)


def test_fujian_2021_tidy_rows_by_hand(table):
    rows = table[(table.region == "福建省") & (table.year == 2021)]
    expected = pd.DataFrame({
        "patent_type": ["invention", "utility_model", "design", "total"],
        "granted": [12561, 105267, 35986, 153814],  # printed total; 12561 + 105267 + 35986 = 153814
        "granted_qualifier": ["exact"] * 4,
        "total_computed": [False] * 4,
    })
    got = rows[["patent_type", "granted", "granted_qualifier", "total_computed"]].reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    assert set(rows["basis"]) == {"all"} and set(rows["period"]) == {"FY"}
    assert rows["note"].str.contains("adjusted from 2017 and again from 2021").all()  # statistical note kept


def test_total_is_computed_only_from_three_exact_types(table):
    national = table[table.region == "全国"].set_index(["year", "patent_type"])
    total_2021 = national.loc[(2021, "total")]
    assert total_2021["granted"] == 695946 + 3119990 + 785521 == 4601457
    assert total_2021["total_computed"] and total_2021["granted_qualifier"] == "exact"
    assert national.loc[(2020, "total"), "granted"] == 3439000  # printed (rounded), never recomputed
    assert not national.loc[(2020, "total"), "total_computed"]
    assert national.loc[(2021, "trademarks"), ["granted", "granted_qualifier"]].tolist() == [7739000, "rounded"]
    assert (2019, "total") not in national.index  # not published: a gap, not a zero and not a sum
    assert not table.loc[table.patent_type != "total", "total_computed"].any()


def test_processing_is_deterministic(tmp_path):
    raw = _write(tmp_path / "raw", ROWS)
    assert patents.process(raw, tmp_path / "a").read_bytes() == patents.process(raw, tmp_path / "b").read_bytes()


@pytest.mark.parametrize("bad_row, message", [
    ("福建省,province,2021,FY,all,12561,105267,35986,153815,,https://a.example/fj,",
     "column 'total': total 153815 is not invention + utility_model + design = 153814; expected total = "
     "invention + utility_model + design where all are exact counts"),
    ("福建省,province,2021,FY,all,-12561,105267,35986,153814,,https://a.example/fj,",
     "column 'invention': negative count -12561; expected a whole number >= 0"),
    ("福建省,province,2021,H1,all,12561,105267,35986,153814,,https://a.example/fj,",
     "column 'period': unknown period 'H1'; expected one of FY"),
    ("福建省,province,2021,FY,official,12561,105267,35986,153814,,https://a.example/fj,",
     "column 'basis': unknown basis 'official'; expected one of all, domestic, first_patentee_non_official"),
])
def test_bad_row_names_file_row_and_column_and_keeps_previous_output(tmp_path, bad_row, message):
    raw, processed = tmp_path / "raw", tmp_path / "processed"
    good = patents.process(_write(raw, ROWS), processed).read_bytes()
    before = (_write(raw, [ROWS[0], bad_row, *ROWS[2:]]) / "patents.csv").read_bytes()
    with pytest.raises(DataError) as err:
        patents.process(raw, processed)
    assert str(err.value) == f"{tmp_path}/raw/patents.csv:3: {message}"
    assert (processed / "patents.csv").read_bytes() == good
    assert (raw / "patents.csv").read_bytes() == before


def test_the_processed_table_keeps_its_columns_not_the_details_of_reading(tmp_path):
    raw, _ = patents.read(_write(tmp_path / "raw", ROWS))
    assert raw.loc[3, ["invention_lower", "invention_upper", "invention_text"]].tolist() == [529500, 530500,
                                                                                              "53.0万"]
    header = patents.process(tmp_path / "raw", tmp_path / "p").read_text(encoding="utf-8").splitlines()[0]
    assert header == ("region,level,basis,year,period,patent_type,granted,granted_qualifier,total_computed,"
                      "source_url,note")


def test_sum_is_not_checked_against_rounded_parts(tmp_path):
    # 53.0万 + 237.7万 + 73.2万 = 364.0万, not the (made-up) rounded total 343.9万: rounded figures are not checked.
    table = patents.tidy(patents.read(_write(tmp_path, ROWS[3:4]))[0])
    assert table.loc[table.patent_type == "total", "granted"].item() == 3439000


def test_duplicated_key_is_one_line_on_the_later_row_naming_the_first(tmp_path):
    with pytest.raises(DataError) as err:
        patents.read(_write(tmp_path, [FUJIAN_2021, FUJIAN_2021]))
    assert str(err.value).splitlines() == [
        f"{tmp_path}/patents.csv:3: same key (region=福建省, basis=all, year=2021, period=FY) as row 2; "
        "expected one row per region/basis/year/period"]


def test_shipped_raw_table_is_valid_and_unchanged_by_processing():
    before = (RAW_DATA_DIR / "patents.csv").read_bytes()
    table = patents.tidy(patents.read(RAW_DATA_DIR)[0])
    assert (RAW_DATA_DIR / "patents.csv").read_bytes() == before
    assert table["source_url"].str.startswith("http").all()
    fujian = table[(table.region == "福建省") & table.patent_type.isin(TYPES)]
    assert sorted(fujian["year"].unique()) == list(range(2015, 2022))
    assert fujian["granted_qualifier"].eq("exact").all() and not fujian["total_computed"].any()
    computed = table[table.total_computed]
    assert sorted(zip(computed.region, computed.basis, computed.year)) == [
        ("全国", "all", 2021), ("全国", "all", 2022), ("全国", "domestic", 2022)]


@pytest.mark.parametrize("change, message", [
    ({"region": "火星"}, "unknown region '火星'; available: 全国, 福建省"),
    ({"basis": "domestic"}, "unknown basis 'domestic'; available: all"),
    ({"patent_types": ["invention", "patents"]},
     "unknown patent_type 'patents'; available: design, invention, total, utility_model"),
    ({"patent_types": "invention"}, "patent_types must be a non-empty list such as [invention], got 'invention'"),
    ({"patent_types": []}, "patent_types must be a non-empty list such as [invention], got []"),
    ({"target_year": 2022}, "target_year 2022 has no data for 福建省/all/invention; years with data: 2020, 2021"),
    ({"baseline_years": [2019, 2020]},
     "baseline_years [2019] have no data for 福建省/all/invention; years with data: 2020, 2021"),
    ({"region": "全国", "patent_types": ["invention", "design"], "baseline_years": [2019, 2020]},
     "baseline_years [2019] have no data for 全国/all/design; years with data: 2020, 2021"),
    ({"lang": "fr"}, "unknown lang 'fr'; available: en, zh"),
])
def test_invalid_parameters_stop_with_one_line(table, change, message):
    params = dict(region="福建省", basis="all", patent_types=TYPES, target_year=2021, baseline_years=[2020],
                  lang="zh") | change
    with pytest.raises(ParameterError) as err:
        patents.check_params(table, **params)
    assert str(err.value) == message


def test_check_params_returns_the_chosen_series(table):
    series, baseline = patents.check_params(table, "全国", "all", ["invention"], 2021, [2020, 2019], "en")
    assert baseline == [2019, 2020]
    assert series[["year", "granted"]].values.tolist() == [[2019, 453000], [2020, 530000], [2021, 695946]]


def test_results_follow_the_order_of_patent_types(table):
    types = ["total", "design", "invention"]  # not the table's order
    series, baseline = patents.check_params(table, "福建省", "all", types, 2021, [2020], "en")
    assert list(dict.fromkeys(series["patent_type"])) == types
    assert patents.growth(series, ["design", "total"])["patent_type"].tolist() == ["design"] * 2 + ["total"] * 2
    assert counts.loglinear_trend(series, baseline, 2021, by="patent_type")["patent_type"].tolist() == types
    assert patents.exact_rate_ratios(series, 2021, types)["patent_type"].tolist() == types


def test_overview_shows_qualifiers(table):
    series, _ = patents.check_params(table, "全国", "all", TYPES, 2021, [2020], "zh")
    overview = patents.overview(series).set_index("year")
    assert overview.loc[2020, "invention"] == "530000 (rounded)"
    assert overview.loc[2021, "invention"] == "695946"
    assert overview.loc[2021, "total"] == "4601457 (computed)"
    assert overview.loc[2019, "design"] == ""  # not published


def test_growth_keeps_the_qualifiers_of_both_counts(table):
    series, _ = patents.check_params(table, "全国", "all", ["invention"], 2021, [2019, 2020], "en")
    row = patents.growth(series, ["invention"]).set_index("year").loc[2021]
    assert row["yoy_growth"] == pytest.approx(695946 / 530000 - 1, rel=1e-12)  # 0.3131..., from a rounded 2020
    assert (row["granted_qualifier"], row["previous_qualifier"]) == ("exact", "rounded")


def test_exact_rate_ratios_only_where_both_counts_are_exact(table):
    fujian, _ = patents.check_params(table, "福建省", "all", TYPES, 2021, [2020], "en")
    ratios = patents.exact_rate_ratios(fujian, 2021, ["design", "invention"]).set_index("patent_type")
    assert ratios.index.tolist() == ["design", "invention"]  # in the order asked for
    invention = ratios.loc["invention"]
    # R: poisson.test(c(12561, 10250), c(1, 1))[c("estimate", "conf.int", "p.value")]  (tests/r/counts.R)
    assert invention[["estimate", "ci_low", "ci_high"]].tolist() == pytest.approx(
        [1.22546341463415, 1.1938109769273, 1.25797675911497], rel=1e-6)
    assert invention["p_val"] == pytest.approx(6.7900224442424e-53, rel=1e-6)
    assert invention["note"] == ""
    national, _ = patents.check_params(table, "全国", "all", ["invention"], 2021, [2020], "en")
    skipped = patents.exact_rate_ratios(national, 2021, ["invention"]).iloc[0]
    # no statistic for the skipped type: the columns are there (one layout for every result), all NaN
    assert skipped["note"] == "not tested: 2020 rounded"
    assert skipped[["count", "count_previous", "estimate", "ci_low", "ci_high", "p_val"]].isna().all()
    national_types = patents.select(table, "全国", "all", TYPES)
    earlier = patents.exact_rate_ratios(national_types, 2020, ["total", "invention"])
    assert earlier[["patent_type", "note"]].values.tolist() == [
        ["total", "not tested: 2020 rounded, 2019 missing"],
        ["invention", "not tested: 2020 rounded, 2019 rounded"]]


def test_coverage_notes_and_the_baseline_after_the_change():
    notes = pd.DataFrame({"year": [2015, 2016, 2017, 2018, 2019, 2020],
                          "note": ["", "", "统计口径调整", "coverage adjusted", "", ""]})
    table = patents.notes(notes)
    assert table["coverage_change"].tolist() == [False, False, True, True, False, False]
    assert table["coverage_reason"].tolist() == ["", "", "changed: '统计口径调整'", "changed: 'coverage adjusted'",
                                                 "", ""]
    assert patents.first_coverage_change(table) == 2017
    assert patents.baseline_since_coverage_change(table, list(range(2015, 2021))) == [2017, 2018, 2019, 2020]
    assert patents.baseline_since_coverage_change(table, [2015, 2016, 2018, 2019]) == []  # 2 years left
    plain = patents.notes(notes.assign(note="exact"))
    assert patents.first_coverage_change(plain) is None
    assert patents.baseline_since_coverage_change(plain, list(range(2015, 2021))) == []


def test_findings_state_the_comparison_and_its_limits(table):
    series, baseline = patents.check_params(table, "全国", "all", ["invention"], 2021, [2019, 2020], "en")
    growth = counts.target_vs_baseline_growth(series, 2021, baseline, by="patent_type")
    trend = counts.loglinear_trend(series, baseline, 2021, by="patent_type")
    ratios = patents.exact_rate_ratios(series, 2021, ["invention"])
    lines = findings.key_findings(series, growth, ratios, trend, 2021, "全国", "en")
    # 695946 / 530000 - 1 = +31.3%; 530000 / 453000 - 1 = +17.0%
    assert lines[0].startswith("Invention, China 2021: 695,946 granted, +31.3% on 2020 (a rounded 2020 figure), "
                               "against a 2019-2020 mean of +17.0%; the baseline trend expected ")
    assert lines[0].endswith("with 2 baseline years there is no dispersion and no prediction interval.")
    assert lines[1] == "No exact test for Invention: a rounded 2020 count."  # note: "not tested: 2020 rounded"
    zh = findings.key_findings(series, growth, ratios, trend, 2021, "全国", "zh", coverage_from=2017)
    assert zh[0].startswith("全国2021年发明专利授权695,946件，比上年+31.3%（上年为约数）")
    assert zh[-1].startswith("来源注明自2017年起统计口径有调整")


def test_untested_types_are_worded_from_the_reasons_in_their_note():
    series = pd.DataFrame({
        "patent_type": ["invention"] * 2 + ["trademarks"] * 2 + ["design"] * 2 + ["total"] + ["utility_model"] * 2,
        "year": [2020, 2021] * 3 + [2021, 2020, 2021],
        "granted": [530000, 695946, 5761000, 7739000, 0, 0, 4600000, 500, 900],
        "granted_qualifier": ["rounded", "exact", "rounded", "exact", "exact", "exact", "rounded", "lower_bound",
                              "approximate"]})
    ratios = counts.rate_ratios(series, 2021, value="granted", by="patent_type", untestable="note")
    assert ratios["note"].tolist() == ["not tested: 2020 rounded", "not tested: 2020 rounded",
                                       "not tested: both counts are 0", "not tested: 2021 rounded, 2020 missing",
                                       "not tested: 2021 approximate, 2020 lower_bound"]
    no_trend = pd.DataFrame({"dispersion": [float("nan")]})
    assert findings._rate_ratio_lines(ratios, no_trend, 2021, "en") == [
        "No exact test for Invention, Trademarks registered: a rounded 2020 count.",  # one line per distinct note
        "No exact test for Design: both counts are 0, so the rate ratio is undefined.",
        "No exact test for All patents: a rounded 2021 count and no 2020 count.",
        "No exact test for Utility model: an approximate 2021 count and only a lower bound for 2020."]
    assert findings._rate_ratio_lines(ratios, no_trend, 2021, "zh") == [
        "发明专利、注册商标：2020年为约数，未做精确检验。", "外观设计：两年均为0，率比无定义，未做精确检验。",
        "专利合计：2021年为约数，缺2020年数据，未做精确检验。", "实用新型：2021年为约数，2020年仅为下限，未做精确检验。"]


def test_figures_draw_every_type_with_gaps_and_short_baselines(table, tmp_path):
    setup()  # the CJK font
    series, baseline = patents.check_params(table, "全国", "all", ["invention", "total"], 2021, [2020], "zh")
    # one baseline year: no trend, no interval
    band = counts.trend_predictions(series, baseline, range(min(baseline), 2022), by="patent_type")
    counts_fig = figures.patent_counts_figure(series, band, baseline, 2021, ["invention", "total"], "zh", "t",
                                              2017)
    growth_fig = figures.patent_growth_figure(patents.growth(series, ["invention", "total"]), 2021,
                                              ["invention", "total"], "en", "t")
    assert [ax.get_title() for ax in counts_fig.axes] == ["发明专利", "专利合计"]
    # one baseline year: no trend and no band are drawn, so the legend does not list them
    legend = [t.get_text() for t in counts_fig.legends[0].get_texts()]
    assert "基期对数线性趋势" not in legend and "95% 预测区间" not in legend and "目标年份" in legend
    assert set(plotting.save_figure(growth_fig, "g", tmp_path)) == {"png", "svg"}


def test_counts_figure_draws_the_trend_and_its_band_from_the_baseline_to_the_target():
    setup()
    series = pd.DataFrame({"patent_type": "invention", "year": range(2015, 2022), "granted_qualifier": "exact",
                           "granted": [5730, 7170, 8718, 9858, 8963, 10250, 12561]})  # Fujian, as in test_counts
    baseline = list(range(2015, 2021))
    band = counts.trend_predictions(series, baseline, range(2015, 2022), by="patent_type")
    ax = figures.patent_counts_figure(series, band, baseline, 2021, ["invention"], "en", "t").axes[0]
    solid, dashed = ([line for line in ax.get_lines() if line.get_linestyle() == style] for style in ("-", "--"))
    assert [line.get_xdata().tolist() for line in solid] == [list(range(2015, 2021))]  # fitted over the baseline
    assert [line.get_xdata().tolist() for line in dashed] == [[2020, 2021]]  # extended to the target
    # R: trend_qp("fujian invention", ...) in tests/r/counts.R: mu 2021 and its prediction interval
    assert dashed[0].get_ydata()[-1] == pytest.approx(11780.4070348783, rel=1e-6)
    vertices = ax.collections[0].get_paths()[0].vertices
    assert (vertices[:, 0].min(), vertices[:, 0].max()) == (2015, 2021)
    assert sorted(set(vertices[vertices[:, 0] == 2021, 1])) == pytest.approx([7567.25668981324, 15993.5573799434],
                                                                            rel=1e-6)


def _tested_ratios(estimates: dict[str, float]) -> pd.DataFrame:
    return pd.DataFrame({"patent_type": list(estimates), "estimate": list(estimates.values()),
                         "p_val": [0.001, 0.3, 0.02][:len(estimates)], "note": ""})


def test_dispersion_wording_follows_how_many_phi_exceed_one():
    ratios = _tested_ratios({"invention": 1.225, "utility_model": 1.053, "design": 1.007})
    mixed = findings._rate_ratio_lines(ratios, pd.DataFrame({"dispersion": [0.4, 16.2, 0.9]}), 2021, "zh")[0]
    # per type, not a range that reads like an interval
    assert mixed.startswith("精确Poisson率比（2021/2020）分别为发明专利1.225、实用新型1.053、外观设计1.007，3个类型中2个p<0.05。")
    assert "基期离散系数φ各类型在0.4至16.2之间（Poisson过程为1），3个类型中1个大于1" in mixed
    assert "远大于" not in mixed and "均大于" not in mixed
    over = findings._rate_ratio_lines(ratios, pd.DataFrame({"dispersion": [94.4, 1485.8, 443.2]}), 2021, "en")[0]
    assert "from 94.4 to 1485.8 across types (1 for a Poisson process): every type varies more" in over
    under = findings._rate_ratio_lines(ratios, pd.DataFrame({"dispersion": [0.5, 0.8]}), 2021, "zh")[0]
    assert under.endswith("基期离散系数φ各类型在0.5至0.8之间，均不大于1（Poisson过程为1），年际波动未超过Poisson假设。")
    single = findings._rate_ratio_lines(_tested_ratios({"invention": 1.2}), pd.DataFrame({"dispersion": [3.0]}),
                                        2021, "zh")[0]
    assert "基期离散系数φ为3.0（Poisson过程为1），年际波动大于Poisson假设" in single
@pytest.mark.parametrize("note, changed, reason", [
    ("与上年统计口径一致", False, "unchanged: '与上年统计口径一致'"),
    ("数据来源：省知识产权局；口径未变。", False, "unchanged: '口径未变'"),
    ("统计口径保持不变", False, "unchanged: '统计口径保持不变'"),
    ("coverage unchanged from 2020", False, "unchanged: 'coverage unchanged from 2020'"),
    ("2017年起统计口径调整", True, "changed: '2017年起统计口径调整'"),
    ("口径与上年一致，但2021年起口径调整为含港澳台", True, "changed: '但2021年起口径调整为含港澳台'"),
    ("as published", False, ""),
])
def test_a_note_saying_coverage_did_not_change_is_no_change(note, changed, reason):
    assert patents.coverage_reading(note) == (changed, reason)
