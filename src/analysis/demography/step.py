"""Business demography from the register: births, deaths and churn, cohort survival, exit hazard by age.

Input: ``<processed dir>/register.parquet`` from the records layer, one row per entity with ``uscc``,
``entity_type`` (enterprises | individual | cooperatives), ``founded``, ``deregistered`` (注销),
``revoked`` (吊销), ``exit_date`` (the earlier of the two), ``exit_kind``, ``moved_in``, ``moved_out``,
``division_code``, and the key-value metadata ``data_end`` (the date the register is complete to).

How an entity counts in the district (the records layer's contract):

- it enters the stock on ``founded`` (a *birth*) or, if it moved in, on ``moved_in`` (not a birth);
- it leaves the stock on ``exit_date`` (a *death*: 注销 or 吊销) or on ``moved_out`` (not a death; an
  exit on or after the move-out date happened elsewhere); the stock at the end of a day counts the
  entities that entered on or before it and had not left by it;
- in survival analysis (from founding, births only) a move out censors at ``moved_out`` and an entity
  still registered is censored at ``data_end``.

A register is a census: rates are counts of the whole population, and their intervals (exact Poisson)
describe the year-to-year variation of the process of entries and exits, not sampling error.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.config import PROCESSED_DATA_DIR
from analysis.parameters import ParameterError, check_lang, choose
from analysis.readers.io import DataError, Problem, display_path
from analysis.stats.rates import poisson_rate, poisson_rate_ratio
from analysis.stats.survival import kaplan_meier, logrank_test, median_survival, survival_at

REGISTER_FILE = "register.parquet"
TYPES = ("enterprises", "individual", "cooperatives")
#: The entity types a notebook may choose: all entities together, or one registered type.
ENTITY_TYPES = ("all_entities", *TYPES)
EXIT_KINDS = ("deregistered", "revoked")
DATE_COLUMNS = ("founded", "deregistered", "revoked", "exit_date", "moved_in", "moved_out")
COLUMNS = ("uscc", "entity_type", *DATE_COLUMNS[:4], "exit_kind", *DATE_COLUMNS[4:], "division_code")
YEAR_DAYS = 365.25
#: Age bands of the exit hazard, in years: [0, 1), [1, 2), ... [10, inf).
AGE_BANDS = (0, 1, 2, 3, 5, 10, np.inf)
#: The ages of the share of exits that were young entities.
YOUNG_AGES = (1, 3, 5)
SURVIVAL_YEARS = (1, 2, 3)


# ----------------------------------------------------------------------------------------------
# Loading and checking the register
# ----------------------------------------------------------------------------------------------

def register_path(processed_dir: Path | str = PROCESSED_DATA_DIR) -> Path:
    """Where the records layer writes a dataset's register."""
    return Path(processed_dir) / REGISTER_FILE


def empty_register() -> pd.DataFrame:
    """A register with no entities and the register's columns and types."""
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS})
    return frame.astype({c: "datetime64[ns]" for c in DATE_COLUMNS})


def _problems(frame: pd.DataFrame, where: str, data_end: pd.Timestamp) -> list[Problem]:
    """What is wrong with a register, one problem per row and column (rows: records, first = 1)."""
    problems = []

    def bad(mask, column, message, expected=None):
        problems.extend(Problem(where, int(i) + 1, column, message, expected)
                        for i in np.flatnonzero(np.asarray(mask, dtype=bool)))

    bad(~frame["entity_type"].isin(TYPES), "entity_type", "unknown entity type", " | ".join(TYPES))
    bad(frame["uscc"].isna(), "uscc", "missing")
    bad(frame["uscc"].duplicated(keep="first") & frame["uscc"].notna(), "uscc", "duplicate entity",
        "one row per entity")
    bad(frame["founded"].isna(), "founded", "missing founding date")
    for column in DATE_COLUMNS:
        bad(frame[column] > data_end, column, f"date after the register's data_end {data_end.date()}")
    for column in ("exit_date", "moved_in", "moved_out"):
        bad(frame[column] < frame["founded"], column, "date before founded")
    exits = frame[["deregistered", "revoked"]].min(axis=1)
    bad(~((frame["exit_date"] == exits) | (frame["exit_date"].isna() & exits.isna())), "exit_date",
        "not the earlier of deregistered and revoked")
    kind = np.where(frame["exit_date"].isna(), None,
                    np.where(frame["exit_date"].eq(frame["deregistered"]), "deregistered", "revoked"))
    bad(pd.Series(kind, index=frame.index).ne(frame["exit_kind"]) & (frame["exit_kind"].notna() | kind.astype(bool)),
        "exit_kind", "does not match the exit date", "deregistered | revoked where exit_date is set, else null")
    bad(frame["moved_out"] < frame["moved_in"], "moved_out", "moved out before moving in")
    bad(frame["exit_date"] < frame["moved_in"], "exit_date", "exit before moving in")
    return problems


