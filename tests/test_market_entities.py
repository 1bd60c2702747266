"""Market entities: the dataset step, the consistency check, net growth across gaps, entries and exits.

The national figures are checked against hand calculations from the cited raw rows of
``data/raw/market_entities.csv`` (全国, SAMR basis); the trend against R (``tests/r/market_entities.R``).
The small district files below are illustrative numbers written by the tests, not published figures.
"""
import pandas as pd
import pytest

from analysis.readers import datasets, gaps
from analysis import setup
from analysis.market_entities import figures, findings
from analysis.market_entities import step as market_entities
from analysis.config import RAW_DATA_DIR
from analysis.readers.io import DataError
from analysis.parameters import ParameterError

WAN, YI = 10**4, 10**8
EXACT = 1e-12
R_REL = 1e-6
TYPES = ["all_entities", "enterprises", "individual"]
HEADER = "region,level,year,period,measure,basis,all_entities,enterprises,individual,cooperatives,source_url,note\n"
# A district whose published stocks and flows do NOT add up for all entities in 2021 (deliberately):
# stock 100000 -> 110000 is +10000, but new 20000 - deregistered 5000 = +15000.
INCONSISTENT = [
    "甲区,district,2020,year-end,stock,SAMR,100000,40000,60000,,https://a.example/2020,",
    "甲区,district,2021,year-end,stock,SAMR,110000,44000,66000,,https://a.example/2021,",
    "甲区,district,2021,FY,new,SAMR,20000,6000,14000,,https://a.example/2021,",
    "甲区,district,2021,FY,deregistered,SAMR,5000,2050,,,https://a.example/2021,",
    # rounded figures: +1.2万 against 2.0万 - 0.75万 = +1.25万, within the rounding of the four figures
    "乙区,district,2020,year-end,stock,SAMR,10.0万,,,,https://b.example/2020,",
    "乙区,district,2021,year-end,stock,SAMR,11.2万,,,,https://b.example/2021,",
    "乙区,district,2021,FY,new,SAMR,2.0万,,,,https://b.example/2021,",
    "乙区,district,2021,FY,deregistered,SAMR,约0.75万,,,,https://b.example/2021,",
    "乙区,district,2021,FY,new,NON-SAMR,9.9万,,,,https://c.example/2021,commercial provider",
]
# A district with complete stocks and new registrations but no deregistrations: exits are implied.
COMPLETE = [
    "丙区,district,2019,year-end,stock,SAMR,50000,20000,30000,,https://d.example/2019,",
    "丙区,district,2020,year-end,stock,SAMR,54000,22000,32000,,https://d.example/2020,",
    "丙区,district,2021,year-end,stock,SAMR,59400,24600,34800,,https://d.example/2021,",
    "丙区,district,2020,FY,new,SAMR,9000,3500,5500,,https://d.example/2020,",
    "丙区,district,2021,FY,new,SAMR,10000,4000,6000,,https://d.example/2021,",
]


def _write(folder, rows):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "market_entities.csv").write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return folder


def _table(tmp_path, rows):
    path = market_entities.process(_write(tmp_path / "raw", rows), tmp_path / "processed")
    return market_entities.load(path.parent)


def _row(frame, **where):
    mask = pd.Series(True, index=frame.index)
    for k, v in where.items():
        mask &= frame[k].eq(v)
    assert mask.sum() == 1, where
    return frame[mask].iloc[0]


@pytest.fixture(scope="module", autouse=True)
def cjk_figures():
    setup()  # the CJK font for the figures' Chinese labels


@pytest.fixture(scope="module")
def national():
    """The shipped table (all regions) and the national flows of three entity types."""
    table = market_entities.with_gaps(market_entities.tidy(market_entities.read(RAW_DATA_DIR)[0]),
                                      gaps.read(RAW_DATA_DIR, "market_entities"))
    return table, market_entities.flows(table, "全国", TYPES)


# ---------------------------------------------------------------------------------------------
# Dataset step
# ---------------------------------------------------------------------------------------------

