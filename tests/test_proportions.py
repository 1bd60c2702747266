"""Tests of analysis.stats.proportions against R 4.2.2 (reference values from tests/r/proportions.R).

In every R call x is the pass count, qualified = batches - unqualified. National figures are SAMR/CFDA
all-levels food-safety supervision sampling (source URLs in the sampling table); the small counts are
district-like cases. newcombe() is the Newcombe (1998) method-10 function defined in the R script.
"""
import math
import re

import numpy as np
import pandas as pd
import pytest

from analysis.stats.proportions import (ADJUST_METHODS, FISHER_TEST, Z_TEST, adjust_pvalues, compare_pass_rates,
                                        mantel_haenszel, pass_rates, stratified_comparisons, trend_test)

REL = 1e-6  # relative tolerance against R


def approx(expected):
    """Relative tolerance only: an expected 0 must be exactly 0 (see approx_floor for R's underflow)."""
    return pytest.approx(expected, rel=REL, abs=0)


def approx_floor(expected):
    """Only where R itself reports 0 (an interval's bound, an underflowed p): relative, with an absolute floor
    of 1e-15, the rounding error of a number of order 1 (Wilson's lower bound for x = 0 is 2.8e-17 here)."""
    return pytest.approx(expected, rel=REL, abs=1e-15)


def counts(by_year: dict[int, tuple[int, int]]) -> pd.DataFrame:
    """A sampling table from {year: (batches, unqualified)}."""
    return pd.DataFrame([{"year": year, "batches": b, "unqualified": u} for year, (b, u) in by_year.items()])


H1 = {2020: (1380697, 29153), 2021: (1808640, 42412)}  # all levels, first half-year
Q3 = {2017: (624423, 14943), 2018: (965727, 22819), 2020: (2234829, 49534), 2021: (2459894, 63611)}
SMALL = {2019: (12, 0), 2020: (35, 0), 2021: (40, 3)}  # district-like


# --- pass_rates ------------------------------------------------------------------------------------

# R: prop.test(b - u, b, correct=FALSE)$conf.int  and  binom.test(b - u, b)$conf.int
PASS_RATE_CASES = [
    pytest.param(1808640, 42412, (0.976328781765865, 0.976769866229751),
                 (0.976328755058235, 0.976770389520541), id="H1-2021"),
    pytest.param(1380697, 29153, (0.978644161934734, 0.979123777572559),
                 (0.978644128627241, 0.979124463880934), id="H1-2020"),
    pytest.param(2459894, 63611, (0.973941674747551, 0.974338355701449),
                 (0.973941654147817, 0.974338739907276), id="Q3-2021"),
    pytest.param(2234829, 49534, (0.977641603911171, 0.978027634690965),
                 (0.977641582837499, 0.978028058886859), id="Q3-2020"),
    pytest.param(965727, 22819, (0.97606633382797, 0.976672214534145),
                 (0.976066283753801, 0.976673192544424), id="Q3-2018"),
    pytest.param(624423, 14943, (0.975687090260132, 0.976445266207776),
                 (0.975687012514649, 0.976446775814729), id="Q3-2017"),
    pytest.param(6954438, 187368, (0.972937180159439, 0.973177856819544),
                 (0.97293717270995, 0.973177992811982), id="FY-2021-huge-n"),
    pytest.param(12, 0, (0.757505993344759, 1), (0.735351530602949, 1), id="zero-unqualified"),
    pytest.param(7, 7, (0, 0.354330435066687), (0, 0.409616397225003), id="all-unqualified"),
    pytest.param(40, 3, (0.801357664756895, 0.974163974225412), (0.796135251267101, 0.984257820148958),
                 id="40-batches-3-unqualified"),
    pytest.param(35, 0, (0.901099007675596, 1), (0.899967564427895, 1), id="35-batches-0-unqualified"),
    pytest.param(1, 0, (0.206549314377238, 1), (0.025, 1), id="n1-passed"),
    pytest.param(1, 1, (0, 0.793450685622763), (0, 0.975), id="n1-failed"),
]


@pytest.mark.parametrize(("batches", "unqualified", "wilson", "cp"), PASS_RATE_CASES)
def test_pass_rates_match_r_intervals(batches, unqualified, wilson, cp):
    row = pass_rates(counts({2021: (batches, unqualified)})).iloc[0]
    assert row["qualified"] == batches - unqualified
    assert row["pass_rate"] == (batches - unqualified) / batches
    # approx_floor: R reports the bound 0 exactly where Python may carry 1e-17 of rounding
    assert (row["wilson_low"], row["wilson_high"]) == approx_floor(wilson)
    assert (row["cp_low"], row["cp_high"]) == approx_floor(cp)