def validate(frame: pd.DataFrame, where: str, data_end) -> pd.DataFrame:
    """Check a register's columns and rows; raise :class:`DataError` naming file, record and column."""
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise DataError([Problem(where, None, c, "column missing", "the register's columns") for c in missing])
    frame = frame[list(COLUMNS)].copy()
    for column in ("uscc", "entity_type", "exit_kind", "division_code"):  # plain text, also from categoricals
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    for column in DATE_COLUMNS:
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]")
    problems = _problems(frame, where, pd.Timestamp(data_end))
    if problems:
        raise DataError(problems)
    return frame


def load(processed_dir: Path | str = PROCESSED_DATA_DIR) -> tuple[pd.DataFrame, dt.date | None]:
    """The checked register and its ``data_end``; an empty register and None if the dataset has none."""
    import pyarrow.parquet as pq

    path = register_path(processed_dir)
    if not path.is_file():
        return empty_register(), None
    where = display_path(path)
    table = pq.read_table(path)
    metadata = {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items()}
    if "data_end" not in metadata:
        raise DataError([Problem(where, None, None, "no data_end in the Parquet key-value metadata",
                                 "data_end: an ISO date")])
    try:
        data_end = dt.date.fromisoformat(metadata["data_end"])
    except ValueError:
        raise DataError([Problem(where, None, None, f"data_end {metadata['data_end']!r} is not a date",
                                 "an ISO date, e.g. 2022-06-30")]) from None
    return validate(table.to_pandas(), where, data_end), data_end


def last_complete_year(data_end: dt.date) -> int:
    """The last calendar year the register covers whole (through 31 December)."""
    return data_end.year if (data_end.month, data_end.day) == (12, 31) else data_end.year - 1


def check_params(register: pd.DataFrame, data_end: dt.date | None, target_year: int, baseline_years,
                 entity_types: Sequence[str], lang: str) -> tuple[list[str], list[int]]:
    """Check the notebook's parameters against the register; return the entity types and sorted baseline.

    The target and baseline years must be complete years of the register (through 31 December, and
    after the year of its first founding, so that each has an opening stock). Without a register only
    the parameters themselves are checked.
    """
    check_lang(lang)
    if isinstance(entity_types, str) or not list(entity_types):
        raise ParameterError(f"entity_types must be a non-empty list of {', '.join(ENTITY_TYPES)}")
    for name in entity_types:
        choose("entity_type", name, ENTITY_TYPES)
    baseline = sorted({int(y) for y in baseline_years})
    if not baseline:
        raise ParameterError("baseline_years is empty; give at least one earlier year")
    if int(target_year) in baseline:
        raise ParameterError(f"baseline_years must not contain the target year {target_year}")
    if data_end is None:
        return list(entity_types), baseline
    first = register["founded"].min().year + 1 if len(register) else data_end.year + 1
    years = list(range(first, last_complete_year(data_end) + 1))
    have = f"{years[0]}-{years[-1]}" if years else "none"
    for year in [int(target_year), *baseline]:
        if year not in years:
            raise ParameterError(f"year {year} is not a complete year of the register (data_end {data_end}, "
                                 f"first founding {first - 1}); complete years with an opening stock: {have}")
    return list(entity_types), baseline