def test_shipped_raw_table_is_valid_tidy_and_unchanged():
    before = (RAW_DATA_DIR / "market_entities.csv").read_bytes()
    raw, _ = market_entities.read(RAW_DATA_DIR)
    table = market_entities.tidy(raw)
    assert (RAW_DATA_DIR / "market_entities.csv").read_bytes() == before
    assert len(table) == 4 * len(raw)
    # 全国,national,2017,year-end,stock,SAMR,9814.8万,...: rounded to 0.1万, so 9814.75万..9814.85万
    stock = _row(table, region="全国", year=2017, period="year-end", measure="stock", entity_type="all_entities")
    assert (stock["value"], stock["qualifier"], stock["published"]) == (98148000, "rounded", "9814.8万")
    assert (stock["lower"], stock["upper"]) == (98147500, 98148500)
    # 全国,national,2019,year-end,stock,SAMR,1.23亿,近3858万,...: "nearly", so no lower bound
    nearly = _row(table, region="全国", year=2019, period="year-end", measure="stock", entity_type="enterprises")
    assert nearly["qualifier"] == "approximate" and pd.isna(nearly["lower"]) and nearly["upper"] == 38580000
    # an empty cell is "not published", never zero
    empty = _row(table, region="全国", year=2021, period="year-end", measure="stock", entity_type="enterprises")
    assert pd.isna(empty["value"]) and empty["qualifier"] == "missing"


def test_processing_is_deterministic_and_load_returns_what_tidy_wrote(tmp_path):
    raw = _write(tmp_path / "raw", INCONSISTENT)
    first = market_entities.process(raw, tmp_path / "a")
    assert first.read_bytes() == market_entities.process(raw, tmp_path / "b").read_bytes()
    expected = market_entities.with_gaps(market_entities.tidy(market_entities.read(raw)[0]), gaps.read(raw))
    expected = expected.mask(expected.isna())  # an empty cell is None in memory, NaN when read back
    pd.testing.assert_frame_equal(market_entities.load(first.parent), expected, check_dtype=False)


@pytest.mark.parametrize("bad_row, message", [
    ("甲区,district,2021,FY,stock,SAMR,110000,44000,66000,,https://a.example/2021,",
     "{raw}:3: column 'period': period 'FY' does not fit measure 'stock'; expected a point date for a stock: "
     "year-end, end-Jun, at-12-13"),
    ("甲区,district,2021,year-end,stock,SAMR,110000,120000,66000,,https://a.example/2021,",
     "{raw}:3: column 'enterprises': enterprises 120000 is greater than all_entities 110000; "
     "expected enterprises <= all_entities"),
    ("甲区,district,2020,year-end,stock,SAMR,1,1,1,,https://a.example/2021,",
     "{raw}:3: same key (region=甲区, year=2020, period=year-end, measure=stock, basis=SAMR) as row 2; "
     "expected one row per region/year/period/measure/basis"),
    ("甲区,district,2021,year-end,stock,official,110000,44000,66000,,https://a.example/2021,",
     "{raw}:3: column 'basis': unknown basis 'official'; expected one of SAMR, NON-SAMR"),
])
def test_bad_row_is_one_line_naming_file_row_column_and_keeps_previous_output(tmp_path, bad_row, message):
    raw, processed = tmp_path / "raw", tmp_path / "processed"
    good = market_entities.process(_write(raw, INCONSISTENT), processed).read_bytes()
    _write(raw, INCONSISTENT[:1] + [bad_row] + INCONSISTENT[2:])
    with pytest.raises(DataError) as err:
        market_entities.process(raw, processed)
    assert str(err.value) == message.format(raw=f"{tmp_path}/raw/market_entities.csv")
    assert (processed / "market_entities.csv").read_bytes() == good