def test_pass_rates_one_row_per_year_sorted_with_tidy_columns():
    out = pass_rates(counts({2021: Q3[2021], 2017: Q3[2017]}))
    assert out.columns.tolist() == ["year", "batches", "unqualified", "qualified", "pass_rate",
                                    "wilson_low", "wilson_high", "cp_low", "cp_high"]
    assert out["year"].tolist() == [2017, 2021]
    assert out["batches"].tolist() == [624423, 2459894]


def test_pass_rates_sums_rows_of_a_key_and_accepts_several_by_columns():
    df = pd.DataFrame({"year": [2021, 2021, 2021], "category": ["粮食", "粮食", "蔬菜"],
                       "batches": [20, 20, 35], "unqualified": [1, 2, 0]})
    by_year = pass_rates(df).iloc[0]
    assert (by_year["batches"], by_year["unqualified"]) == (75, 3)
    assert by_year["pass_rate"] == 72 / 75
    by_category = pass_rates(df, by=["year", "category"])
    assert by_category[["category", "batches", "unqualified"]].values.tolist() == [["粮食", 40, 3], ["蔬菜", 35, 0]]
    # R: prop.test(37, 40, correct=FALSE)$conf.int
    assert by_category[["wilson_low", "wilson_high"]].iloc[0].tolist() == approx([0.801357664756895,
                                                                                 0.974163974225412])


def test_pass_rates_accepts_nullable_integer_counts():
    df = counts({2021: (40, 3)}).astype({"batches": "Int64", "unqualified": "Int64"})
    assert pass_rates(df)["pass_rate"].iloc[0] == 37 / 40


@pytest.mark.parametrize(("batches", "unqualified", "message"), [
    (0, 0, "row 1 (year=2021): batches is 0"),
    (5, 6, "row 1 (year=2021): unqualified 6 exceeds batches 5"),
    (np.nan, 1, "row 1 (year=2021): batches must be a whole number"),
    (10, 1.5, "row 1 (year=2021): unqualified must be a whole number"),
    (10, -1, "row 1 (year=2021): unqualified must be a whole number >= 0"),
])
def test_pass_rates_rejects_invalid_counts_naming_the_row(batches, unqualified, message):
    df = pd.DataFrame({"year": [2020, 2021], "batches": [35, batches], "unqualified": [0, unqualified]})
    with pytest.raises(ValueError, match=re.escape(message)):
        pass_rates(df)


def test_pass_rates_rejects_rounded_counts_and_missing_columns():
    rounded = counts({2020: (6380000, 147378)}).assign(countable=pd.array([pd.NA], dtype="boolean"))
    with pytest.raises(ValueError, match=r"row 0 \(year=2020\): counts are rounded"):
        pass_rates(rounded)
    with pytest.raises(ValueError, match="missing column"):
        pass_rates(counts(SMALL).drop(columns="unqualified"))


# --- compare_pass_rates -----------------------------------------------------------------------------

def test_compare_h1_2021_vs_2020_single_baseline_has_no_pooled_row():
    out = compare_pass_rates(counts(H1), 2021, [2020])
    assert out["comparison"].tolist() == ["2021 vs 2020"]
    row = out.iloc[0]
    assert row["target_pass_rate"] == 1766228 / 1808640
    assert row["baseline_pass_rate"] == 1351544 / 1380697
    # R: 100 * (1766228/1808640 - 1351544/1380697)
    assert row["diff_pp"] == approx(-0.233496596944283)
    # R: 100 * newcombe(1766228, 1808640, 1351544, 1380697)
    assert (row["ci_low"], row["ci_high"]) == approx((-0.266047616342785, -0.200886468884059))
    # R: -sqrt(prop.test(c(1766228, 1351544), c(1808640, 1380697), correct=FALSE)$statistic)
    assert row["z"] == approx(-13.9502985918746)
    # R: prop.test(c(1766228, 1351544), c(1808640, 1380697), correct=FALSE)$p.value
    assert row["z_p_val"] == approx(3.13291023498688e-44)
    assert row["test"] == Z_TEST and row["p_val"] == row["z_p_val"]
    assert row["p_adj"] == row["p_val"]  # a family of one
    assert not row["fisher_applied"]
    assert math.isnan(row["fisher_p_val"]) and math.isnan(row["odds_ratio"]) and math.isnan(row["or_ci_low"])
    assert row["method"] == "two-proportion z-test; Newcombe hybrid score interval"
    assert 0.0 != approx(3.13291023498688e-44)  # the tolerance can fail on a tiny p (issue 13)


