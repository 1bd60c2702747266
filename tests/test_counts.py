"""Tests of analysis.stats.counts against R (tests/r/counts.R; run ``Rscript tests/r/counts.R``).

What these tests mean for census counts: the figures are every patent granted, not a sample, so the
intervals are about the process behind the counts. The rate-ratio tests check the exact Poisson
arithmetic (= R ``poisson.test``); the trend tests check that the overdispersed log-linear model (= R
``glm(..., quasipoisson)`` and ``MASS::glm.nb``) turns the year-to-year scatter of the baseline into
a prediction interval, which is what a judgement of the target year rests on.

Data: Fujian patents granted 2015-2021 (福建统计年鉴2022 表16-5); China invention and utility-model
grants (CNIPA; 2021-2022 exact, earlier years partly rounded, as in shared/public_figures); the
district and rare-category series are illustrative numbers of a district's size, not published figures.
"""
import math

import numpy as np
import pandas as pd
import pytest

from analysis.stats.counts import (cagr, growth_table, loglinear_trend, rate_ratio, rate_ratios,
                             target_vs_baseline_growth, trend_predictions)

EXACT = 1e-12  # closed-form arithmetic
R_REL = 1e-6   # GLM fits and quantiles against R


def approx_r(expected):
    """Relative tolerance R_REL, no absolute floor: where R gives exactly 0 (a cut at 0) so must we."""
    return pytest.approx(expected, rel=R_REL, abs=0)

FUJIAN = {
    "invention": [5730, 7170, 8718, 9858, 8963, 10250, 12561],
    "utility_model": [34086, 42110, 39608, 67822, 61530, 99956, 105267],
    "design": [21805, 17862, 19978, 24942, 28462, 35723, 35986],
    "total": [61621, 67142, 68304, 102622, 98955, 145929, 153814],
}
BASELINE = range(2015, 2021)
# China utility-model grants: 2016 exact, 2020 rounded (237.7万), 2021-2022 exact; no 2017-2019 in the data.
CN_UTILITY = {2016: 903420, 2020: 2377000, 2021: 3119990, 2022: 2804155}
# China invention grants: 2015-2020 rounded (35.9万 ... 53.0万), 2021 exact.
CN_INVENTION = dict(zip(range(2015, 2022), [359000, 404000, 420000, 432000, 453000, 530000, 695946]))
DISTRICT = dict(zip(range(2017, 2022), [120, 135, 160, 150, 190]))
RARE = dict(zip(range(2016, 2022), [0, 2, 1, 3, 4, 7]))


def long(series: dict[str, list[int]], first_year: int = 2015) -> pd.DataFrame:
    return pd.DataFrame([(name, first_year + i, v) for name, values in series.items()
                         for i, v in enumerate(values)], columns=["series", "year", "granted"])


def single(by_year: dict[int, int]) -> pd.DataFrame:
    return pd.DataFrame({"year": list(by_year), "granted": list(by_year.values())})


@pytest.fixture
def fujian() -> pd.DataFrame:
    return long(FUJIAN)


def row(frame: pd.DataFrame, **where) -> pd.Series:
    mask = np.logical_and.reduce([frame[k] == v for k, v in where.items()])
    assert mask.sum() == 1, where
    return frame[mask].iloc[0]


# ---------------------------------------------------------------------------------------------
# growth_table
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("series, expected", [
    # R: x <- fujian$invention; x[-1] / x[-7] - 1
    ("invention", [0.25130890052356, 0.215899581589958, 0.130763936682725, -0.0907892067356462,
                   0.143590315742497, 0.225463414634146]),
    # R: x <- fujian$utility_model; x[-1] / x[-7] - 1
    ("utility_model", [0.235404564924016, -0.0594158157207314, 0.71233084225409, -0.0927722567898323,
                       0.624508369900861, 0.0531333786866222]),
    # R: x <- fujian$design; x[-1] / x[-7] - 1
    ("design", [-0.180830084842926, 0.118463777852424, 0.248473320652718, 0.141127415604202,
                0.255112079263579, 0.00736220362231621]),
    # R: x <- fujian$total; x[-1] / x[-7] - 1
    ("total", [0.0895960792586943, 0.0173066039140926, 0.502430311548372, -0.0357330786770867,
               0.474700621494619, 0.0540331256981135]),
])
def test_growth_table_fujian_matches_r(fujian, series, expected):
    table = growth_table(fujian)
    rows = table[table["series"] == series].reset_index(drop=True)
    assert rows["year"].tolist() == list(range(2015, 2022))
    assert math.isnan(rows.loc[0, "yoy_growth"]) and pd.isna(rows.loc[0, "prev_year"])
    assert rows.loc[1:, "yoy_growth"].tolist() == pytest.approx(expected, rel=EXACT)
    assert rows.loc[1:, "annualised_growth"].tolist() == pytest.approx(expected, rel=EXACT)
    assert rows.loc[1:, "years_since_prev"].tolist() == [1] * 6


def test_growth_table_gap_is_annualised_not_filled():
    table = growth_table(single(CN_UTILITY), by=None)
    assert table["year"].tolist() == [2016, 2020, 2021, 2022]  # no rows invented for 2017-2019
    gap = row(table, year=2020)
    assert (gap["prev_year"], gap["previous"], gap["years_since_prev"]) == (2016, 903420, 4)
    assert pd.isna(gap["yoy_growth"])
    # R: (2377000 / 903420)^(1/4) - 1
    assert gap["annualised_growth"] == pytest.approx(0.273605336829881, rel=EXACT)
    # R: c(3119990 / 2377000 - 1, 2804155 / 3119990 - 1)
    assert table["yoy_growth"].tolist()[2:] == pytest.approx([0.312574673958772, -0.101229491120164],
                                                             rel=EXACT)


