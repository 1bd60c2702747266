"""Patents granted (专利授权) by type: raw table -> validated, tidy (long) processed table.

Raw layout (``data/raw/patents.csv``, one row per region/basis/year/period as published): grants of
the three patent types, their total and trademark registrations, written as published (exact
``12561``, or ``53.0万`` when only a rounded figure exists). ``basis`` keeps series apart that must
never be mixed: ``all`` (domestic + foreign grants), ``domestic`` (国内 only) and
``first_patentee_non_official`` (a research group's count by first patentee, not an official figure).
"""
from __future__ import annotations

import re

from pathlib import Path

import pandas as pd

from analysis.config import PROCESSED_DATA_DIR, RAW_DATA_DIR
from analysis.readers.io import raw_file, write_csv
from analysis.parameters import ParameterError, check_lang, check_years, choose
from analysis.readers.schema import LEVEL, NOTE, REGION, SOURCE_URL, YEAR, Field, TableSchema, load_table

RAW_FILE = "patents.csv"
PROCESSED_FILE = "patents.csv"
TYPES = ("invention", "utility_model", "design")
#: The values of ``patent_type`` in the tidy table, in display order.
MEASURES = (*TYPES, "total", "trademarks")
#: A note matching this mentions the statistical coverage (统计口径) of that year's figures ...
COVERAGE_PATTERN = r"[^，,。;；]*(?:口径|coverage)[^，,。;；]*"
#: ... and one matching this says the coverage did NOT change (与上年统计口径一致, 口径未变): not a change.
UNCHANGED_COVERAGE_PATTERN = (r"口径\s*(?:(?:与|和|同)(?:上年|上一年|往年|以往|历年)\s*)?(?:保持|仍)?\s*"
                              r"(?:一致|相同|不变|未变|未调整|未作调整|未发生变化|没有变化|无变化)"
                              r"|(?:coverage\s+(?:is\s+|was\s+)?(?:unchanged|not\s+changed|the\s+same|consistent)"
                              r"|(?:same|unchanged|consistent)\s+coverage|no\s+change\s+(?:in|of|to)\s+coverage)")


def coverage_reading(note: str) -> tuple[bool, str]:
    """Whether a source note reports a change of statistical coverage, and why it was read so.

    A note that mentions coverage only to say it did not change (与上年统计口径一致) is not a change.
    The reason quotes the words read: ``changed: '统计口径调整'``, ``unchanged: '与上年统计口径一致'``, or ``""``.
    """
    phrases = [m.group(0).strip() for m in re.finditer(COVERAGE_PATTERN, note, flags=re.IGNORECASE)]
    changed = [p for p in phrases if not re.search(UNCHANGED_COVERAGE_PATTERN, p, flags=re.IGNORECASE)]
    if changed:
        return True, f"changed: {changed[0]!r}"
    return False, f"unchanged: {phrases[0]!r}" if phrases else ""

SCHEMA = TableSchema(
    name="patents",
    fields=(
        REGION,
        LEVEL,
        YEAR,
        Field("period", "enum", allowed=("FY",), description="FY: patents are compared as full-year counts"),
        Field("basis", "enum", allowed=("all", "domestic", "first_patentee_non_official")),
        Field("invention", "count", nullable=True, description="invention patents granted (发明)"),
        Field("utility_model", "count", nullable=True, description="utility models granted (实用新型)"),
        Field("design", "count", nullable=True, description="designs granted (外观设计)"),
        Field("total", "count", nullable=True, description="patents granted, printed total (合计)"),
        Field("trademarks", "count", required=False, nullable=True,
              description="trademark registrations (注册商标)"),
        SOURCE_URL,
        NOTE,
    ),
    key=("region", "basis", "year", "period"),
    sums=(("total", TYPES),),
)


def read(raw_dir: Path | str = RAW_DATA_DIR, sheet: str | None = None) -> tuple[pd.DataFrame, str]:
    """Read and validate the raw patents table: ``patents.csv`` (any supported encoding) or ``patents.xlsx``."""
    return load_table(raw_file(raw_dir, RAW_FILE), SCHEMA, sheet=sheet)