def of_type(register: pd.DataFrame, entity_type: str) -> pd.DataFrame:
    """The register's entities of one type (``all_entities``: every entity)."""
    return register if entity_type == "all_entities" else register[register["entity_type"].eq(entity_type)]


# ----------------------------------------------------------------------------------------------
# Spells in the district
# ----------------------------------------------------------------------------------------------

def _days(column: pd.Series) -> np.ndarray:
    """Dates as day numbers (float, NaN for none)."""
    values = column.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    out = values.astype("int64").astype("float64")
    out[np.isnat(values)] = np.nan
    return out


def spells(register: pd.DataFrame) -> pd.DataFrame:
    """Each entity's stay in the district, as day numbers (days since 1970-01-01).

    ``founded``, ``entry`` (founded, or moved_in), ``birth`` (founded here, not moved in), ``leave``
    (the exit or the move out; NaN while registered), ``death`` (an exit in the district: before any
    move out), ``deregistered`` and ``revoked`` (the death's kind), ``moved_in``, ``moved_out``.
    """
    founded, exit_day = _days(register["founded"]), _days(register["exit_date"])
    moved_in, moved_out = _days(register["moved_in"]), _days(register["moved_out"])
    birth = np.isnan(moved_in)
    death = ~np.isnan(exit_day) & (np.isnan(moved_out) | (exit_day < moved_out))
    left_by_move = ~np.isnan(moved_out) & ~death
    kind = register["exit_kind"].to_numpy()
    return pd.DataFrame({
        "entity_type": register["entity_type"].to_numpy(), "founded": founded,
        "entry": np.where(birth, founded, moved_in), "birth": birth,
        "leave": np.where(death, exit_day, np.where(left_by_move, moved_out, np.nan)), "death": death,
        "deregistered": death & (kind == "deregistered"), "revoked": death & (kind == "revoked"),
        "moved_in": ~birth, "moved_out": left_by_move,
    })


def _day(value) -> float:
    return float((np.datetime64(value, "D") - np.datetime64("1970-01-01", "D")).astype("int64"))