def test_validate_checks_that_the_period_fits_the_measure_with_the_other_rules(tmp_path):
    """The stock/flow period rule is a check of SCHEMA: ``validate`` reports it among the other problems."""
    rows = [INCONSISTENT[0].replace("year-end", "FY"), INCONSISTENT[1].replace("SAMR", "official"),
            INCONSISTENT[2].replace(",FY,", ",end-Jun,"), *INCONSISTENT[3:]]
    raw = _write(tmp_path / "raw", rows) / "market_entities.csv"
    with pytest.raises(DataError) as err:
        datasets.validate_file(raw)
    assert str(err.value).splitlines() == [
        f"{raw}:2: column 'period': period 'FY' does not fit measure 'stock'; expected a point date for a stock: "
        "year-end, end-Jun, at-12-13",
        f"{raw}:3: column 'basis': unknown basis 'official'; expected one of SAMR, NON-SAMR",
        f"{raw}:4: column 'period': period 'end-Jun' does not fit measure 'new'; expected a span for new: FY, H1, "
        "Q1, M01-M09"]
    assert datasets.validate_file(_write(tmp_path / "good", INCONSISTENT) / "market_entities.csv") == "utf-8"


def test_read_keeps_each_figure_as_written_with_its_bounds(tmp_path):
    row = market_entities.read(_write(tmp_path, INCONSISTENT))[0].set_index("source_row")
    details = ["all_entities", "all_entities_qualifier", "all_entities_lower", "all_entities_upper",
               "all_entities_text"]
    # 乙区 2021 stock 11.2万: rounded to 0.1万, so 11.15万..11.25万
    assert row.loc[7, details].tolist() == [112000, "rounded", 111500, 112500, "11.2万"]
    # 乙区 2021 deregistered 约0.75万: approximate, no bounds
    assert row.loc[9, details].isna().tolist() == [False, False, True, True, False]
    assert row.loc[9, ["all_entities_qualifier", "all_entities_text"]].tolist() == ["approximate", "约0.75万"]
    # 甲区 2021 deregistered: individual not published, so no value, qualifier, bounds or text
    assert row.loc[5, [d.replace("all_entities", "individual") for d in details]].isna().all()


# ---------------------------------------------------------------------------------------------
# Consistency check with a deliberately inconsistent file
# ---------------------------------------------------------------------------------------------

def test_consistency_check_reports_the_inconsistent_district_and_adjusts_nothing(tmp_path):
    table = _table(tmp_path, INCONSISTENT)
    check = market_entities.consistency_check(table)
    # 甲区 all entities and enterprises (individual deregistrations not published); 乙区 all entities (its
    # NON-SAMR row has no NON-SAMR stocks to pair with)
    assert len(check) == 3
    bad = _row(check, region="甲区", entity_type="all_entities")
    # net growth 110000 - 100000 = 10000; new - exits = 20000 - 5000 = 15000; discrepancy -5000
    # tolerance: exact figures, rounding 0; relative 0.005 * 100000 = 500
    assert (bad["net_growth"], bad["flow_balance"], bad["discrepancy"]) == (10000, 15000, -5000)
    assert (bad["rounding_tolerance"], bad["tolerance"]) == (0, 500)
    assert not bad["consistent"]
    # enterprises: 44000 - 40000 = 4000 vs 6000 - 2050 = 3950: 50 <= 0.005 * 40000 = 200
    assert _row(check, region="甲区", entity_type="enterprises")["consistent"]
    # 乙区: 约0.75万 has no rounding interval, so the case is listed but not judged
    approximate = _row(check, region="乙区")
    assert pd.isna(approximate["consistent"]) and "not judged" in approximate["note"]
    assert findings.consistency_warnings(check, "en") == [
        "WARNING: 甲区, All market entities, 2021: the change in year-end stocks 10,000 differs from new - "
        "deregistered 15,000 by -5,000, beyond the tolerance 500 (SAMR); the figures are kept as published, "
        "not adjusted."]
    # nothing is adjusted: the flows carry the published figures, and the waterfall shows the difference
    flows = market_entities.flows(table, "甲区")
    row = _row(flows, entity_type="all_entities", year=2021)
    assert (row["stock"], row["net_growth"], row["new"], row["exits"], row["exits_source"]) == \
        (110000, 10000, 20000, 5000, "published")
    steps = market_entities.waterfall_steps(flows, 2021, "all_entities")
    assert steps["step"].tolist() == ["opening", "new", "exits", "difference", "closing"]
    assert steps["value"].tolist() == [100000, 20000, -5000, -5000, 110000]