def test_compare_yates_corrected_option_matches_prop_test_correct_true():
    row = compare_pass_rates(counts(H1), 2021, [2020], correct=True).iloc[0]
    # R: -sqrt(prop.test(c(1766228, 1351544), c(1808640, 1380697), correct=TRUE)$statistic), $p.value
    assert row["z"] == approx(-13.9464833431944)
    assert row["p_val"] == approx(3.30504379475911e-44)
    assert row["test"] == "two-proportion z-test with Yates continuity correction"
    assert compare_pass_rates(counts(H1), 2021, [2020])["z"].iloc[0] == approx(-13.9502985918746)  # default off


@pytest.mark.parametrize(("target", "baseline", "z", "p_val"), [
    # R: sqrt(prop.test(c(37, 35), c(40, 35), correct=TRUE)$statistic) with sign, $p.value
    ((40, 3), (35, 0), -1.06302508033845, 0.287770577735605),
    # R: prop.test(c(12, 0), c(12, 7), correct=TRUE)
    ((12, 0), (7, 7), 3.86592822968786, 0.000110667481472747),
])
def test_compare_yates_small_counts(target, baseline, z, p_val):
    row = compare_pass_rates(counts({2020: baseline, 2021: target}), 2021, [2020], correct=True).iloc[0]
    assert (row["z"], row["z_p_val"]) == approx((z, p_val))
    assert row["test"] == FISHER_TEST  # Fisher is still the test reported for counts this small


def test_compare_yates_correction_shrinks_to_the_difference():
    """R caps the correction at |p1 - p2| / (1/n1 + 1/n2), which here makes X-squared exactly 0."""
    row = compare_pass_rates(counts({2020: (101, 4), 2021: (100, 4)}), 2021, [2020], correct=True).iloc[0]
    # R: prop.test(c(96, 97), c(100, 101), correct=TRUE): X-squared 8e-30 (rounding of 0), p-value 0.999999999999998
    assert abs(row["z"]) < 1e-12
    assert row["z_p_val"] == approx(0.999999999999998)


def test_compare_q3_2021_vs_each_year_and_pooled_with_holm():
    out = compare_pass_rates(counts(Q3), 2021, [2020, 2017, 2018])
    assert out["comparison"].tolist() == ["2021 vs 2017", "2021 vs 2018", "2021 vs 2020",
                                          "2021 vs pooled 2017+2018+2020"]
    pooled_qualified = 609480 + 942908 + 2185295
    assert out["baseline_pass_rate"].iloc[3] == pooled_qualified / (624423 + 965727 + 2234829)
    # R: 100 * (x1/n1 - x2/n2) for x1/n1 = 2396283/2459894 vs Q3 2017, 2018, 2020 and their sum
    assert out["diff_pp"].tolist() == approx([-0.192835134100489, -0.223041341922636,
                                              -0.369468499482406, -0.303663538069388])
    # R: 100 * newcombe(2396283, 2459894, x2, n2), same baselines
    assert out["ci_low"].tolist() == approx([-0.23539438210189, -0.259133110502011,
                                             -0.397140101750824, -0.328540842223804])
    assert out["ci_high"].tolist() == approx([-0.14982553445541, -0.186713624338914,
                                              -0.341788459818172, -0.278846712849633])
    # R: -sqrt(prop.test(c(2396283, x2), c(2459894, n2), correct=FALSE)$statistic)
    assert out["z"].tolist() == approx([-8.63777308851837, -11.8437033715521,
                                        -26.0697894274973, -24.2710324064663])
    # R: prop.test(c(2396283, x2), c(2459894, n2), correct=FALSE)$p.value
    assert out["p_val"].tolist() == approx([5.73193207657215e-18, 2.319784611024e-32,
                                            8.02666433985081e-150, 3.96612573369837e-130])
    # R: p.adjust(<the four p-values above>, "holm")
    assert out["p_adj"].tolist() == approx([5.73193207657215e-18, 4.63956922204801e-32,
                                            3.21066573594033e-149, 1.18983772010951e-129])
    assert not out["fisher_applied"].any() and (out["test"] == Z_TEST).all()


