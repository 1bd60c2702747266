"""The annual work summary's figures (:mod:`analysis.summary.indicators`) against the structured data.

The summary states its figures with redactions (``专利授权量XXX件``: 100 to 999). For the figures the
three analyses also compute, :func:`compare` sets the stated value or bounds beside the processed
tables of one dataset, region and year and gives a verdict:

- ``consistent``: the structured value (or its whole rounding interval) lies within the stated bounds;
- ``contradiction``: it lies entirely outside them; for a stated growth rate, the growth the two
  years' counts imply;
- ``not comparable``: no structured counterpart (no data for the region or year, another unit), or
  an interval that overlaps the stated bounds only in part; ``reason`` says which.

Compared (:data:`COMPARED`): patents granted (``patents.csv``, total, basis ``all`` else ``domestic``)
and their growth on the year before; new market entities, of which individual businesses and
farmers' cooperatives (``market_entities.csv``, SAMR, FY ``new``; the breakdown only in a sentence on
new registrations) and the net growth of all entities (year-end stock minus the previous year-end
stock); food batches sampled (``sampling.csv``, FY, category ``all``, the region's own sampling
``region_reported`` else ``all_levels``; never ``national_organised``).
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pandas as pd

from analysis.market_entities import step as market_entities
from analysis.patents import step as patents
from analysis.sampling import step as sampling
from analysis.config import PROJ_ROOT
from analysis.readers.io import DataError
from analysis.summary.indicators import DOMAIN_KEYWORDS, OTHER_DOMAIN, extract_indicators
from analysis.summary.text import read_summary
from analysis.summary.year import check_reported_year
from analysis.summary.years import YearSummary, indicator_name, printed_interval, read_year_summaries
from analysis.present.labels import format_bounds, format_figure
from analysis.parameters import ParameterError, check_lang

#: Domains in display order.
DOMAINS = tuple(d for d, _ in DOMAIN_KEYWORDS) + (OTHER_DOMAIN,)
FIGURE_COLUMNS = ["domain", "object", "written", "value", "lower", "upper", "unit", "qualifier", "is_growth_rate",
                  "role"]
COMPARISON_COLUMNS = ["indicator", "object", "stated_value", "stated_lower", "stated_upper", "unit", "qualifier",
                      "structured_value", "structured_lower", "structured_upper", "structured_source",
                      "source_url", "verdict", "reason"]
PATENT_BASES = ("all", "domestic")
SAMPLING_SCOPES = ("region_reported", "all_levels")


@dataclass(frozen=True)
class Counterpart:
    """The structured value of a compared figure, its interval, where it comes from; or why there is none."""

    value: float = math.nan
    lower: float = math.nan
    upper: float = math.nan
    source: str = ""
    source_url: str = ""
    note: str = ""

    @property
    def found(self) -> bool:
        return not math.isnan(self.value)


# ---------------------------------------------------------------------------------------- parameters
def summary_file(summary_path: str | Path) -> Path:
    """The summary's path, relative to the project root unless absolute."""
    return PROJ_ROOT / summary_path


def check_params(summary_path: str | Path, region: str, target_year: int, lang: str,
                 earlier_summary_paths: list = ()) -> list[YearSummary]:
    """Check the notebook's parameters; return the summaries, the target year's first, then the earlier ones by year.

    An empty ``summary_path`` means no summary was given (an empty list). The target year's summary must
    report on ``target_year`` (:func:`analysis.summary.year.check_reported_year`), each earlier one on an
    earlier year. A region without structured data is not an error: every comparison then says so.
    """
    check_lang(lang)
    if not isinstance(region, str) or not region.strip():
        raise ParameterError(f"region must be a region name, got {region!r}")
    if isinstance(target_year, bool) or not isinstance(target_year, int):
        raise ParameterError(f"target_year must be a year such as 2021, got {target_year!r}")
    if not summary_path:
        if earlier_summary_paths:
            raise ParameterError("earlier_summary_paths given without a summary_path for the target year")
        return []
    paths = [summary_path, *earlier_summary_paths]
    for name, path in zip(["summary_path"] + ["earlier_summary_paths"] * len(earlier_summary_paths), paths):
        if not summary_file(path).is_file():
            raise ParameterError(f"{name} {str(path)!r}: no such file (relative to the project root)")
    text = read_summary(summary_file(summary_path))
    year = check_reported_year(text, target_year, f"summary_path {summary_path}")
    summaries = [YearSummary(summary_file(summary_path).name, target_year if year is None else year, text,
                             extract_indicators(text))]
    try:
        earlier = read_year_summaries([summary_file(p) for p in earlier_summary_paths])
    except DataError as err:
        raise ParameterError(f"earlier_summary_paths: {str(err).splitlines()[0]}") from None
    later = [s.name for s in earlier if s.year >= target_year]
    if later:
        raise ParameterError(f"earlier_summary_paths: {later[0]} does not report on a year before {target_year}")
    return summaries + earlier


