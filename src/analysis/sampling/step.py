"""Food-safety supervision sampling (食品安全监督抽检): raw table -> validated, tidy processed table.

Raw layout (``data/raw/sampling.csv``, one row per region/scope/year/period/category as published):
counts are written as published (exact ``6954438``, or ``638万余`` / ``237万`` when only a rounded
figure exists); the parser keeps a qualifier so rounded figures are never treated as exact counts.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.config import PROCESSED_DATA_DIR, RAW_DATA_DIR
from analysis.readers.io import raw_file, write_csv
from analysis.parameters import check_lang, check_years, choose
from analysis.readers.schema import (LEVEL, NOTE, REGION, SOURCE_URL, YEAR, Field, TableSchema, load_table,
                                    rate_of_counts)

RAW_FILE = "sampling.csv"
PROCESSED_FILE = "sampling.csv"
#: Category names marking rows that are not food categories of the food total: non-food sampling lines
#: (e.g. ``药品(非食品)``) and sub-rows of a category (e.g. ``餐饮食品-其中:餐饮具``, already in 餐饮食品).
NON_FOOD_MARK = "(非食品)"
SUB_ROW_MARK = "其中"
PERIOD_PATTERN = r"FY|H[12]|Q[1-4]|Q[1-4]-Q[1-4]|M(0[1-9]|1[0-2])(-M?(0[1-9]|1[0-2]))?"

SCHEMA = TableSchema(
    name="sampling",
    fields=(
        REGION,
        LEVEL,
        Field("scope", "enum", allowed=("all_levels", "national_organised", "region_reported")),
        YEAR,
        Field("period", "text", pattern=PERIOD_PATTERN,
              description="a period: FY, H1, H2, Q1..Q4, Q1-Q3 or M01-M05"),
        Field("category", "text", synonyms=("all",),
              description="'all' (合计, 总计, 全部) or the food category as printed"),
        Field("batches", "count", nullable=True, description="batches sampled (抽检批次)"),
        Field("unqualified", "count", nullable=True, description="unqualified batches (不合格批次)"),
        Field("unqualified_rate_pct", "percent", required=False, nullable=True),
        SOURCE_URL,
        NOTE,
    ),
    key=("region", "scope", "year", "period", "category"),
    not_greater=(("unqualified", "batches"),),
    checks=(rate_of_counts("unqualified_rate_pct", "unqualified", "batches"),),
)


def read(raw_dir: Path | str = RAW_DATA_DIR, sheet: str | None = None) -> tuple[pd.DataFrame, str]:
    """Read and validate the raw sampling table: ``sampling.csv`` (any supported encoding) or ``sampling.xlsx``."""
    return load_table(raw_file(raw_dir, RAW_FILE), SCHEMA, sheet=sheet)


def tidy(raw: pd.DataFrame) -> pd.DataFrame:
    """Add ``qualified``, ``pass_rate`` (only where both counts are exact) and the published pass rate.

    ``countable`` marks rows whose counts are exact, the only rows the tests may use; a rounded or
    lower-bound figure is shown as published and never enters a test as if exact.
    """
    out = raw.drop(columns=["source_row"]).copy()
    out["countable"] = (out["batches_qualifier"].eq("exact") & out["unqualified_qualifier"].eq("exact")).astype(bool)
    qualified = (out["batches"] - out["unqualified"]).where(out["countable"])
    out["qualified"] = qualified.astype("Int64")
    out["pass_rate"] = (qualified / out["batches"]).astype("Float64").where(out["countable"])
    out["published_pass_rate_pct"] = (100 - out["unqualified_rate_pct"]).round(2)
    columns = ["region", "level", "scope", "year", "period", "category", "batches", "batches_qualifier",
               "unqualified", "unqualified_qualifier", "qualified", "countable", "pass_rate",
               "unqualified_rate_pct", "published_pass_rate_pct", "source_url", "note"]
    return out[columns].sort_values(["region", "scope", "category", "period", "year"], kind="stable",
                                    ignore_index=True)


def process(raw_dir: Path | str = RAW_DATA_DIR, processed_dir: Path | str = PROCESSED_DATA_DIR,
            sheet: str | None = None) -> Path:
    """Read, validate, tidy and write ``sampling.csv`` to the processed folder (atomically).

    ``sheet``: the sheet of a workbook to read (default: the sheet it opens on).
    """
    raw, _ = read(raw_dir, sheet=sheet)
    return write_csv(tidy(raw), Path(processed_dir) / PROCESSED_FILE, keep_unchanged=True)


def load(processed_dir: Path | str = PROCESSED_DATA_DIR) -> pd.DataFrame:
    """The processed sampling table, with the same dtypes ``tidy`` produced."""
    frame = pd.read_csv(Path(processed_dir) / PROCESSED_FILE, keep_default_na=True,
                        dtype={"batches": "Int64", "unqualified": "Int64", "qualified": "Int64",
                               "year": "Int64", "note": str, "category": str, "region": str})
    frame["pass_rate"] = frame["pass_rate"].astype("Float64")
    return frame


def select(frame: pd.DataFrame, region: str, scope: str, period: str, category: str) -> pd.DataFrame:
    """Rows of one comparable series (same region, scope, period and category), by year."""
    mask = (frame["region"].eq(region) & frame["scope"].eq(scope) & frame["period"].eq(period)
            & frame["category"].eq(category))
    return frame[mask].sort_values("year", kind="stable", ignore_index=True)


def check_params(frame: pd.DataFrame, region: str, scope: str, period: str, category: str,
                 target_year: int, baseline_years, lang: str) -> tuple[pd.DataFrame, list[int]]:
    """Check the notebook's parameters against the data; return the series and the sorted baseline.

    Only rows with exact counts count as data for the target and baseline years.
    """
    check_lang(lang)
    choose("region", region, frame["region"])
    in_region = frame[frame["region"].eq(region)]
    choose("scope", scope, in_region["scope"])
    choose("period", period, in_region.loc[in_region["scope"].eq(scope), "period"])
    choose("category", category, in_region.loc[in_region["scope"].eq(scope) & in_region["period"].eq(period),
                                               "category"])
    series = select(frame, region, scope, period, category)
    what = f"{region}/{scope}/{period}/{category} with exact counts"
    baseline = check_years(series.loc[series["countable"], "year"], target_year, baseline_years, what)
    return series, baseline


def overview(frame: pd.DataFrame, region: str, scope: str, category: str) -> pd.DataFrame:
    """Everything published for a region, scope and category: every period, counts as published."""
    rows = frame[frame["region"].eq(region) & frame["scope"].eq(scope) & frame["category"].eq(category)]
    columns = ["year", "period", "batches", "batches_qualifier", "unqualified", "unqualified_qualifier",
               "published_pass_rate_pct", "countable"]
    return rows[columns].sort_values(["year", "period"], kind="stable", ignore_index=True)


def food_category_rows(frame: pd.DataFrame, region: str, scope: str, period: str) -> pd.DataFrame:
    """Exact-count rows of the food categories of one region, scope and period, every year.

    Leaves out ``all``, non-food lines (``(非食品)``) and sub-rows (``其中``), so no batch is counted twice.
    """
    category = frame["category"].astype(str)
    mask = (frame["region"].eq(region) & frame["scope"].eq(scope) & frame["period"].eq(period)
            & frame["countable"].astype(bool) & category.ne("all") & ~category.str.contains(NON_FOOD_MARK, regex=False)
            & ~category.str.contains(SUB_ROW_MARK, regex=False))
    return frame[mask].sort_values(["year", "category"], kind="stable", ignore_index=True)


def stratified_comparisons(frame: pd.DataFrame, region: str, scope: str, period: str, category: str,
                           target_year: int, baseline_years: list[int]) -> pd.DataFrame:
    """Mantel-Haenszel comparisons by food category of the target year against each baseline year.

    :func:`analysis.stats.proportions.stratified_comparisons` on :func:`food_category_rows`, Holm-adjusted
    over the baseline years that have category counts. Empty (same columns) when ``category`` is one
    category rather than ``all``, or the target year has no category counts.
    """
    rows = food_category_rows(frame, region, scope, period)
    if category != "all" or int(target_year) not in set(rows["year"]):
        rows = rows.iloc[:0]
    from analysis.stats import proportions  # here: processing the table needs no scipy

    return proportions.stratified_comparisons(rows, target_year, baseline_years)