def test_growth_table_missing_value_is_a_gap_and_zero_base_is_undefined():
    district = single(DISTRICT).astype({"granted": "Int64"})
    district.loc[district["year"] == 2019, "granted"] = pd.NA
    table = growth_table(district, by=None)
    after_gap = row(table, year=2020)
    assert (after_gap["prev_year"], after_gap["years_since_prev"]) == (2018, 2)
    assert pd.isna(after_gap["yoy_growth"])
    assert after_gap["annualised_growth"] == pytest.approx((150 / 135) ** 0.5 - 1, rel=EXACT)

    rare = growth_table(single(RARE), by=None)
    assert pd.isna(row(rare, year=2017)["yoy_growth"])  # 2 after 0: growth from zero is undefined
    assert row(rare, year=2018)["yoy_growth"] == pytest.approx(-0.5, rel=EXACT)


def test_growth_table_several_key_columns():
    frame = pd.concat([single(DISTRICT).assign(region="A", series="invention"),
                       single(RARE).assign(region="B", series="invention")])
    table = growth_table(frame, by=["region", "series"])
    assert list(table.columns[:3]) == ["region", "series", "year"]
    assert row(table, region="A", year=2019)["yoy_growth"] == pytest.approx(160 / 135 - 1, rel=EXACT)
    assert pd.isna(row(table, region="B", year=2016)["prev_year"])


def test_growth_table_rejects_duplicates_and_missing_columns(fujian):
    with pytest.raises(ValueError, match="more than one row"):
        growth_table(pd.concat([fujian, fujian.head(1)]))
    with pytest.raises(ValueError, match="missing column"):
        growth_table(fujian, value="new")


# ---------------------------------------------------------------------------------------------
# cagr and target_vs_baseline_growth
# ---------------------------------------------------------------------------------------------

def test_cagr_fujian_matches_r(fujian):
    out = cagr(fujian, 2015, 2020).set_index("series")
    expected = {  # R: x <- fujian[[s]]; (x[6] / x[1])^(1 / 5) - 1
        "invention": 0.123346790133293, "utility_model": 0.240071041206379,
        "design": 0.103769442301189, "total": 0.188180916668865}
    for series, value in expected.items():
        assert out.loc[series, "cagr"] == pytest.approx(value, rel=EXACT)
    assert out.loc["total", ["years", "start_value", "end_value"]].tolist() == [5, 61621, 145929]


def test_cagr_needs_both_years():
    with pytest.raises(ValueError, match="no value for end_year 2019"):
        cagr(single(CN_UTILITY), 2016, 2019, by=None)
    with pytest.raises(ValueError, match="must be after"):
        cagr(single(CN_UTILITY), 2020, 2016, by=None)


@pytest.mark.parametrize("series, target, mean, sd, diff_pp", [
    # R: x <- fujian[[s]]; g <- x[2:6] / x[1:5] - 1
    #    c(x[7] / x[6] - 1, mean(g), sd(g), 100 * (x[7] / x[6] - 1 - mean(g)))
    ("invention", 0.225463414634146, 0.130154705560619, 0.133255039198058, 9.53087090735274),
    ("utility_model", 0.0531333786866222, 0.284011140913681, 0.374722074363755, -23.0877762227059),
    ("design", 0.00736220362231621, 0.116469301706, 0.177232761182469, -10.9107098083683),
    ("total", 0.0540331256981135, 0.209660107507738, 0.258647406462206, -15.5626981809625),
])
def test_target_vs_baseline_growth_fujian_matches_r(fujian, series, target, mean, sd, diff_pp):
    out = row(target_vs_baseline_growth(fujian, 2021, BASELINE), series=series)
    assert (out["baseline"], out["n"]) == ("2015-2020", 5)
    assert out["target_growth"] == pytest.approx(target, rel=EXACT)
    assert out["baseline_mean"] == pytest.approx(mean, rel=EXACT)
    assert out["baseline_sd"] == pytest.approx(sd, rel=EXACT)
    assert out["diff_pp"] == pytest.approx(diff_pp, rel=EXACT)


def test_target_vs_baseline_growth_gap_leaves_one_rate():
    out = target_vs_baseline_growth(single(CN_UTILITY), 2022, [2016, 2020, 2021], by=None).iloc[0]
    assert out["n"] == 1 and math.isnan(out["baseline_sd"])  # 2016->2020 spans a gap: not a yearly rate
    # R: c(2804155 / 3119990 - 1, 3119990 / 2377000 - 1)
    assert out["target_growth"] == pytest.approx(-0.101229491120164, rel=EXACT)
    assert out["baseline_mean"] == pytest.approx(0.312574673958772, rel=EXACT)


def test_target_vs_baseline_growth_rejects_target_in_baseline(fujian):
    with pytest.raises(ValueError, match="must not contain the target year"):
        target_vs_baseline_growth(fujian, 2020, BASELINE)