def _count_in(days: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """How many of ``days`` fall in each [start, end] (inclusive day numbers)."""
    days = np.sort(days[~np.isnan(days)])
    return np.searchsorted(days, ends, side="right") - np.searchsorted(days, starts, side="left")


# ----------------------------------------------------------------------------------------------
# Births, deaths and churn per year and month
# ----------------------------------------------------------------------------------------------

def _periods(first_year: int, data_end: dt.date, freq: str) -> pd.DataFrame:
    """Calendar years or months from ``first_year`` to ``data_end``: ``period``, ``start``, ``end``, ``complete``."""
    if freq not in ("year", "month"):
        raise ValueError(f"freq must be 'year' or 'month', got {freq!r}")
    index = pd.period_range(f"{first_year}-01", pd.Timestamp(data_end), freq="Y" if freq == "year" else "M")
    starts, ends = index.start_time.normalize(), index.end_time.normalize()
    return pd.DataFrame({"period": index.astype(str), "year": index.year, "month": index.month if freq == "month"
                         else 0, "start": starts.date, "end": ends.date,
                         "complete": ends <= pd.Timestamp(data_end)})


def flows(register: pd.DataFrame, data_end: dt.date | None, entity_types: Iterable[str],
          freq: str = "year") -> pd.DataFrame:
    """Births, deaths and churn per entity type and calendar year (``freq="year"``) or month.

    One row per type and period from the first founding to ``data_end``: ``opening_stock`` (at the end of
    the previous period), ``births``, ``deaths`` (``deregistered`` + ``revoked``), ``moved_in``,
    ``moved_out``, ``closing_stock`` (= opening + births - deaths + moved_in - moved_out), ``net_growth``
    and the rates against the opening stock: ``birth_rate``, ``death_rate``, ``deregistration_rate``,
    ``revocation_rate``, ``churn_rate`` (births + deaths). ``complete`` is False for a period the
    register covers only in part (its counts are to ``data_end``). Empty without a register.
    """
    columns = ["entity_type", "period", "year", "month", "start", "end", "complete", "opening_stock", "births",
               "deaths", "deregistered", "revoked", "moved_in", "moved_out", "closing_stock", "net_growth",
               "birth_rate", "death_rate", "deregistration_rate", "revocation_rate", "churn_rate"]
    if data_end is None or register.empty:
        return pd.DataFrame(columns=columns)
    periods = _periods(int(register["founded"].min().year), data_end, freq)
    starts = np.array([_day(d) for d in periods["start"]])
    ends = np.array([_day(d) for d in periods["end"]])
    parts = []
    for entity_type in entity_types:
        s = spells(of_type(register, entity_type))
        counts = {name: _count_in(s.loc[s[flag], day], starts, ends) for name, flag, day in (
            ("births", "birth", "entry"), ("deaths", "death", "leave"), ("deregistered", "deregistered", "leave"),
            ("revoked", "revoked", "leave"), ("moved_in", "moved_in", "entry"), ("moved_out", "moved_out", "leave"))}
        entered = np.searchsorted(np.sort(s["entry"].to_numpy()), starts - 1, side="right")
        left = np.searchsorted(np.sort(s["leave"].dropna().to_numpy()), starts - 1, side="right")
        part = periods.assign(entity_type=entity_type, opening_stock=entered - left, **counts)
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    out["closing_stock"] = (out["opening_stock"] + out["births"] - out["deaths"] + out["moved_in"]
                            - out["moved_out"])
    out["net_growth"] = out["closing_stock"] - out["opening_stock"]
    opening = out["opening_stock"].where(out["opening_stock"] > 0).astype("float64")
    for rate, count in (("birth_rate", "births"), ("death_rate", "deaths"), ("deregistration_rate", "deregistered"),
                        ("revocation_rate", "revoked")):
        out[rate] = out[count] / opening
    out["churn_rate"] = (out["births"] + out["deaths"]) / opening
    return out[columns]


#: The counts behind each rate of :func:`target_vs_baseline`.
RATE_COUNTS = {"birth_rate": "births", "death_rate": "deaths", "deregistration_rate": "deregistered",
               "revocation_rate": "revoked"}


def target_vs_baseline(yearly: pd.DataFrame, target_year: int, baseline_years: Iterable[int],
                       ci_level: float = 0.95) -> pd.DataFrame:
    """The target year's birth and death rates against the pooled baseline years, per entity type.

    ``yearly``: :func:`flows` by year. One row per type and rate: the target year's count, opening
    stock and rate with its exact Poisson interval; the baseline's pooled rate (its counts over its
    opening stocks) and the plain mean of its yearly rates; ``estimate`` = the rate ratio target /
    pooled baseline with its exact interval and p (R ``poisson.test``). For a census the interval asks
    whether the change exceeds the year-to-year variation of a Poisson process of entries and exits.
    """
    baseline = sorted({int(y) for y in baseline_years})
    rows = []
    for entity_type, sub in yearly.groupby("entity_type", sort=False):
        target = sub[sub["year"].eq(target_year)]
        base = sub[sub["year"].isin(baseline)]
        if target.empty or target["opening_stock"].iloc[0] <= 0 or base["opening_stock"].sum() <= 0:
            continue
        t = target.iloc[0]
        for rate, count in RATE_COUNTS.items():
            target_rate = poisson_rate(int(t[count]), float(t["opening_stock"]), ci_level)
            pooled = (int(base[count].sum()), float(base["opening_stock"].sum()))
            ratio = poisson_rate_ratio(int(t[count]), float(t["opening_stock"]), *pooled, ci_level).iloc[0]
            rows.append({
                "entity_type": entity_type, "measure": rate, "target_year": target_year, "count": int(t[count]),
                "opening_stock": int(t["opening_stock"]), "target": target_rate["rate"],
                "target_low": target_rate["lower"], "target_high": target_rate["upper"],
                "baseline": ", ".join(map(str, baseline)), "baseline_count": pooled[0],
                "baseline_opening_stock": int(pooled[1]), "baseline_pooled": pooled[0] / pooled[1],
                "baseline_mean": float(base[rate].mean()), **ratio.to_dict(),
            })
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------------------------
# Survival of birth cohorts
# ----------------------------------------------------------------------------------------------

def cohort_times(register: pd.DataFrame, data_end: dt.date, cohort: int,
                 window_days: float | None = None) -> pd.DataFrame:
    """Days from founding to exit (``event`` 1) or to censoring (``event`` 0) for one birth cohort.

    Births only (entities founded in the district in the year ``cohort``). Censored at ``moved_out``
    or, still registered, at ``data_end``; with ``window_days`` also at that age (administrative end
    of a common follow-up window: an exit after it is censored there).
    """
    s = spells(register)
    s = s[s["birth"] & (s["founded"] >= _day(f"{cohort}-01-01")) & (s["founded"] <= _day(f"{cohort}-12-31"))]
    end = np.where(np.isnan(s["leave"]), _day(data_end), s["leave"])
    time, event = end - s["founded"].to_numpy(), s["death"].to_numpy().astype("int64")
    if window_days is not None:
        event = np.where(time > window_days, 0, event)
        time = np.minimum(time, window_days)
    return pd.DataFrame({"time": time, "event": event})


def cohort_curves(register: pd.DataFrame, data_end: dt.date | None, cohorts: Iterable[int],
                  entity_types: Iterable[str], ci_level: float = 0.95) -> pd.DataFrame:
    """Kaplan-Meier curves of birth cohorts per entity type (:func:`analysis.stats.survival.kaplan_meier`).

    One row per type, cohort and distinct time, with ``years`` = days / 365.25; a row at age 0 with S = 1
    starts each curve (unless exits on the founding day already lower it).
    """
    parts = []
    for entity_type in ([] if data_end is None else entity_types):
        for cohort in cohorts:
            times = cohort_times(of_type(register, entity_type), data_end, cohort)
            if times.empty:
                continue
            curve = kaplan_meier(times["time"], times["event"], ci_level)
            if curve["time"].iloc[0] > 0:
                start = {"time": 0.0, "n_risk": len(times), "n_event": 0, "n_censor": 0, "surv": 1.0,
                         "std_err": 0.0, "std_err_log": 0.0, "lower": 1.0, "upper": 1.0, "ci_level": ci_level}
                curve = pd.concat([pd.DataFrame([start]), curve], ignore_index=True)
            parts.append(curve.assign(entity_type=entity_type, cohort=cohort, years=curve["time"] / YEAR_DAYS))
    columns = ["entity_type", "cohort", "time", "years", "n_risk", "n_event", "n_censor", "surv", "std_err",
               "lower", "upper", "ci_level"]
    return pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns)


