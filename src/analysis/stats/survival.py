"""Survival analysis: Kaplan-Meier estimates and the log-rank test, as R's ``survival`` package computes them.

- :func:`kaplan_meier`: the product-limit estimate with Greenwood standard errors and R's default
  log-transformed confidence interval (``survival::survfit(Surv(time, event) ~ 1)``, ``conf.type="log"``);
- :func:`survival_at`: the estimate at chosen times (``summary(fit, times=...)``);
- :func:`median_survival`: the median and its interval as ``quantile(fit, 0.5)`` / ``print(fit)``;
- :func:`logrank_test` and :func:`logrank_groups`: the log-rank test (``survival::survdiff``, ``rho = 0``).

Times are any non-negative numbers (days, years); an event at time 0 counts (an exit on the founding day).
Checked against R in ``tests/test_survival.py`` (reference values from ``tests/r/survival.R``).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

#: R's ``quantile.survfit`` tolerance: a survival of 0.5 within it is treated as exactly 0.5.
QUANTILE_TOLERANCE = float(np.sqrt(np.finfo(float).eps))
KM_METHOD = "Kaplan-Meier, Greenwood SE, log CI (survival::survfit)"
LOGRANK_METHOD = "log-rank (survival::survdiff, rho=0)"


def _check_level(ci_level: float) -> float:
    if not 0 < ci_level < 1:
        raise ValueError(f"ci_level must lie strictly between 0 and 1, got {ci_level}")
    return float(stats.norm.ppf(1 - (1 - ci_level) / 2))


def _time_event(time, event) -> tuple[np.ndarray, np.ndarray]:
    """Validated float times and 0/1 events of equal length."""
    time = np.asarray(time, dtype="float64")
    event = np.asarray(event)
    if time.ndim != 1 or time.shape != event.shape:
        raise ValueError(f"time and event must be 1-D of the same length, got {time.shape} and {event.shape}")
    if np.isnan(time).any() or (time < 0).any():
        raise ValueError("times must be non-negative numbers (no missing values)")
    if not np.isin(event, (0, 1, True, False)).all():
        raise ValueError("event must be 0/1 or False/True (1 = exit observed, 0 = censored)")
    return time, event.astype("int64")


def kaplan_meier(time, event, ci_level: float = 0.95) -> pd.DataFrame:
    """The Kaplan-Meier estimate, one row per distinct time (events or censorings), as ``survfit``.

    Columns ``time``, ``n_risk``, ``n_event``, ``n_censor``, ``surv``; ``std_err``, the Greenwood
    standard error of ``surv`` (``summary(fit)$std.err``); ``std_err_log``, that of the cumulative hazard
    (``fit$std.err``); ``lower``/``upper``, the log-transformed interval exp(log S -/+ z se_log), the
    upper bound capped at 1 and both missing where S is 0 (R's ``conf.type="log"``); ``ci_level``.
    An empty input gives an empty table.
    """
    z = _check_level(ci_level)
    time, event = _time_event(time, event)
    times, inverse = np.unique(time, return_inverse=True)
    n_event = np.bincount(inverse, weights=event, minlength=len(times))
    n_total = np.bincount(inverse, minlength=len(times)).astype("float64")
    n_risk = len(time) - (np.cumsum(n_total) - n_total)
    with np.errstate(divide="ignore", invalid="ignore"):
        surv = np.cumprod(1 - n_event / n_risk)
        # Greenwood: var(log S) = sum d / (n (n - d)); infinite once everyone at risk has exited.
        terms = np.where(n_event > 0, n_event / (n_risk * (n_risk - n_event)), 0.0)
        std_err_log = np.sqrt(np.cumsum(terms))
        log_surv = np.log(np.where(surv > 0, surv, np.nan))
        lower = np.exp(log_surv - z * std_err_log)
        upper = np.minimum(np.exp(log_surv + z * std_err_log), 1.0)
        std_err = np.where(surv > 0, surv * std_err_log, np.nan)
    return pd.DataFrame({
        "time": times, "n_risk": n_risk.astype("int64"), "n_event": n_event.astype("int64"),
        "n_censor": (n_total - n_event).astype("int64"), "surv": surv, "std_err": std_err,
        "std_err_log": std_err_log, "lower": lower, "upper": upper, "ci_level": ci_level,
    })


def survival_at(curve: pd.DataFrame, times: Sequence[float]) -> pd.DataFrame:
    """The estimate of :func:`kaplan_meier` at ``times``, as ``summary(fit, times=...)``.

    One row per requested time: ``time``, ``n_risk`` (at risk just before it), ``surv``, ``std_err``,
    ``lower``, ``upper``. Before the first time S is 1 (no standard error); after the last follow-up
    time the estimate is not defined and the row is missing (``summary`` drops it; here it stays, NaN).
    """
    rows = []
    last = curve["time"].max() if len(curve) else -np.inf
    for t in times:
        before = curve[curve["time"] <= t]
        at_risk = curve.loc[curve["time"] >= t, "n_risk"]
        if t > last:
            rows.append({"time": t, "n_risk": 0, "surv": np.nan, "std_err": np.nan, "lower": np.nan,
                         "upper": np.nan})
        elif before.empty:
            rows.append({"time": t, "n_risk": int(at_risk.iloc[0]), "surv": 1.0, "std_err": 0.0, "lower": 1.0,
                         "upper": 1.0})
        else:
            r = before.iloc[-1]
            rows.append({"time": t, "n_risk": int(at_risk.iloc[0]), "surv": r["surv"], "std_err": r["std_err"],
                         "lower": r["lower"], "upper": r["upper"]})
    return pd.DataFrame(rows, columns=["time", "n_risk", "surv", "std_err", "lower", "upper"])


def _quantile_time(times: np.ndarray, failure: np.ndarray, p: float, tol: float) -> float:
    """R's ``survival:::findq``: the time the cumulative failure 1 - S first reaches ``p``.

    Where 1 - S equals ``p`` (within ``tol``) over an interval, the midpoint of that interval; where the
    curve ends exactly at ``p``, the midpoint of the interval's start and the last time.
    """
    x = np.concatenate(([0.0], times))
    y = np.concatenate(([0.0], failure))
    last_x = x[-1]
    if np.all(np.isnan(y)) or np.nanmax(y) < p:
        return np.nan
    first = ~pd.Series(y).duplicated().to_numpy()
    x, y = x[first], y[first]
    valid = ~np.isnan(y)

    def first_at_least(level):
        hit = np.flatnonzero(valid & (y >= level))
        return hit[0] if len(hit) else None

    i1, i2 = first_at_least(p - tol), first_at_least(p + tol)
    if i1 is None:
        return np.nan
    if not np.isnan(y[-1]) and abs(p - y[-1]) < tol:
        return (x[i1] + last_x) / 2
    if i2 is None:
        return np.nan
    return (x[i1] + x[i2]) / 2


def median_survival(curve: pd.DataFrame, tol: float = QUANTILE_TOLERANCE) -> dict:
    """Median survival time and its interval from :func:`kaplan_meier`, as R's ``quantile(fit, 0.5)``.

    ``median`` is missing where S never falls to 0.5 ("not reached"); ``lower``/``upper`` come from the
    times where the interval's bands cross 0.5 (the upper one is often not reached).
    """
    times = curve["time"].to_numpy(dtype="float64")
    return {"median": _quantile_time(times, 1 - curve["surv"].to_numpy(dtype="float64"), 0.5, tol),
            "lower": _quantile_time(times, 1 - curve["lower"].to_numpy(dtype="float64"), 0.5, tol),
            "upper": _quantile_time(times, 1 - curve["upper"].to_numpy(dtype="float64"), 0.5, tol)}


def logrank_groups(time, event, group) -> tuple[pd.DataFrame, np.ndarray]:
    """Per group ``n``, ``observed`` and ``expected`` exits under equal hazards, and their covariance.

    Groups are in sorted order (as R's factor levels). The covariance is survdiff's hypergeometric
    variance matrix of observed minus expected.
    """
    time, event = _time_event(time, event)
    group = np.asarray(group)
    if group.shape != time.shape:
        raise ValueError("group must have the same length as time")
    levels, g = np.unique(group, return_inverse=True)
    k = len(levels)
    times, t_index = np.unique(time, return_inverse=True)
    deaths = np.zeros((len(times), k))
    np.add.at(deaths, (t_index, g), event)
    leaving = np.zeros((len(times), k))
    np.add.at(leaving, (t_index, g), 1)
    at_risk = leaving[::-1].cumsum(axis=0)[::-1]  # in the group, at or after each time
    n = at_risk.sum(axis=1)
    d = deaths.sum(axis=1)
    share = at_risk / n[:, None]
    expected = (d[:, None] * share).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(n > 1, d * (n - d) / (n - 1), 0.0)
    covariance = np.einsum("t,tj,tk->jk", factor, share, -share)
    covariance[np.diag_indices(k)] += (factor[:, None] * share).sum(axis=0)
    table = pd.DataFrame({"group": levels, "n": np.bincount(g, minlength=k), "observed": deaths.sum(axis=0),
                          "expected": expected})
    return table, covariance


def logrank_test(time, event, group, ci_level: float = 0.95) -> pd.DataFrame:
    """The log-rank test of equal survival across groups, as ``survdiff(Surv(time, event) ~ group)``.

    One row: ``groups``, ``n``, ``events``, ``statistic`` (chi-square), ``df`` (groups with expected
    exits, minus one), ``p_val``, ``method``. For two groups also ``hazard_ratio`` = (O1/E1)/(O2/E2) of
    the second group against the first (sorted order) with the usual approximate interval
    exp(log HR -/+ z sqrt(1/E1 + 1/E2)); missing for more groups and where a group has no exits (R's
    arithmetic gives 0 or Inf there, with no usable interval). No exits at all: no statistic, ``df`` 0.
    """
    z = _check_level(ci_level)
    table, covariance = logrank_groups(time, event, group)
    used = np.flatnonzero(table["expected"].to_numpy() > 0)
    diff = (table["observed"] - table["expected"]).to_numpy()[used][1:]
    var = covariance[np.ix_(used, used)][1:, 1:]
    statistic = float(diff @ np.linalg.solve(var, diff)) if len(diff) else np.nan
    df = max(len(used) - 1, 0)
    hr = lower = upper = np.nan
    o, e = table["observed"].to_numpy(), table["expected"].to_numpy()
    if len(table) == 2 and (o > 0).all():
        hr = (o[1] / e[1]) / (o[0] / e[0])
        half = z * np.sqrt(1 / e[0] + 1 / e[1])
        lower, upper = hr * np.exp(-half), hr * np.exp(half)
    return pd.DataFrame([{
        "groups": " vs ".join(map(str, table["group"])), "n": int(table["n"].sum()),
        "events": int(table["observed"].sum()), "statistic": statistic, "df": df,
        "p_val": float(stats.chi2.sf(statistic, df)) if df > 0 else np.nan, "hazard_ratio": hr,
        "hr_lower": lower, "hr_upper": upper, "ci_level": ci_level, "method": LOGRANK_METHOD,
    }])