def test_rounding_tolerance_is_the_sum_of_half_rounding_intervals(tmp_path):
    rows = INCONSISTENT[4:7] + ["乙区,district,2021,FY,deregistered,SAMR,0.75万,,,,https://b.example/2021,"]
    check = market_entities.consistency_check(_table(tmp_path, rows))
    case = check.iloc[0]
    # 11.2万 - 10.0万 = 12000; 2.0万 - 0.75万 = 12500; discrepancy -500
    # rounding: 0.05万 + 0.05万 + 0.05万 + 0.005万 = 1550; relative: 0.005 * 100000 = 500
    assert (case["discrepancy"], case["rounding_tolerance"], case["tolerance"]) == (-500, 1550, 2050)
    assert case["consistent"]


# ---------------------------------------------------------------------------------------------
# National figures by hand, from the cited raw rows (全国, SAMR)
# ---------------------------------------------------------------------------------------------
# Rows of data/raw/market_entities.csv used below:
#   2016,year-end,stock: all 8705万, enterprises 2596万 (gov.cn English, 2017-01-20)
#   2017,year-end,stock: all 9814.8万, enterprises 3033.7万, individual 6579.4万 (工商总局)
#   2019,year-end,stock: all 1.23亿, enterprises 近3858万, individual 8261万 (Xinhua factsheet)
#   2021,year-end,stock: all 1.54亿, individual 1.03亿 (Xinhua 2022-01-27)
#   2019,FY,new: all 2179万;  2021,FY,new: individual 1970.1万;  2021,FY,new,NON-SAMR: all 2887万

def test_national_net_growth_2016_to_2017_by_hand(national):
    _, flows = national
    row = _row(flows, entity_type="all_entities", year=2017)
    assert row["net_growth"] == 9814.8 * WAN - 8705 * WAN  # 1109.8万
    assert row["net_growth"] == 1109.8 * WAN
    assert row["yoy_growth"] == pytest.approx(9814.8 / 8705 - 1, rel=EXACT)
    # bounds: 9814.75万 - 8705.5万 .. 9814.85万 - 8704.5万 (each stock rounded to its last digit)
    assert (row["change_low"], row["change_high"]) == (98147500 - 87055000, 98148500 - 87045000)
    enterprises = _row(flows, entity_type="enterprises", year=2017)
    assert enterprises["net_growth"] == 3033.7 * WAN - 2596 * WAN  # 437.7万
    assert enterprises["yoy_growth"] == pytest.approx(3033.7 / 2596 - 1, rel=EXACT)


def test_national_gap_years_give_the_annualised_change_and_a_plain_statement(national):
    _, flows = national
    # 2021: the 2020 year-end stock was published but is not in the data (gaps.csv: not_collected)
    row = _row(flows, entity_type="all_entities", year=2021)
    assert pd.isna(row["net_growth"]) and pd.isna(row["opening_stock"])
    assert (row["prev_year"], row["years_since_prev"]) == (2019, 2)
    assert row["annualised_growth"] == pytest.approx((1.54 * YI / (1.23 * YI)) ** (1 / 2) - 1, rel=EXACT)
    assert row["mean_annual_change"] == (1.54 * YI - 1.23 * YI) / 2  # 1550万 a year
    assert row["mean_annual_change"] == 1550 * WAN
    # bounds: (1.535亿 - 1.235亿) / 2 .. (1.545亿 - 1.225亿) / 2 = 1500万 .. 1600万
    assert (row["change_low"], row["change_high"]) == (1500 * WAN, 1600 * WAN)
    assert row["opening_gap"] == "not_collected" and row["stock_gap"] == ""
    assert row["note"].startswith("year-end 2020 stock not in the data (未收录): net growth 2021 cannot be computed; "
                                  "annualised over 2019-2021 (2 years) instead")
    # 2019: the 2018 year-end stock is not in the data
    row = _row(flows, entity_type="all_entities", year=2019)
    assert row["annualised_growth"] == pytest.approx((1.23 * YI / (9814.8 * WAN)) ** (1 / 2) - 1, rel=EXACT)
    assert row["mean_annual_change"] == pytest.approx((12300 - 9814.8) * WAN / 2, rel=EXACT)  # 1242.6万
    individual = _row(flows, entity_type="individual", year=2021)
    assert individual["annualised_growth"] == pytest.approx((1.03 * YI / (8261 * WAN)) ** (1 / 2) - 1, rel=EXACT)
    assert individual["mean_annual_change"] == (10300 - 8261) * WAN / 2  # 1019.5万
    # the missing years are never invented
    assert not flows["year"].isin([2018, 2020]).any()