# ---------------------------------------------------------------------------------------------
# rate_ratio / rate_ratios
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("x1, x0, estimate, ci_low, ci_high, p_val", [
    # R: poisson.test(c(12561, 10250), c(1, 1))[c("estimate", "conf.int", "p.value")]
    (12561, 10250, 1.22546341463415, 1.1938109769273, 1.25797675911497, 6.7900224442424e-53),
    # R: poisson.test(c(190, 150), c(1, 1))[c("estimate", "conf.int", "p.value")]
    (190, 150, 1.26666666666667, 1.01717339305188, 1.57969158961349, 0.0342700465332939),
    # R: poisson.test(c(150, 160), c(1, 1))[c("estimate", "conf.int", "p.value")]
    (150, 160, 0.9375, 0.745245979835673, 1.17883045596291, 0.609306595092419),
    # R: poisson.test(c(0, 4), c(1, 1))[c("estimate", "conf.int", "p.value")]
    (0, 4, 0.0, 0.0, 1.51486685936587, 0.125),
    # R: poisson.test(c(7, 0), c(1, 1))[c("estimate", "conf.int", "p.value")]
    (7, 0, math.inf, 1.44130851883524, math.inf, 0.015625),
])
def test_rate_ratio_matches_r_poisson_test(x1, x0, estimate, ci_low, ci_high, p_val):
    out = rate_ratio(x1, x0).iloc[0]
    assert out[["estimate", "ci_low", "ci_high", "p_val"]].tolist() == pytest.approx(
        [estimate, ci_low, ci_high, p_val], rel=R_REL)
    assert (out["count"], out["count_previous"], out["ci_level"]) == (x1, x0, 0.95)
    assert out["method"] == "exact Poisson rate ratio (conditional binomial)"


@pytest.mark.parametrize("x1, x0, estimate, ci_low, ci_high", [
    # R: poisson.test(c(798347, 695946), c(1, 1)): p.value 3.95e-323 (underflow)
    (798347, 695946, 1.14713928954258, 1.1434565558208, 1.1508340854913),
    # R: poisson.test(c(2804155, 3119990), c(1, 1)): p.value 7.91e-323 (underflow)
    (2804155, 3119990, 0.898770508879836, 0.89732181155522, 0.900221514273257),
])
def test_rate_ratio_national_counts_is_precise_and_says_nothing_more(x1, x0, estimate, ci_low, ci_high):
    """China 2022 vs 2021: a Poisson interval on counts in the millions is under 1 % wide."""
    out = rate_ratio(x1, x0).iloc[0]
    assert out[["estimate", "ci_low", "ci_high"]].tolist() == pytest.approx([estimate, ci_low, ci_high],
                                                                           rel=R_REL)
    assert out["p_val"] < 1e-300
    assert out["ci_high"] / out["ci_low"] < 1.01


@pytest.mark.parametrize("x1, x0, t1, t0, estimate, ci_low, ci_high, p_val", [
    # R: poisson.test(c(190, 150), T = c(1.52, 1.31))  (SYNTHETIC: grants per 10,000 market entities)
    (190, 150, 1.52, 1.31, 1.09166666666667, 0.876642858485503, 1.361444725259, 0.446545629129196),
    # R: poisson.test(c(12561, 10250), T = c(53, 52))  (years of 53 and 52 weeks)
    (12561, 10250, 53, 52, 1.20234146341463, 1.17128624151358, 1.23424134856563, 9.01341234226891e-44),
    # R: poisson.test(c(0, 4), T = c(2, 1))
    (0, 4, 2, 1, 0.0, 0.0, 0.757433429682935, 0.0123456790123457),
    # R: poisson.test(c(7, 0), T = c(0.5, 3))
    (7, 0, 0.5, 3, math.inf, 8.64785111301143, math.inf, 1.21426567890201e-06),
    # R: poisson.test(c(798347, 695946), T = c(1.7, 1.5))
    (798347, 695946, 1.7, 1.5, 1.01218172606698, 1.008932255136, 1.01544184013939, 1.5419345928629e-13),
])
def test_rate_ratio_with_exposures_matches_r_poisson_test(x1, x0, t1, t0, estimate, ci_low, ci_high, p_val):
    out = rate_ratio(x1, x0, exposure_target=t1, exposure_previous=t0).iloc[0]
    assert out[["estimate", "ci_low", "ci_high", "p_val"]].tolist() == pytest.approx(
        [estimate, ci_low, ci_high, p_val], rel=R_REL, abs=0)
    assert (out["exposure"], out["exposure_previous"]) == (t1, t0)


@pytest.mark.parametrize("exposure", [0, -1.5, math.inf, math.nan])
def test_rate_ratio_rejects_non_positive_exposure(exposure):
    with pytest.raises(ValueError, match="exposure_previous must be a positive finite number"):
        rate_ratio(10, 12, exposure_previous=exposure)


def test_rate_ratio_ci_level():
    out = rate_ratio(190, 150, ci_level=0.9).iloc[0]
    # R: poisson.test(c(190, 150), c(1, 1), conf.level = 0.9)$conf.int
    assert [out["ci_low"], out["ci_high"]] == pytest.approx([1.05256750100963, 1.5257251473513], rel=R_REL)
    assert out["ci_level"] == 0.9


@pytest.mark.parametrize("x1, x0, message", [
    (0, 0, "both counts are 0"), (10.5, 3, "whole number"), (-1, 3, "whole number"),
    (3, float("nan"), "whole number"),
])
def test_rate_ratio_rejects_bad_counts(x1, x0, message):
    with pytest.raises(ValueError, match=message):
        rate_ratio(x1, x0)


def test_rate_ratios_per_series_equal_rate_ratio(fujian):
    out = rate_ratios(fujian, 2021)
    assert sorted(out["series"]) == sorted(FUJIAN)
    assert (out["year"] == 2021).all() and (out["previous_year"] == 2020).all()
    invention = row(out, series="invention")
    # R: poisson.test(c(12561, 10250), c(1, 1))$conf.int
    assert [invention["ci_low"], invention["ci_high"]] == pytest.approx(
        [1.1938109769273, 1.25797675911497], rel=R_REL)
    single_call = rate_ratio(35986, 35723).iloc[0]
    assert row(out, series="design")[["estimate", "p_val"]].tolist() == pytest.approx(
        single_call[["estimate", "p_val"]].tolist(), rel=EXACT)