def tidy(raw: pd.DataFrame) -> pd.DataFrame:
    """One row per region/basis/year/patent type with a published (or computed) count.

    ``patent_type`` is one of :data:`MEASURES`. Where the total was not printed but all three types
    are exact, the total is their sum and ``total_computed`` is True; a total is never computed from
    rounded figures. Empty cells (not published) give no row: a gap stays a gap.
    """
    wide = raw.drop(columns=["source_row"]).copy()
    computed = wide["total"].isna() & wide[[f"{t}_qualifier" for t in TYPES]].eq("exact").all(axis=1)
    wide.loc[computed, "total"] = wide.loc[computed, list(TYPES)].sum(axis=1)
    wide.loc[computed, "total_qualifier"] = "exact"
    ids = ["region", "level", "basis", "year", "period"]
    parts = []
    for measure in MEASURES:
        part = wide[[*ids, measure, f"{measure}_qualifier", "source_url", "note"]].rename(
            columns={measure: "granted", f"{measure}_qualifier": "granted_qualifier"})
        part.insert(len(ids), "patent_type", measure)
        part.insert(len(ids) + 3, "total_computed", computed & (measure == "total"))
        parts.append(part[part["granted"].notna()])
    order = {m: i for i, m in enumerate(MEASURES)}
    return pd.concat(parts, ignore_index=True).sort_values(
        ["region", "basis", "patent_type", "year"], kind="stable", ignore_index=True,
        key=lambda col: col.map(order) if col.name == "patent_type" else col)


def process(raw_dir: Path | str = RAW_DATA_DIR, processed_dir: Path | str = PROCESSED_DATA_DIR,
            sheet: str | None = None) -> Path:
    """Read, validate, tidy and write ``patents.csv`` to the processed folder (atomically).

    ``sheet``: the sheet of a workbook to read (default: the sheet it opens on).
    """
    raw, _ = read(raw_dir, sheet=sheet)
    return write_csv(tidy(raw), Path(processed_dir) / PROCESSED_FILE, keep_unchanged=True)


def load(processed_dir: Path | str = PROCESSED_DATA_DIR) -> pd.DataFrame:
    """The processed patents table, with the same dtypes ``tidy`` produced."""
    return pd.read_csv(Path(processed_dir) / PROCESSED_FILE, keep_default_na=True,
                       dtype={"granted": "Int64", "year": "Int64", "total_computed": bool, "note": str,
                              "region": str})


def select(frame: pd.DataFrame, region: str, basis: str, patent_types) -> pd.DataFrame:
    """Rows of the chosen types of one comparable series (same region and basis), by type and year."""
    return _of_types(frame[frame["region"].eq(region) & frame["basis"].eq(basis)], patent_types)


def _of_types(series: pd.DataFrame, patent_types) -> pd.DataFrame:
    """Rows of the given types in the order of ``patent_types``, so that per-type results follow it."""
    return pd.concat([series[series["patent_type"].eq(t)] for t in dict.fromkeys(patent_types)],
                     ignore_index=True)


def check_params(frame: pd.DataFrame, region: str, basis: str, patent_types, target_year: int,
                 baseline_years, lang: str) -> tuple[pd.DataFrame, list[int]]:
    """Check the notebook's parameters against the data; return the series and the sorted baseline.

    Every chosen type needs a count (exact or rounded) for the target year and each baseline year.
    """
    check_lang(lang)
    choose("region", region, frame["region"])
    in_region = frame[frame["region"].eq(region)]
    choose("basis", basis, in_region["basis"])
    if isinstance(patent_types, str) or not len(patent_types):
        raise ParameterError(f"patent_types must be a non-empty list such as [invention], got {patent_types!r}")
    in_basis = in_region[in_region["basis"].eq(basis)]
    baseline = []
    for patent_type in patent_types:
        choose("patent_type", patent_type, in_basis["patent_type"])
        years = in_basis.loc[in_basis["patent_type"].eq(patent_type), "year"]
        baseline = check_years(years, target_year, baseline_years, f"{region}/{basis}/{patent_type}")
    return select(frame, region, basis, patent_types), baseline