# ---------------------------------------------------------------------------------------- the figures
def figures(rows: pd.DataFrame, text: str) -> pd.DataFrame:
    """The stated figures by domain (:data:`DOMAINS`), then in text order, with what the summary wrote.

    ``rows``: :func:`analysis.summary.indicators.extract_indicators` of ``text``; columns :data:`FIGURE_COLUMNS`.
    """
    rank = rows["domain"].map({d: i for i, d in enumerate(DOMAINS)})
    ordered = rows.assign(_rank=rank).sort_values(["_rank", "start"], kind="stable")
    ordered["written"] = [text[start:end] for start, end in zip(ordered["start"], ordered["end"])]
    return ordered[FIGURE_COLUMNS].reset_index(drop=True)


def domain_counts(rows: pd.DataFrame) -> pd.DataFrame:
    """Per domain: ``figures``, of which ``redacted``, ``with_bounds`` (a lower or upper bound known) and
    ``growth_rates``; domains without a figure are left out."""
    table = pd.DataFrame({
        "domain": rows["domain"], "figures": 1, "redacted": rows["qualifier"].eq("redacted").astype(int),
        "with_bounds": (rows["lower"].notna() | rows["upper"].notna()).astype(int),
        "growth_rates": rows["is_growth_rate"].astype(int)})
    counts = table.groupby("domain").sum()
    return counts.reindex([d for d in DOMAINS if d in counts.index]).reset_index()


def redactions(figures_table: pd.DataFrame) -> pd.DataFrame:
    """The redacted figures of :func:`figures` and the bounds each allows.

    ``XX`` is 10 to 99; ``XXX余`` at least 100; a unit left without its number (``罚款万元``) has no bounds.
    """
    redacted = figures_table[figures_table["qualifier"].eq("redacted")]
    return redacted.drop(columns=["value", "qualifier"]).reset_index(drop=True)


def bounds_counts(redacted: pd.DataFrame) -> pd.DataFrame:
    """How many redacted figures have each pair of bounds (``bounds`` as :func:`format_bounds` writes it)."""
    keys = redacted[["lower", "upper"]].astype(float).fillna(math.inf)
    counts = keys.value_counts(sort=False).rename("n").reset_index().sort_values(["lower", "upper"])
    counts = counts.replace(math.inf, math.nan)
    counts.insert(0, "bounds", [format_bounds(lo, hi, "en") for lo, hi in zip(counts["lower"], counts["upper"])])
    return counts.reset_index(drop=True)


def excluded_by_reason(unparsed: pd.DataFrame) -> pd.DataFrame:
    """The number-like mentions that are not figures, counted by reason, with up to three examples."""
    groups = unparsed.groupby("reason", sort=False)["text"]
    out = pd.DataFrame({"n": groups.size(), "examples": groups.agg(lambda t: " / ".join(list(dict.fromkeys(t))[:3]))})
    return out.sort_values("n", ascending=False, kind="stable").reset_index()


# ---------------------------------------------------------------------------------------- counterparts
def _count(value, qualifier: str, source: str, source_url: str, lower=math.nan, upper=math.nan) -> Counterpart:
    """A published count with its interval: its own for an exact count, the table's bounds otherwise.

    A rounded count whose table keeps no bounds is judged on its published value, and says so.
    """
    value = float(value)
    if qualifier == "exact":
        return Counterpart(value, value, value, source, source_url)
    if not (pd.isna(lower) and pd.isna(upper)):
        return Counterpart(value, float(lower), float(upper), source, source_url)
    return Counterpart(value, value, value, source, source_url, f"published {qualifier}: judged on its value")


def _notes(*parts: Counterpart) -> str:
    """The notes of the parts, each once, in order."""
    return "; ".join(dict.fromkeys(p.note for p in parts if p.note))


def _preferred(rows: pd.DataFrame, column: str, order: tuple[str, ...]) -> pd.Series | None:
    """The first row whose ``column`` comes earliest in ``order`` (e.g. basis all before domestic), or None."""
    for value in order:
        hit = rows[rows[column].eq(value)]
        if len(hit):
            return hit.iloc[0]
    return None