def test_rate_ratios_refuses_gaps_and_rounded_counts():
    with pytest.raises(ValueError, match="no value for previous_year 2019"):
        rate_ratios(single(CN_UTILITY), 2020, by=None)
    frame = single(CN_UTILITY).assign(granted_qualifier=["exact", "rounded", "exact", "exact"])
    with pytest.raises(ValueError, match="rounded, not exact"):
        rate_ratios(frame, 2021, by=None)
    ok = rate_ratios(frame, 2022, by=None).iloc[0]  # 2022 vs 2021: both exact
    assert ok["estimate"] == pytest.approx(2804155 / 3119990, rel=EXACT)
    assert ok["note"] == "" and ok["count"] == 2804155


def test_rate_ratios_untestable_note_gives_a_row_instead_of_an_error():
    frame = pd.concat([
        single(CN_UTILITY).assign(series="utility", granted_qualifier=["exact", "rounded", "exact", "exact"]),
        single({2020: 0, 2021: 0}).assign(series="zeros", granted_qualifier="exact"),
        single({2019: 150, 2021: 190}).assign(series="gap", granted_qualifier="exact"),
        single({2020: 150, 2021: 190}).assign(series="district", granted_qualifier="exact"),
    ])
    out = rate_ratios(frame, 2021, untestable="note")
    assert out["series"].tolist() == ["utility", "zeros", "gap", "district"]  # the input's order
    notes = dict(zip(out["series"], out["note"]))
    assert notes == {"utility": "not tested: 2020 rounded", "zeros": "not tested: both counts are 0",
                     "gap": "not tested: 2020 missing", "district": ""}
    untested = out[out["note"] != ""]
    assert untested[["count", "count_previous", "estimate", "ci_low", "ci_high", "p_val"]].isna().all().all()
    assert (untested["year"] == 2021).all() and (untested["previous_year"] == 2020).all()
    district = row(out, series="district")
    # R: poisson.test(c(190, 150), c(1, 1))[c("estimate", "conf.int", "p.value")]
    assert district[["estimate", "ci_low", "ci_high", "p_val"]].tolist() == pytest.approx(
        [1.26666666666667, 1.01717339305188, 1.57969158961349, 0.0342700465332939], rel=R_REL)
    assert out["count"].dtype == "Int64" and district["count"] == 190

    both = rate_ratios(frame[frame["series"] == "utility"], 2020, untestable="note").iloc[0]
    assert both["note"] == "not tested: 2020 rounded, 2019 missing"  # target year first


def test_rate_ratios_raise_mode_names_the_problem():
    zeros = single({2020: 0, 2021: 0}).assign(series="zeros")
    with pytest.raises(ValueError, match="series=zeros: both counts are 0"):
        rate_ratios(zeros, 2021)
    with pytest.raises(ValueError, match="untestable must be 'raise' or 'note'"):
        rate_ratios(zeros, 2021, untestable="skip")
    with pytest.raises(ValueError, match="ci_level"):
        rate_ratios(zeros, 2021, untestable="note", ci_level=95)  # checked even when nothing is tested


# ---------------------------------------------------------------------------------------------
# loglinear_trend
# ---------------------------------------------------------------------------------------------

TREND_COLUMNS = ["slope", "slope_se", "dispersion", "expected", "log_expected_se", "pi_low", "pi_high",
                 "statistic", "p_val"]
NB_COLUMNS = ["slope", "slope_se", "theta", *TREND_COLUMNS[3:]]


def assert_trend(out: pd.Series, expected: dict) -> None:
    for column, value in expected.items():
        assert out[column] == approx_r(value), column


# R, tests/r/counts.R trend_qp(): fit <- glm(y ~ I(year - 2017.5), family = quasipoisson) on 2015-2020;
# pr <- predict(fit, data.frame(year = 2021), type = "link", se.fit = TRUE); mu <- exp(pr$fit);
# slope, se = summary(fit)$coefficients[2, 1:2], dispersion = summary(fit)$dispersion,
# log_expected_se = pr$se.fit;
# sd <- sqrt(max(phi, 1) * (mu + mu^2 * pr$se.fit^2 / phi)); pi = mu -/+ qt(0.975, 4) * sd;
# statistic = (obs - mu) / sd; p_val = 2 * pt(-abs(statistic), 4)
FUJIAN_QP = {
    "invention": [0.0990742162233845, 0.0255029106919713, 94.4348921591029, 11780.4070348783,
                  0.0926086347173417, 7567.25668981324, 15993.5573799434, 0.51440687838316,
                  0.634083953537589],
    "utility_model": [0.212229464374314, 0.0400181681193438, 1485.84795339041, 113308.793643532,
                      0.13323252861276, 58039.9978305574, 168577.589456507, -0.403981998705944,
                      0.706892293549945],
    "design": [0.123702917024821, 0.0324116745664593, 443.210858034764, 37390.0279456589,
               0.115558213874635, 20908.0597486429, 53871.9961426748, -0.236513410940279,
               0.824652258115845],
    "total": [0.176868124569402, 0.0302287983033016, 1371.0100629204, 161110.942665287,
              0.103478481885187, 99100.7855436187, 223121.099786955, -0.32671358510178,
              0.760265434511551],
}
# R, trend_nb(): fit <- MASS::glm.nb(y ~ I(year - 2017.5),
#                                   control = glm.control(epsilon = 1e-10, maxit = 100));
# theta = fit$theta; sd <- sqrt(mu + mu^2 / fit$theta + mu^2 * pr$se.fit^2); other columns as above
FUJIAN_NB = {
    "invention": [0.105344163583527, 0.0208802018707084, 133.223515573883, 12031.0101924533,
                  0.0812235783642887, 8052.41368381517, 16009.6067010913, 0.369850927022399,
                  0.730242960614212],
    "utility_model": [0.20302600666049, 0.031345670418562, 58.2269252317314, 110031.357783492,
                      0.122054705633744, 55313.7664046362, 164748.949162348, -0.241750002404147,
                      0.820861748254325],
    "design": [0.11418069397486, 0.0277264221653741, 74.5674502069371, 36225.6595845884,
               0.107952783949264, 20293.5321395224, 52157.7870296544, -0.0417647726481241,
               0.968687798138091],
    "total": [0.168678285901739, 0.0240090006894436, 99.2533949536087, 156887.064536396,
              0.0934889110582136, 97127.6285964728, 216646.500476319, -0.142775694847776,
              0.893370569283224],
}