def test_compare_small_district_counts_apply_fisher():
    out = compare_pass_rates(counts(SMALL), 2021, [2019, 2020])
    assert out["comparison"].tolist() == ["2021 vs 2019", "2021 vs 2020", "2021 vs pooled 2019-2020"]
    assert out["fisher_applied"].all()
    assert out["method"].str.endswith("; Fisher exact test").all()
    assert out["diff_pp"].tolist() == approx([-7.5] * 3)  # R: 100 * (37/40 - 1)
    # R: 100 * newcombe(37, 40, x2, n2) for 12/12, 35/35, 47/47
    assert out["ci_low"].tolist() == approx([-19.8642335243105] * 3)
    assert out["ci_high"].tolist() == approx([17.2427645232599, 3.54468317535129, 1.51445944504724])
    # R: prop.test(c(37, x2), c(40, n2), correct=FALSE)$p.value
    assert out["z_p_val"].tolist() == approx([0.328424007948171, 0.0982099168397849, 0.0560391621288127])
    # R: fisher.test(matrix(c(37, x2, 3, 0), 2))$p.value: the p-value reported, and adjusted
    assert out["fisher_p_val"].tolist() == approx([1, 0.243243243243243, 0.0932119439596208])
    assert (out["test"] == FISHER_TEST).all() and out["p_val"].tolist() == out["fisher_p_val"].tolist()
    # R: p.adjust(<the three Fisher p-values above>, "holm")
    assert out["p_adj"].tolist() == approx([1, 0.486486486486486, 0.279635831878862])
    assert (out["p_adj"] >= out["p_val"]).all()  # issue 13: "Fisher p 0.243, Holm-adjusted 0.196" is gone
    # R: fisher.test(matrix(c(37, x2, 3, 0), 2))$estimate  (target passes less often, baseline never fails)
    assert out["odds_ratio"].tolist() == [0, 0, 0]
    # R: fisher_limits(matrix(c(37, x2, 3, 0), 2)) in tests/r/proportions.R, fisher.test's own interval code
    # solved to 1e-14 (fisher.test()$conf.int, solved to uniroot's default 1e-4, prints 8.30060629427344,
    # 2.73084556511471, 2.02278899468574)
    assert out["or_ci_low"].tolist() == [0, 0, 0]
    assert out["or_ci_high"].tolist() == approx([8.29968838974152, 2.73080580369492, 2.0228754782436])
    assert out["or_ci_high"].tolist() == pytest.approx([8.30060629427344, 2.73084556511471, 2.02278899468574],
                                                       rel=1e-3)


def test_compare_all_passed_vs_all_failed():
    row = compare_pass_rates(counts({2020: (7, 7), 2021: (12, 0)}), 2021, [2020]).iloc[0]
    assert row["diff_pp"] == 100
    # R: 100 * newcombe(12, 12, 0, 7)
    assert (row["ci_low"], row["ci_high"]) == approx((57.0636051259238, 100))
    # R: sqrt(prop.test(c(12, 0), c(12, 7), correct=FALSE)$statistic)
    assert row["z"] == approx(4.35889894354067)
    # R: prop.test(c(12, 0), c(12, 7), correct=FALSE)$p.value
    assert row["z_p_val"] == approx(1.3071845366763e-05)
    # R: fisher.test(matrix(c(12, 0, 0, 7), 2))$p.value  and  $estimate (Inf)
    assert row["fisher_p_val"] == approx(1.98459950781932e-05) and row["p_val"] == row["fisher_p_val"]
    assert row["odds_ratio"] == math.inf
    # R: fisher_limits(matrix(c(12, 0, 0, 7), 2))  (fisher.test()$conf.int: 9.09837047964434 Inf)
    assert (row["or_ci_low"], row["or_ci_high"]) == approx((9.09897016987515, math.inf))


def test_compare_without_any_unqualified_batch_has_no_z_test():
    row = compare_pass_rates(counts({2020: (35, 0), 2021: (12, 0)}), 2021, [2020]).iloc[0]
    # R: prop.test(c(12, 35), c(12, 35), correct=FALSE) gives X-squared = NaN, p-value = NA
    assert math.isnan(row["z"]) and math.isnan(row["z_p_val"])
    # R: 100 * newcombe(12, 12, 35, 35)
    assert (row["ci_low"], row["ci_high"]) == approx((-24.2494006655241, 9.8900992324404))
    # R: fisher.test(matrix(c(12, 35, 0, 0), 2))$p.value; R's $estimate 0 is meaningless here, NaN is kept
    assert row["fisher_applied"] and row["fisher_p_val"] == 1 and row["p_val"] == 1 and row["p_adj"] == 1
    assert math.isnan(row["odds_ratio"])


@pytest.mark.parametrize(("target", "baseline", "applied"), [
    ((100, 4), (100, 5), True),    # expected unqualified 4.5 < 5
    ((100, 5), (100, 5), False),   # every expected count >= 5
    ((200, 10), (200, 6), False),
    ((2000, 1), (2000, 2), True),  # large n, but only 3 unqualified
])
def test_fisher_applied_only_when_an_expected_count_is_below_5(target, baseline, applied):
    row = compare_pass_rates(counts({2020: baseline, 2021: target}), 2021, [2020]).iloc[0]
    assert bool(row["fisher_applied"]) is applied
    assert math.isnan(row["fisher_p_val"]) is not applied
    assert row["test"] == (FISHER_TEST if applied else Z_TEST)
    assert row["p_val"] == (row["fisher_p_val"] if applied else row["z_p_val"])


