"""Kaplan-Meier and the log-rank test against R's survival package.

Reference values: ``Rscript tests/r/survival.R`` (R 4.2.2, survival 3.5.3); the R call is cited beside
each expected number. Relative tolerance 1e-6.
"""
import math

import numpy as np
import pytest

from analysis.stats import survival

REL = 1e-6
# The data of tests/r/survival.R. A: ties, exits on the founding day (0), censorings tied with exits.
A_TIME = [0, 0, 0, 30, 30, 45, 90, 90, 90, 120, 180, 180, 200, 365, 365, 400, 500, 730, 730, 800]
A_EVENT = [1, 1, 0, 1, 0, 1, 1, 1, 0, 1, 1, 0, 1, 1, 0, 0, 1, 1, 0, 0]
B_TIME, B_EVENT = [10, 40, 40, 100, 250], [0, 0, 0, 0, 0]          # a cohort with no exits
C_TIME, C_EVENT = [2, 5, 5, 11, 20, 25], [0, 1, 0, 0, 0, 0]        # a cohort born in the last month
D_TIME, D_EVENT = [1, 2, 3, 4], [1, 1, 1, 1]                         # all exit; S = 0.5 on [2, 3)


def approx(values):
    return pytest.approx(values, rel=REL, nan_ok=True)


def test_kaplan_meier_with_ties_and_exits_on_the_founding_day_matches_survfit():
    curve = survival.kaplan_meier(A_TIME, A_EVENT)
    # summary(survfit(Surv(a_time, a_event) ~ 1), censored = TRUE)$time, $n.risk, $n.event
    assert curve["time"].tolist() == [0, 30, 45, 90, 120, 180, 200, 365, 400, 500, 730, 800]
    assert curve["n_risk"].tolist() == [20, 17, 15, 14, 11, 10, 8, 7, 5, 4, 3, 1]
    assert curve["n_event"].tolist() == [2, 1, 1, 2, 1, 1, 1, 1, 0, 1, 1, 0]
    # ... $surv
    assert curve["surv"].tolist() == approx([
        0.9, 0.847058823529412, 0.790588235294118, 0.677647058823529, 0.616042780748663, 0.554438502673797,
        0.485133689839572, 0.415828877005348, 0.415828877005348, 0.311871657754011, 0.207914438502674,
        0.207914438502674])
    # ... $std.err (Greenwood SE of S)
    assert curve["std_err"].tolist() == approx([
        0.0670820393249937, 0.0813883199236094, 0.093523383409998, 0.109054221020227, 0.115233929903323,
        0.119043915578218, 0.122689778669922, 0.123191632856454, 0.123191632856454, 0.129003596574427,
        0.120835210249043, 0.120835210249043])
    # survfit(...)$std.err (log scale)
    assert curve["std_err_log"].tolist() == approx([
        0.074535599249993, 0.0960834332431499, 0.118295946277527, 0.160930708102765, 0.187055077186818,
        0.214710765944509, 0.252898904445275, 0.296255598561689, 0.296255598561689, 0.413643219468756,
        0.581177580158719, 0.581177580158719])
    # summary(...)$lower, $upper (conf.type = "log", the default; upper capped at 1)
    assert curve["lower"].tolist() == approx([
        0.777674202195885, 0.701660783491364, 0.626984284546641, 0.494332416264728, 0.426962076718051,
        0.363991503884347, 0.295524504117793, 0.232670553346053, 0.232670553346053, 0.138637960871901,
        0.0665557216256728, 0.0665557216256728])
    assert curve["upper"].tolist() == approx([
        1, 1, 0.99688265430355, 0.92894077188388, 0.888858117399401, 0.844530847469544, 0.796396555067219,
        0.743169483481445, 0.743169483481445, 0.701567812297132, 0.649507099945671, 0.649507099945671])


def test_a_90_percent_interval_matches_survfit_conf_int():
    curve = survival.kaplan_meier(A_TIME, A_EVENT, ci_level=0.90)
    # survfit(Surv(a_time, a_event) ~ 1, conf.int = 0.90)$lower, $upper
    assert curve["lower"].tolist() == approx([
        0.796155574867642, 0.723229759402715, 0.650796992261727, 0.520046968368948, 0.452884981032832,
        0.389470495445313, 0.320038986721745, 0.255437235662266, 0.255437235662266, 0.157939050144028,
        0.0799318655444014, 0.0799318655444014])
    assert curve["upper"].tolist() == approx([
        1, 0.992089500177082, 0.960406647875384, 0.883007813260428, 0.837980334095099, 0.789282004265007,
        0.735393832570733, 0.676932063186557, 0.676932063186557, 0.615832061934889, 0.54081577407785,
        0.54081577407785])


