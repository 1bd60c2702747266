"""Census counts per year: patents granted (专利授权) by type, market-entity registrations (市场主体).

Input is a long DataFrame, one row per series and year (``by`` names the series column(s), e.g. the
patent type; ``None`` for a single series). A year without a row, or with a missing value, is a gap:
gaps are never filled or interpolated, growth across a gap is reported separately as annualised.

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

import numpy as np
import pandas as pd
import statsmodels.api as sm
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


def _series_frame(df: pd.DataFrame, value: str, by: str | Sequence[str] | None, year: str) -> pd.DataFrame:
    """Validated copy: key columns, integer ``year``, float ``value``; rows with a missing value dropped."""
    keys = _keys(by)
    missing = [col for col in (*keys, year, value) if col not in df.columns]
    if missing:
        raise ValueError(f"missing column(s) {missing}; have {list(df.columns)}")
    frame = df[[*keys, year, value]].copy()
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
    frame = frame.dropna(subset=[value])
    return frame.sort_values([*keys, year], kind="stable", ignore_index=True)


def _groups(frame: pd.DataFrame, keys: list[str]):
    """(dict of key columns, sub-frame) per series, in sorted order."""
    if not keys:
        yield {}, frame
        return
    for key, sub in frame.groupby(keys, sort=True):
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
    shifted = out.groupby(keys, sort=False)[[year, value]].shift() if keys else out[[year, value]].shift()
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

def _check_count(x, name: str) -> int:
    number = float(x)
    if not (math.isfinite(number) and number >= 0 and number.is_integer()):
        raise ValueError(f"{name} must be a whole number >= 0, got {x}")
    return int(number)


def rate_ratio(count_target: int, count_previous: int, ci_level: float = 0.95) -> pd.DataFrame:
    """Ratio of two yearly counts with an exact Poisson interval and p-value, as a one-row DataFrame.

    Conditional on the total n = x1 + x0, x1 ~ Binomial(n, r/(1+r)) under equal exposure (one year
    each); the interval is Clopper-Pearson for that proportion mapped to r = p/(1-p), the p-value
    the exact two-sided binomial test of r = 1. Same as R ``poisson.test(c(x1, x0), c(1, 1))``
    (``$estimate``, ``$conf.int``, ``$p.value``). The estimate is Inf when the previous count is 0.

    For census counts this is a test of the pure-Poisson process, which real yearly counts do not
    follow: with hundreds of thousands of grants the interval is a fraction of a percent wide and
    p is 0 for any visible change. Report it for the size of the change, and judge the change
    against the trend and its overdispersion (:func:`loglinear_trend`).

    Columns: ``count``, ``count_previous``, ``estimate``, ``ci_low``, ``ci_high``, ``ci_level``,
    ``p_val``, ``method``.
    """
    x1 = _check_count(count_target, "count_target")
    x0 = _check_count(count_previous, "count_previous")
    if x1 + x0 == 0:
        raise ValueError("both counts are 0: a rate ratio is undefined")
    if not 0 < ci_level < 1:
        raise ValueError(f"ci_level must be between 0 and 1, got {ci_level}")
    n, tail = x1 + x0, (1 - ci_level) / 2
    p_low = stats.beta.ppf(tail, x1, x0 + 1) if x1 > 0 else 0.0
    p_high = stats.beta.ppf(1 - tail, x1 + 1, x0) if x0 > 0 else 1.0
    with np.errstate(divide="ignore"):
        odds = np.divide([x1, p_low, p_high], [x0, 1 - p_low, 1 - p_high])
    return pd.DataFrame([{
        "count": x1, "count_previous": x0, "estimate": float(odds[0]), "ci_low": float(odds[1]),
        "ci_high": float(odds[2]), "ci_level": ci_level,
        "p_val": float(stats.binomtest(x1, n, 0.5).pvalue), "method": RATE_RATIO_METHOD,
    }])


def rate_ratios(df: pd.DataFrame, target_year: int, previous_year: int | None = None,
                value: str = "granted", by: str | Sequence[str] | None = "series", year: str = "year",
                ci_level: float = 0.95) -> pd.DataFrame:
    """:func:`rate_ratio` of the target year against ``previous_year`` (default the year before), per series.

    Both years must have data. If the frame has a ``<value>_qualifier`` column (as the schema loader
    writes), both counts must be ``exact``: an exact test of a rounded figure is meaningless.
    Columns: the ``by`` columns, ``year``, ``previous_year`` and the columns of :func:`rate_ratio`.
    """
    previous_year = target_year - 1 if previous_year is None else previous_year
    keys = _keys(by)
    qualifier = f"{value}_qualifier"
    if qualifier in df.columns:
        compared = df[df[year].isin([target_year, previous_year]) & df[value].notna()]
        inexact = compared[compared[qualifier] != "exact"]
        if len(inexact):
            row = inexact.iloc[0]
            raise ValueError(f"{_label(dict(row[keys]))}, {year}={row[year]}: {value} is "
                             f"{row[qualifier]}, not exact; the exact test needs exact counts")
    rows = []
    for ids, sub in _groups(_series_frame(df, value, by, year), keys):
        x1 = _require_year(sub, year, value, target_year, ids, "target_year")
        x0 = _require_year(sub, year, value, previous_year, ids, "previous_year")
        test = rate_ratio(x1, x0, ci_level).iloc[0].to_dict()
        rows.append({**ids, "year": target_year, "previous_year": previous_year, **test})
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------------------------
# Log-linear trend with overdispersion
# ----------------------------------------------------------------------------------------------

def _glm(counts: np.ndarray, X: np.ndarray, family) -> sm.GLM:
    return sm.GLM(counts, X, family=family).fit(tol=GLM_TOL, tol_criterion="params", maxiter=200)


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
        mu = _glm(counts, X, sm.families.NegativeBinomial(alpha=1 / theta)).mu
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


def _compare(observed: float, expected: float, sd: float, q: float, df: int) -> dict:
    """Observed target-year count against the predicted one (see :func:`loglinear_trend`)."""
    pi_low, pi_high = max(0.0, expected - q * sd), expected + q * sd
    statistic = (observed - expected) / sd
    where = "above" if observed > pi_high else "below" if observed < pi_low else "within"
    return {"expected": expected, "pi_low": pi_low, "pi_high": pi_high,
            "obs_over_expected": observed / expected if expected > 0 else math.nan,
            "statistic": statistic, "p_val": float(2 * stats.t.sf(abs(statistic), df)),
            "above_trend": where}


def _trend(years: np.ndarray, counts: np.ndarray, target_year: int, observed: float, family: str,
           level: float) -> dict:
    """Fit one series' baseline trend and compare the target year with it (see :func:`loglinear_trend`)."""
    n = len(counts)
    out = {"n_years": n, "slope": math.nan, "slope_se": math.nan, "annual_growth_trend": math.nan,
           "dispersion": math.nan, "theta": math.nan, "expected": math.nan,
           "log_expected_se": math.nan, "pi_low": math.nan, "pi_high": math.nan,
           "obs_over_expected": math.nan, "statistic": math.nan, "df": n - 2, "p_val": math.nan,
           "above_trend": None}
    if n < 2:
        return {**out, "df": math.nan, "note": f"{n} baseline year(s): a trend needs at least 2"}
    positive = years[counts > 0]
    if not positive.size:
        return {**out, "note": "all baseline counts are 0: no log-linear trend can be fitted"}
    if positive.min() == positive.max() and positive[0] in (years.min(), years.max()):
        return {**out, "note": f"only {positive[0]:.0f}, an end of the baseline, has a count above 0: "
                               "the fitted trend would be unbounded"}
    if n == 2:  # the fitted line passes through both counts
        slope = float(np.diff(np.log(counts))[0] / np.diff(years)[0])
        expected = float(counts[-1] * math.exp(slope * (target_year - years[-1])))
        return {**out, "slope": slope, "annual_growth_trend": math.expm1(slope), "expected": expected,
                "obs_over_expected": observed / expected,
                "note": "2 baseline years: the line passes through both, no residual df, so the "
                        "dispersion and the prediction interval are undefined"}
    X = np.column_stack([np.ones(n), years - years.mean()])
    x_target = np.array([1.0, target_year - years.mean()])
    poisson = _glm(counts, X, sm.families.Poisson())
    phi = float(poisson.pearson_chi2 / (n - 2))
    notes = []
    if family == "negbin":
        theta = _nb_theta(counts, X, poisson.mu)
        if math.isinf(theta):
            fit = poisson
            notes.append("no overdispersion beyond Poisson in the baseline: theta infinite, Poisson fit used")
        else:
            fit = _glm(counts, X, sm.families.NegativeBinomial(alpha=1 / theta))
        scale, count_scale = 1.0, 1.0
    else:
        theta, fit = math.nan, poisson
        scale, count_scale = phi, max(phi, 1.0)
        if phi < 1:
            notes.append(f"dispersion {phi:.3g} < 1: the prediction interval uses 1 (Poisson)")
    cov_unit = np.asarray(fit.cov_params())  # unit-dispersion covariance (Poisson and NB GLMs use scale 1)
    v = float(x_target @ cov_unit @ x_target)
    mu = float(np.exp(x_target @ fit.params))
    count_var = count_scale * mu + (mu ** 2 / theta if family == "negbin" else 0.0)
    sd = math.sqrt(count_var + count_scale * mu ** 2 * v)
    q = float(stats.t.ppf(0.5 + level / 2, n - 2))
    slope = float(fit.params[1])
    return {**out, "slope": slope, "slope_se": math.sqrt(scale * cov_unit[1, 1]),
            "annual_growth_trend": math.expm1(slope), "dispersion": phi, "theta": theta,
            "log_expected_se": math.sqrt(scale * v), **_compare(observed, mu, sd, q, n - 2),
            "note": "; ".join(notes)}