@pytest.mark.parametrize(("target", "baseline", "ci"), [
    # R: fisher_limits(matrix(c(96, 95, 4, 5), 2))  (fisher.test()$conf.int 0.26269035860763 6.56074740985163)
    ((100, 4), (100, 5), (0.262700820975899, 6.56071397222798)),
    # R: fisher_limits(matrix(c(1999, 1998, 1, 2), 2))  (fisher.test()$conf.int 0.104069272813707 118.032174839478)
    ((2000, 1), (2000, 2), (0.104075284341192, 118.111493785049)),
])
def test_fisher_odds_ratio_interval_matches_r(target, baseline, ci):
    row = compare_pass_rates(counts({2020: baseline, 2021: target}), 2021, [2020]).iloc[0]
    assert (row["or_ci_low"], row["or_ci_high"]) == approx(ci)
    assert row["or_ci_low"] < row["odds_ratio"] < row["or_ci_high"]


@pytest.mark.parametrize(("target", "baseline", "message"), [
    (2022, [2020], "target_year 2022 has no data"),
    (2021, [], "baseline_years is empty"),
    (2021, [2020, 2021], "must not contain the target year"),
    (2021, [2016, 2020], r"baseline_years \[2016\] have no data"),
])
def test_compare_rejects_years_without_data(target, baseline, message):
    with pytest.raises(ValueError, match=message):
        compare_pass_rates(counts(Q3), target, baseline)


# --- trend_test ------------------------------------------------------------------------------------

def test_trend_q3_2017_to_2021_matches_prop_trend_test():
    row = trend_test(counts(Q3)).iloc[0]
    assert row["years"] == "2017+2018+2020+2021" and row["n_years"] == 4 and row["df"] == 1
    # R: prop.trend.test(c(609480, 942908, 2185295, 2396283), c(624423, 965727, 2234829, 2459894),
    #                    score=c(2017, 2018, 2020, 2021))$statistic
    assert row["statistic"] == approx(108.147496909612)
    # R: the same call with the unqualified counts c(14943, 22819, 49534, 63611) as x: 108.14749690957.
    # Swapping qualified and unqualified makes trend_test count the unqualified as passes.
    swapped = counts({year: (b, b - u) for year, (b, u) in Q3.items()})
    assert trend_test(swapped).iloc[0]["statistic"] == approx(108.14749690957)
    # R: prop.trend.test(<same>)$p.value
    assert row["p_val"] == approx(2.49502182730148e-25)
    # R: 100 * coef(lm(x/n ~ years, weights=n))[["years"]]
    assert row["slope_pp_per_year"] == approx(-0.0466319812918292)


def test_trend_small_district_counts():
    row = trend_test(counts(SMALL)).iloc[0]
    assert row["years"] == "2019-2021"
    # R: prop.trend.test(c(12, 35, 37), c(12, 35, 40), score=c(2019, 2020, 2021))$statistic, $p.value
    assert row["statistic"] == approx(2.89196906035208)
    assert row["p_val"] == approx(0.0890220633611107)
    # R: 100 * coef(lm(c(12, 35, 37)/c(12, 35, 40) ~ c(2019, 2020, 2021), weights=c(12, 35, 40)))[[2]]
    assert row["slope_pp_per_year"] == approx(-4.73262032085447)


def test_trend_years_selects_and_two_years_equal_the_z_test_squared():
    two = trend_test(counts(Q3), years=[2021, 2020]).iloc[0]
    z = compare_pass_rates(counts(Q3), 2021, [2020])["z"].iloc[0]
    assert two["years"] == "2020-2021"
    assert two["statistic"] == approx(z**2)
    # R: prop.test(c(2396283, 2185295), c(2459894, 2234829), correct=FALSE)$statistic (z printed by the
    # R script is its signed square root)
    assert two["statistic"] == approx((-26.0697894274973) ** 2)


@pytest.mark.parametrize(("by_year", "years", "message"), [
    (Q3, [2021], "at least 2 years"),
    (Q3, [2019, 2021], r"years \[2019\] have no data"),
    ({2020: (35, 0), 2021: (12, 0)}, None, "at least one qualified and one unqualified"),
])
def test_trend_rejects_what_it_cannot_test(by_year, years, message):
    with pytest.raises(ValueError, match=message):
        trend_test(counts(by_year), years=years)


# --- adjust_pvalues -------------------------------------------------------------------------------

