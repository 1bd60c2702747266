"""Pass rates of food-safety supervision sampling (食品安全监督抽检): intervals, year comparisons, trend.

Input rows carry ``batches`` (抽检批次) and ``unqualified`` (不合格批次); the pass rate is
``qualified / batches`` with ``qualified = batches - unqualified``. Rows that share a year (or other
``by`` key) are summed, e.g. the food categories of one year; filter to one period first (FY, H1, Q3,
...) so that no batch is counted twice, and never mix scopes (all levels vs nationally organised).

What the statistics mean: the batches are not a random survey sample of a known population; they are
every inspection the regulators carried out (a census of the inspections). The intervals and tests
treat each batch as an independent pass/fail trial of the sampling-and-inspection *process* and ask
whether the process rate differs between years beyond binomial noise. They do not correct for
targeted (risk-based) sampling, changed sampling plans or category mix; with millions of batches every
difference is "significant", so read the size (``diff_pp``, ``slope_pp_per_year``) first.

All intervals are 95 %. Every number is checked against R in ``tests/r/proportions.R``.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import stats
from scipy.stats.contingency import expected_freq, odds_ratio
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint, proportions_ztest

from analysis.parameters import check_years

ALPHA = 0.05
#: Fisher's exact test is applied when any expected cell of the 2x2 table is below this (Cochran's rule).
FISHER_MIN_EXPECTED = 5


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


def _compare(target: pd.Series, baseline: pd.Series) -> dict:
    """One two-sample comparison of pass rates (target minus baseline) from summed counts."""
    x1, n1, x2, n2 = (int(v) for v in (target["qualified"], target["batches"],
                                       baseline["qualified"], baseline["batches"]))
    ci_low, ci_high = confint_proportions_2indep(x1, n1, x2, n2, method="newcomb", compare="diff", alpha=ALPHA)
    pooled = (x1 + x2) / (n1 + n2)
    z, p_val = proportions_ztest([x1, x2], [n1, n2]) if 0 < pooled < 1 else (np.nan, np.nan)
    table = np.array([[x1, n1 - x1], [x2, n2 - x2]])
    fisher_applied = bool(expected_freq(table).min() < FISHER_MIN_EXPECTED)
    fisher_p_val = stats.fisher_exact(table).pvalue if fisher_applied else np.nan
    ratio = odds_ratio(table, kind="conditional").statistic if fisher_applied else np.nan
    method = "two-proportion z-test; Newcombe hybrid score interval" + ("; Fisher exact" if fisher_applied else "")
    return {"target_pass_rate": x1 / n1, "baseline_pass_rate": x2 / n2, "diff_pp": 100 * (x1 / n1 - x2 / n2),
            "ci_low": 100 * ci_low, "ci_high": 100 * ci_high, "z": float(z), "p_val": float(p_val),
            "fisher_applied": fisher_applied, "fisher_p_val": float(fisher_p_val), "odds_ratio": float(ratio),
            "method": method}


def compare_pass_rates(df: pd.DataFrame, target_year: int, baseline_years: Iterable[int],
                       by: str = "year") -> pd.DataFrame:
    """Target-year pass rate vs each baseline year and, for 2+ baseline years, vs the pooled baseline.

    The pooled baseline sums batches and unqualified over the baseline years (a batch-weighted rate,
    not the mean of the yearly rates). One row per comparison, baselines in ascending order, then the
    pooled row (``comparison`` e.g. ``"2021 vs 2020"``, ``"2021 vs pooled 2017-2020"``):

    - ``target_pass_rate``, ``baseline_pass_rate``; ``diff_pp`` = target minus baseline in percentage
      points; ``ci_low``/``ci_high`` its 95 % Newcombe hybrid score interval (Newcombe 1998, method 10,
      no continuity correction; statsmodels ``confint_proportions_2indep(method="newcomb")``), in points.
    - ``z``, ``p_val``: two-proportion z-test with pooled variance (z^2 = R ``prop.test(correct=FALSE)``
      statistic; z < 0 when the target rate is lower). NaN when no batch (or every batch) failed in
      both groups: the test is undefined (R gives NaN too).
    - ``p_holm``: ``p_val`` Holm-adjusted across the rows of this table (R ``p.adjust(p, "holm")``);
      the Fisher p-values are not adjusted.
    - ``fisher_applied``: True when any expected count of the 2x2 table (target/baseline x
      qualified/unqualified) is below 5 (Cochran's rule), i.e. where the z-test's normal approximation
      is poor: then read ``fisher_p_val`` (R ``fisher.test``, two-sided) rather than ``p_val``, and
      ``odds_ratio`` (conditional MLE of the odds of passing, target over baseline, = R
      ``fisher.test()$estimate``; 0 or inf when a cell is empty). Both NaN where not applied. Where no
      batch failed in either group the odds ratio is undefined: NaN here, R reports 0.
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
    rows = [{"comparison": f"{target_year} vs {label}", **_compare(target, counts.loc[years].sum())}
            for label, years in groups]
    out = pd.DataFrame(rows)
    out.insert(out.columns.get_loc("p_val") + 1, "p_holm", holm(out["p_val"]))
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


def holm(p_values: Iterable[float]) -> np.ndarray:
    """Holm step-down adjusted p-values, = R ``p.adjust(p, "holm")``.

    NaN entries (tests that do not apply) are left out of the family and stay NaN, as R does with NA.
    Holm controls the family-wise error rate without assuming independence between the tests; the
    comparisons of one target year against overlapping baselines are not independent.
    """
    p = np.asarray(list(p_values), dtype=float)
    if p.ndim != 1:
        raise ValueError(f"p_values must be one-dimensional, got shape {p.shape}")
    present = ~np.isnan(p)
    if np.any((p[present] < 0) | (p[present] > 1)):
        raise ValueError(f"p-values must lie in [0, 1], got {p[present].tolist()}")
    adjusted = np.full_like(p, np.nan)
    if present.any():
        adjusted[present] = multipletests(p[present], method="holm")[1]
    return adjusted
