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

from analysis.stats.proportions import compare_pass_rates, holm, pass_rates, trend_test

REL = 1e-9  # relative tolerance against R (the brief asks for at least 1e-8, 1e-6 for intervals)


def approx(expected):
    return pytest.approx(expected, rel=REL, abs=1e-12)


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
    assert (row["wilson_low"], row["wilson_high"]) == approx(wilson)
    assert (row["cp_low"], row["cp_high"]) == approx(cp)


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
    assert row["p_val"] == approx(3.13291023498688e-44)
    assert row["p_holm"] == row["p_val"]  # a family of one
    assert not row["fisher_applied"]
    assert math.isnan(row["fisher_p_val"]) and math.isnan(row["odds_ratio"])
    assert row["method"] == "two-proportion z-test; Newcombe hybrid score interval"


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
    assert out["p_holm"].tolist() == approx([5.73193207657215e-18, 4.63956922204801e-32,
                                             3.21066573594033e-149, 1.18983772010951e-129])
    assert not out["fisher_applied"].any()


def test_compare_small_district_counts_apply_fisher():
    out = compare_pass_rates(counts(SMALL), 2021, [2019, 2020])
    assert out["comparison"].tolist() == ["2021 vs 2019", "2021 vs 2020", "2021 vs pooled 2019-2020"]
    assert out["fisher_applied"].all()
    assert out["method"].str.endswith("; Fisher exact").all()
    assert out["diff_pp"].tolist() == approx([-7.5] * 3)  # R: 100 * (37/40 - 1)
    # R: 100 * newcombe(37, 40, x2, n2) for 12/12, 35/35, 47/47
    assert out["ci_low"].tolist() == approx([-19.8642335243105] * 3)
    assert out["ci_high"].tolist() == approx([17.2427645232599, 3.54468317535129, 1.51445944504724])
    # R: prop.test(c(37, x2), c(40, n2), correct=FALSE)$p.value
    assert out["p_val"].tolist() == approx([0.328424007948171, 0.0982099168397849, 0.0560391621288127])
    # R: p.adjust(<the three p-values above>, "holm")
    assert out["p_holm"].tolist() == approx([0.328424007948171, 0.19641983367957, 0.168117486386438])
    # R: fisher.test(matrix(c(37, x2, 3, 0), 2))$p.value
    assert out["fisher_p_val"].tolist() == approx([1, 0.243243243243243, 0.0932119439596208])
    # R: fisher.test(matrix(c(37, x2, 3, 0), 2))$estimate  (target passes less often, baseline never fails)
    assert out["odds_ratio"].tolist() == [0, 0, 0]


def test_compare_all_passed_vs_all_failed():
    row = compare_pass_rates(counts({2020: (7, 7), 2021: (12, 0)}), 2021, [2020]).iloc[0]
    assert row["diff_pp"] == 100
    # R: 100 * newcombe(12, 12, 0, 7)
    assert (row["ci_low"], row["ci_high"]) == approx((57.0636051259238, 100))
    # R: sqrt(prop.test(c(12, 0), c(12, 7), correct=FALSE)$statistic)
    assert row["z"] == approx(4.35889894354067)
    # R: prop.test(c(12, 0), c(12, 7), correct=FALSE)$p.value
    assert row["p_val"] == approx(1.3071845366763e-05)
    # R: fisher.test(matrix(c(12, 0, 0, 7), 2))$p.value  and  $estimate (Inf)
    assert row["fisher_p_val"] == approx(1.98459950781932e-05)
    assert row["odds_ratio"] == math.inf


def test_compare_without_any_unqualified_batch_has_no_z_test():
    row = compare_pass_rates(counts({2020: (35, 0), 2021: (12, 0)}), 2021, [2020]).iloc[0]
    # R: prop.test(c(12, 35), c(12, 35), correct=FALSE) gives X-squared = NaN, p-value = NA
    assert math.isnan(row["z"]) and math.isnan(row["p_val"]) and math.isnan(row["p_holm"])
    # R: 100 * newcombe(12, 12, 35, 35)
    assert (row["ci_low"], row["ci_high"]) == approx((-24.2494006655241, 9.8900992324404))
    # R: fisher.test(matrix(c(12, 35, 0, 0), 2))$p.value; R's $estimate 0 is meaningless here, NaN is kept
    assert row["fisher_applied"] and row["fisher_p_val"] == 1
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
    # the same call with the unqualified counts c(14943, 22819, 49534, 63611) as x
    assert row["statistic"] == approx(108.14749690957)
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


# --- holm ------------------------------------------------------------------------------------------

def test_holm_matches_p_adjust_and_leaves_nan_out_of_the_family():
    # R: p.adjust(c(0.01, 0.04, 0.03, NA, 0.5), "holm")  ->  0.04 0.09 0.09 NA 0.5
    adjusted = holm([0.01, 0.04, 0.03, np.nan, 0.5])
    assert adjusted[[0, 1, 2, 4]].tolist() == approx([0.04, 0.09, 0.09, 0.5])
    assert math.isnan(adjusted[3])


def test_holm_edge_inputs():
    assert holm([]).shape == (0,)
    assert np.isnan(holm([np.nan])).all()
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        holm([0.2, 1.5])