ADJUST_CASES = {  # the p-values of tests/r/proportions.R's adjust_cases
    "unsorted": [0.04, 0.001, 0.3, 0.02, 0.012, 0.9],
    "ties": [0.03, 0.01, 0.03, 0.03, 0.2],
    "single": [0.03],
    "zero_one": [0, 1, 0.5, 0.01],
    "tiny": [1e-300, 3e-301, 0.04, 2e-300],
    "with_na": [0.01, 0.04, 0.03, np.nan, 0.5],
}
# R: p.adjust(adjust_cases[[case]], method), printed by tests/r/proportions.R ("p.adjust <case> <method>")
P_ADJUST = {
    ("unsorted", "holm"): [0.12, 0.006, 0.6, 0.08, 0.06, 0.9],
    ("unsorted", "hochberg"): [0.12, 0.006, 0.6, 0.08, 0.06, 0.9],
    ("unsorted", "bonferroni"): [0.24, 0.006, 1, 0.12, 0.072, 1],
    ("unsorted", "BH"): [0.06, 0.006, 0.36, 0.04, 0.036, 0.9],
    ("unsorted", "BY"): [0.147, 0.0147, 0.882, 0.098, 0.0882, 1],
    ("ties", "holm"): [0.12, 0.05, 0.12, 0.12, 0.2],
    ("ties", "hochberg"): [0.06, 0.05, 0.06, 0.06, 0.2],
    ("ties", "bonferroni"): [0.15, 0.05, 0.15, 0.15, 1],
    ("ties", "BH"): [0.0375, 0.0375, 0.0375, 0.0375, 0.2],
    ("ties", "BY"): [0.085625, 0.085625, 0.085625, 0.085625, 0.456666666666667],
    **{("single", method): [0.03] for method in ADJUST_METHODS},
    ("zero_one", "holm"): [0, 1, 1, 0.03],
    ("zero_one", "hochberg"): [0, 1, 1, 0.03],
    ("zero_one", "bonferroni"): [0, 1, 1, 0.04],
    ("zero_one", "BH"): [0, 1, 0.666666666666667, 0.02],
    ("zero_one", "BY"): [0, 1, 1, 0.0416666666666667],
    ("tiny", "holm"): [3e-300, 1.2e-300, 0.04, 4e-300],
    ("tiny", "hochberg"): [3e-300, 1.2e-300, 0.04, 4e-300],
    ("tiny", "bonferroni"): [4e-300, 1.2e-300, 0.16, 8e-300],
    ("tiny", "BH"): [2e-300, 1.2e-300, 0.04, 2.66666666666667e-300],
    ("tiny", "BY"): [4.16666666666667e-300, 2.5e-300, 0.0833333333333333, 5.55555555555556e-300],
    ("with_na", "holm"): [0.04, 0.09, 0.09, np.nan, 0.5],
    ("with_na", "hochberg"): [0.04, 0.08, 0.08, np.nan, 0.5],
    ("with_na", "bonferroni"): [0.04, 0.16, 0.12, np.nan, 1],
    ("with_na", "BH"): [0.04, 0.0533333333333333, 0.0533333333333333, np.nan, 0.5],
    ("with_na", "BY"): [0.0833333333333333, 0.111111111111111, 0.111111111111111, np.nan, 1],
}


@pytest.mark.parametrize(("case", "method"), sorted(P_ADJUST))
def test_adjust_pvalues_matches_p_adjust(case, method):
    adjusted = adjust_pvalues(ADJUST_CASES[case], method)
    expected = np.array(P_ADJUST[case, method])
    assert np.array_equal(np.isnan(adjusted), np.isnan(expected))  # NA is left out of the family
    present = ~np.isnan(expected)
    # relative only: 1e-300 against 3e-300 fails, and an expected 0 or 1 must be exactly 0 or 1
    assert adjusted[present].tolist() == approx(expected[present].tolist())


def test_adjust_pvalues_edge_inputs():
    assert adjust_pvalues([], "holm").shape == (0,)
    assert np.isnan(adjust_pvalues([np.nan], "BH")).all()
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        adjust_pvalues([0.2, 1.5], "holm")
    with pytest.raises(ValueError, match="unknown method 'fdr'; use one of holm, hochberg, bonferroni, BH, BY"):
        adjust_pvalues([0.2], "fdr")


# --- mantel_haenszel ------------------------------------------------------------------------------

def strata_frame(strata: dict[str, tuple[int, int, int, int]], target: int = 2021, baseline: int = 2016):
    """A sampling table from {category: (target batches, target unqualified, baseline batches, baseline unqualified)}."""
    return pd.DataFrame([{"year": year, "category": category, "batches": b, "unqualified": u}
                         for category, (b1, u1, b0, u0) in strata.items()
                         for year, b, u in ((target, b1, u1), (baseline, b0, u0))])