@pytest.mark.parametrize("series", FUJIAN)
def test_loglinear_trend_quasipoisson_fujian_matches_r(fujian, series):
    out = row(loglinear_trend(fujian, BASELINE, 2021), series=series)
    assert_trend(out, dict(zip(TREND_COLUMNS, FUJIAN_QP[series])))
    assert (out["n_years"], out["df"], out["baseline"]) == (6, 4, "2015-2020")
    assert out["observed"] == FUJIAN[series][6]
    assert out["annual_growth_trend"] == pytest.approx(math.expm1(out["slope"]), rel=EXACT)
    assert out["obs_over_expected"] == pytest.approx(FUJIAN[series][6] / out["expected"], rel=EXACT)
    assert out["above_trend"] == "within" and out["note"] == "" and math.isnan(out["theta"])


@pytest.mark.parametrize("series", FUJIAN)
def test_loglinear_trend_negbin_fujian_matches_r_glm_nb(fujian, series):
    out = row(loglinear_trend(fujian, BASELINE, 2021, family="negbin"), series=series)
    assert_trend(out, dict(zip(NB_COLUMNS, FUJIAN_NB[series])))
    assert out["dispersion"] == pytest.approx(FUJIAN_QP[series][2], rel=R_REL)  # Poisson-fit phi, as for QP
    assert out["method"] == "negative binomial (NB2) log-linear trend"


def test_census_p_value_versus_trend_fujian_invention(fujian):
    """Fujian invention grants 2021 vs 2020: Poisson p ~ 1e-53, yet 2021 is within the baseline trend.

    The rate ratio treats the year-to-year variation as Poisson; around their own trend the baseline
    years vary with about 94 times the Poisson variance (phi), so 2021 is unremarkable.
    """
    assert rate_ratio(12561, 10250).iloc[0]["p_val"] < 1e-50
    trend = row(loglinear_trend(fujian, BASELINE, 2021), series="invention")
    assert trend["dispersion"] > 90 and trend["p_val"] > 0.5 and trend["above_trend"] == "within"


def test_loglinear_trend_above_trend_national_invention():
    """China invention grants 2021 (695946, exact) against the rounded 2015-2020 figures."""
    frame = single(CN_INVENTION)
    qp = loglinear_trend(frame, BASELINE, 2021, by=None).iloc[0]
    # R: trend_qp("cn_inv", 2015:2020, cn_inv[1:6], 2021, 695946), as for Fujian
    assert_trend(qp, dict(zip(TREND_COLUMNS, [
        0.0670941481999772, 0.0100323293409045, 756.346661341414, 544033.848253311, 0.0372881112341912,
        464383.267547892, 623684.42895873, 5.29532548792159, 0.00610644272655044])))
    nb = loglinear_trend(frame, BASELINE, 2021, family="negbin", by=None).iloc[0]
    # R: trend_nb("cn_inv", 2015:2020, cn_inv[1:6], 2021, 695946)
    assert_trend(nb, dict(zip(NB_COLUMNS, [
        0.0664335432283209, 0.00793823646558433, 908.74182602179, 542813.839414583, 0.0309120352140509,
        474447.305800492, 611180.373028674, 6.21887662325638, 0.00340343224007444])))
    assert qp["above_trend"] == nb["above_trend"] == "above"
    assert qp["observed"] > qp["pi_high"] and qp["p_val"] < 0.05


def test_loglinear_trend_gap_in_baseline_with_millions():
    """China utility models: baseline 2016, 2020, 2021 (2017-2019 missing), counts in the millions, 1 df."""
    frame = single(CN_UTILITY)
    qp = loglinear_trend(frame, [2016, 2017, 2018, 2019, 2020, 2021], 2022, by=None).iloc[0]
    assert (qp["baseline"], qp["n_years"], qp["df"]) == ("2016, 2020-2021", 3, 1)
    # R: trend_qp("cn_util gap", c(2016, 2020, 2021), cn_util[1:3], 2022, 2804155):
    # glm(y ~ I(year - 2019), family = quasipoisson); PI with qt(0.975, 1)
    assert_trend(qp, dict(zip(TREND_COLUMNS, [
        0.247624453369687, 0.00706282826745805, 867.587944538582, 3959656.09034611, 0.0187289558934844,
        2758594.48431189, 5160717.69638033, -12.2242134400493, 0.0519628814234835])))
    assert qp["above_trend"] == "within"  # z = -12 but one residual df: t(1) quantile 12.7
    nb = loglinear_trend(frame, [2016, 2020, 2021], 2022, family="negbin", by=None).iloc[0]
    # R: trend_nb("cn_util gap", ...): glm.nb(y ~ I(year - 2019)) (warns "alternation limit reached"; the
    # estimates are stable in maxit = 100, 1000, 5000)
    assert_trend(nb, dict(zip(NB_COLUMNS, [
        0.246178067183091, 0.00287648641260297, 8695.44971120786, 3945685.84694922, 0.0106152420852929,
        3188769.0674786, 4702602.62641983, -19.1626411877671, 0.0331918139376467])))