def _patents_total(patents: pd.DataFrame, region: str, year: int) -> Counterpart:
    rows = patents[patents["region"].eq(region) & patents["patent_type"].eq("total") & patents["year"].eq(year)]
    r = _preferred(rows, "basis", PATENT_BASES)
    if r is not None:
        return _count(r["granted"], r["granted_qualifier"], f"patents.csv {region} {year} total, basis {r['basis']}",
                      r["source_url"])
    return Counterpart(note=f"no total of patents granted for {region} in {year} (basis all or domestic)")


def _patents_growth(patents: pd.DataFrame, region: str, year: int) -> Counterpart:
    """Growth in % from the year before, bounded by the two counts' intervals."""
    now, before = _patents_total(patents, region, year), _patents_total(patents, region, year - 1)
    for part in (now, before):
        if not part.found:
            return part
    if before.value == 0:
        return Counterpart(note=f"no patents granted in {year - 1}: growth undefined")
    upper = 100 * (now.upper / before.lower - 1) if before.lower > 0 else math.nan
    return Counterpart(100 * (now.value / before.value - 1), 100 * (now.lower / before.upper - 1), upper,
                       f"{now.source}, growth on {year - 1}", now.source_url, _notes(now, before))


def _entities(frame: pd.DataFrame, region: str, year: int, measure: str, period: str,
              entity_type: str) -> Counterpart:
    rows = market_entities.series(frame, region, measure, period, entity_types=[entity_type])
    hit = rows[rows["year"].eq(year)]
    if hit.empty:
        return Counterpart(note=f"no SAMR {period} {measure} of {entity_type} for {region} in {year}")
    r = hit.iloc[0]
    return _count(r["value"], r["qualifier"], f"market_entities.csv {region} {year} {period} {measure} {entity_type}",
                  r["source_url"], r["lower"], r["upper"])


def _net_growth(frame: pd.DataFrame, region: str, year: int) -> Counterpart:
    """Year-end stock minus the previous year-end stock of all entities, bounded by both intervals."""
    now, before = (_entities(frame, region, y, "stock", market_entities.YEAR_END, "all_entities")
                   for y in (year, year - 1))
    for part in (now, before):
        if not part.found:
            return Counterpart(note=f"{part.note}: net growth not computable")
    return Counterpart(now.value - before.value, now.lower - before.upper, now.upper - before.lower,
                       f"{now.source} minus {year - 1}", now.source_url, _notes(now, before))


def _food_batches(sampling: pd.DataFrame, region: str, year: int) -> Counterpart:
    rows = sampling[sampling["region"].eq(region) & sampling["year"].eq(year) & sampling["period"].eq("FY")
                    & sampling["category"].eq("all") & sampling["batches"].notna()]
    r = _preferred(rows, "scope", SAMPLING_SCOPES)
    if r is not None:
        return _count(r["batches"], r["batches_qualifier"], f"sampling.csv {region} {year} FY all, scope {r['scope']}",
                      r["source_url"])
    return Counterpart(note=f"no full-year food sampling (category all) for {region} in {year}")


@dataclass(frozen=True)
class Compared:
    """A figure the summary states and the structured data also give.

    ``name``: its :func:`analysis.summary.years.indicator_name` (抽检食品, 食品安全监督抽检 -> 食品抽检; a bare 个体 or
    农专 only in a sentence on new registrations); ``units``: the units it may be stated in; ``table`` and
    ``lookup``: where its structured counterpart comes from.
    """

    indicator: str
    name: str
    units: tuple[str, ...]
    table: str
    lookup: Callable[[pd.DataFrame, str, int], Counterpart]
    growth_rate: bool = False


def _new(entity_type: str) -> Callable[[pd.DataFrame, str, int], Counterpart]:
    return partial(_entities, measure="new", period=market_entities.FULL_YEAR, entity_type=entity_type)


COMPARED = (
    Compared("patents_granted", "专利授权量", ("件",), "patents", _patents_total),
    Compared("patents_growth", "专利授权量增长", ("%",), "patents", _patents_growth, growth_rate=True),
    Compared("new_entities", "新增市场主体", ("户", "家"), "market_entities", _new("all_entities")),
    Compared("new_individual", "新增个体工商户", ("户", "家"), "market_entities", _new("individual")),
    Compared("new_cooperatives", "新增农民专业合作社", ("户", "家", "个"), "market_entities", _new("cooperatives")),
    Compared("net_growth", "市场主体净增长", ("户", "家"), "market_entities", _net_growth),
    Compared("food_batches", "食品抽检", ("批次",), "sampling", _food_batches),
)