def loglinear_trend(df: pd.DataFrame, baseline_years: Iterable[int], target_year: int,
                    family: str = "quasipoisson", value: str = "granted",
                    by: str | Sequence[str] | None = "series", year: str = "year",
                    ci_level: float = 0.95) -> pd.DataFrame:
    """Is the target year's count in line with the baseline trend? One row per series.

    Model, fitted per series on the baseline years that have data (gaps are skipped, never filled):
    log(mu) = a + b * (year - centre), centre = mean of the fitted years (it changes only ``a``).

    - ``quasipoisson``: Poisson GLM with Var(y) = phi * mu; ``dispersion`` phi = sum of squared
      Pearson residuals / (n - 2). Coefficients, ``slope_se`` (scaled by phi) and
      ``log_expected_se`` equal R ``glm(y ~ I(year - centre), family = quasipoisson)`` and
      ``predict(fit, newdata, se.fit = TRUE)``.
    - ``negbin``: NB2, Var(y) = mu + mu^2 / theta, theta by maximum likelihood; equals R
      ``MASS::glm.nb`` (``theta``, coefficients, SEs with theta held fixed). When the baseline shows
      no overdispersion, theta is infinite and the Poisson fit is used (noted). ``dispersion`` is
      still the Poisson fit's phi, the overdispersion diagnostic.

    Prediction interval for the target-year count (an approximation, stated exactly): with mu the
    fitted mean, v = x' (X'WX)^-1 x the unit-dispersion variance of log(mu) (delta method:
    Var(mu_hat) ~ mu^2 v) and t the t quantile with n - 2 residual df,

    - quasi-Poisson: sd^2 = phi* (mu + mu^2 v), phi* = max(phi, 1) (a phi below 1 from a few years
      is taken as Poisson, as in Farrington's outbreak detection);
    - negative binomial: sd^2 = mu + mu^2 / theta + mu^2 v;

    ``pi_low``, ``pi_high`` = mu -/+ t * sd (``pi_low`` cut at 0). ``statistic`` = (observed - mu) / sd
    and ``p_val`` = 2 P(T_{n-2} > |statistic|), the same approximation, so p < 1 - ci_level exactly
    when the count lies outside the interval (bar the cut at 0). ``above_trend`` says "above",
    "within" or "below" the interval.

    For census counts the question is about the process, not sampling: is the target year more
    unusual than the baseline years were around their own trend? With five or six baseline years
    the interval is wide, and a structural break (a change of statistical coverage, a policy) in the
    baseline is not modelled. Rounded figures enter as the integers they denote.

    Columns: the ``by`` columns, ``target_year``, ``baseline`` (the years fitted), ``n_years``,
    ``slope`` (log scale, per year), ``slope_se``, ``annual_growth_trend`` = exp(slope) - 1,
    ``dispersion``, ``theta``, ``expected``, ``log_expected_se``, ``pi_low``, ``pi_high``,
    ``ci_level`` (of the prediction interval), ``observed``, ``obs_over_expected``, ``statistic``,
    ``df``, ``p_val``, ``above_trend``, ``method``, ``note`` (why a value is NaN, or "").
    Fewer than 3 baseline years: no dispersion, NaN interval, explained in ``note``.
    """
    if family not in FAMILIES:
        raise ValueError(f"unknown family {family!r}; use one of {', '.join(FAMILIES)}")
    if not 0 < ci_level < 1:
        raise ValueError(f"ci_level must be between 0 and 1, got {ci_level}")
    baseline = sorted({int(y) for y in baseline_years})
    if target_year in baseline:
        raise ValueError(f"baseline_years must not contain the target year {target_year}")
    keys = _keys(by)
    rows = []
    for ids, sub in _groups(_series_frame(df, value, by, year), keys):
        observed = _require_year(sub, year, value, target_year, ids, "target_year")
        base = sub[sub[year].isin(baseline)]
        counts = base[value].to_numpy(dtype="float64")
        if (counts < 0).any():
            raise ValueError(f"{_label(ids)}: counts must be >= 0, got {counts.tolist()}")
        fit = _trend(base[year].to_numpy(dtype="float64"), counts, target_year, observed, family, ci_level)
        rows.append({**ids, "target_year": target_year, "baseline": _years_label(base[year]),
                     "ci_level": ci_level, "observed": observed, "method": TREND_METHODS[family], **fit})
    columns = [*keys, "target_year", "baseline", "n_years", "slope", "slope_se", "annual_growth_trend",
               "dispersion", "theta", "expected", "log_expected_se", "pi_low", "pi_high", "ci_level",
               "observed", "obs_over_expected", "statistic", "df", "p_val", "above_trend", "method",
               "note"]
    return pd.DataFrame(rows, columns=columns)