def cohort_survival(register: pd.DataFrame, data_end: dt.date | None, cohorts: Iterable[int],
                    entity_types: Iterable[str], ci_level: float = 0.95) -> pd.DataFrame:
    """1-, 2- and 3-year survival and the median survival of each birth cohort, per entity type.

    One row per type and cohort: ``births``, ``exits`` (observed), ``follow_up_years`` (the longest),
    ``surv_1y`` .. ``surv_3y`` with ``*_low``/``*_high`` (Kaplan-Meier, log interval; missing where the
    cohort has not been followed that long), ``median_years`` with its interval (missing: not reached).
    """
    rows = []
    for entity_type in ([] if data_end is None else entity_types):
        for cohort in cohorts:
            times = cohort_times(of_type(register, entity_type), data_end, cohort)
            row = {"entity_type": entity_type, "cohort": cohort, "births": len(times),
                   "exits": int(times["event"].sum()),
                   "follow_up_years": times["time"].max() / YEAR_DAYS if len(times) else np.nan}
            if times.empty:
                rows.append(row)
                continue
            curve = kaplan_meier(times["time"], times["event"], ci_level)
            at = survival_at(curve, [k * YEAR_DAYS for k in SURVIVAL_YEARS])
            for k, (_, r) in zip(SURVIVAL_YEARS, at.iterrows()):
                row |= {f"surv_{k}y": r["surv"], f"surv_{k}y_low": r["lower"], f"surv_{k}y_high": r["upper"]}
            median = median_survival(curve)
            row |= {"median_years": median["median"] / YEAR_DAYS, "median_low": median["lower"] / YEAR_DAYS,
                    "median_high": median["upper"] / YEAR_DAYS}
            rows.append(row)
    columns = ["entity_type", "cohort", "births", "exits", "follow_up_years",
               *[f"surv_{k}y{s}" for k in SURVIVAL_YEARS for s in ("", "_low", "_high")],
               "median_years", "median_low", "median_high"]
    return pd.DataFrame(rows, columns=columns)