# SYNTHETIC example district (analysis.example_district, seed 2021): FY 2021 vs 2016, the 11 food categories
DISTRICT_2021_2016 = {
    "食用农产品": (222, 8, 75, 1), "餐饮食品": (99, 5, 34, 3), "粮食加工品": (50, 0, 17, 0), "肉制品": (53, 2, 12, 0),
    "糕点": (27, 0, 13, 0), "食用油、油脂及其制品": (34, 0, 15, 1), "酒类": (53, 0, 21, 0), "饮料": (50, 0, 9, 0),
    "调味品": (42, 2, 13, 0), "蔬菜制品": (35, 0, 15, 1), "乳制品": (43, 0, 9, 0)}
# National all-levels Q3 2021 vs Q3 2017: the two categories published with counts in both quarters
NATIONAL_Q3 = {"炒货食品及坚果制品": (29099, 1060, 6439, 228), "蔬菜制品": (52620, 1536, 15006, 755)}
MH_COLUMNS = ["common_odds_ratio", "ci_low", "ci_high", "statistic", "p_val", "bd_statistic", "bd_p_val"]


@pytest.mark.parametrize(("strata", "kwargs", "expected"), [
    # R: mh("district 2021 vs 2016", district_2021_2016): mantelhaen.test(x)$estimate, $conf.int, $statistic,
    # $p.value; breslow_day(x, estimate) in tests/r/proportions.R
    pytest.param(DISTRICT_2021_2016, {}, [0.944723708081415, 0.361732735703677, 2.46729918671839,
                                          0.0131475925301132, 0.908712280317603, 7.2419781317632,
                                          0.203257111706713], id="district"),
    # R: the same, breslow_day(x, estimate, tarone = TRUE)
    pytest.param(DISTRICT_2021_2016, {"tarone": True}, [0.944723708081415, 0.361732735703677, 2.46729918671839,
                                                        0.0131475925301132, 0.908712280317603,
                                                        7.24197458664146, 0.203257357534196], id="district-tarone"),
    # R: mh("national q3 2021 vs 2017", national_q3)
    pytest.param(NATIONAL_Q3, {}, [0.678401065645776, 0.629210265062354, 0.731437535946295, 102.357799231022,
                                   4.63470342117961e-24, 47.4043010793103, 5.77558209253895e-12], id="national"),
    # R: mh("national q3 2021 vs 2017 correct=FALSE", national_q3, correct = FALSE), Tarone's X2
    pytest.param(NATIONAL_Q3, {"correct": False, "tarone": True},
                 [0.678401065645776, 0.629210265062354, 0.731437535946295, 102.783374271864, 3.73874034803557e-24,
                  47.4022638911478, 5.78158753510279e-12], id="national-uncorrected"),
    # R: mh("balanced", ...): |DELTA| < 0.5, so no continuity correction even with correct = TRUE
    pytest.param({"a": (10, 1, 10, 1), "b": (10, 2, 10, 2), "c": (20, 3, 21, 3)}, {},
                 [1.02933985330073, 0.300231564870183, 3.5290777438785, 0.00203765490943756, 0.963995406770238,
                  0.00206649301864933, 0.998967287106049], id="balanced"),
])
def test_mantel_haenszel_matches_mantelhaen_test(strata, kwargs, expected):
    row = mantel_haenszel(strata_frame(strata), 2021, 2016, **kwargs).iloc[0]
    assert row[MH_COLUMNS].tolist() == approx(expected)
    assert (row["df"], row["bd_df"], row["n_strata"]) == (1, row["n_strata"] - 1, row["n_strata"])
    assert (row["correct"], row["tarone"]) == (kwargs.get("correct", True), kwargs.get("tarone", False))


def test_mantel_haenszel_district_leaves_out_strata_without_unqualified_batches():
    row = mantel_haenszel(strata_frame(DISTRICT_2021_2016), 2021, 2016).iloc[0]
    assert row["n_strata"] == 6
    assert row["note"] == "no unqualified batch: 乳制品, 粮食加工品, 糕点, 酒类, 饮料"
    # R: mh("district 2021 vs 2016"): the crude odds ratio pools every batch of the 11 categories
    assert row["crude_odds_ratio"] == approx(0.930776652194887)
    assert (row["target_batches"], row["baseline_batches"]) == (708, 233)
    informative = {k: v for k, v in DISTRICT_2021_2016.items() if k not in row["note"]}
    alone = mantel_haenszel(strata_frame(informative), 2021, 2016).iloc[0]
    # R: mh("district 2021 vs 2016 informative", ...) prints the same MH and Breslow-Day numbers
    assert alone[MH_COLUMNS].tolist() == row[MH_COLUMNS].tolist()
    assert alone["crude_odds_ratio"] == approx(0.956552706552707)  # R: the same, crude OR of 6 strata