def test_national_entry_rates_need_the_opening_stock_and_non_samr_never_enters(national):
    _, flows = national
    # 2019 FY new 2179万 is published, but the 2018 year-end stock is not: no entry rate
    row = _row(flows, entity_type="all_entities", year=2019)
    assert row["new"] == 2179 * WAN and pd.isna(row["entry_rate"])
    assert "entry rate cannot be computed: year-end 2018 stock not in the data (未收录)" in row["note"]
    # 2021 FY new 2887万 is NON-SAMR (商务部研究院 + 天眼查): it is not the regulator's figure
    assert pd.isna(_row(flows, entity_type="all_entities", year=2021)["new"])
    assert _row(flows, entity_type="individual", year=2021)["new"] == 1970.1 * WAN
    assert flows["entry_rate"].isna().all() and flows["exit_rate"].isna().all()


def test_national_target_against_the_baseline_mean_by_hand(national):
    _, flows = national
    comparison = market_entities.target_vs_baseline(flows, 2021, [2016, 2017, 2019])
    net = _row(comparison, entity_type="all_entities", measure="net_growth_per_year")
    # baseline: 2017 net growth 1109.8万, 2019 mean over 2018-2019 1242.6万; 2016 has no earlier stock
    assert (net["n"], net["baseline_spans"], net["target_span"]) == (2, "2016-2017, 2017-2019", "2019-2021")
    assert net["baseline_mean"] == pytest.approx((1109.8 + 1242.6) / 2 * WAN, rel=EXACT)  # 1176.2万
    assert net["diff"] == pytest.approx((1550 - 1176.2) * WAN, rel=EXACT)  # 373.8万
    assert net["note"] == "baseline years without a value: 2016"
    growth = _row(comparison, entity_type="all_entities", measure="growth_rate")
    assert growth["baseline_mean"] == pytest.approx(
        ((9814.8 / 8705 - 1) + ((12300 / 9814.8) ** 0.5 - 1)) / 2, rel=EXACT)
    entry = _row(comparison, entity_type="individual", measure="entry_rate")
    assert pd.isna(entry["target"]) and entry["note"].startswith(
        "2021: not computable (year-end 2020 stock not in the data (未收录))")
    # 近3858万 has no lower bound, so neither has the baseline mean's lower bound
    enterprises = _row(comparison, entity_type="enterprises", measure="net_growth_per_year")
    assert pd.isna(enterprises["baseline_low"]) and pd.isna(enterprises["target"])


def test_national_trend_against_r(national):
    _, flows = national
    trend = market_entities.trend_comparison(flows, 2021, [2016, 2017, 2019])
    fit = _row(trend, entity_type="all_entities")
    # R: glm(y ~ I(year - cen), quasipoisson), y = c(87050000, 98148000, 123000000), years 2016, 2017, 2019
    assert fit["expected"] == pytest.approx(154853628.761076, rel=R_REL)  # R: exp(predict(fit, 2021))
    assert fit["pi_low"] == pytest.approx(141265093.223346, rel=R_REL)  # R: mu - qt(0.975, 1) * sd
    assert fit["pi_high"] == pytest.approx(168442164.298806, rel=R_REL)  # R: mu + qt(0.975, 1) * sd
    assert fit["p_val"] == pytest.approx(0.571145553146914, rel=R_REL)  # R: 2 * pt(-abs(z), 1)
    assert fit["trend_growth_rate"] == pytest.approx(0.121593206815606, rel=R_REL)  # R: exp(coef(fit)[2]) - 1
    assert fit["trend_change_per_year"] == pytest.approx(15877864.056612, rel=R_REL)  # R: mu*(1-exp(-2b))/2
    assert fit["above_trend"] == "within" and fit["observed_change_per_year"] == 1550 * WAN
    assert (_row(trend, entity_type="enterprises")["note"]
            == "no year-end 2021 stock in the data: no comparison")
    assert "2 baseline years" in _row(trend, entity_type="individual")["note"]