def common_window_days(data_end: dt.date, target_year: int) -> float:
    """The follow-up every cohort can be compared over: from 1 January of the target year to ``data_end``."""
    return _day(data_end) - _day(f"{target_year}-01-01")


def cohort_logrank(register: pd.DataFrame, data_end: dt.date | None, target_year: int,
                   baseline_years: Iterable[int], entity_types: Iterable[str]) -> pd.DataFrame:
    """The target year's birth cohort against each baseline cohort and all of them, on the common window.

    Every cohort is followed to the same age, :func:`common_window_days` (exits after it censored), so
    the older cohorts' longer follow-up does not enter. One row per type and comparison, from
    :func:`analysis.stats.survival.logrank_test`: ``hazard_ratio`` is the target cohort's against the
    baseline (O/E ratio; above 1: the target cohort exits faster).
    """
    rows = []
    if data_end is None:
        return pd.DataFrame(rows)
    window = common_window_days(data_end, target_year)
    baseline = sorted({int(y) for y in baseline_years})
    for entity_type in entity_types:
        entities = of_type(register, entity_type)
        target = cohort_times(entities, data_end, target_year, window)
        pooled = [(", ".join(map(str, baseline)), baseline)] if len(baseline) > 1 else []
        for label, years in [*((str(y), [y]) for y in baseline), *pooled]:
            base = pd.concat([cohort_times(entities, data_end, y, window) for y in years], ignore_index=True)
            if target.empty or base.empty:
                continue
            # group 0 = baseline, 1 = target: the hazard ratio is the target's against the baseline
            test = logrank_test(np.r_[base["time"], target["time"]], np.r_[base["event"], target["event"]],
                                np.r_[np.zeros(len(base), int), np.ones(len(target), int)]).iloc[0].to_dict()
            rows.append({"entity_type": entity_type, "target_cohort": target_year, "baseline_cohorts": label,
                         "window_years": window / YEAR_DAYS, "n_target": len(target), "n_baseline": len(base),
                         **{k: v for k, v in test.items() if k != "groups"}})
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------------------------
# Exits by age
# ----------------------------------------------------------------------------------------------

def _band_labels(bands=AGE_BANDS) -> list[str]:
    return [f"{a:g}-{b:g}" if np.isfinite(b) else f"{a:g}+" for a, b in zip(bands[:-1], bands[1:])]


def age_exposure(register: pd.DataFrame, data_end: dt.date, year: int, bands=AGE_BANDS) -> pd.DataFrame:
    """Exits and person-years in the district by age band in one calendar year (a Lexis split).

    Person-time runs from the later of entry and 1 January to the earlier of leaving, 31 December and
    ``data_end``; an exit is counted in the band of the entity's age (from founding) on its exit day.
    """
    s = spells(register)
    start = np.maximum(s["entry"].to_numpy(), _day(f"{year}-01-01"))
    stop = np.fmin(s["leave"].to_numpy(), min(_day(f"{year}-12-31"), _day(data_end)) + 1)
    founded, leave, death = s["founded"].to_numpy(), s["leave"].to_numpy(), s["death"].to_numpy()
    died = death & (leave >= _day(f"{year}-01-01")) & (leave <= _day(f"{year}-12-31"))
    age_at_exit = (leave - founded) / YEAR_DAYS
    rows = []
    for label, low, high in zip(_band_labels(bands), bands[:-1], bands[1:]):
        band_start = np.maximum(start, founded + low * YEAR_DAYS)
        band_stop = np.minimum(stop, founded + high * YEAR_DAYS)
        days = np.clip(band_stop - band_start, 0, None).sum()
        exits = int((died & (age_at_exit >= low) & (age_at_exit < high)).sum())
        rows.append({"age_band": label, "age_low": low, "exits": exits, "person_years": days / YEAR_DAYS})
    return pd.DataFrame(rows)