def test_a_cohort_with_no_exits_stays_at_one_with_no_median():
    curve = survival.kaplan_meier(B_TIME, B_EVENT)
    # summary(survfit(Surv(b_time, b_event) ~ 1), censored = TRUE): surv, std.err, lower, upper all 1, 0, 1, 1
    assert curve["n_risk"].tolist() == [5, 4, 2, 1]
    assert curve[["surv", "lower", "upper"]].to_numpy().tolist() == [[1.0, 1.0, 1.0]] * 4
    assert curve["std_err"].tolist() == [0.0] * 4
    # quantile(fit, 0.5): NA NA NA
    assert all(math.isnan(v) for v in survival.median_survival(curve).values())


def test_a_cohort_born_in_the_last_month_has_short_follow_up():
    curve = survival.kaplan_meier(C_TIME, C_EVENT)
    # summary(survfit(Surv(c_time, c_event) ~ 1), censored = TRUE)$surv, $std.err, $lower
    assert curve["surv"].tolist() == approx([1, 0.8, 0.8, 0.8, 0.8])
    assert curve["std_err"].tolist() == approx([0, 0.178885438199983] + [0.178885438199983] * 3)
    assert curve["lower"].tolist() == approx([1] + [0.516125760342172] * 4)
    # One year after founding is past its follow-up: not estimable (summary(fit, times = 365) has no row).
    assert survival.survival_at(curve, [365])["surv"].isna().all()


def test_when_everyone_exits_the_last_interval_is_missing_and_the_median_is_a_midpoint():
    curve = survival.kaplan_meier(D_TIME, D_EVENT)
    # summary(survfit(Surv(d_time, d_event) ~ 1))$surv, $std.err, $lower, $upper
    assert curve["surv"].tolist() == approx([0.75, 0.5, 0.25, 0])
    assert curve["std_err"].tolist() == approx([0.21650635094611, 0.25, 0.21650635094611, np.nan])
    assert curve["lower"].tolist() == approx([0.425932268497982, 0.187658928706588, 0.0457907596660182, np.nan])
    assert curve["upper"].tolist() == approx([1, 1, 1, np.nan])
    # survfit(...)$std.err: Inf at the last time
    assert curve["std_err_log"].iloc[-1] == math.inf
    # quantile(fit, 0.5): 2.5 (S is exactly 0.5 between 2 and 3), lower 1, upper NA
    assert survival.median_survival(curve) == approx({"median": 2.5, "lower": 1.0, "upper": np.nan})


def test_median_and_survival_at_chosen_times_match_summary_times():
    curve = survival.kaplan_meier(A_TIME, A_EVENT)
    # quantile(survfit(Surv(a_time, a_event) ~ 1), 0.5): 200, lower 90, upper NA
    assert survival.median_survival(curve) == approx({"median": 200.0, "lower": 90.0, "upper": np.nan})
    at = survival.survival_at(curve, [15, 365, 365.25, 730])
    # summary(fa, times = c(15, 365, 365.25, 730))$surv, $n.risk, $std.err, $lower, $upper
    assert at["surv"].tolist() == approx([0.9, 0.415828877005348, 0.415828877005348, 0.207914438502674])
    assert at["n_risk"].tolist() == [17, 7, 5, 3]
    assert at["std_err"].tolist() == approx([0.0670820393249937, 0.123191632856454, 0.123191632856454,
                                             0.120835210249043])
    assert at["lower"].tolist() == approx([0.777674202195885, 0.232670553346053, 0.232670553346053,
                                           0.0665557216256728])
    assert at["upper"].tolist() == approx([1, 0.743169483481445, 0.743169483481445, 0.649507099945671])


def _groups(*cohorts):
    time = [t for name, (ts, _) in cohorts for t in ts]
    event = [e for name, (_, es) in cohorts for e in es]
    group = [name for name, (ts, _) in cohorts for _ in ts]
    return time, event, group


A, B, C, D = (A_TIME, A_EVENT), (B_TIME, B_EVENT), (C_TIME, C_EVENT), (D_TIME, D_EVENT)