def test_national_waterfall_says_the_opening_stock_is_missing(national):
    _, flows = national
    steps = market_entities.waterfall_steps(flows, 2021, "all_entities")
    assert steps["step"].tolist() == ["opening", "net_change", "closing"]
    assert steps["status"].tolist() == ["last_published", "over_gap", "published"]
    assert steps["value"].tolist() == [1.23 * YI, 3100 * WAN, 1.54 * YI]
    assert (steps.loc[1, "low"], steps.loc[1, "high"]) == (3000 * WAN, 3200 * WAN)
    assert market_entities.waterfall_steps(flows, 2021, "enterprises")["status"].tolist() == ["no_closing"]
    fig = figures.waterfall_figure(steps, 2021, "zh", "t")
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert ticks == ["2019年末存量\n（2020年末缺数）", "2019–2021年净增\n（2年合计）", "2021年末存量"]


def test_rates_figure_legend_lists_only_the_rates_drawn(national):
    setup()
    _, flows = national
    fig = figures.entry_exit_rates_figure(flows, 2021, TYPES, "zh", "t")
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    drawn = flows[flows["entity_type"].isin(TYPES)]
    assert ("进入率（新设÷年初存量）" in legend) == drawn["entry_rate"].notna().any()
    assert ("净增长率" in legend) == (drawn["years_since_prev"].eq(1) & drawn["annualised_growth"].notna()).any()
    assert "跨缺年的年均净增长率（空心、虚线）" in legend  # the national stocks have gaps


def test_findings_state_the_gap_plainly(national):
    table, flows = national
    comparison = market_entities.target_vs_baseline(flows, 2021, [2016, 2017, 2019])
    trend = market_entities.trend_comparison(flows, 2021, [2016, 2017, 2019])
    zh = findings.key_findings(flows, comparison, trend, 2021, "全国", TYPES, "zh")
    assert zh[0] == ("2021年末全国市场主体（合计）1.54亿户（公布约数）；2020年末存量未收录，无法计算2021年净增。"
                     "2019年末至2021年末共增3100万户，年均1550万户（区间1500万–1600万，由约数相减），"
                     "年均增长11.89%（2年）。")
    assert "全国2021年末企业存量未收录，无法计算2021年的净增和增长率。" in zh
    en = findings.key_findings(flows, comparison, trend, 2021, "全国", TYPES, "en")
    assert en[-1].startswith("Entry and exit rates for 2021 cannot be computed")
    assert "the end-2020 stock is not in the data" in en[0]


# ---------------------------------------------------------------------------------------------
# Implied exits and rates where the opening stock is published
# ---------------------------------------------------------------------------------------------

def test_implied_exits_and_rates_by_hand(tmp_path):
    flows = market_entities.flows(_table(tmp_path, COMPLETE), "丙区")
    row = _row(flows, entity_type="all_entities", year=2021)
    # net growth 59400 - 54000 = 5400; implied exits 10000 - 5400 = 4600
    assert (row["net_growth"], row["exits"], row["exits_source"]) == (5400, 4600, "implied")
    assert row["entry_rate"] == pytest.approx(10000 / 54000, rel=EXACT)
    assert row["exit_rate"] == pytest.approx(4600 / 54000, rel=EXACT)
    assert row["note"] == "exits not in the data (未收录): implied as new - net growth"
    # 2019 has no opening stock and no flows: nothing invented
    assert pd.isna(_row(flows, entity_type="all_entities", year=2019)["entry_rate"])
    comparison = market_entities.target_vs_baseline(flows, 2021, [2020])
    exits = _row(comparison, entity_type="all_entities", measure="exit_rate")
    # 2020: 9000 - (54000 - 50000) = 5000 implied exits, 5000 / 50000 = 10%
    assert exits["baseline_mean"] == pytest.approx(0.1, rel=EXACT)
    assert exits["note"] == "exits implied (new - net growth) in 2020, 2021"
    steps = market_entities.waterfall_steps(flows, 2021, "individual")
    # 32000 + 6000 - (6000 - 2800) = 34800
    assert steps["value"].tolist() == [32000, 6000, -3200, 34800]
    assert steps["status"].tolist() == ["published", "published", "implied", "published"]
    fig = figures.waterfall_figure(steps, 2021, "en", "t")
    assert "(implied = new - net growth)" in fig.axes[0].get_xticklabels()[2].get_text()