def test_mantel_haenszel_strata_of_millions_beside_tiny_ones():
    strata = {"millions": (2665660, 96634, 1649916, 31154), "tiny": (12, 1, 7, 0), "three": (3, 1, 2, 1)}
    row = mantel_haenszel(strata_frame(strata), 2021, 2016).iloc[0]
    # R: mh("millions and tiny", ...)
    assert row[["common_odds_ratio", "ci_low", "ci_high", "statistic", "bd_statistic", "bd_p_val"]].tolist() == \
        approx([1.95446584817845, 1.92937681750863, 1.97988112898988, 10699.6148515404, 0.878202862162308,
                0.644615392277535])
    assert row["p_val"] == approx_floor(0)  # R: p.value 0 (underflow)
    assert row["crude_odds_ratio"] == approx(1.95445483777163)


def test_mantel_haenszel_strata_of_one_year_and_no_information():
    frame = strata_frame({"both": (40, 3, 35, 1), "again": (20, 1, 25, 2)})
    one_year = pd.DataFrame([{"year": 2021, "category": "new", "batches": 9, "unqualified": 4}])
    row = mantel_haenszel(pd.concat([frame, one_year]), 2021, 2016).iloc[0]
    assert row["note"] == "batches in one year only: new" and row["n_strata"] == 2
    assert row[MH_COLUMNS].tolist() == mantel_haenszel(frame, 2021, 2016).iloc[0][MH_COLUMNS].tolist()
    clean = mantel_haenszel(strata_frame({"a": (12, 0, 35, 0), "b": (5, 0, 8, 0)}), 2021, 2016).iloc[0]
    assert clean["n_strata"] == 0 and clean["note"] == "no informative stratum; no unqualified batch: a, b"
    assert np.isnan(clean[MH_COLUMNS].to_numpy(float)).all()
    single = mantel_haenszel(strata_frame({"a": (40, 3, 35, 1)}), 2021, 2016).iloc[0]
    assert single["n_strata"] == 1 and np.isnan(single["bd_statistic"]) and single["bd_df"] == 0
    # one stratum: the Mantel-Haenszel estimate is the stratum's odds ratio (3 * 34) / (37 * 1)
    assert single["common_odds_ratio"] == approx(3 * 34 / 37)


def test_mantel_haenszel_rejects_years_without_rows_and_bad_counts():
    with pytest.raises(ValueError, match=r"year\(s\) \[2019\] have no category rows"):
        mantel_haenszel(strata_frame(NATIONAL_Q3), 2021, 2019)
    bad = strata_frame(NATIONAL_Q3).assign(unqualified=lambda d: d["unqualified"].where(d.index != 1, 10 ** 7))
    with pytest.raises(ValueError, match=r"row 1 \(year=2016, category=炒货食品及坚果制品\): unqualified 10000000 exceeds"):
        mantel_haenszel(bad, 2021, 2016)


def test_stratified_comparisons_adjust_over_the_baseline_years():
    frame = pd.concat([strata_frame(DISTRICT_2021_2016),
                       strata_frame(NATIONAL_Q3, baseline=2018).query("year == 2018")])
    out = stratified_comparisons(frame, 2021, [2016, 2018, 2019])
    assert out["comparison"].tolist() == ["2021 vs 2016", "2021 vs 2018"]  # 2019 has no rows
    assert out["p_adj"].tolist() == adjust_pvalues(out["p_val"], "holm").tolist()
    assert out.columns.get_loc("p_adj") == out.columns.get_loc("p_val") + 1
    empty = stratified_comparisons(frame, 2021, [2019])
    assert empty.empty and "p_adj" in empty.columns
    assert stratified_comparisons(frame.iloc[:0], 2021, [2016]).columns.tolist() == out.columns.tolist()
    with pytest.raises(ValueError, match="target_year 2022 has no category rows"):
        stratified_comparisons(frame, 2022, [2016])


def test_mantel_haenszel_target_without_failures_has_estimate_0_and_no_interval():
    row = mantel_haenszel(strata_frame({"a": (40, 0, 35, 2), "b": (20, 0, 25, 1)}), 2021, 2016).iloc[0]
    # R: mantelhaen.test(mh_array(list(c(40, 0, 35, 2), c(20, 0, 25, 1)))): estimate 0, conf.int NaN NaN,
    # X-squared 1.38535864139478, p-value 0.23919048043979
    assert row["common_odds_ratio"] == 0 and np.isnan(row["ci_low"]) and np.isnan(row["ci_high"])
    assert (row["statistic"], row["p_val"]) == approx((1.38535864139478, 0.23919048043979))
    assert np.isnan(row["bd_statistic"])  # no fitted tables at a common odds ratio of 0