def test_loglinear_trend_small_counts_underdispersed_uses_poisson_floor():
    """District of ~150 grants a year: phi < 1 from 4 years is taken as Poisson in every SE and interval."""
    out = loglinear_trend(single(DISTRICT), range(2017, 2021), 2021, by=None).iloc[0]
    # R: trend_qp("district", 2017:2020, district[1:4], 2021, 190): glm(y ~ I(year - 2018.5), quasipoisson),
    # SEs times sqrt(max(phi, 1) / phi) (= the family = poisson SEs, as trend_pois("district") prints)
    assert_trend(out, dict(zip(TREND_COLUMNS, [
        0.0815693113261099, 0.0377352401975515, 0.953383585420153, 172.483243234225, 0.0997986032801151,
        79.3240237754532, 265.642462692998, 0.809029119742376, 0.503441421884721])))
    assert "< 1" in out["note"] and out["above_trend"] == "within"


def test_loglinear_trend_zero_counts():
    out = loglinear_trend(single(RARE), range(2016, 2021), 2021, by=None).iloc[0]
    # R: trend_qp("rare zeros", 2016:2020, c(0, 2, 1, 3, 4), 2021, 7), SEs at phi* = max(0.665, 1) = 1
    assert_trend(out, dict(zip(TREND_COLUMNS, [
        0.496207118207761, 0.259206996221309, 0.665022149610775, 7.01134173835457, 0.629523833532352,
        0, 23.3918326648224, -0.00220350375846657, 0.998380194690126])))
    assert out["pi_low"] == 0  # mu - t * sd is negative: cut at 0


@pytest.mark.parametrize("counts, first_year, expected", [
    # R: trend_pois("district", 2017:2020, district[1:4], 2021, 190): glm(y ~ I(year - 2018.5), poisson);
    # sum((y - fitted)^2 - y) = -282.8 <= 0; glm.nb's theta runs to 5.5e6 ("iteration limit reached")
    (DISTRICT, 2017, [0.0815693113261099, 0.0377352401975515, 172.483243234225, 0.0997986032801151,
                      79.3240237754532, 265.642462692998, 0.809029119742376]),
    # R: trend_pois("rare zeros", 2016:2020, c(0, 2, 1, 3, 4), 2021, 7); sum((y - fitted)^2 - y) = -8.0
    (RARE, 2016, [0.496207118207761, 0.259206996221309, 7.01134173835457, 0.629523833532352,
                  0, 23.3918326648224, -0.00220350375846657]),
])
def test_loglinear_trend_negbin_without_overdispersion_is_poisson(counts, first_year, expected):
    out = loglinear_trend(single(counts), range(first_year, 2021), 2021, family="negbin", by=None).iloc[0]
    assert math.isinf(out["theta"]) and "Poisson fit used" in out["note"]
    assert_trend(out, dict(zip(["slope", "slope_se", "expected", "log_expected_se", "pi_low", "pi_high",
                                "statistic"], expected)))


@pytest.mark.parametrize("family", ["quasipoisson", "negbin"])
def test_loglinear_trend_two_baseline_years_has_no_interval(family):
    out = loglinear_trend(single(DISTRICT), [2019, 2020], 2021, family=family, by=None).iloc[0]
    # R: fit <- glm(y ~ I(year - 2019.5), family = quasipoisson,
    #           data = data.frame(y = c(160, 150), year = 2019:2020));
    # coef(fit)[2]; summary(fit)$dispersion is NaN; fit$df.residual is 0
    assert out["slope"] == pytest.approx(-0.0645385211375651, rel=R_REL)
    # R: predict(fit, data.frame(year = 2021), type = "response")
    assert out["expected"] == pytest.approx(140.625, rel=R_REL)
    assert (out["n_years"], out["df"]) == (2, 0)
    for column in ("dispersion", "slope_se", "pi_low", "pi_high", "statistic", "p_val", "theta"):
        assert math.isnan(out[column]), column
    assert out["above_trend"] is None and "no residual df" in out["note"]


def test_loglinear_trend_unfittable_baselines_are_explained():
    frame = pd.concat([single({2019: 0, 2020: 0, 2021: 3}).assign(series="zeros"),
                       single({2020: 5, 2021: 9}).assign(series="one year"),
                       single({2018: 0, 2019: 0, 2020: 4, 2021: 6}).assign(series="first grants 2020")])
    out = loglinear_trend(frame, [2018, 2019, 2020], 2021).set_index("series")
    assert "all baseline counts are 0" in out.loc["zeros", "note"]
    assert "a trend needs at least 2" in out.loc["one year", "note"]
    # the Poisson MLE does not exist (slope -> infinity); R glm() would stop with a huge slope
    assert "unbounded" in out.loc["first grants 2020", "note"]
    assert out["expected"].isna().all() and out["above_trend"].isna().all()
    assert out.loc[["zeros", "one year", "first grants 2020"], "observed"].tolist() == [3, 9, 6]


def test_loglinear_trend_several_series_at_once_equal_one_at_a_time(fujian):
    together = loglinear_trend(fujian, BASELINE, 2021).set_index("series")
    alone = loglinear_trend(fujian[fujian["series"] == "design"], BASELINE, 2021).iloc[0]
    assert together.loc["design", TREND_COLUMNS].tolist() == pytest.approx(alone[TREND_COLUMNS].tolist(),
                                                                           rel=EXACT)


@pytest.mark.parametrize("kwargs, message", [
    ({"family": "poisson"}, "unknown family"),
    ({"target_year": 2020}, "must not contain the target year"),
    ({"target_year": 2023}, "no value for target_year 2023"),
    ({"ci_level": 95}, "ci_level"),
])
def test_loglinear_trend_rejects_bad_arguments(fujian, kwargs, message):
    with pytest.raises(ValueError, match=message):
        loglinear_trend(fujian, BASELINE, **{"target_year": 2021, **kwargs})