# ---------------------------------------------------------------------------------------------
# Parameters
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("change, message", [
    ({"region": "火星"}, "unknown region '火星'; available: "),
    ({"entity_types": ["firms"]}, "unknown entity_type 'firms'; available: all_entities, cooperatives, "
                                  "enterprises, individual"),
    ({"entity_types": "all_entities"}, "entity_types must be a non-empty list of all_entities, enterprises, "
                                       "individual, cooperatives"),
    ({"entity_types": ["cooperatives"]}, "entity_type cooperatives has no SAMR year-end stock for 全国; "
                                         "types with one: all_entities, enterprises, individual"),
    ({"target_year": 2020}, "target_year 2020 has no data for 全国 SAMR year-end stocks; "
                            "years with data: 2016, 2017, 2019, 2021"),
    ({"baseline_years": [2018]}, "baseline_years [2018] have no data for 全国 SAMR year-end stocks; "
                                 "years with data: 2016, 2017, 2019, 2021"),
    ({"lang": "fr"}, "unknown lang 'fr'; available: en, zh"),
])
def test_invalid_parameters_stop_with_one_line(national, change, message):
    table, _ = national
    params = dict(region="全国", target_year=2021, baseline_years=[2016, 2017, 2019], entity_types=TYPES,
                  lang="zh") | change
    with pytest.raises(ParameterError) as err:
        market_entities.check_params(table, **params)
    assert str(err.value).startswith(message) and "\n" not in str(err.value)


def test_default_parameters_fit_the_shipped_data(national):
    table, _ = national
    types, baseline = market_entities.check_params(table, "全国", 2021, [2019, 2016, 2017], TYPES, "en")
    assert (types, baseline) == (TYPES, [2016, 2017, 2019])
    used = market_entities.sources(table, "全国", types)
    assert "http://en.people.cn/n3/2022/0128/c90000-9950606.html" in used  # 2021 year-end stock
    assert "http://m.udxd.com/news/show-313537.html" not in used  # NON-SAMR 2021 new registrations


def test_chinese_measures_and_revocations_make_exits_and_say_which(tmp_path):
    """实有/新设/注销/吊销 as a register writes them; exits are deregistrations plus revocations."""
    rows = ["丁区,district,2020,year-end,实有,SAMR,50000,,,,本局登记注册系统导出 2022-01-05,",
            "丁区,district,2021,year-end,登记在册,SAMR,54000,,,,本局登记注册系统导出 2022-01-05,",
            "丁区,district,2021,FY,新登记,SAMR,9000,,,,本局登记注册系统导出 2022-01-05,",
            "丁区,district,2021,FY,注销,SAMR,4000,,,,本局登记注册系统导出 2022-01-05,",
            "丁区,district,2021,FY,吊销,SAMR,1000,,,,本局登记注册系统导出 2022-01-05,",
            "丁区,district,2020,FY,注销,SAMR,3000,,,,本局登记注册系统导出 2022-01-05,"]
    table = _table(tmp_path, rows)
    assert sorted(table["measure"].unique()) == ["deregistered", "new", "revoked", "stock"]
    flows = market_entities.flows(table, "丁区", ["all_entities"]).set_index("year")
    assert flows.loc[2021, ["exits", "exits_source", "exits_measures"]].tolist() == [5000, "published",
                                                                                      "deregistered+revoked"]
    assert flows.loc[2020, ["exits", "exits_measures"]].tolist() == [3000, "deregistered"]
    check = market_entities.consistency_check(table)
    assert check[["year", "exits", "flow_balance", "net_growth"]].values.tolist() == [[2021, 5000, 4000, 4000]]
    assert market_entities.sources(table, "丁区") == ["本局登记注册系统导出 2022-01-05"]