def age_exit_rates(register: pd.DataFrame, data_end: dt.date | None, target_year: int,
                   baseline_years: Iterable[int], entity_types: Iterable[str], ci_level: float = 0.95) -> pd.DataFrame:
    """The exit hazard by age: exits per person-year in each age band, target year against the baseline.

    One row per type and age band: the target year's ``exits``, ``person_years``, ``rate`` with its
    exact Poisson interval; the pooled baseline years' ``baseline_exits``, ``baseline_person_years``,
    ``baseline_rate`` and interval; ``estimate`` = rate ratio target / baseline with interval and p.
    """
    rows = []
    if data_end is None:
        return pd.DataFrame(rows)
    baseline = sorted({int(y) for y in baseline_years})
    for entity_type in entity_types:
        entities = of_type(register, entity_type)
        target = age_exposure(entities, data_end, target_year)
        base = sum(age_exposure(entities, data_end, y)[["exits", "person_years"]] for y in baseline)
        for (_, t), (_, b) in zip(target.iterrows(), base.iterrows()):
            row = {"entity_type": entity_type, "age_band": t["age_band"], "age_low": t["age_low"],
                   "target_year": target_year, "exits": int(t["exits"]), "person_years": t["person_years"],
                   "baseline": ", ".join(map(str, baseline)), "baseline_exits": int(b["exits"]),
                   "baseline_person_years": b["person_years"]}
            for prefix, exits, exposure in (("", t["exits"], t["person_years"]),
                                            ("baseline_", b["exits"], b["person_years"])):
                rate = poisson_rate(int(exits), exposure, ci_level) if exposure > 0 else {}
                row |= {f"{prefix}rate": rate.get("rate", np.nan), f"{prefix}rate_low": rate.get("lower", np.nan),
                        f"{prefix}rate_high": rate.get("upper", np.nan)}
            if t["person_years"] > 0 and b["person_years"] > 0:
                row |= poisson_rate_ratio(int(t["exits"]), t["person_years"], int(b["exits"]),
                                          b["person_years"], ci_level).iloc[0].to_dict()
            rows.append(row)
    return pd.DataFrame(rows)


def young_exit_shares(register: pd.DataFrame, data_end: dt.date | None, target_year: int,
                      baseline_years: Iterable[int], entity_types: Iterable[str]) -> pd.DataFrame:
    """The share of a year's exits (deaths in the district) that were entities under 1, 3 and 5 years old.

    One row per type, period (the target year, and the baseline years pooled) and age: ``exits``,
    ``young_exits`` (age at exit under ``under_years``, from founding), ``share``.
    """
    rows = []
    if data_end is None:
        return pd.DataFrame(rows)
    baseline = sorted({int(y) for y in baseline_years})
    for entity_type in entity_types:
        s = spells(of_type(register, entity_type))
        s = s[s["death"]]
        year = pd.to_datetime(s["leave"], unit="D").dt.year
        age = (s["leave"] - s["founded"]) / YEAR_DAYS
        for period, years in ((str(target_year), [target_year]), (", ".join(map(str, baseline)), baseline)):
            in_period = year.isin(years)
            for under in YOUNG_AGES:
                young = int((in_period & (age < under)).sum())
                total = int(in_period.sum())
                rows.append({"entity_type": entity_type, "years": period, "under_years": under, "exits": total,
                             "young_exits": young, "share": young / total if total else np.nan})
    return pd.DataFrame(rows)