def test_loglinear_trend_rejects_negative_counts():
    with pytest.raises(ValueError, match="counts must be >= 0"):
        loglinear_trend(single({2019: 5, 2020: -1, 2021: 3}), [2019, 2020], 2021, by=None)


# ---------------------------------------------------------------------------------------------
# trend_predictions: the baseline trend at any year
# ---------------------------------------------------------------------------------------------

PREDICTION_COLUMNS = ["expected", "log_expected_se", "ci_low", "ci_high", "pi_low", "pi_high"]


def assert_predictions(out: pd.DataFrame, expected: dict) -> None:
    for column, values in expected.items():
        assert out[column].tolist() == approx_r(values), column


# R, tests/r/counts.R pred_qp("fujian invention 2015:2021", ...): fit as in trend_qp() on 2015-2020;
# pr <- predict(fit, newdata = data.frame(year = 2015:2021), type = "link", se.fit = TRUE)
# expected = exp(pr$fit); log_expected_se = pr$se.fit;
# ci = exp(pr$fit -/+ qt(0.975, 4) * pr$se.fit);
# pi = mu -/+ qt(0.975, 4) * sqrt(max(phi, 1) * (mu + mu^2 * pr$se.fit^2 / phi)), pi_low cut at 0
FUJIAN_INVENTION_QP_PREDICTIONS = {
    "expected": [6501.23678444631, 7178.32916787196, 7925.9395328592, 8751.41220323332, 9662.85640123638,
                 10669.2259103528, 11780.4070348783],
    "log_expected_se": [0.083160994743156, 0.0627736155358899, 0.0476035657881795, 0.0435025177613512,
                        0.0531002404413496, 0.071046456110118, 0.0926086347173417],
    "ci_low": [5160.84588125376, 6030.19381470743, 6944.65416393033, 7755.73623936271, 8338.30030772153,
               8759.22060659535, 9109.47371993733],
    "ci_high": [8189.75817142009, 8545.06691255021, 9045.88133485786, 9874.91234709579, 11197.8209449293,
                12995.720354438, 15234.4684417582],
    "pi_low": [3858.14667254448, 4572.41124443935, 5305.40658099693, 6014.98982099666, 6652.25977481054,
               7176.93979063924, 7567.25668981324],
    "pi_high": [9144.32689634813, 9784.24709130457, 10546.4724847215, 11487.83458547, 12673.4530276622,
                14161.5120300664, 15993.5573799434],
}
# R, pred_nb("fujian utility_model 2015:2021", ...): glm.nb as in trend_nb(); same predict() call;
# pi = mu -/+ qt(0.975, 4) * sqrt(mu + mu^2 / fit$theta + mu^2 * pr$se.fit^2)
FUJIAN_UTILITY_NB_PREDICTIONS = {
    "expected": [32544.5316462961, 39870.4465955721, 48845.4567116587, 59840.7804550525, 73311.1991686031,
                 89813.8674440501, 110031.357783492],
    "log_expected_se": [0.0949200647014252, 0.0712623240362444, 0.0557845953570417, 0.0557729812653877,
                        0.0712350469031075, 0.0948859340646694, 0.122054705633744],
    "ci_low": [25004.8300182718, 32713.225048288, 41836.8906840319, 51256.2086519, 60155.5185881046,
               69012.9247366583, 78404.9611950485],
    "ci_high": [42357.6780687099, 48593.5736810992, 57028.1061130854, 69863.1268221406, 89343.9546309783,
                116884.349069945, 154414.969552251],
    "pi_low": [17914.6834307142, 23348.0040961731, 29519.9162216809, 36167.9255635984, 42941.2533742472,
               49459.6317204697, 55313.7664046362],
    "pi_high": [47174.379861878, 56392.889094971, 68170.9972016364, 83513.6353465065, 103681.144962959,
                130168.103167631, 164748.949162348],
}


@pytest.mark.parametrize("series, family, expected", [
    ("invention", "quasipoisson", FUJIAN_INVENTION_QP_PREDICTIONS),
    ("utility_model", "negbin", FUJIAN_UTILITY_NB_PREDICTIONS),
])
def test_trend_predictions_fujian_match_r_predict(fujian, series, family, expected):
    out = trend_predictions(fujian[fujian["series"] == series], BASELINE, range(2015, 2022), family=family)
    assert out["year"].tolist() == list(range(2015, 2022))
    assert_predictions(out, expected)
    assert out["observed"].tolist() == FUJIAN[series]
    assert (out["baseline"] == "2015-2020").all() and (out["n_years"] == 6).all() and (out["note"] == "").all()
    assert (out["ci_low"] < out["expected"]).all() and (out["expected"] < out["ci_high"]).all()
    assert (out["pi_low"] < out["ci_low"]).all() and (out["ci_high"] < out["pi_high"]).all()


@pytest.mark.parametrize("family", ["quasipoisson", "negbin"])
def test_trend_predictions_at_the_target_equal_loglinear_trend(fujian, family):
    """One fit: the predictions at the target year are loglinear_trend's numbers, for every series."""
    trend = loglinear_trend(fujian, BASELINE, 2021, family=family)
    at_target = trend_predictions(fujian, BASELINE, [2021], family=family)
    assert at_target["series"].tolist() == trend["series"].tolist() == list(FUJIAN)
    columns = ["expected", "log_expected_se", "pi_low", "pi_high"]
    assert at_target[columns].to_numpy().ravel().tolist() == pytest.approx(
        trend[columns].to_numpy().ravel().tolist(), rel=EXACT)
    assert (at_target["method"] == trend["method"]).all()


