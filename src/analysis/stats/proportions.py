"""Pass rates of food-safety supervision sampling (食品安全监督抽检): intervals, year comparisons, trend.

Input rows carry ``batches`` (抽检批次) and ``unqualified`` (不合格批次); the pass rate is
``qualified / batches`` with ``qualified = batches - unqualified``. Rows that share a year (or other
``by`` key) are summed, e.g. the food categories of one year; filter to one period first (FY, H1, Q3,
...) so that no batch is counted twice, and never mix scopes (all levels vs nationally organised).

What the statistics mean: the batches are not a random survey sample of a known population; they are
every inspection the regulators carried out (a census of the inspections). The intervals and tests
treat each batch as an independent pass/fail trial of the sampling-and-inspection *process* and ask
whether the process rate differs between years beyond binomial noise. They do not correct for
targeted (risk-based) sampling or changed sampling plans; a changed category mix is taken out by the
comparison within categories (:func:`mantel_haenszel`). With millions of batches every difference is
"significant", so read the size (``diff_pp``, ``slope_pp_per_year``) first.

All intervals are 95 %. Every number is checked against R in ``tests/r/proportions.R``.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import optimize, stats
from scipy.stats.contingency import expected_freq, odds_ratio
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from analysis.parameters import check_years

ALPHA = 0.05
#: Fisher's exact test is applied when any expected cell of the 2x2 table is below this (Cochran's rule).
FISHER_MIN_EXPECTED = 5
#: The p-value adjustments of R ``p.adjust`` that :func:`adjust_pvalues` implements.
ADJUST_METHODS = ("holm", "hochberg", "bonferroni", "BH", "BY")
#: The adjustment :func:`compare_pass_rates` and :func:`stratified_comparisons` apply over their rows.
ADJUST_METHOD = "holm"
Z_TEST = "two-proportion z-test"
FISHER_TEST = "Fisher exact test"


def _is_count(value) -> bool:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return False
    return math.isfinite(number) and number >= 0 and number.is_integer()


def _check_counts(df: pd.DataFrame, by: list[str]) -> None:
    missing = [col for col in ("batches", "unqualified", *by) if col not in df.columns]
    if missing:
        raise ValueError(f"missing column(s) {missing}; need batches, unqualified and {by}")
    countable = df.get("countable", pd.Series(True, index=df.index)).astype("boolean").fillna(False)
    for pos, label in enumerate(df.index):
        key = {col: df[col].iloc[pos] for col in by}
        name = f"row {label} ({', '.join(f'{col}={value}' for col, value in key.items())})"
        if not countable.iloc[pos]:
            raise ValueError(f"{name}: counts are rounded or lower bounds (countable=False); drop the row")
        if any(pd.isna(value) for value in key.values()):
            raise ValueError(f"{name}: missing {by}")
        batches, unqualified = df["batches"].iloc[pos], df["unqualified"].iloc[pos]
        for col, value in (("batches", batches), ("unqualified", unqualified)):
            if not _is_count(value):
                raise ValueError(f"{name}: {col} must be a whole number >= 0, got {value}")
        if batches == 0:
            raise ValueError(f"{name}: batches is 0, a pass rate needs at least one batch")
        if unqualified > batches:
            raise ValueError(f"{name}: unqualified {unqualified} exceeds batches {batches}")


def _counts(df: pd.DataFrame, by: str | Sequence[str]) -> pd.DataFrame:
    """Validated counts summed per ``by`` key: ``by`` columns, ``batches``, ``unqualified``, ``qualified``."""
    by = [by] if isinstance(by, str) else list(by)
    _check_counts(df, by)
    counts = df[[*by, "batches", "unqualified"]].astype({"batches": "int64", "unqualified": "int64"})
    out = counts.groupby(by, sort=True).sum().reset_index()
    out["qualified"] = out["batches"] - out["unqualified"]
    return out


def pass_rates(df: pd.DataFrame, by: str | Sequence[str] = "year") -> pd.DataFrame:
    """Pass rate per ``by`` key with 95 % Wilson and Clopper-Pearson intervals.

    Columns: the ``by`` columns, ``batches``, ``unqualified``, ``qualified``, ``pass_rate``,
    ``wilson_low``/``wilson_high`` (Wilson score, no continuity correction, = R
    ``prop.test(qualified, batches, correct=FALSE)$conf.int``) and ``cp_low``/``cp_high`` (Clopper-Pearson
    exact, = R ``binom.test(qualified, batches)$conf.int``). Wilson is the one to show; Clopper-Pearson
    is conservative (wider) and guarantees at least 95 % coverage, which matters for a handful of
    batches (a district category with 0-10 batches). With millions of batches both are a few
    hundredths of a point wide and only describe binomial noise of the process (see module note).

    Raises ValueError naming the row for missing counts, 0 batches, unqualified > batches, negative or
    fractional counts, or rounded counts (``countable`` False).
    """
    out = _counts(df, by)
    out["pass_rate"] = out["qualified"] / out["batches"]
    out["wilson_low"], out["wilson_high"] = proportion_confint(out["qualified"], out["batches"], ALPHA,
                                                               method="wilson")
    out["cp_low"], out["cp_high"] = proportion_confint(out["qualified"], out["batches"], ALPHA, method="beta")
    return out


def _years_label(years: list[int]) -> str:
    if len(years) > 1 and years == list(range(years[0], years[-1] + 1)):
        return f"{years[0]}-{years[-1]}"
    return "+".join(map(str, years))


def _two_proportion_test(x1: int, n1: int, x2: int, n2: int, correct: bool) -> tuple[float, float]:
    """Signed z and two-sided p of the pooled two-proportion test, = R ``prop.test(x, n, correct)``.

    z^2 is R's X-squared; with ``correct`` the Yates correction min(0.5, |p1 - p2| / (1/n1 + 1/n2)) is
    subtracted from every |observed - expected| as R does. NaN when the pooled rate is 0 or 1.
    """
    pooled = (x1 + x2) / (n1 + n2)
    if pooled in (0, 1):
        return math.nan, math.nan
    delta = x1 / n1 - x2 / n2
    yates = min(0.5, abs(delta) / (1 / n1 + 1 / n2)) if correct else 0.0
    expected = np.array([n1 * pooled, n1 * (1 - pooled), n2 * pooled, n2 * (1 - pooled)])
    statistic = float(np.sum((abs(x1 - n1 * pooled) - yates) ** 2 / expected))
    return math.copysign(math.sqrt(statistic), delta), float(stats.chi2.sf(statistic, 1))


def _compare(target: pd.Series, baseline: pd.Series, correct: bool) -> dict:
    """One two-sample comparison of pass rates (target minus baseline) from summed counts."""
    x1, n1, x2, n2 = (int(v) for v in (target["qualified"], target["batches"],
                                       baseline["qualified"], baseline["batches"]))
    ci_low, ci_high = confint_proportions_2indep(x1, n1, x2, n2, method="newcomb", compare="diff", alpha=ALPHA)
    z, z_p_val = _two_proportion_test(x1, n1, x2, n2, correct)
    table = np.array([[x1, n1 - x1], [x2, n2 - x2]])
    fisher_applied = bool(expected_freq(table).min() < FISHER_MIN_EXPECTED)
    fisher_p_val = ratio = or_low = or_high = math.nan
    if fisher_applied:
        fisher_p_val = stats.fisher_exact(table).pvalue
        conditional = odds_ratio(table, kind="conditional")
        ratio = conditional.statistic
        or_low, or_high = conditional.confidence_interval(1 - ALPHA)
    z_test = Z_TEST + (" with Yates continuity correction" if correct else "")
    test = FISHER_TEST if fisher_applied else z_test
    return {"target_pass_rate": x1 / n1, "baseline_pass_rate": x2 / n2, "diff_pp": 100 * (x1 / n1 - x2 / n2),
            "ci_low": 100 * ci_low, "ci_high": 100 * ci_high, "z": z, "z_p_val": z_p_val,
            "fisher_applied": fisher_applied, "fisher_p_val": float(fisher_p_val), "odds_ratio": float(ratio),
            "or_ci_low": float(or_low), "or_ci_high": float(or_high), "test": test,
            "p_val": float(fisher_p_val if fisher_applied else z_p_val),
            "method": f"{z_test}; Newcombe hybrid score interval" + (f"; {FISHER_TEST}" if fisher_applied else "")}


def compare_pass_rates(df: pd.DataFrame, target_year: int, baseline_years: Iterable[int],
                       by: str = "year", correct: bool = False) -> pd.DataFrame:
    """Target-year pass rate vs each baseline year and, for 2+ baseline years, vs the pooled baseline.

    The pooled baseline sums batches and unqualified over the baseline years (a batch-weighted rate,
    not the mean of the yearly rates). One row per comparison, baselines in ascending order, then the
    pooled row (``comparison`` e.g. ``"2021 vs 2020"``, ``"2021 vs pooled 2017-2020"``):

    - ``target_pass_rate``, ``baseline_pass_rate``; ``diff_pp`` = target minus baseline in percentage
      points; ``ci_low``/``ci_high`` its 95 % Newcombe hybrid score interval (Newcombe 1998, method 10,
      no continuity correction; statsmodels ``confint_proportions_2indep(method="newcomb")``), in points.
    - ``z``, ``z_p_val``: two-proportion z-test with pooled variance (z^2 = R ``prop.test(correct=FALSE)``
      statistic, or ``prop.test(correct=TRUE)`` with ``correct``; z < 0 when the target rate is lower).
      NaN when no batch (or every batch) failed in both groups: the test is undefined (R gives NaN too).
    - ``fisher_applied``: True when any expected count of the 2x2 table (target/baseline x
      qualified/unqualified) is below 5 (Cochran's rule), i.e. where the z-test's normal approximation
      is poor. Then ``fisher_p_val`` (R ``fisher.test``, two-sided), ``odds_ratio`` (conditional MLE of
      the odds of passing, target over baseline, = R ``fisher.test()$estimate``; 0 or inf when a cell is
      empty) and ``or_ci_low``/``or_ci_high`` (its 95 % conditional interval, = R
      ``fisher.test()$conf.int``). All NaN where not applied. Where no batch failed in either group the
      odds ratio is undefined: NaN here, R reports 0.
    - ``test`` and ``p_val``: the test reported for the row, Fisher's where applied, else the z-test,
      and its p-value; ``p_adj``: ``p_val`` Holm-adjusted over the rows of this table (R
      ``p.adjust(p, "holm")``, see :func:`adjust_pvalues`).
    - ``method``: the tests used in the row.

    Years are not independent samples of one population (see module note); the comparison says whether
    the inspection process's pass rate moved beyond binomial noise, not why.
    """
    counts = _counts(df, by).set_index(by)
    baseline = check_years(counts.index, target_year, baseline_years, what="pass rates")
    groups = [(str(year), [year]) for year in baseline]
    if len(baseline) > 1:
        groups.append((f"pooled {_years_label(baseline)}", baseline))
    target = counts.loc[int(target_year)]
    rows = [{"comparison": f"{target_year} vs {label}", **_compare(target, counts.loc[years].sum(), correct)}
            for label, years in groups]
    out = pd.DataFrame(rows)
    out.insert(out.columns.get_loc("p_val") + 1, "p_adj", adjust_pvalues(out["p_val"], ADJUST_METHOD))
    return out


def _breslow_day(tables: np.ndarray, common_odds_ratio: float, tarone: bool) -> tuple[float, float]:
    """Breslow-Day chi-squared of homogeneous odds ratios and its p-value (K - 1 df), strata along axis 0.

    ``tables[k] = [[a, b], [c, d]]`` with margins r1 = a + b, c1 = a + c, N. Per stratum the fitted A
    solves A (N - r1 - c1 + A) = psi (r1 - A) (c1 - A) inside [max(0, r1 + c1 - N), min(r1, c1)],
    V = 1 / (1/A + 1/(r1 - A) + 1/(c1 - A) + 1/(N - r1 - c1 + A)); X^2 = sum (a - A)^2 / V, minus
    (sum a - sum A)^2 / sum V with Tarone's correction (Tarone 1985, Biometrika 72:91).
    """
    a = tables[:, 0, 0]
    r1, c1, total = tables[:, 0].sum(axis=1), tables[:, :, 0].sum(axis=1), tables.sum(axis=(1, 2))
    low, high = np.maximum(0, r1 + c1 - total), np.minimum(r1, c1)

    def excess(x: float, k: int) -> float:
        return x * (total[k] - r1[k] - c1[k] + x) - common_odds_ratio * (r1[k] - x) * (c1[k] - x)

    fitted = np.array([optimize.brentq(excess, low[k], high[k], args=(k,), xtol=1e-300,
                                       rtol=4 * np.finfo(float).eps) for k in range(len(tables))])
    variance = 1 / (1 / fitted + 1 / (r1 - fitted) + 1 / (c1 - fitted) + 1 / (total - r1 - c1 + fitted))
    statistic = float(np.sum((a - fitted) ** 2 / variance))
    if tarone:
        statistic -= float(np.sum(a - fitted) ** 2 / np.sum(variance))
    return statistic, float(stats.chi2.sf(statistic, len(tables) - 1))


def _mantel_haenszel_tests(tables: np.ndarray, correct: bool, tarone: bool) -> dict[str, float]:
    """Estimates and tests of :func:`mantel_haenszel` for K >= 1 informative 2x2 tables (axis 0)."""
    a, b, c, d = (tables[:, i, j] for i, j in ((0, 0), (0, 1), (1, 0), (1, 1)))
    n, r1, c1 = a + b + c + d, a + b, a + c
    delta = float(np.sum(a - r1 * c1 / n))
    yates = 0.5 if correct and abs(delta) >= 0.5 else 0.0
    statistic = (abs(delta) - yates) ** 2 / np.sum(r1 * (n - r1) * c1 * (n - c1) / (n ** 2 * (n - 1)))
    diag, offd = np.sum(a * d / n), np.sum(b * c / n)
    with np.errstate(divide="ignore", invalid="ignore"):
        estimate = diag / offd
        log_sd = np.sqrt(np.sum((a + d) * a * d / n ** 2) / (2 * diag ** 2)
                         + np.sum(((a + d) * b * c + (b + c) * a * d) / n ** 2) / (2 * diag * offd)
                         + np.sum((b + c) * b * c / n ** 2) / (2 * offd ** 2))
    q = stats.norm.ppf(1 - ALPHA / 2)
    testable = len(tables) > 1 and 0 < estimate < math.inf
    bd_statistic, bd_p_val = _breslow_day(tables, estimate, tarone) if testable else (math.nan, math.nan)
    return {"common_odds_ratio": estimate, "ci_low": estimate * np.exp(-q * log_sd),
            "ci_high": estimate * np.exp(q * log_sd), "statistic": statistic,
            "p_val": stats.chi2.sf(statistic, 1), "bd_statistic": bd_statistic, "bd_p_val": bd_p_val}


#: Why a stratum is left out of :func:`mantel_haenszel`, the first that applies (only the first reason also
#: keeps it out of the crude pool).
_UNINFORMATIVE = ("batches in one year only", "no unqualified batch", "no qualified batch")
MANTEL_HAENSZEL_COLUMNS = [
    "comparison", "n_strata", "target_batches", "baseline_batches", "crude_odds_ratio", "common_odds_ratio",
    "ci_low", "ci_high", "statistic", "df", "p_val", "correct", "bd_statistic", "bd_df", "bd_p_val", "tarone",
    "method", "note"]


def mantel_haenszel(df: pd.DataFrame, target_year: int, baseline_year: int, strata: str = "category",
                    correct: bool = True, tarone: bool = False) -> pd.DataFrame:
    """Target year vs one baseline year, stratified (by food category): the Mantel-Haenszel comparison.

    The crude comparison (:func:`compare_pass_rates`) pools all categories, so a year that sampled more
    of a high-risk category has a lower pass rate without any category getting worse. Within each
    stratum k the 2x2 table is year (target, baseline) x (unqualified, qualified), ``[[a, b], [c, d]]``,
    n = a + b + c + d; one row comes back:

    - ``common_odds_ratio``: Mantel-Haenszel estimate of the common odds of being unqualified, target
      over baseline, sum(a d / n) / sum(b c / n) (> 1: the target year fails more often within
      categories); ``ci_low``/``ci_high``: its 95 % interval with the Robins-Breslow-Greenland variance;
      ``statistic`` (1 ``df``) and ``p_val``: the Mantel-Haenszel chi-squared test of a common odds ratio
      of 1, continuity-corrected by 0.5 when ``correct`` (R's default) and |sum(a - E a)| >= 0.5.
      All = R ``mantelhaen.test(x, correct = correct)`` for the 2x2xK array x (exact = FALSE).
    - ``crude_odds_ratio``: the odds ratio of the strata's batches pooled, sum(a) sum(d) / (sum(b) sum(c)),
      to read beside the stratified one: where they differ, the category mix moved the crude rate.
      ``target_batches``, ``baseline_batches``: the batches it pools.
    - ``bd_statistic``, ``bd_df`` (K - 1), ``bd_p_val``: the Breslow-Day test that the odds ratio is the
      same in every stratum, at the Mantel-Haenszel estimate; with ``tarone``, Tarone's correction. A
      small ``bd_p_val`` says the change is not one common ratio: read the categories.
    - ``n_strata`` (K, the informative strata), ``correct``, ``tarone``, ``method``, ``note`` (the
      strata left out, and why).

    Strata sampled in one year only are left out of everything. A stratum with no unqualified (or no
    qualified) batch in either year is in the crude pool but adds nothing to the Mantel-Haenszel
    estimate, test or variance (R gives the same with or without it) and has no Breslow-Day term
    (R ``DescTools::BreslowDayTest`` fails on it); it is named in ``note``. With no informative stratum
    every statistic but the crude one is NaN; with one, the Breslow-Day test is NaN; where the estimate
    is 0 or infinite its interval and the Breslow-Day test are NaN. Rows of one year and stratum are
    summed; counts are validated as in :func:`pass_rates`.
    """
    counts = _counts(df, ["year", strata])
    roles = {int(target_year): "target", int(baseline_year): "baseline"}
    missing = [year for year in roles if year not in set(counts["year"])]
    if missing:
        raise ValueError(f"year(s) {missing} have no {strata} rows; years with data: "
                         f"{sorted(set(counts['year']))}")
    wide = (counts[counts["year"].isin(roles)].assign(role=lambda frame: frame["year"].map(roles))
            .pivot(index=strata, columns="role", values=["unqualified", "qualified"]).fillna(0))
    unqualified, qualified = wide["unqualified"], wide["qualified"]
    masks = ((unqualified + qualified).min(axis=1) == 0, unqualified.sum(axis=1) == 0, qualified.sum(axis=1) == 0)
    reason = pd.Series(np.select(masks, _UNINFORMATIVE, default=""), index=wide.index)
    notes = [f"{why}: {', '.join(map(str, reason.index[reason == why]))}"
             for why in _UNINFORMATIVE if (reason == why).any()]
    cells = np.stack([unqualified["target"], qualified["target"], unqualified["baseline"], qualified["baseline"]],
                     axis=1).astype(float).reshape(-1, 2, 2)
    pooled = cells[~masks[0].to_numpy()].sum(axis=0)
    tables = cells[(reason == "").to_numpy()]
    if len(tables):
        tests = _mantel_haenszel_tests(tables, correct, tarone)
    else:
        tests = dict.fromkeys(["common_odds_ratio", "ci_low", "ci_high", "statistic", "p_val", "bd_statistic",
                               "bd_p_val"], math.nan)
        notes.insert(0, "no informative stratum")
    with np.errstate(divide="ignore", invalid="ignore"):
        crude = pooled[0, 0] * pooled[1, 1] / (pooled[0, 1] * pooled[1, 0])
    row = {"comparison": f"{target_year} vs {baseline_year}", "n_strata": len(tables),
           "target_batches": int(pooled[0].sum()), "baseline_batches": int(pooled[1].sum()),
           "crude_odds_ratio": float(crude), **{key: float(value) for key, value in tests.items()},
           "df": 1, "bd_df": max(len(tables) - 1, 0), "correct": bool(correct), "tarone": bool(tarone),
           "method": ("Mantel-Haenszel chi-squared test " + ("with" if correct else "without")
                      + " continuity correction; Breslow-Day test" + (" with Tarone's correction" if tarone else "")),
           "note": "; ".join(notes)}
    return pd.DataFrame([row], columns=MANTEL_HAENSZEL_COLUMNS)


def stratified_comparisons(df: pd.DataFrame, target_year: int, baseline_years: Iterable[int],
                           strata: str = "category", correct: bool = True) -> pd.DataFrame:
    """:func:`mantel_haenszel` of the target year against each baseline year, Holm-adjusted over them.

    One row per baseline year that has ``strata`` rows (ascending), the columns of
    :func:`mantel_haenszel` with ``p_adj`` (``p_val`` adjusted by :func:`adjust_pvalues` with
    ``ADJUST_METHOD`` over these rows) after ``p_val``. Baseline years without stratum rows are
    skipped (the caller says which); none at all, or an empty ``df``, gives an empty table with the
    same columns. A non-empty ``df`` without target-year rows raises ValueError.
    """
    have = set(_counts(df, ["year", strata])["year"]) if len(df) else set()
    if have and int(target_year) not in have:
        raise ValueError(f"target_year {target_year} has no {strata} rows; years with data: {sorted(have)}")
    rows = [mantel_haenszel(df, target_year, year, strata, correct)
            for year in sorted({int(y) for y in baseline_years} & have)]
    out = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=MANTEL_HAENSZEL_COLUMNS)
    out.insert(out.columns.get_loc("p_val") + 1, "p_adj", adjust_pvalues(out["p_val"], ADJUST_METHOD))
    return out


def trend_test(df: pd.DataFrame, years: Iterable[int] | None = None) -> pd.DataFrame:
    """Cochran-Armitage chi-squared test for a linear trend of the pass rate across years.

    Scores are the years themselves (gaps count: 2018 -> 2020 is two steps). ``statistic`` is the
    chi-squared with 1 ``df`` and equals R ``prop.trend.test(qualified, batches, score=years)``; testing
    the unqualified counts instead gives the same statistic, so it is the trend test of the unqualified
    rate too (the slope is always reported for the pass rate). No Python
    library computes this form (statsmodels' ``test_ordinal_association`` is Mantel's (N-1)r^2 variant),
    so the closed form of R's weighted regression is coded here (Armitage 1955, Biometrics 11:375).
    ``slope_pp_per_year`` is the batch-weighted least-squares slope of the pass rate on year, in
    percentage points per year (positive = improving; = 100 x ``coef(lm(x/n ~ year, weights=n))``).

    The test looks only for a straight-line drift; it does not detect a one-off jump or a U shape, and,
    with millions of batches, finds tiny drifts "significant" (see module note). ``years`` selects the
    years to use (default all); rows of one year are summed. Needs 2+ years (with 2 it equals the
    two-proportion z-test squared) and at least one qualified and one unqualified batch overall.
    """
    counts = _counts(df, "year")
    if years is not None:
        wanted = sorted({int(y) for y in years})
        missing = sorted(set(wanted) - set(counts["year"]))
        if missing:
            raise ValueError(f"years {missing} have no data; years with data: {counts['year'].tolist()}")
        counts = counts[counts["year"].isin(wanted)]
    if len(counts) < 2:
        raise ValueError(f"a trend test needs at least 2 years, got {counts['year'].tolist()}")
    n = counts["batches"].to_numpy(float)
    rate = counts["qualified"].to_numpy(float) / n
    score = counts["year"].to_numpy(float)
    pooled = counts["qualified"].sum() / counts["batches"].sum()
    if pooled in (0, 1):
        raise ValueError("a trend test needs at least one qualified and one unqualified batch; "
                         f"pooled pass rate is {pooled:g}")
    centred = score - np.average(score, weights=n)
    sxx = np.sum(n * centred**2)
    sxy = np.sum(n * (rate - pooled) * centred)
    statistic = sxy**2 / (pooled * (1 - pooled) * sxx)
    return pd.DataFrame([{
        "years": _years_label(counts["year"].tolist()), "n_years": len(counts), "statistic": statistic,
        "df": 1, "p_val": stats.chi2.sf(statistic, 1), "slope_pp_per_year": 100 * sxy / sxx,
        "method": "Cochran-Armitage test for trend in proportions (pass rate, scores = years)",
    }])


def adjust_pvalues(p_values: Iterable[float], method: str) -> np.ndarray:
    """Adjusted p-values for multiple comparisons, = R ``p.adjust(p, method)``, in the input's order.

    ``method``: ``holm`` (step-down) and ``hochberg`` (step-up) control the family-wise error rate,
    ``bonferroni`` too (more conservative than Holm, never needed beside it); ``BH`` (Benjamini-Hochberg)
    and ``BY`` (Benjamini-Yekutieli) control the false discovery rate. Holm and Bonferroni hold under
    any dependence between the tests, BY too; Hochberg and BH need independent or positively dependent
    tests. The comparisons of one target year against overlapping baselines share the target year, so
    the analyses use Holm. NaN entries (tests that do not apply) are left out of the family and stay
    NaN, as R does with NA.
    """
    if method not in ADJUST_METHODS:
        raise ValueError(f"unknown method {method!r}; use one of {', '.join(ADJUST_METHODS)}")
    p = np.asarray(list(p_values), dtype=float)
    if p.ndim != 1:
        raise ValueError(f"p_values must be one-dimensional, got shape {p.shape}")
    present = ~np.isnan(p)
    if np.any((p[present] < 0) | (p[present] > 1)):
        raise ValueError(f"p-values must lie in [0, 1], got {p[present].tolist()}")
    adjusted = p.copy()
    family = p[present]
    n = family.size
    if n <= 1:
        return adjusted
    if method == "bonferroni":
        adjusted[present] = np.minimum(1, n * family)
        return adjusted
    if method == "holm":  # ascending p, multipliers n, n-1, ..., 1, running maximum
        order = np.argsort(family, kind="stable")
        scaled = np.maximum.accumulate((n - np.arange(n)) * family[order])
    else:  # step-up on descending p (rank i = n, ..., 1), running minimum
        order = np.argsort(-family, kind="stable")
        rank = np.arange(n, 0, -1)
        factor = {"hochberg": n + 1 - rank, "BH": n / rank,
                  "BY": np.sum(1 / np.arange(1, n + 1)) * n / rank}[method]
        scaled = np.minimum.accumulate(factor * family[order])
    result = np.empty(n)
    result[order] = np.minimum(1, scaled)
    adjusted[present] = result
    return adjusted
