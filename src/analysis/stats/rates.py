"""Event rates over an exposure (entities at risk, person-years), with exact Poisson intervals and tests.

- :func:`poisson_rate`: x / exposure with the exact (Garwood) interval, as R ``poisson.test(x, T)``;
- :func:`poisson_rate_ratio`: the ratio of two rates, conditional exact test and interval, as R
  ``poisson.test(c(x1, x0), c(T1, T0))``.

For a register (a census) the interval describes the year-to-year variation of a Poisson process of
entries or exits, not sampling error.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

RATE_METHOD = "exact Poisson (poisson.test)"
RATE_RATIO_METHOD = "exact conditional Poisson rate ratio (poisson.test)"


def _check(count, exposure, ci_level) -> None:
    if not 0 < ci_level < 1:
        raise ValueError(f"ci_level must lie strictly between 0 and 1, got {ci_level}")
    if count < 0 or int(count) != count:
        raise ValueError(f"a count must be a non-negative integer, got {count}")
    if not exposure > 0:
        raise ValueError(f"an exposure must be positive, got {exposure}")


def poisson_rate(count: int, exposure: float, ci_level: float = 0.95) -> dict:
    """``rate`` = count / exposure with the exact interval ``lower``/``upper`` (R ``poisson.test(x, T)$conf.int``)."""
    _check(count, exposure, ci_level)
    tail = (1 - ci_level) / 2
    lower = stats.chi2.ppf(tail, 2 * count) / 2 if count > 0 else 0.0
    upper = stats.chi2.ppf(1 - tail, 2 * count + 2) / 2
    return {"rate": count / exposure, "lower": lower / exposure, "upper": upper / exposure}


def poisson_rate_ratio(count: int, exposure: float, count_ref: int, exposure_ref: float,
                       ci_level: float = 0.95) -> pd.DataFrame:
    """Rate ratio (count/exposure) / (count_ref/exposure_ref), as R ``poisson.test(c(x, x_ref), c(T, T_ref))``.

    Conditional on the total, x ~ Binomial(x + x_ref, T r / (T r + T_ref)): the interval is
    Clopper-Pearson for that proportion mapped to the ratio, p the exact two-sided binomial test of r = 1.
    One row: ``estimate``, ``ci_low``, ``ci_high``, ``ci_level``, ``p_val``, ``method``; missing when both
    counts are 0. The estimate is Inf when the reference count is 0.
    """
    _check(count, exposure, ci_level)
    _check(count_ref, exposure_ref, ci_level)
    x1, x0 = int(count), int(count_ref)
    n, tail, scale = x1 + x0, (1 - ci_level) / 2, exposure_ref / exposure
    if n == 0:
        estimate = low = high = p = np.nan
    else:
        p_low = stats.beta.ppf(tail, x1, x0 + 1) if x1 > 0 else 0.0
        p_high = stats.beta.ppf(1 - tail, x1 + 1, x0) if x0 > 0 else 1.0
        with np.errstate(divide="ignore"):
            estimate, low, high = np.divide([x1, p_low, p_high], [x0, 1 - p_low, 1 - p_high]) * scale
        p = stats.binomtest(x1, n, exposure / (exposure + exposure_ref)).pvalue
    return pd.DataFrame([{"estimate": float(estimate), "ci_low": float(low), "ci_high": float(high),
                          "ci_level": ci_level, "p_val": float(p), "method": RATE_RATIO_METHOD}])