def test_trend_predictions_across_a_gap_in_the_baseline():
    """China utility models fitted on 2016, 2020, 2021: the trend is drawn through 2018, which has no count."""
    out = trend_predictions(single(CN_UTILITY), range(2016, 2022), [2022, 2016, 2018], by=None)
    assert out["year"].tolist() == [2016, 2018, 2022]  # sorted
    assert out["observed"].iloc[0] == 903420 and math.isnan(out["observed"].iloc[1])  # 2018: no count
    # R: pred_qp("cn_util gap at 2016, 2018, 2022", c(2016, 2020, 2021), cn_util[1:3], c(2016, 2018, 2022));
    # glm(y ~ I(year - 2019), family = quasipoisson); bands with qt(0.975, 1)
    assert_predictions(out, {
        "expected": [896201.910731667, 1470583.64902501, 3959656.09034611],
        "log_expected_se": [0.0300533463595102, 0.0178883202902056, 0.0187289558934844],
        "ci_low": [611736.578482537, 1171595.74262313, 3121092.89562805],
        "ci_high": [1312947.26039015, 1845872.42007021, 5023521.2081568],
        "pi_low": [403606.23975471, 906926.24485241, 2758594.48431189],
        "pi_high": [1388797.58170862, 2034241.0531976, 5160717.69638033]})


# R: pred_pois("district at 2017, 2021", 2017:2020, district[1:4], c(2017, 2021)): glm(y ~ I(year - 2018.5),
# family = poisson). Both families give these bands: quasi-Poisson takes phi* = max(0.953, 1) = 1 for the
# mean's band and the prediction interval alike (R: pred_qp("district (phi < 1) at 2017, 2021") prints the
# same numbers), and theta = Inf makes the negative binomial the Poisson fit.
DISTRICT_POISSON = {"expected": [124.464787649634, 172.483243234225],
                    "log_expected_se": [0.0736429805777703, 0.0997986032801151],
                    "ci_low": [90.664209337695, 112.269402027181],
                    "ci_high": [170.866579853663, 264.991784577194],
                    "pi_low": [62.3395519711949, 79.3240237754532], "pi_high": [186.590023328073, 265.642462692998]}


@pytest.mark.parametrize("family", ["quasipoisson", "negbin"])
def test_trend_predictions_small_counts_without_overdispersion(family):
    out = trend_predictions(single(DISTRICT), range(2017, 2021), [2017, 2021], family=family, by=None)
    assert_predictions(out, DISTRICT_POISSON)
    assert ("< 1" if family == "quasipoisson" else "Poisson fit used") in out["note"].iloc[0]


def test_trend_predictions_two_years_give_the_line_only_and_unfittable_give_nothing():
    frame = pd.concat([single({2019: 160, 2020: 150}).assign(series="two years"),
                       single({2019: 0, 2020: 0}).assign(series="zeros")])
    out = trend_predictions(frame, [2019, 2020], [2018, 2021])
    line = out[out["series"] == "two years"]
    # the line through (2019, 160) and (2020, 150): 160^2 / 150 in 2018, 150^2 / 160 = 140.625 in 2021
    assert line["expected"].tolist() == pytest.approx([160 ** 2 / 150, 140.625], rel=EXACT)
    assert line[PREDICTION_COLUMNS[1:]].isna().all().all() and "no residual df" in line["note"].iloc[0]
    zeros = out[out["series"] == "zeros"]
    assert zeros[PREDICTION_COLUMNS].isna().all().all() and "all baseline counts are 0" in zeros["note"].iloc[0]
    assert out["series"].tolist() == ["two years", "two years", "zeros", "zeros"]


@pytest.mark.parametrize("kwargs, message", [
    ({"years": []}, "years is empty"),
    ({"family": "poisson"}, "unknown family"),
    ({"ci_level": 1.0}, "ci_level"),
])
def test_trend_predictions_rejects_bad_arguments(fujian, kwargs, message):
    with pytest.raises(ValueError, match=message):
        trend_predictions(fujian, BASELINE, **{"years": [2021], **kwargs})


# ---------------------------------------------------------------------------------------------
# Order of the series: the caller's, never sorted by name
# ---------------------------------------------------------------------------------------------

def test_every_result_keeps_the_series_in_input_order():
    order = ["total", "design", "invention", "utility_model"]  # not alphabetical
    frame = long({name: FUJIAN[name] for name in order}).sample(frac=1, random_state=1)  # rows shuffled
    first_seen = list(dict.fromkeys(frame["series"]))
    results = [growth_table(frame), cagr(frame, 2015, 2020), target_vs_baseline_growth(frame, 2021, BASELINE),
               rate_ratios(frame, 2021), loglinear_trend(frame, BASELINE, 2021)]
    for result in results:
        assert list(dict.fromkeys(result["series"])) == first_seen
    table = growth_table(frame)
    assert all(table.loc[table["series"] == s, "year"].tolist() == list(range(2015, 2022)) for s in order)
    predictions = trend_predictions(frame, BASELINE, [2021, 2015])
    assert predictions[["series", "year"]].values.tolist() == [[s, y] for s in first_seen for y in (2015, 2021)]


def test_categorical_series_keep_input_order_and_skip_unused_categories(fujian):
    categories = ["total", "utility_model", "design", "invention", "trademarks"]  # trademarks has no rows
    frame = fujian.assign(series=pd.Categorical(fujian["series"], categories, ordered=True))
    out = loglinear_trend(frame, BASELINE, 2021)
    assert out["series"].astype(str).tolist() == list(FUJIAN)  # first appearance, not category order
