"""Census counts per year: patents granted (专利授权) by type, market-entity registrations (市场主体).

Input is a long DataFrame, one row per series and year (``by`` names the series column(s), e.g. the
patent type; ``None`` for a single series). A year without a row, or with a missing value, is a gap:
gaps are never filled or interpolated, growth across a gap is reported separately as annualised.
Results list the series in the order of their first appearance in the input.

What the statistics mean: these counts are censuses (every patent granted, every registration), not
samples, so there is no sampling error to estimate. The intervals and tests treat each year's count
as one realisation of an underlying process (filing, examination, business formation) and ask whether
the target year departs from that process. A Poisson interval on a count of hundreds of thousands is
tiny and every year-on-year change is "significant" (:func:`rate_ratio`); that alone is not evidence.
What matters is the year-to-year variation around the trend (overdispersion), which
:func:`loglinear_trend` estimates from the baseline years and builds into its prediction interval.

Every number is checked against R in ``tests/r/counts.R``.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.genmod import families
from statsmodels.genmod.generalized_linear_model import GLM
from scipy import optimize, special, stats

FAMILIES = ("quasipoisson", "negbin")
RATE_RATIO_METHOD = "exact Poisson rate ratio (conditional binomial)"
TREND_METHODS = {
    "quasipoisson": "quasi-Poisson log-linear trend (Pearson dispersion)",
    "negbin": "negative binomial (NB2) log-linear trend",
}
#: IRLS stops when no coefficient changes by more than this (the deviance criterion stops too early
#: for the negative binomial, whose IRLS is not Newton's method).
GLM_TOL = 1e-12
#: The negative binomial theta is searched up to this multiple of its moment estimate, then taken as infinite.
THETA_SEARCH_LIMIT = 1e8


# ----------------------------------------------------------------------------------------------
# Input handling shared by all functions
# ----------------------------------------------------------------------------------------------

def _keys(by: str | Sequence[str] | None) -> list[str]:
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def _series_frame(df: pd.DataFrame, value: str, by: str | Sequence[str] | None, year: str,
                  extra: Sequence[str] = ()) -> pd.DataFrame:
    """Validated copy: key columns, integer ``year``, float ``value`` (and the ``extra`` columns as given).

    Rows with a missing value are dropped. Series keep the order of their first appearance in ``df``
    (the caller's order), years are sorted within each series.
    """
    keys = _keys(by)
    missing = [col for col in (*keys, year, value, *extra) if col not in df.columns]
    if missing:
        raise ValueError(f"missing column(s) {missing}; have {list(df.columns)}")
    frame = df[[*keys, year, value, *extra]].copy()
    if frame[keys].isna().any().any():
        raise ValueError(f"missing values in series column(s) {keys}")
    years = pd.to_numeric(frame[year], errors="coerce").astype("float64")
    if years.isna().any() or not np.all(years == np.round(years)):
        raise ValueError(f"column {year!r} must hold whole years, got {frame[year].tolist()}")
    frame[year] = years.astype("int64")
    frame[value] = pd.to_numeric(frame[value], errors="coerce").astype("float64")
    if np.isinf(frame[value]).any():
        raise ValueError(f"column {value!r} has infinite values")
    dup = frame.duplicated([*keys, year], keep=False)
    if dup.any():
        first = frame[dup].iloc[0]
        raise ValueError(f"more than one row for {dict(first[[*keys, year]])}; "
                         "filter to one period and one counting basis first")
    order = frame.groupby(keys, sort=False, observed=True).ngroup() if keys else np.zeros(len(frame))
    frame = frame.iloc[np.lexsort((frame[year].to_numpy(), np.asarray(order)))]
    return frame.dropna(subset=[value]).reset_index(drop=True)


def _groups(frame: pd.DataFrame, keys: list[str]):
    """(dict of key columns, sub-frame) per series, in the order of the frame."""
    if not keys:
        yield {}, frame
        return
    for key, sub in frame.groupby(keys, sort=False, observed=True):
        yield dict(zip(keys, key)), sub


def _at(sub: pd.DataFrame, year: str, value: str, when: int) -> float:
    hit = sub.loc[sub[year] == when, value]
    return float(hit.iloc[0]) if len(hit) else math.nan


def _label(ids: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in ids.items()) or "the series"


def _require_year(sub: pd.DataFrame, year: str, value: str, when: int, ids: dict, role: str) -> float:
    found = _at(sub, year, value, when)
    if math.isnan(found):
        have = ", ".join(map(str, sub[year])) or "none"
        raise ValueError(f"{_label(ids)}: no value for {role} {when}; years with data: {have}")
    return found


def _years_label(years: Iterable[int]) -> str:
    """Years as runs, e.g. ``2016, 2020-2021``."""
    runs: list[list[int]] = []
    for y in sorted(years):
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


def _ratio_growth(current, previous, gap):
    """``(current/previous)**(1/gap) - 1``; NaN where previous <= 0 or the ratio is negative."""
    current, previous, gap = (np.asarray(a, dtype="float64") for a in (current, previous, gap))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(previous > 0, current / previous, np.nan)
        return np.where(ratio >= 0, np.power(ratio, 1.0 / gap) - 1.0, np.nan)


# ----------------------------------------------------------------------------------------------
# Descriptive growth
# ----------------------------------------------------------------------------------------------

def growth_table(df: pd.DataFrame, value: str = "granted", by: str | Sequence[str] | None = "series",
                 year: str = "year") -> pd.DataFrame:
    """Year-on-year growth per series and year, gaps kept as gaps.

    Columns: the ``by`` columns, ``year`` and ``value`` (named as in the input), ``prev_year`` (the
    previous year *with data*),
    ``previous`` (its value), ``years_since_prev``, ``yoy_growth`` = value/previous - 1 (a fraction;
    NaN unless the previous year is exactly one year earlier) and ``annualised_growth`` =
    (value/previous)**(1/years_since_prev) - 1, the constant yearly growth that links the two
    observations across a gap (equal to ``yoy_growth`` when the gap is one year). Growth is NaN
    where the previous value is 0 or negative (a net change, say): a ratio to it is undefined.
    """
    keys = _keys(by)
    out = _series_frame(df, value, by, year)
    grouped = out.groupby(keys, sort=False, observed=True) if keys else out
    shifted = grouped[[year, value]].shift()
    out["prev_year"] = shifted[year].astype("Int64")
    out["previous"] = shifted[value]
    out["years_since_prev"] = (out[year] - out["prev_year"]).astype("Int64")
    gap = out["years_since_prev"].astype("float64")
    out["annualised_growth"] = _ratio_growth(out[value], out["previous"], gap)
    out["yoy_growth"] = out["annualised_growth"].where(gap == 1)
    return out[[*keys, year, value, "prev_year", "previous", "years_since_prev", "yoy_growth",
                "annualised_growth"]]


def cagr(df: pd.DataFrame, start_year: int, end_year: int, value: str = "granted",
         by: str | Sequence[str] | None = "series", year: str = "year") -> pd.DataFrame:
    """Compound annual growth rate per series: (end/start)**(1/(end_year - start_year)) - 1.

    Columns: the ``by`` columns, ``start_year``, ``end_year``, ``years``, ``start_value``,
    ``end_value``, ``cagr`` (a fraction; NaN if the start value is 0 or negative). Both years must
    have data for every series. Only the two end points enter: the years between do not matter.
    """
    if end_year <= start_year:
        raise ValueError(f"end_year {end_year} must be after start_year {start_year}")
    keys = _keys(by)
    rows = []
    for ids, sub in _groups(_series_frame(df, value, by, year), keys):
        start = _require_year(sub, year, value, start_year, ids, "start_year")
        end = _require_year(sub, year, value, end_year, ids, "end_year")
        years = end_year - start_year
        rows.append({**ids, "start_year": start_year, "end_year": end_year, "years": years,
                     "start_value": start, "end_value": end,
                     "cagr": float(_ratio_growth(end, start, years))})
    return pd.DataFrame(rows)


def target_vs_baseline_growth(df: pd.DataFrame, target_year: int, baseline_years: Iterable[int],
                              value: str = "granted", by: str | Sequence[str] | None = "series",
                              year: str = "year") -> pd.DataFrame:
    """The target year's growth against the growth rates of the baseline years, one row per series.

    The baseline growth rates are the year-on-year rates between consecutive years that are both in
    ``baseline_years`` and both have data (2015-2020 gives the five rates 2016/2015 ... 2020/2019;
    a gap removes the rates that span it, never interpolated). ``target_growth`` is the target year
    against the year before it (NaN if that year has no data).

    Columns: the ``by`` columns, ``target_year``, ``baseline``, ``target_growth``, ``baseline_mean``,
    ``baseline_sd`` (sample SD, NaN if fewer than 2 rates), ``n`` (number of baseline rates),
    ``diff_pp`` = 100 * (target_growth - baseline_mean), percentage points. Descriptive only: with
    five or so rates the SD is itself very uncertain; use :func:`loglinear_trend` for a judgement.
    """
    baseline = sorted({int(y) for y in baseline_years})
    if not baseline:
        raise ValueError("baseline_years is empty")
    if target_year in baseline:
        raise ValueError(f"baseline_years must not contain the target year {target_year}")
    keys = _keys(by)
    table = growth_table(df, value, by, year)
    rows = []
    for ids, sub in _groups(table, keys):
        _require_year(sub, year, value, target_year, ids, "target_year")
        in_baseline = sub[year].isin(baseline) & sub["prev_year"].isin(baseline)
        rates = sub.loc[in_baseline, "yoy_growth"].dropna()
        target_growth = float(sub.loc[sub[year] == target_year, "yoy_growth"].iloc[0])
        mean = float(rates.mean()) if len(rates) else math.nan
        rows.append({**ids, "target_year": target_year, "baseline": _years_label(baseline),
                     "target_growth": target_growth, "baseline_mean": mean,
                     "baseline_sd": float(rates.std(ddof=1)) if len(rates) > 1 else math.nan,
                     "n": len(rates), "diff_pp": 100 * (target_growth - mean)})
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------------------------
# Rate ratio of two counts
# ----------------------------------------------------------------------------------------------

def _check_level(ci_level: float) -> None:
    if not 0 < ci_level < 1:
        raise ValueError(f"ci_level must be between 0 and 1, got {ci_level}")


def _check_count(x, name: str) -> int:
    number = float(x)
    if not (math.isfinite(number) and number >= 0 and number.is_integer()):
        raise ValueError(f"{name} must be a whole number >= 0, got {x}")
    return int(number)


def _check_exposure(value, name: str) -> float:
    number = float(value)
    if not (math.isfinite(number) and number > 0):
        raise ValueError(f"{name} must be a positive finite number, got {value}")
    return number


def rate_ratio(count_target: int, count_previous: int, ci_level: float = 0.95, exposure_target: float = 1.0,
               exposure_previous: float = 1.0) -> pd.DataFrame:
    """Ratio of two rates (count / exposure) with an exact Poisson interval and p-value, as a one-row DataFrame.

    The rate ratio r = (x1 / T1) / (x0 / T0), e.g. per 10,000 market entities (T = entities / 10,000)
    or per week for years of unequal length; the default exposures of 1 compare two yearly counts.
    Conditional on the total n = x1 + x0, x1 ~ Binomial(n, pi) with pi = r T1 / (r T1 + T0); the
    interval is Clopper-Pearson for pi mapped to r = pi / (1 - pi) * T0 / T1, the p-value the exact
    two-sided binomial test of pi = T1 / (T1 + T0), i.e. r = 1. Same as R
    ``poisson.test(c(x1, x0), T = c(T1, T0))`` (``$estimate``, ``$conf.int``, ``$p.value``). The
    estimate is Inf when the previous count is 0.

    For census counts this is a test of the pure-Poisson process, which real yearly counts do not
    follow: with hundreds of thousands of grants the interval is a fraction of a percent wide and
    p is 0 for any visible change. Report it for the size of the change, and judge the change
    against the trend and its overdispersion (:func:`loglinear_trend`).

    Columns: ``count``, ``count_previous``, ``exposure``, ``exposure_previous``, ``estimate``,
    ``ci_low``, ``ci_high``, ``ci_level``, ``p_val``, ``method``.
    """
    x1 = _check_count(count_target, "count_target")
    x0 = _check_count(count_previous, "count_previous")
    t1 = _check_exposure(exposure_target, "exposure_target")
    t0 = _check_exposure(exposure_previous, "exposure_previous")
    if x1 + x0 == 0:
        raise ValueError("both counts are 0: a rate ratio is undefined")
    _check_level(ci_level)
    n, tail = x1 + x0, (1 - ci_level) / 2
    p_low = stats.beta.ppf(tail, x1, x0 + 1) if x1 > 0 else 0.0
    p_high = stats.beta.ppf(1 - tail, x1 + 1, x0) if x0 > 0 else 1.0
    with np.errstate(divide="ignore"):
        odds = np.divide([x1, p_low, p_high], [x0, 1 - p_low, 1 - p_high]) * (t0 / t1)
    return pd.DataFrame([{
        "count": x1, "count_previous": x0, "exposure": t1, "exposure_previous": t0, "estimate": float(odds[0]),
        "ci_low": float(odds[1]), "ci_high": float(odds[2]), "ci_level": ci_level,
        "p_val": float(stats.binomtest(x1, n, t1 / (t1 + t0)).pvalue), "method": RATE_RATIO_METHOD,
    }])


def _untestable(sub: pd.DataFrame, year: str, value: str, qualifier: str | None,
                years: dict[str, int]) -> dict[str, str]:
    """Why two counts cannot enter the exact test, ``{short reason: sentence}``; empty if they can."""
    problems = {}
    for role, when in years.items():
        hit = sub[sub[year] == when]
        if hit.empty:
            have = ", ".join(map(str, sub[year])) or "none"
            problems[f"{when} missing"] = f"no value for {role} {when}; years with data: {have}"
        elif qualifier is not None and hit[qualifier].iloc[0] != "exact":
            kind = hit[qualifier].iloc[0]
            problems[f"{when} {kind}"] = (f"{year}={when}: {value} is {kind}, not exact; "
                                          "the exact test needs exact counts")
    if not problems and sub.loc[sub[year].isin(years.values()), value].sum() == 0:
        problems["both counts are 0"] = "both counts are 0: a rate ratio is undefined"
    return problems


def rate_ratios(df: pd.DataFrame, target_year: int, previous_year: int | None = None,
                value: str = "granted", by: str | Sequence[str] | None = "series", year: str = "year",
                ci_level: float = 0.95, untestable: str = "raise") -> pd.DataFrame:
    """:func:`rate_ratio` of the target year against ``previous_year`` (default the year before), per series.

    Both years need a count, both 0 is undefined and, if the frame has a ``<value>_qualifier``
    column (as the schema loader writes), both counts must be ``exact``: an exact test of a rounded
    figure is meaningless. A series that fails this raises ValueError (``untestable="raise"``) or,
    with ``untestable="note"``, gets a row with NaN counts and statistics and a ``note`` saying why,
    e.g. ``not tested: 2020 rounded`` or ``not tested: 2021 missing, 2020 missing``.

    Columns: the ``by`` columns, ``year``, ``previous_year``, the columns of :func:`rate_ratio`
    (``count`` and ``count_previous`` as nullable integers) and ``note`` ("" for a tested series).
    """
    if untestable not in ("raise", "note"):
        raise ValueError(f"untestable must be 'raise' or 'note', got {untestable!r}")
    _check_level(ci_level)
    previous_year = target_year - 1 if previous_year is None else previous_year
    keys = _keys(by)
    qualifier = f"{value}_qualifier" if f"{value}_qualifier" in df.columns else None
    frame = _series_frame(df, value, by, year, extra=[qualifier] if qualifier else [])
    rows = []
    for ids, sub in _groups(frame, keys):
        problems = _untestable(sub, year, value, qualifier,
                               {"target_year": target_year, "previous_year": previous_year})
        if problems and untestable == "raise":
            raise ValueError(f"{_label(ids)}: {next(iter(problems.values()))}")
        if problems:
            test = {"ci_level": ci_level, "method": RATE_RATIO_METHOD,
                    "note": f"not tested: {', '.join(problems)}"}
        else:
            test = rate_ratio(_at(sub, year, value, target_year), _at(sub, year, value, previous_year),
                              ci_level).iloc[0].to_dict() | {"note": ""}
        rows.append({**ids, "year": target_year, "previous_year": previous_year, **test})
    columns = [*keys, "year", "previous_year", "count", "count_previous", "estimate", "ci_low", "ci_high",
               "ci_level", "p_val", "method", "note"]
    return pd.DataFrame(rows, columns=columns).astype({"count": "Int64", "count_previous": "Int64"})


# ----------------------------------------------------------------------------------------------
# Log-linear trend with overdispersion
# ----------------------------------------------------------------------------------------------

def _glm(counts: np.ndarray, X: np.ndarray, family) -> GLM:
    return GLM(counts, X, family=family).fit(tol=GLM_TOL, tol_criterion="params", maxiter=200)


def _nb_score(theta: float, counts: np.ndarray, mu: np.ndarray) -> float:
    """Derivative of the NB2 log-likelihood in theta at fixed means (MASS ``theta.ml``'s score)."""
    return float(np.sum(special.digamma(theta + counts) - special.digamma(theta) + np.log(theta) + 1
                        - np.log(theta + mu) - (counts + theta) / (mu + theta)))


def _nb_theta(counts: np.ndarray, X: np.ndarray, poisson_mu: np.ndarray) -> float:
    """Maximum-likelihood theta of an NB2 log-linear model (the joint MLE R ``MASS::glm.nb`` finds).

    Solves the profile score in theta (the means refitted at each theta). Returns ``inf`` when the
    Poisson fit shows no overdispersion, sum((y - mu)^2 - y) <= 0: the likelihood then increases
    towards the Poisson limit (glm.nb stops at a huge theta with a warning).
    """
    excess = float(np.sum((counts - poisson_mu) ** 2 - counts))
    if excess <= 0:
        return math.inf

    def score(log_theta: float) -> float:
        theta = math.exp(log_theta)
        mu = _glm(counts, X, families.NegativeBinomial(alpha=1 / theta)).mu
        return _nb_score(theta, counts, mu)

    start = math.log(float(np.sum(poisson_mu ** 2)) / excess)  # moment estimate
    low, high, step = start, start, math.log(10)
    while score(low) < 0:
        low -= step
    while score(high) > 0:
        high += step
        if high - start > math.log(THETA_SEARCH_LIMIT):
            return math.inf
    return math.exp(optimize.brentq(score, low, high, xtol=1e-13, rtol=1e-13))


@dataclass(frozen=True)
class _Fit:
    """One series' baseline trend, log(mu) = params[0] + params[1] * (year - centre).

    ``params`` is NaN when no trend can be fitted; ``cov_unit`` (the unit-dispersion covariance of
    ``params``) is NaN when there is no residual df. ``scale`` turns ``cov_unit`` into the reported
    covariance and scales the count's variance, ``scale * mu + alpha * mu^2`` (phi* = max(phi, 1) and 0
    for quasi-Poisson, 1 and 1/theta for NB2).
    """

    n: int
    centre: float
    params: np.ndarray
    cov_unit: np.ndarray
    dispersion: float = math.nan
    theta: float = math.nan
    scale: float = math.nan
    alpha: float = math.nan
    note: str = ""


def _fit(years: np.ndarray, counts: np.ndarray, family: str) -> _Fit:
    """Fit one series' baseline trend (see :func:`loglinear_trend`); an unfittable one says why in ``note``."""
    n = len(counts)
    centre = float(years.mean()) if n else math.nan
    nothing = {"n": n, "centre": centre, "params": np.full(2, math.nan), "cov_unit": np.full((2, 2), math.nan)}
    if n < 2:
        return _Fit(**nothing, note=f"{n} baseline year(s): a trend needs at least 2")
    positive = years[counts > 0]
    if not positive.size:
        return _Fit(**nothing, note="all baseline counts are 0: no log-linear trend can be fitted")
    if positive.min() == positive.max() and positive[0] in (years.min(), years.max()):
        return _Fit(**nothing, note=f"only {positive[0]:.0f}, an end of the baseline, has a count above 0: "
                                    "the fitted trend would be unbounded")
    if n == 2:  # the fitted line passes through both counts (centre is their midpoint)
        log_counts = np.log(counts)
        params = np.array([log_counts.mean(), np.diff(log_counts)[0] / np.diff(years)[0]])
        return _Fit(**{**nothing, "params": params},
                    note="2 baseline years: the line passes through both, no residual df, so the "
                         "dispersion and the prediction interval are undefined")
    X = np.column_stack([np.ones(n), years - centre])
    poisson = _glm(counts, X, families.Poisson())
    phi = float(poisson.pearson_chi2 / (n - 2))
    if family == "quasipoisson":
        note = f"dispersion {phi:.3g} < 1: standard errors and intervals use 1 (Poisson)" if phi < 1 else ""
        return _Fit(n, centre, np.asarray(poisson.params), np.asarray(poisson.cov_params()), phi,
                    scale=max(phi, 1.0), alpha=0.0, note=note)
    theta = _nb_theta(counts, X, poisson.mu)
    if math.isinf(theta):
        fit = poisson
        note = "no overdispersion beyond Poisson in the baseline: theta infinite, Poisson fit used"
    else:
        fit, note = _glm(counts, X, families.NegativeBinomial(alpha=1 / theta)), ""
    # cov_params() of Poisson and NB GLMs is the unit-dispersion covariance (their scale is 1)
    return _Fit(n, centre, np.asarray(fit.params), np.asarray(fit.cov_params()), phi, theta,
                scale=1.0, alpha=1 / theta, note=note)


def _predict(fit: _Fit, years: np.ndarray, level: float) -> dict[str, np.ndarray]:
    """Fitted mean, its confidence band, the prediction interval and its sd at ``years``.

    See :func:`trend_predictions` for the formulas.
    """
    X = np.column_stack([np.ones(len(years)), years - fit.centre])
    log_mu = X @ fit.params
    v = np.einsum("ij,jk,ik->i", X, fit.cov_unit, X)  # unit-dispersion variance of log(mu)
    mu, se = np.exp(log_mu), np.sqrt(fit.scale * v)
    sd = np.sqrt(fit.scale * (mu + mu ** 2 * v) + fit.alpha * mu ** 2)
    q = float(stats.t.ppf(0.5 + level / 2, fit.n - 2)) if fit.n > 2 else math.nan
    return {"expected": mu, "log_expected_se": se, "ci_low": np.exp(log_mu - q * se),
            "ci_high": np.exp(log_mu + q * se), "pi_low": np.maximum(0.0, mu - q * sd), "pi_high": mu + q * sd,
            "sd": sd}


def _compare(observed: float, prediction: dict[str, np.ndarray], df: float) -> dict:
    """Observed target-year count against the predicted one (see :func:`loglinear_trend`)."""
    expected, sd, pi_low, pi_high = (float(prediction[k][0])
                                     for k in ("expected", "sd", "pi_low", "pi_high"))
    statistic = (observed - expected) / sd
    if math.isnan(statistic):
        where, p_val = None, math.nan
    else:
        where = "above" if observed > pi_high else "below" if observed < pi_low else "within"
        p_val = float(2 * stats.t.sf(abs(statistic), df))
    return {"expected": expected, "log_expected_se": float(prediction["log_expected_se"][0]),
            "pi_low": pi_low, "pi_high": pi_high,
            "obs_over_expected": observed / expected if expected > 0 else math.nan,
            "statistic": statistic, "p_val": p_val, "above_trend": where}


def _check_trend_args(family: str, ci_level: float, baseline_years: Iterable[int]) -> list[int]:
    """The sorted baseline years, after checking ``family`` and ``ci_level``."""
    if family not in FAMILIES:
        raise ValueError(f"unknown family {family!r}; use one of {', '.join(FAMILIES)}")
    _check_level(ci_level)
    return sorted({int(y) for y in baseline_years})


def _baseline_fits(frame: pd.DataFrame, keys: list[str], baseline: list[int], family: str, value: str,
                   year: str):
    """(ids, sub-frame, fitted years as text, :class:`_Fit`) per series."""
    for ids, sub in _groups(frame, keys):
        base = sub[sub[year].isin(baseline)]
        counts = base[value].to_numpy(dtype="float64")
        if (counts < 0).any():
            raise ValueError(f"{_label(ids)}: counts must be >= 0, got {counts.tolist()}")
        yield ids, sub, _years_label(base[year]), _fit(base[year].to_numpy(dtype="float64"), counts, family)


def loglinear_trend(df: pd.DataFrame, baseline_years: Iterable[int], target_year: int,
                    family: str = "quasipoisson", value: str = "granted",
                    by: str | Sequence[str] | None = "series", year: str = "year",
                    ci_level: float = 0.95) -> pd.DataFrame:
    """Is the target year's count in line with the baseline trend? One row per series.

    Model, fitted per series on the baseline years that have data (gaps are skipped, never filled):
    log(mu) = a + b * (year - centre), centre = mean of the fitted years (it changes only ``a``).

    - ``quasipoisson``: Poisson GLM with Var(y) = phi * mu; ``dispersion`` phi = sum of squared
      Pearson residuals / (n - 2). One rule for every standard error and band: phi* = max(phi, 1)
      (a phi below 1 from a few years is taken as Poisson, as in Farrington's outbreak detection, not
      as evidence of underdispersion). Coefficients, ``slope_se`` and ``log_expected_se`` (scaled by
      phi*) equal R ``glm(y ~ I(year - centre), family = quasipoisson)`` and ``predict(fit, newdata,
      se.fit = TRUE)`` when phi >= 1, the same with ``family = poisson`` when phi < 1.
    - ``negbin``: NB2, Var(y) = mu + mu^2 / theta, theta by maximum likelihood; equals R
      ``MASS::glm.nb`` (``theta``, coefficients, SEs with theta held fixed). When the baseline shows
      no overdispersion, theta is infinite and the Poisson fit is used (noted). ``dispersion`` is
      still the Poisson fit's phi, the overdispersion diagnostic.

    Prediction interval for the target-year count (an approximation, stated exactly): with mu the
    fitted mean, v = x' (X'WX)^-1 x the unit-dispersion variance of log(mu) (delta method:
    Var(mu_hat) ~ mu^2 v) and t the t quantile with n - 2 residual df,

    - quasi-Poisson: sd^2 = phi* (mu + mu^2 v), phi* = max(phi, 1) as above;
    - negative binomial: sd^2 = mu + mu^2 / theta + mu^2 v;

    ``pi_low``, ``pi_high`` = mu -/+ t * sd (``pi_low`` cut at 0). ``statistic`` = (observed - mu) / sd
    and ``p_val`` = 2 P(T_{n-2} > |statistic|), the same approximation, so p < 1 - ci_level exactly
    when the count lies outside the interval (bar the cut at 0). ``above_trend`` says "above",
    "within" or "below" the interval.

    For census counts the question is about the process, not sampling: is the target year more
    unusual than the baseline years were around their own trend? With five or six baseline years
    the interval is wide, and a structural break (a change of statistical coverage, a policy) in the
    baseline is not modelled. Rounded figures enter as the integers they denote.

    "Equal R" holds against R fitted with tight control (``glm.control(epsilon = 1e-12)`` or smaller, as
    ``tests/r/counts.R`` does): this fit iterates until no coefficient moves by 1e-12, while R's default
    ``epsilon = 1e-8`` (a deviance criterion) stops earlier and leaves the dispersion and standard
    errors different in the 6th or 7th digit (up to 2e-6 relative in the cases of ``tests/r/counts.R``).

    The same fit at other years (to draw the trend and its bands): :func:`trend_predictions`.

    Columns: the ``by`` columns, ``target_year``, ``baseline`` (the years fitted), ``n_years``,
    ``slope`` (log scale, per year), ``slope_se``, ``annual_growth_trend`` = exp(slope) - 1,
    ``dispersion``, ``theta``, ``expected``, ``log_expected_se``, ``pi_low``, ``pi_high``,
    ``ci_level`` (of the prediction interval), ``observed``, ``obs_over_expected``, ``statistic``,
    ``df``, ``p_val``, ``above_trend``, ``method``, ``note`` (why a value is NaN, or "").
    Fewer than 3 baseline years: no dispersion, NaN interval, explained in ``note``.
    """
    baseline = _check_trend_args(family, ci_level, baseline_years)
    if target_year in baseline:
        raise ValueError(f"baseline_years must not contain the target year {target_year}")
    keys = _keys(by)
    rows = []
    for ids, sub, fitted, fit in _baseline_fits(_series_frame(df, value, by, year), keys, baseline, family,
                                                value, year):
        observed = _require_year(sub, year, value, target_year, ids, "target_year")
        df_resid = fit.n - 2 if fit.n >= 2 else math.nan
        slope = float(fit.params[1])
        prediction = _predict(fit, np.array([float(target_year)]), ci_level)
        rows.append({**ids, "target_year": target_year, "baseline": fitted, "n_years": fit.n,
                     "slope": slope, "slope_se": math.sqrt(fit.scale * fit.cov_unit[1, 1]),
                     "annual_growth_trend": math.expm1(slope), "dispersion": fit.dispersion,
                     "theta": fit.theta, **_compare(observed, prediction, df_resid), "ci_level": ci_level,
                     "observed": observed, "df": df_resid, "method": TREND_METHODS[family], "note": fit.note})
    columns = [*keys, "target_year", "baseline", "n_years", "slope", "slope_se", "annual_growth_trend",
               "dispersion", "theta", "expected", "log_expected_se", "pi_low", "pi_high", "ci_level",
               "observed", "obs_over_expected", "statistic", "df", "p_val", "above_trend", "method",
               "note"]
    return pd.DataFrame(rows, columns=columns)


def trend_predictions(df: pd.DataFrame, baseline_years: Iterable[int], years: Iterable[int],
                      family: str = "quasipoisson", value: str = "granted",
                      by: str | Sequence[str] | None = "series", year: str = "year",
                      ci_level: float = 0.95) -> pd.DataFrame:
    """The baseline trend of :func:`loglinear_trend` at any ``years``: one row per series and year.

    The same fit as :func:`loglinear_trend` (the same baseline years and family give the same
    ``expected`` and ``pi_low``-``pi_high`` at its target year), evaluated at each of ``years``, e.g.
    the baseline years and on to the target year, to draw the trend with its bands:

    - ``expected`` = exp(a + b * (year - centre)), the fitted mean, and ``log_expected_se``, the
      standard error of its log (R ``predict(fit, newdata, se.fit = TRUE)``);
    - ``ci_low``, ``ci_high`` = exp(log(expected) -/+ t * log_expected_se): the confidence band of
      the mean, the uncertainty of the fitted line alone;
    - ``pi_low``, ``pi_high``: the prediction interval of one year's count, the formula of
      :func:`loglinear_trend` (adds the year-to-year scatter around the line), with the same t
      quantile (n - 2 residual df) and ``ci_level`` for both bands.

    At a baseline year the prediction interval says where a year like it would fall, not a test of
    that year's count (which the fit used). ``observed`` is the count in the year (NaN if none).
    Columns: the ``by`` columns, ``year``, ``baseline`` (the years fitted), ``n_years``,
    ``expected``, ``log_expected_se``, ``ci_low``, ``ci_high``, ``pi_low``, ``pi_high``,
    ``ci_level``, ``observed``, ``method``, ``note`` (why a value is NaN, or ""). With 2 baseline
    years only ``expected`` is given (the line through both counts).
    """
    baseline = _check_trend_args(family, ci_level, baseline_years)
    at = np.array(sorted({int(y) for y in years}), dtype="float64")
    if not at.size:
        raise ValueError("years is empty")
    keys = _keys(by)
    columns = ["expected", "log_expected_se", "ci_low", "ci_high", "pi_low", "pi_high"]
    parts = []
    for ids, sub, fitted, fit in _baseline_fits(_series_frame(df, value, by, year), keys, baseline, family,
                                                value, year):
        prediction = _predict(fit, at, ci_level)
        observed = sub.set_index(year)[value].reindex(at.astype("int64")).to_numpy()
        parts.append(pd.DataFrame({**ids, year: at.astype("int64"), "baseline": fitted, "n_years": fit.n,
                                   **{c: prediction[c] for c in columns}, "ci_level": ci_level,
                                   "observed": observed, "method": TREND_METHODS[family], "note": fit.note}))
    order = [*keys, year, "baseline", "n_years", *columns, "ci_level", "observed", "method", "note"]
    return pd.concat(parts, ignore_index=True)[order] if parts else pd.DataFrame(columns=order)