# ---------------------------------------------------------------------------------------- verdicts
def judge(stated_value: float, stated_lower: float, stated_upper: float, low: float,
          high: float) -> tuple[str, str]:
    """Verdict and reason for a structured interval ``low``..``high`` against the stated bounds.

    NaN is an open side (``XXX余``: no upper bound). Entirely outside: contradiction; entirely inside:
    consistent; otherwise, or when the summary gives no bound (``约1200``, ``罚款万元``), not comparable.
    """
    stated = format_bounds(stated_lower, stated_upper, "en")
    structured = format_bounds(low, high, "en") if low != high else format_figure(low)
    if pd.isna(stated_lower) and pd.isna(stated_upper):
        if pd.isna(stated_value):
            return "not comparable", "the summary gives neither the figure nor bounds"
        return "not comparable", f"the summary states about {format_figure(stated_value)}, without bounds"
    if high < stated_lower or low > stated_upper:  # NaN compares False: an open side never contradicts
        side = "below" if high < stated_lower else "above"
        return "contradiction", f"structured {structured} {side} the stated {stated}"
    inside = (pd.isna(stated_lower) or low >= stated_lower) and (pd.isna(stated_upper) or high <= stated_upper)
    if inside:
        return "consistent", f"structured {structured} within the stated {stated}"
    return "not comparable", f"structured {structured} overlaps the stated {stated} only in part"


def _stated(rows: pd.DataFrame, spec: Compared) -> pd.DataFrame:
    """The summary's figures that ``spec`` names (results, not targets or ranks)."""
    names = pd.Series([indicator_name(o, s) for o, s in zip(rows["object"], rows["sentence"])], index=rows.index,
                      dtype=object)
    return rows[names.eq(spec.name) & rows["is_growth_rate"].eq(spec.growth_rate) & rows["role"].eq("stated")]


def structured_tables(processed_dir: Path | str) -> dict[str, pd.DataFrame]:
    """The processed tables :func:`compare` uses, those the dataset has (a district may have no patents)."""
    steps = {"patents": patents, "market_entities": market_entities, "sampling": sampling}
    return {name: step.load(processed_dir) for name, step in steps.items()
            if (Path(processed_dir) / step.PROCESSED_FILE).is_file()}


def compare(rows: pd.DataFrame, tables: dict[str, pd.DataFrame], region: str, target_year: int,
            dataset: str) -> pd.DataFrame:
    """One row per compared figure of the summary (``rows``: :func:`analysis.summary.indicators.extract_indicators`).

    ``tables``: the processed ``patents``, ``market_entities`` and ``sampling`` tables of ``dataset``
    (their modules' ``load``). Rows in the order of :data:`COMPARED`, columns :data:`COMPARISON_COLUMNS`.
    The structured interval is the value itself for an exact count, else its rounding bounds; for a
    growth rate, the bounds the two years' intervals imply.
    """
    regions = {name: set(table["region"].dropna()) for name, table in tables.items()}
    anywhere = any(region in found for found in regions.values())
    out = []
    for spec in COMPARED:
        for _, r in _stated(rows, spec).iterrows():
            if not anywhere:
                part = Counterpart(note=f"no structured data for {region} in dataset {dataset}")
            elif region not in regions.get(spec.table, ()):
                part = Counterpart(note=f"no {spec.table} data for {region} in dataset {dataset}")
            elif r["unit"] not in spec.units:
                part = Counterpart(note=f"stated in {r['unit']}, the structured figure is in {'/'.join(spec.units)}")
            else:
                part = spec.lookup(tables[spec.table], region, target_year)
            lower, upper = r["lower"], r["upper"]
            if spec.growth_rate:  # a printed rate is rounded: 同期下降4.3％ allows -4.35 to -4.25
                lower, upper = printed_interval(r["value"], lower, upper, r["qualifier"], f"{r['value']:g}")
            verdict, reason = (judge(r["value"], lower, upper, part.lower, part.upper) if part.found
                               else ("not comparable", ""))
            out.append({"indicator": spec.indicator, "object": r["object"], "stated_value": r["value"],
                        "stated_lower": lower, "stated_upper": upper, "unit": r["unit"],
                        "qualifier": r["qualifier"], "structured_value": part.value,
                        "structured_lower": part.lower, "structured_upper": part.upper,
                        "structured_source": part.source, "source_url": part.source_url, "verdict": verdict,
                        "reason": "; ".join(filter(None, (reason, part.note)))})
    frame = pd.DataFrame(out, columns=COMPARISON_COLUMNS)
    numbers = ["stated_value", "stated_lower", "stated_upper", "structured_value", "structured_lower",
               "structured_upper"]
    frame[numbers] = frame[numbers].astype(float)
    return frame