@pytest.mark.parametrize("cohorts, observed, expected, chisq, p_val, hr", [
    # survdiff(Surv(time, event) ~ group)$obs, $exp, $chisq; pchisq(chisq, df, lower.tail = FALSE);
    # (obs[2]/exp[2])/(obs[1]/exp[1]) * exp(c(0, -1, 1) * qnorm(0.975) * sqrt(sum(1/exp)))
    ((("a", A), ("c", C)), [12, 1], [12.3111888111888, 0.688811188811189], 0.187508581222155, 0.664998343675658,
     [1.48942470389171, 0.131555023031133, 16.8627992869411]),
    ((("a", A), ("d", D)), [12, 4], [15.1653717627402, 0.834628237259816], 14.4364456836796, 0.000144969418971439,
     [6.05673723370535, 0.668686339842935, 54.8599002736759]),
    # a cohort with no exits: R's HR is Inf (0 observed in the reference group); here it is not estimable
    ((("b", B), ("d", D)), [0, 4], [2.7281746031746, 1.2718253968254], 9.02985074626866, 0.0026560616713027,
     [np.nan, np.nan, np.nan]),
    ((("a", A), ("c", C), ("d", D)), [12, 1, 4], [14.8370001576523, 1.50598881794534, 0.657011024402329],
     19.7082638342335, 5.25296956358438e-05, [np.nan, np.nan, np.nan]),
])
def test_logrank_matches_survdiff(cohorts, observed, expected, chisq, p_val, hr):
    time, event, group = _groups(*cohorts)
    table, covariance = survival.logrank_groups(time, event, group)
    assert table["observed"].tolist() == observed
    assert table["expected"].tolist() == approx(expected)
    result = survival.logrank_test(time, event, group).iloc[0]
    assert result["statistic"] == approx(chisq)
    assert result["p_val"] == approx(p_val)
    assert result["df"] == len(cohorts) - 1
    assert [result["hazard_ratio"], result["hr_lower"], result["hr_upper"]] == approx(hr)
    assert result["method"] == survival.LOGRANK_METHOD


def test_logrank_variance_matches_survdiff():
    time, event, group = _groups(("a", A), ("c", C), ("d", D))
    _, covariance = survival.logrank_groups(time, event, group)
    # diag(survdiff(Surv(time, event) ~ group)$var)
    assert np.diag(covariance).tolist() == approx([1.46367998610884, 1.1700025317217, 0.569389833307902])
    assert covariance.sum(axis=1) == pytest.approx([0, 0, 0], abs=1e-12)  # rows of O - E sum to zero


@pytest.mark.parametrize("time, event, message", [
    ([1, -2], [1, 0], "non-negative"),
    ([1, np.nan], [1, 0], "non-negative"),
    ([1, 2], [1, 2], "0/1"),
    ([1, 2], [1], "same length"),
])
def test_bad_input_is_named(time, event, message):
    with pytest.raises(ValueError, match=message):
        survival.kaplan_meier(time, event)


def test_the_interval_level_is_checked():
    with pytest.raises(ValueError, match="ci_level"):
        survival.kaplan_meier(A_TIME, A_EVENT, ci_level=95)


def test_a_curve_ending_at_exactly_one_half_takes_the_midpoint_to_its_last_time():
    curve = survival.kaplan_meier([0, 243], [1, 0])
    # summary(survfit(Surv(c(0, 243), c(1, 0)) ~ 1))$surv, $std.err, $lower
    assert curve["surv"].tolist() == approx([0.5, 0.5])
    assert curve["std_err"].tolist() == approx([0.353553390593274] * 2)
    assert curve["lower"].tolist() == approx([0.125048826629953] * 2)
    # quantile(fit, 0.5): 121.5, lower 0, upper NA
    assert survival.median_survival(curve) == approx({"median": 121.5, "lower": 0.0, "upper": np.nan})


def test_logrank_without_any_exit_has_no_statistic():
    result = survival.logrank_test([1, 2, 3, 4], [0, 0, 0, 0], ["a", "a", "b", "b"]).iloc[0]
    assert math.isnan(result["statistic"]) and math.isnan(result["p_val"]) and result["df"] == 0


def test_logrank_hazard_ratio_needs_exits_in_both_groups():
    time, event, group = _groups(("d", D), ("b", B))   # sorted: b (no exits) first, as in the B vs D case
    assert math.isnan(survival.logrank_test(time, event, group).iloc[0]["hazard_ratio"])
    time, event, group = _groups(("a", A), ("b", B))   # second group without exits: not 0 with an interval 0-0
    assert math.isnan(survival.logrank_test(time, event, group).iloc[0]["hazard_ratio"])


def test_no_entities_give_an_empty_curve():
    curve = survival.kaplan_meier([], [])
    assert curve.empty and "surv" in curve.columns