def overview(series: pd.DataFrame) -> pd.DataFrame:
    """The series as published: one row per year, one column per type, qualifiers in words.

    A cell reads ``12561`` when exact, ``530000 (rounded)`` otherwise, ``12561 (computed)`` for a total
    computed from its three exact parts; an empty cell was not published.
    """
    qualifier = series["granted_qualifier"].where(~series["total_computed"], "computed")
    cell = series["granted"].astype(str) + qualifier.map(lambda q: "" if q == "exact" else f" ({q})")
    wide = series.assign(cell=cell).pivot(index="year", columns="patent_type", values="cell")
    return wide[[m for m in MEASURES if m in wide.columns]].fillna("").reset_index().rename_axis(columns=None)


def growth(series: pd.DataFrame, patent_types) -> pd.DataFrame:
    """:func:`analysis.stats.counts.growth_table` per type, with the qualifiers of both counts compared.

    A growth rate from a rounded count (``granted_qualifier`` or ``previous_qualifier`` not exact) is
    only as precise as the rounding: 53.0万 is 529500 to 530500, about +/-0.1%.
    """
    series = _of_types(series, patent_types)
    from analysis.stats import counts  # here: processing the table needs no scipy nor statsmodels

    table = counts.growth_table(series, value="granted", by="patent_type")
    qualifiers = series[["patent_type", "year", "granted_qualifier"]].astype({"year": "int64"})
    previous = qualifiers.rename(columns={"year": "prev_year", "granted_qualifier": "previous_qualifier"})
    return (table.merge(qualifiers, on=["patent_type", "year"], how="left")
            .merge(previous.astype({"prev_year": "Int64"}), on=["patent_type", "prev_year"], how="left"))


def exact_rate_ratios(series: pd.DataFrame, target_year: int, patent_types) -> pd.DataFrame:
    """:func:`analysis.stats.counts.rate_ratios`, target year / year before, for each type with both counts exact.

    A type whose count in either year is rounded or missing gets a row with no statistics and a
    ``note`` saying why: an exact Poisson test of a rounded figure would be meaningless.
    """
    from analysis.stats import counts

    return counts.rate_ratios(_of_types(series, patent_types), target_year, value="granted",
                              by="patent_type", untestable="note")


def notes(series: pd.DataFrame) -> pd.DataFrame:
    """The source notes of the series, one row per year and distinct note.

    ``coverage_change`` marks a note that reports a change of statistical coverage (统计口径): the
    counts before and after it are not strictly comparable, whatever the statistics say. A note saying
    the coverage did not change (口径未变) is no change; ``coverage_reason`` quotes the words read
    (see :func:`coverage_reading`).
    """
    table = series[["year", "note"]].dropna().drop_duplicates().sort_values("year", ignore_index=True)
    readings = [coverage_reading(note) for note in table["note"]]
    table.insert(1, "coverage_change", pd.Series([changed for changed, _ in readings], index=table.index, dtype=bool))
    table.insert(2, "coverage_reason", pd.Series([reason for _, reason in readings], index=table.index, dtype=object))
    return table


def first_coverage_change(notes_table: pd.DataFrame) -> int | None:
    """The first year whose note reports a change of statistical coverage, or None."""
    changed = notes_table.loc[notes_table["coverage_change"], "year"]
    return None if changed.empty else int(changed.min())


def baseline_since_coverage_change(notes_table: pd.DataFrame, baseline: list[int]) -> list[int]:
    """The baseline years from the first coverage change on, if that leaves at least 3 years and drops some.

    Empty otherwise (no change noted, nothing dropped, or too few years left to fit a trend with a
    prediction interval). A trend on these years shows what the change does to the judgement.
    """
    first = first_coverage_change(notes_table)
    since = [year for year in baseline if first is not None and year >= first]
    return since if 3 <= len(since) < len(baseline) else []
