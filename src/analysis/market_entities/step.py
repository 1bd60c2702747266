"""Market entities (市场主体; 经营主体 from 2023): raw table -> tidy long table -> entries, exits, net growth.

Raw layout (``data/raw/market_entities.csv``, one row per region/year/period/measure/basis as published):
``measure`` is ``stock`` (实有, 登记在册), ``new`` (新设, 新登记), ``deregistered`` (注销) or ``revoked`` (吊销,
where a register reports revocations apart; exits are both); ``period`` is ``year-end``
or another point date for stocks, ``FY`` or a part of the year for flows; ``basis`` is ``SAMR`` (the
regulator's own statistics) or ``NON-SAMR`` (commercial data providers, never mixed into the regulator's
series). Counts are written as published (``1.54亿``, ``9814.8万``, ``近3858万``): the tidy table keeps
each figure's qualifier and the interval its writing allows (``lower``..``upper``), so a rounded figure is
never treated as exact.

The analysis uses only the regulator's year-end stocks and full-year flows. A year without a year-end
stock is a gap: it is never filled; across it the change is annualised and said so. Each missing figure
carries its status from ``data/raw/gaps.csv`` (:mod:`analysis.readers.gaps`): ``not_published`` (未公布)
or ``not_collected`` (未收录: published, but not in the data), and the statements say which.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.config import PROCESSED_DATA_DIR, RAW_DATA_DIR
from analysis.readers import gaps
from analysis.readers.io import Problem, raw_file, write_csv
from analysis.parameters import ParameterError, check_lang, check_years, choose
from analysis.readers.schema import LEVEL, NOTE, REGION, SOURCE_URL, YEAR, Field, TableSchema, load_table

RAW_FILE = "market_entities.csv"
PROCESSED_FILE = "market_entities.csv"
ENTITY_TYPES = ("all_entities", "enterprises", "individual", "cooperatives")
MEASURES = ("stock", "new", "deregistered", "revoked")
#: The flows that are exits: deregistrations (注销) and, where a register reports them apart, revocations (吊销).
EXIT_MEASURES = ("deregistered", "revoked")
REGULATOR = "SAMR"
YEAR_END = "year-end"
FULL_YEAR = "FY"
#: Relative part of the consistency tolerance: a share of the opening stock (see :func:`consistency_check`).
CONSISTENCY_REL_TOLERANCE = 0.005

_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_MM, _DD = r"(?:0[1-9]|1[0-2])", r"(?:0[1-9]|[12][0-9]|3[01])"
STOCK_PERIOD_PATTERN = rf"year-end|(?:end-|early-|mid-)?{_MONTH}|at-{_MM}-{_DD}"
FLOW_PERIOD_PATTERN = rf"FY|H[12]|Q[1-4]|M{_MM}(?:-M{_MM})?|{_MM}-{_DD}\.\.{_MM}-{_DD}"


def _period_problems(parsed: pd.DataFrame, where: str) -> list[Problem]:
    """A stock needs a point date (year-end, end-Jun ...), a flow a span (FY, H1, M01-M09 ...).

    A :data:`analysis.readers.schema.TableCheck` of :data:`SCHEMA`, so ``python -m analysis validate`` checks it too.
    """
    problems = []
    for _, row in parsed.iterrows():
        stock = row["measure"] == "stock"
        pattern = STOCK_PERIOD_PATTERN if stock else FLOW_PERIOD_PATTERN
        if not re.fullmatch(f"(?:{pattern})", row["period"]):
            expected = ("a point date for a stock: year-end, end-Jun, at-12-13" if stock
                        else f"a span for {row['measure']}: FY, H1, Q1, M01-M09")
            problems.append(Problem(where, int(row["source_row"]), "period",
                                    f"period {row['period']!r} does not fit measure {row['measure']!r}", expected))
    return problems


SCHEMA = TableSchema(
    name="market_entities",
    fields=(
        REGION,
        LEVEL,
        YEAR,
        Field("period", "text", pattern=f"{STOCK_PERIOD_PATTERN}|{FLOW_PERIOD_PATTERN}",
              description="a period: year-end, end-Jun, FY, H1, Q1, M01-M09 ..."),
        Field("measure", "enum", allowed=MEASURES),
        Field("basis", "enum", allowed=(REGULATOR, "NON-SAMR")),
        Field("all_entities", "count", nullable=True, description="all market entities (市场主体)"),
        Field("enterprises", "count", nullable=True, description="enterprises (企业)"),
        Field("individual", "count", nullable=True, description="individual businesses (个体工商户)"),
        Field("cooperatives", "count", nullable=True, description="farmers' cooperatives (农民专业合作社)"),
        SOURCE_URL,
        NOTE,
    ),
    key=("region", "year", "period", "measure", "basis"),
    not_greater=(("enterprises", "all_entities"), ("individual", "all_entities"),
                 ("cooperatives", "all_entities")),
    checks=(_period_problems,),
)


# ----------------------------------------------------------------------------------------------
# Dataset step: read, tidy, process, load
# ----------------------------------------------------------------------------------------------

def read(raw_dir: Path | str = RAW_DATA_DIR, sheet: str | None = None) -> tuple[pd.DataFrame, str]:
    """Read and validate the raw table: ``market_entities.csv`` (any supported encoding) or ``.xlsx``.

    Each count column ``<type>`` comes with ``<type>_qualifier``, ``<type>_lower``/``<type>_upper`` and
    ``<type>_text`` (the figure as written), see :data:`analysis.readers.schema.COUNT_DETAILS`.
    """
    return load_table(raw_file(raw_dir, RAW_FILE), SCHEMA, sheet=sheet)


def tidy(raw: pd.DataFrame) -> pd.DataFrame:
    """One row per raw row and entity type: ``value``, ``qualifier``, ``lower``/``upper``, ``published``.

    An empty cell (a gap, see :func:`with_gaps`) stays as a row with no value and qualifier ``missing``: it never
    means zero. ``lower``/``upper`` is the interval the written figure allows (``1.54亿``:
    1.535亿..1.545亿; ``近3858万``: at most 3858万, no lower bound; an exact count: itself).
    """
    ids = ["region", "level", "year", "period", "measure", "basis"]
    parts = []
    for name in ENTITY_TYPES:
        part = raw[ids].copy()
        part["entity_type"] = name
        part["value"] = raw[name].astype("Int64")
        part["qualifier"] = raw[f"{name}_qualifier"].fillna("missing")
        part["lower"] = raw[f"{name}_lower"]
        part["upper"] = raw[f"{name}_upper"]
        part["published"] = raw[f"{name}_text"]
        part["source_url"] = raw["source_url"]
        part["note"] = raw["note"]
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    out["entity_type"] = pd.Categorical(out["entity_type"], ENTITY_TYPES, ordered=True)
    out = out.sort_values(["region", "measure", "basis", "entity_type", "year", "period"], kind="stable",
                          ignore_index=True)
    out["entity_type"] = out["entity_type"].astype(str)
    return out


def with_gaps(frame: pd.DataFrame, gap_rows: pd.DataFrame) -> pd.DataFrame:
    """The tidy table with a ``gap`` column: the status of every missing figure, empty where there is one.

    ``gap_rows`` are the market-entity rows of :func:`analysis.readers.gaps.read`. A missing cell gets
    its listed status (default ``not_collected``); a listed gap with no row in the raw table (a year-end
    stock found nowhere) becomes a row of its own on the regulator's basis, without a value, with the
    gap's ``source_url`` and ``note``.
    """
    out = frame.copy()
    missing = out["value"].isna()
    out["gap"] = ""
    out.loc[missing, "gap"] = [gaps.status(gap_rows, r.region, r.year, r.period, r.measure, r.entity_type)
                               for r in out[missing].itertuples()]
    have = set(zip(out["region"], out["year"], out["period"], out["measure"], out["entity_type"]))
    added = []
    for g in gap_rows.itertuples():
        for entity_type in ENTITY_TYPES if g.item == gaps.EVERY_ITEM else (g.item,):
            if (g.region, g.year, g.period, g.series, entity_type) in have:
                continue
            added.append({"region": g.region, "level": g.level, "year": g.year, "period": g.period,
                          "measure": g.series, "basis": REGULATOR, "entity_type": entity_type, "value": pd.NA,
                          "qualifier": "missing", "source_url": g.source_url, "note": g.note, "gap": g.status})
    if added:
        out = pd.concat([out, pd.DataFrame(added).astype({"value": "Int64"})], ignore_index=True)
    out["entity_type"] = pd.Categorical(out["entity_type"], ENTITY_TYPES, ordered=True)
    out = out.sort_values(["region", "measure", "basis", "entity_type", "year", "period"], kind="stable",
                          ignore_index=True)
    out["entity_type"] = out["entity_type"].astype(str)
    return out


def process(raw_dir: Path | str = RAW_DATA_DIR, processed_dir: Path | str = PROCESSED_DATA_DIR,
            sheet: str | None = None) -> Path:
    """Read, validate, tidy and write ``market_entities.csv`` (with the gaps' status) to the processed folder.

    ``sheet``: the sheet of a workbook to read (default: the sheet it opens on).
    """
    raw, _ = read(raw_dir, sheet=sheet)
    table = with_gaps(tidy(raw), gaps.read(raw_dir, "market_entities"))
    return write_csv(table, Path(processed_dir) / PROCESSED_FILE, keep_unchanged=True)


def load(processed_dir: Path | str = PROCESSED_DATA_DIR) -> pd.DataFrame:
    """The processed table, with the same dtypes ``tidy`` produced."""
    frame = pd.read_csv(Path(processed_dir) / PROCESSED_FILE,
                        dtype={"year": "Int64", "value": "Int64", "lower": "Float64", "upper": "Float64",
                               "region": str, "period": str, "published": str, "note": str, "gap": str})
    if "gap" in frame:
        frame["gap"] = frame["gap"].fillna("")
    return frame


# ----------------------------------------------------------------------------------------------
# Selection and parameters
# ----------------------------------------------------------------------------------------------

def series(frame: pd.DataFrame, region: str, measure: str, period: str, basis: str = REGULATOR,
           entity_types: Iterable[str] = ENTITY_TYPES) -> pd.DataFrame:
    """Published figures of one comparable series (one region, measure, period and basis) by type and year."""
    mask = (frame["region"].eq(region) & frame["measure"].eq(measure) & frame["period"].eq(period)
            & frame["basis"].eq(basis) & frame["entity_type"].isin(list(entity_types)) & frame["value"].notna())
    columns = ["entity_type", "year", "value", "qualifier", "lower", "upper", "published", "source_url"]
    out = frame.loc[mask, columns].astype({"year": "int64"})
    return out.sort_values(["entity_type", "year"], kind="stable", ignore_index=True)


def check_params(frame: pd.DataFrame, region: str, target_year: int, baseline_years,
                 entity_types: Sequence[str], lang: str) -> tuple[list[str], list[int]]:
    """Check the notebook's parameters against the data; return the entity types and the sorted baseline.

    The target and baseline years must each have a regulator's year-end stock for at least one of the
    chosen entity types (a type missing in a year is a gap the analysis states, not an error).
    """
    check_lang(lang)
    choose("region", region, frame["region"])
    if isinstance(entity_types, str) or not list(entity_types):
        raise ParameterError(f"entity_types must be a non-empty list of {', '.join(ENTITY_TYPES)}")
    for name in entity_types:
        choose("entity_type", name, ENTITY_TYPES)
    stocks = series(frame, region, "stock", YEAR_END)
    for name in entity_types:
        if not stocks["entity_type"].eq(name).any():
            have = ", ".join(t for t in ENTITY_TYPES if stocks["entity_type"].eq(t).any()) or "none"
            raise ParameterError(f"entity_type {name} has no SAMR year-end stock for {region}; "
                                 f"types with one: {have}")
    years = stocks.loc[stocks["entity_type"].isin(list(entity_types)), "year"]
    baseline = check_years(years, target_year, baseline_years, f"{region} SAMR year-end stocks")
    return list(entity_types), baseline


def sources(frame: pd.DataFrame, region: str, entity_types: Iterable[str] = ENTITY_TYPES) -> list[str]:
    """The source URLs of the figures the analysis uses: the region's SAMR year-end stocks and FY flows."""
    used = [series(frame, region, measure, period, entity_types=entity_types)
            for measure, period in (("stock", YEAR_END), ("new", FULL_YEAR), *((m, FULL_YEAR) for m in EXIT_MEASURES))]
    return sorted(set(pd.concat(used)["source_url"]))


def overview(frame: pd.DataFrame, region: str) -> pd.DataFrame:
    """Everything published for a region: one row per year/period/measure/basis, figures as written."""
    rows = frame[frame["region"].eq(region)]
    wide = rows.pivot_table(index=["year", "period", "measure", "basis"], columns="entity_type",
                            values="published", aggfunc="first", observed=True)
    wide = wide.reindex(columns=[t for t in ENTITY_TYPES if t in wide.columns]).fillna("")
    wide.columns.name = None
    return wide.reset_index().sort_values(["year", "measure", "period", "basis"], kind="stable",
                                          ignore_index=True)


# ----------------------------------------------------------------------------------------------
# Consistency of stocks and flows
# ----------------------------------------------------------------------------------------------

def _exits(flows: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Exits per ``keys`` + year: deregistrations plus revocations, from full-year rows of both measures.

    Columns ``value``, ``lower``, ``upper`` (sums; a bound unknown for either part is unknown), ``qualifier``
    (``exact`` only if every part is) and ``exits_measures``: which were published (``deregistered``,
    ``revoked`` or ``deregistered+revoked``), so the analysis says what its exits cover.
    """
    parts = flows[flows["measure"].isin(EXIT_MEASURES) & flows["value"].notna()]
    grouped = parts.groupby([*keys, "year"], sort=True, observed=True)
    out = grouped[["value"]].sum()
    for bound in ("lower", "upper"):
        out[bound] = grouped[bound].apply(lambda b: b.sum() if b.notna().all() else math.nan).astype("Float64")
    out["qualifier"] = grouped["qualifier"].agg(
        lambda q: "exact" if q.eq("exact").all() else q[q.ne("exact")].iloc[0])
    out["exits_measures"] = grouped["measure"].agg(lambda m: "+".join(x for x in EXIT_MEASURES if x in set(m)))
    return out.reset_index()


def _half_width(lower, upper) -> float:
    """Half the rounding interval of a figure; NaN when a side is unknown (a bound, an approximation)."""
    if pd.isna(lower) or pd.isna(upper):
        return math.nan
    return (float(upper) - float(lower)) / 2


def consistency_check(frame: pd.DataFrame, rel_tolerance: float = CONSISTENCY_REL_TOLERANCE) -> pd.DataFrame:
    """Does stock_t - stock_{t-1} equal new_t - exits_t wherever all four are published?

    Uses year-end stocks and full-year (FY) new registrations and exits (deregistrations, plus revocations
    where published apart) of one region, entity type and basis. One row per such case (none if no year has all four), columns ``region``,
    ``basis``, ``entity_type``, ``year``, ``opening_stock``, ``closing_stock``, ``new``, ``exits``,
    ``net_growth``, ``flow_balance`` (new - exits), ``discrepancy`` (net_growth - flow_balance),
    ``rounding_tolerance``, ``relative_tolerance``, ``tolerance``, ``consistent`` and ``note``.

    Tolerance = rounding + ``rel_tolerance`` x opening stock:

    - rounding: the sum of the four figures' half rounding intervals (1.54亿 is 1.535亿..1.545亿), the
      largest difference rounding alone can make; 0 for exact counts. A figure published only as a
      bound or an approximation (余, 近, 约) has no such interval: the case is listed, not judged.
    - relative, 0.5% of the opening stock by default: the register also changes by entities moving in
      and out of the region (迁入/迁出; Shenzhen, January 2022: 328 in and 325 out of 2.42 million
      enterprises, about 0.15% a year each way, nearly cancelling), by revocations (吊销) a source may
      not count as deregistrations, and by corrections. A slipped digit in any of the four figures is
      far larger than 0.5%.

    A case beyond the tolerance is reported (``consistent`` False), never adjusted.
    """
    stocks = frame[frame["measure"].eq("stock") & frame["period"].eq(YEAR_END) & frame["value"].notna()]
    flows = frame[frame["measure"].isin(["new", *EXIT_MEASURES]) & frame["period"].eq(FULL_YEAR)
                  & frame["value"].notna()]
    keys = ["region", "basis", "entity_type"]
    closing = stocks[[*keys, "year", "value", "lower", "upper"]]
    opening = closing.assign(year=closing["year"] + 1)
    new = flows[flows["measure"].eq("new")][[*keys, "year", "value", "lower", "upper"]]
    exits = _exits(flows, keys)[[*keys, "year", "value", "lower", "upper"]]
    cases = (closing.merge(opening, on=[*keys, "year"], suffixes=("", "_open"))
             .merge(new, on=[*keys, "year"], suffixes=("", "_new"))
             .merge(exits, on=[*keys, "year"], suffixes=("", "_exits")))
    rows = []
    for _, c in cases.iterrows():
        net_growth = float(c["value"] - c["value_open"])
        balance = float(c["value_new"] - c["value_exits"])
        rounding = sum(_half_width(c[f"lower{s}"], c[f"upper{s}"]) for s in ("", "_open", "_new", "_exits"))
        relative = rel_tolerance * float(c["value_open"])
        tolerance = rounding + relative
        discrepancy = net_growth - balance
        checkable = not math.isnan(rounding)
        rows.append({
            **{k: c[k] for k in keys}, "year": int(c["year"]), "opening_stock": int(c["value_open"]),
            "closing_stock": int(c["value"]), "new": int(c["value_new"]), "exits": int(c["value_exits"]),
            "net_growth": net_growth, "flow_balance": balance, "discrepancy": discrepancy,
            "rounding_tolerance": rounding, "relative_tolerance": relative, "tolerance": tolerance,
            "consistent": (abs(discrepancy) <= tolerance) if checkable else pd.NA,
            "note": "" if checkable else "a figure is a bound or an approximation: not judged",
        })
    columns = [*keys, "year", "opening_stock", "closing_stock", "new", "exits", "net_growth", "flow_balance",
               "discrepancy", "rounding_tolerance", "relative_tolerance", "tolerance", "consistent", "note"]
    out = pd.DataFrame(rows, columns=columns)
    out["consistent"] = out["consistent"].astype("boolean")
    return out.sort_values([*keys, "year"], kind="stable", ignore_index=True)


# ----------------------------------------------------------------------------------------------
# Entries, exits and net growth per year
# ----------------------------------------------------------------------------------------------

def _indexed(frame: pd.DataFrame, prefix: str) -> pd.DataFrame:
    """A series keyed by (entity_type, year) with columns ``<prefix>``, ``<prefix>_qualifier``, bounds."""
    out = frame.set_index(["entity_type", "year"])[["value", "qualifier", "lower", "upper"]]
    out.columns = [prefix, f"{prefix}_qualifier", f"{prefix}_low", f"{prefix}_high"]
    numbers = [prefix, f"{prefix}_low", f"{prefix}_high"]
    out[numbers] = out[numbers].astype("float64")
    return out


def missing_words(status: str, lang: str = "en") -> str:
    """How a missing figure is described: not published (未公布) or not in the data (未收录)."""
    return gaps.STATUS_WORDS[status or gaps.DEFAULT_STATUS][lang]


def _statement(row: pd.Series) -> str:
    """What cannot be computed for one year, in plain words, with the status of each missing figure."""
    year, parts = int(row["year"]), []
    if math.isnan(row["stock"]):
        parts.append(f"year-end {year} stock {missing_words(row['stock_gap'])}")
    elif pd.isna(row["prev_year"]):
        parts.append("no earlier year-end stock: net growth cannot be computed")
    elif row["years_since_prev"] > 1:
        parts.append(f"year-end {year - 1} stock {missing_words(row['opening_gap'])}: net growth {year} cannot be "
                     f"computed; annualised over {int(row['prev_year'])}-{year} ({int(row['years_since_prev'])} years) "
                     "instead")
    if not math.isnan(row["new"]) and math.isnan(row["opening_stock"]):
        parts.append(f"entry rate cannot be computed: year-end {year - 1} stock {missing_words(row['opening_gap'])}")
    if row["exits_source"] == "implied":
        parts.append(f"exits {missing_words(row['exits_gap'])}: implied as new - net growth")
    elif not math.isnan(row["net_growth"]) and math.isnan(row["new"]):
        parts.append(f"new registrations (FY) {missing_words(row['new_gap'])}: exits cannot be implied")
    return "; ".join(parts)


def _gap_lookup(frame: pd.DataFrame, region: str):
    """``status(measure, period, entity_type, year)`` of a missing regulator's figure of the region."""
    rows = frame[frame["region"].eq(region) & frame["basis"].eq(REGULATOR) & frame["value"].isna()]
    listed = ({} if "gap" not in rows else
              {(r.measure, r.period, r.entity_type, int(r.year)): r.gap for r in rows.itertuples() if r.gap})

    def status(measure: str, period: str, entity_type: str, year: int) -> str:
        return listed.get((measure, period, entity_type, int(year)), gaps.DEFAULT_STATUS)
    return status


def flows(frame: pd.DataFrame, region: str, entity_types: Iterable[str] = ENTITY_TYPES) -> pd.DataFrame:
    """Net growth, entries and exits per entity type and year, from the regulator's figures only.

    One row per type and year with a year-end stock or a full-year flow (SAMR basis; NON-SAMR figures
    never enter). Columns:

    - ``stock`` (year-end, with ``stock_qualifier``, ``stock_low``, ``stock_high``), ``opening_stock``
      (year-end of the year before, NaN if not in the data), ``prev_year`` / ``years_since_prev`` /
      ``prev_stock`` / ``prev_low`` / ``prev_high``: the previous year with a year-end stock
      (:func:`analysis.stats.counts.growth_table`);
    - ``net_growth`` = stock - opening_stock, only when both are published (never across a gap);
    - ``mean_annual_change`` = (stock - prev_stock) / years_since_prev (= net growth for one year), with
      ``change_low``/``change_high``: its bounds from the two stocks' rounding intervals
      ((lower_t - upper_prev) / gap .. (upper_t - lower_prev) / gap; NaN where a stock is only a bound);
    - ``yoy_growth`` and ``annualised_growth`` = (stock / prev_stock) ** (1 / gap) - 1;
    - ``new`` (FY, with ``new_qualifier``, ``new_low``, ``new_high``) and ``exits`` (FY: deregistrations
      plus revocations where published apart), ``exits_source``: ``published``, or ``implied`` = new - net
      growth where exits are not in the data (with ``exits_low``/``exits_high`` from the bounds);
      ``exits_measures``: what published exits cover (``deregistered``, ``revoked``, ``deregistered+revoked``);
    - ``entry_rate`` = new / opening_stock, ``exit_rate`` = exits / opening_stock;
    - ``stock_gap``, ``opening_gap``, ``new_gap``, ``exits_gap``: where that figure is missing, its
      status (``not_published`` or ``not_collected``, see :func:`with_gaps`), else empty;
    - ``note``: what cannot be computed for the year, in plain words.
    """
    types = list(entity_types)
    stocks = series(frame, region, "stock", YEAR_END, entity_types=types)
    from analysis.stats.counts import growth_table  # here: processing the table needs no scipy

    growth = growth_table(stocks.rename(columns={"value": "stock"}), value="stock", by="entity_type")
    growth = growth.set_index(["entity_type", "year"]).drop(columns="stock")
    stock = _indexed(stocks, "stock")
    opening = stock[["stock"]].rename(columns={"stock": "opening_stock"}).reset_index()
    opening = opening.assign(year=opening["year"] + 1).set_index(["entity_type", "year"])
    new = _indexed(series(frame, region, "new", FULL_YEAR, entity_types=types), "new")
    exit_rows = [series(frame, region, m, FULL_YEAR, entity_types=types).assign(measure=m) for m in EXIT_MEASURES]
    exit_table = _exits(pd.concat(exit_rows, ignore_index=True), ["entity_type"])
    exits = _indexed(exit_table, "exits").join(exit_table.set_index(["entity_type", "year"])[["exits_measures"]])
    index = stock.index.union(new.index).union(exits.index)
    out = pd.concat([stock.reindex(index), growth.reindex(index), opening.reindex(index), new.reindex(index),
                     exits.reindex(index)], axis=1).reset_index()
    out["prev_stock"] = out.pop("previous").astype("float64")
    gap = out["years_since_prev"].astype("float64")
    prev_bounds = stock[["stock_low", "stock_high"]].reset_index().rename(
        columns={"year": "prev_year", "stock_low": "prev_low", "stock_high": "prev_high"})
    out = out.merge(prev_bounds.astype({"prev_year": "Int64"}), on=["entity_type", "prev_year"], how="left")
    out["net_growth"] = out["stock"] - out["opening_stock"]
    out["mean_annual_change"] = (out["stock"] - out["prev_stock"]) / gap
    out["change_low"] = (out["stock_low"] - out["prev_high"]) / gap
    out["change_high"] = (out["stock_high"] - out["prev_low"]) / gap
    implied = out["exits"].isna() & out["new"].notna() & out["net_growth"].notna()
    out["exits_source"] = np.where(out["exits"].notna(), "published", np.where(implied, "implied", None))
    out.loc[implied, "exits"] = out["new"] - out["net_growth"]  # net growth exists only for one-year steps
    out.loc[implied, "exits_low"] = out["new_low"] - out["change_high"]
    out.loc[implied, "exits_high"] = out["new_high"] - out["change_low"]
    out["entry_rate"] = out["new"] / out["opening_stock"]
    out["exit_rate"] = out["exits"] / out["opening_stock"]
    status = _gap_lookup(frame, region)
    for column, value, measure, period, shift in (("stock_gap", "stock", "stock", YEAR_END, 0),
                                                  ("opening_gap", "opening_stock", "stock", YEAR_END, 1),
                                                  ("new_gap", "new", "new", FULL_YEAR, 0),
                                                  ("exits_gap", "exits", "deregistered", FULL_YEAR, 0)):
        out[column] = [status(measure, period, t, y - shift) if pd.isna(v) else ""
                       for t, y, v in zip(out["entity_type"], out["year"], out[value])]
    out["note"] = out.apply(_statement, axis=1)
    out["entity_type"] = pd.Categorical(out["entity_type"], ENTITY_TYPES, ordered=True)
    columns = ["entity_type", "year", "stock", "stock_qualifier", "stock_low", "stock_high", "opening_stock",
               "prev_year", "years_since_prev", "prev_stock", "prev_low", "prev_high", "net_growth",
               "mean_annual_change", "change_low", "change_high", "yoy_growth", "annualised_growth", "new",
               "new_qualifier", "new_low", "new_high", "exits", "exits_source", "exits_measures",
               "exits_low", "exits_high", "entry_rate", "exit_rate", "stock_gap", "opening_gap", "new_gap",
               "exits_gap", "note"]
    out = out[columns].sort_values(["entity_type", "year"], kind="stable", ignore_index=True)
    out["entity_type"] = out["entity_type"].astype(str)
    return out


# ----------------------------------------------------------------------------------------------
# The target year against the baseline years
# ----------------------------------------------------------------------------------------------

#: Measures compared by :func:`target_vs_baseline`: (value column, low column, high column).
MEASURE_COLUMNS = {
    "net_growth_per_year": ("mean_annual_change", "change_low", "change_high"),
    "growth_rate": ("annualised_growth", "growth_low", "growth_high"),
    "entry_rate": ("entry_rate", None, None),
    "exit_rate": ("exit_rate", None, None),
}


def _spans(rows: pd.DataFrame, measure: str) -> pd.Series:
    """The years a measure covers: ``prev_year-year`` for stock changes, ``year-1-year`` for rates."""
    if measure in ("entry_rate", "exit_rate"):
        start = rows["year"] - 1
    else:
        start = rows["prev_year"].astype("float64")
    return pd.Series([f"{int(a)}-{int(b)}" if not math.isnan(a) else "" for a, b in zip(start, rows["year"])],
                     index=rows.index, dtype=object)


def _why_not(rows: pd.DataFrame, measure: str, year: int) -> str:
    """Why a measure has no value in a year (``rows``: that year's row of :func:`flows`, or none)."""
    r = rows.iloc[0] if len(rows) else None
    if measure in ("entry_rate", "exit_rate"):
        if r is None:
            return f"no year-end {year - 1} stock and no full-year {year} flows in the data"
        if math.isnan(r["opening_stock"]):
            return f"year-end {year - 1} stock {missing_words(r['opening_gap'])}"
        if measure == "entry_rate" or math.isnan(r["new"]):
            return f"new registrations (FY) {missing_words(r['new_gap'])}"
        return "exits neither published nor implied"
    if r is None:
        return f"no year-end {year} stock in the data"
    if math.isnan(r["stock"]):
        return f"year-end {year} stock {missing_words(r['stock_gap'])}"
    return "no earlier year-end stock"


def target_vs_baseline(table: pd.DataFrame, target_year: int, baseline_years: Iterable[int]) -> pd.DataFrame:
    """Net growth and rates of the target year against the mean of the baseline years, per entity type.

    ``table`` is :func:`flows`. One row per entity type and measure:

    - ``net_growth_per_year``: the year's net growth, or across a gap the mean annual change over it
      (``target_span`` / ``baseline_spans`` say which years each value covers);
    - ``growth_rate``: year-on-year growth, or across a gap the annualised growth;
    - ``entry_rate``, ``exit_rate``: against the opening stock; only where it is published (exits
      published or implied, see ``note``).

    ``baseline_mean`` is the plain mean over the baseline years that have a value (``n``). Bounds
    (``*_low``/``*_high``) come from the rounding intervals of the published stocks: the mean of the
    baseline bounds bounds the baseline mean, and ``diff_low``/``diff_high`` = target bound minus the
    opposite baseline bound. ``note`` says what could not be computed. Descriptive only: with two or
    three baseline values there is no meaningful spread.
    """
    baseline = sorted({int(y) for y in baseline_years})
    if target_year in baseline:
        raise ValueError(f"baseline_years must not contain the target year {target_year}")
    gap = table["years_since_prev"].astype("float64")
    table = table.assign(growth_low=(table["stock_low"] / table["prev_high"]) ** (1 / gap) - 1,
                         growth_high=(table["stock_high"] / table["prev_low"]) ** (1 / gap) - 1)
    rows = []
    for entity_type, sub in table.groupby("entity_type", sort=False):
        target = sub[sub["year"].eq(target_year)]
        base = sub[sub["year"].isin(baseline)]
        for measure, (value, low, high) in MEASURE_COLUMNS.items():
            used = base[base[value].notna()]
            hit = target[target[value].notna()]
            t = hit.iloc[0] if len(hit) else None
            bounds = {"target_low": math.nan, "target_high": math.nan,
                      "baseline_low": math.nan, "baseline_high": math.nan}
            if low:
                bounds = {"target_low": t[low] if t is not None else math.nan,
                          "target_high": t[high] if t is not None else math.nan,
                          "baseline_low": used[low].mean(skipna=False) if len(used) else math.nan,
                          "baseline_high": used[high].mean(skipna=False) if len(used) else math.nan}
            target_value = float(t[value]) if t is not None else math.nan
            mean = float(used[value].mean()) if len(used) else math.nan
            notes = []
            if t is None:
                notes.append(f"{target_year}: not computable ({_why_not(target, measure, target_year)})")
            if measure == "exit_rate":
                implied = sorted(int(y) for y in pd.concat([hit, used])
                                 .loc[lambda d: d["exits_source"].eq("implied"), "year"])
                if implied:
                    notes.append(f"exits implied (new - net growth) in {', '.join(map(str, implied))}")
            missing = [y for y in baseline if y not in set(used["year"])]
            if missing:
                notes.append(f"baseline years without a value: {', '.join(map(str, missing))}")
            rows.append({
                "entity_type": entity_type, "measure": measure, "target_year": target_year,
                "target_span": _spans(hit, measure).iloc[0] if t is not None else "",
                "target": target_value, "baseline": ", ".join(map(str, baseline)),
                "baseline_spans": ", ".join(_spans(used, measure)), "n": len(used), "baseline_mean": mean,
                **bounds, "diff": target_value - mean,
                "diff_low": bounds["target_low"] - bounds["baseline_high"],
                "diff_high": bounds["target_high"] - bounds["baseline_low"], "note": "; ".join(notes),
            })
    return pd.DataFrame(rows)


def trend_comparison(table: pd.DataFrame, target_year: int, baseline_years: Iterable[int],
                     family: str = "quasipoisson") -> pd.DataFrame:
    """The target year's year-end stock and growth against the baseline years' log-linear trend.

    Fits :func:`analysis.stats.counts.loglinear_trend` to the published year-end stocks of the baseline
    years (gaps skipped, never filled) per entity type and compares the target year's stock with the
    trend's prediction interval. From the same fit: ``trend_growth_rate`` = exp(slope) - 1 against the
    ``observed_growth_rate`` (annualised over ``span``, the target year and the previous year with a
    stock), and ``trend_change_per_year`` = expected x (1 - exp(-slope x gap)) / gap, the mean annual
    net change the trend gives over the same span, against ``observed_change_per_year``.

    Types without a target-year stock get a row that says so. With three baseline years the
    prediction interval has one residual degree of freedom and is very wide; with two it is undefined.
    """
    stocks = table.loc[table["stock"].notna(), ["entity_type", "year", "stock"]]
    at_target = table[table["year"].eq(target_year) & table["stock"].notna()].set_index("entity_type")
    has_target = stocks["entity_type"].isin(at_target.index)
    from analysis.stats.counts import loglinear_trend

    fitted = loglinear_trend(stocks[has_target], baseline_years, target_year, family=family, value="stock",
                             by="entity_type")
    rows = []
    for entity_type in table["entity_type"].drop_duplicates():
        if entity_type not in at_target.index:
            gap = table.loc[table["entity_type"].eq(entity_type) & table["year"].eq(target_year), "stock_gap"]
            why = (f"year-end {target_year} stock {missing_words(gap.iloc[0])}" if len(gap)
                   else f"no year-end {target_year} stock in the data")
            rows.append({"entity_type": entity_type, "target_year": target_year, "note": f"{why}: no comparison"})
            continue
        fit = fitted[fitted["entity_type"].eq(entity_type)].iloc[0].to_dict()
        t = at_target.loc[entity_type]
        gap = float(t["years_since_prev"]) if pd.notna(t["years_since_prev"]) else math.nan
        trend_change = fit["expected"] * -math.expm1(-fit["slope"] * gap) / gap
        rows.append({**fit, "span": f"{int(t['prev_year'])}-{target_year}" if gap == gap else "",
                     "observed_growth_rate": t["annualised_growth"], "trend_growth_rate": fit["annual_growth_trend"],
                     "observed_change_per_year": t["mean_annual_change"], "trend_change_per_year": trend_change})
    columns = ["entity_type", "target_year", "baseline", "n_years", "observed", "expected", "pi_low", "pi_high",
               "ci_level", "above_trend", "statistic", "df", "p_val", "dispersion", "span", "observed_growth_rate",
               "trend_growth_rate", "observed_change_per_year", "trend_change_per_year", "method", "note"]
    return pd.DataFrame(rows, columns=columns)


# ----------------------------------------------------------------------------------------------
# Waterfall of the target year
# ----------------------------------------------------------------------------------------------

def _step(entity_type, step, year, value, bottom, low=math.nan, high=math.nan, status="published") -> dict:
    return {"entity_type": entity_type, "step": step, "year": year, "value": value, "bottom": bottom,
            "top": bottom + abs(value) if not math.isnan(value) else math.nan, "low": low, "high": high,
            "status": status}


def waterfall_steps(table: pd.DataFrame, target_year: int, entity_type: str) -> pd.DataFrame:
    """The bars of the target year's waterfall: opening stock + new - exits = closing stock.

    ``table`` is :func:`flows`. One row per bar with ``step`` (opening, new, exits, difference,
    net_change, closing), ``year``, signed ``value``, ``bottom``/``top`` of the bar, ``low``/``high``
    (the rounding bounds of the figure) and ``status``, which the figure prints:

    - ``published``; ``implied`` (exits = new - net growth, not in the data);
    - ``difference``: published flows that do not add up to the published stocks (see
      :func:`consistency_check`), shown as its own bar rather than hidden;
    - ``net_only``: the year's new registrations are not in the data, only the net change is shown;
    - ``last_published``: the opening stock (end of the previous year) is not in the data, the bar is
      the last year-end stock that is, and ``net_change`` spans the gap (status ``over_gap``);
    - ``no_opening``: no earlier year-end stock at all; ``no_closing``: no closing stock in the data
      (whether it was not published or is not collected is in :func:`flows`' ``stock_gap``).
    """
    rows = table[table["entity_type"].eq(entity_type) & table["year"].eq(target_year)]
    r = rows.iloc[0] if len(rows) else None
    if r is None or math.isnan(r["stock"]):
        return pd.DataFrame([_step(entity_type, "closing", target_year, math.nan, 0.0, status="no_closing")])
    closing = _step(entity_type, "closing", target_year, r["stock"], 0.0, r["stock_low"], r["stock_high"])
    if pd.isna(r["prev_year"]):
        return pd.DataFrame([{**closing, "status": "no_opening"}])
    gap = int(r["years_since_prev"])
    steps = [_step(entity_type, "opening", int(r["prev_year"]), r["prev_stock"], 0.0, r["prev_low"], r["prev_high"],
                   "published" if gap == 1 else "last_published")]
    level = r["prev_stock"]
    if gap == 1 and not math.isnan(r["new"]):
        steps.append(_step(entity_type, "new", target_year, r["new"], level, r["new_low"], r["new_high"]))
        level += r["new"]
        steps.append(_step(entity_type, "exits", target_year, -r["exits"], level - r["exits"], r["exits_low"],
                           r["exits_high"], r["exits_source"]))
        level -= r["exits"]
        if level != r["stock"]:
            difference = r["stock"] - level
            steps.append(_step(entity_type, "difference", target_year, difference, min(level, r["stock"]),
                               status="difference"))
    else:
        change = r["stock"] - r["prev_stock"]
        steps.append(_step(entity_type, "net_change", target_year, change, min(level, r["stock"]),
                           r["change_low"] * gap, r["change_high"] * gap, "net_only" if gap == 1 else "over_gap"))
    return pd.DataFrame([*steps, closing])
