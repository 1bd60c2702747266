"""The gaps of the raw tables: which missing figures were not published and which are only not in the data.

``data/raw/gaps.csv`` (optional; a district's folder may have its own) has one row per missing figure
or group of figures: ``dataset`` (sampling, patents, market_entities), ``region``, ``level``, ``year``,
``period`` (as in that dataset's table), ``series`` (market_entities: the measure, stock/new/deregistered;
sampling: the scope; patents: the basis), ``item`` (the column, e.g. ``enterprises`` or ``batches``; ``*``
for every column of the series), ``status`` and ``source_url``/``note``:

- ``not_published`` (未公布): the source says the figure was not published, or no publication of it
  exists (e.g. Shenzhen's 商事主体 reports have no line for cooperatives). ``source_url`` is that source.
- ``not_collected`` (未收录): the figure was (or may well have been) published, but no citable page with
  it was found; ``note`` says where it was looked for, ``source_url`` (optional) a page showing that it
  exists (e.g. a growth rate "较2022年底增长6.7%" that refers to it).

A missing figure not listed is ``not_collected``: claiming "not published" needs a source.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.config import GAPS_FILE
from analysis.readers.io import Problem, raw_file
from analysis.readers.schema import LEVEL, NOTE, REGION, YEAR, Field, TableSchema, load_table

NOT_PUBLISHED, NOT_COLLECTED = "not_published", "not_collected"
GAP_STATUSES = (NOT_PUBLISHED, NOT_COLLECTED)
#: The status of a missing figure that ``gaps.csv`` does not list.
DEFAULT_STATUS = NOT_COLLECTED
EVERY_ITEM = "*"
#: How each status is said, in the labels' languages.
STATUS_WORDS = {NOT_PUBLISHED: {"zh": "未公布", "en": "not published"},
                NOT_COLLECTED: {"zh": "未收录", "en": "not in the data (未收录)"}}


def _source_problems(parsed: pd.DataFrame, where: str) -> list[Problem]:
    """A ``not_published`` gap needs the source that shows it was not published."""
    bad = parsed[parsed["status"].eq(NOT_PUBLISHED) & parsed["source_url"].isna()]
    return [Problem(where, int(r), "source_url", "a not_published gap without a source",
                    "the URL of the source showing the figure was not published (or status not_collected)")
            for r in bad["source_row"]]


SCHEMA = TableSchema(
    name="gaps",
    fields=(
        Field("dataset", "enum", allowed=("sampling", "patents", "market_entities")),
        REGION,
        LEVEL,
        YEAR,
        Field("period", "text", description="the period as in the dataset's table: year-end, FY, H1, Q3 ..."),
        Field("series", "text", description="market_entities: measure; sampling: scope; patents: basis"),
        Field("item", "text", description="the missing column, or * for every column of the series"),
        Field("status", "enum", allowed=GAP_STATUSES),
        Field("source_url", "url", nullable=True,
              description="not_published: the source saying so; not_collected: optional evidence it exists"),
        NOTE,
    ),
    key=("dataset", "region", "year", "period", "series", "item"),
    checks=(_source_problems,),
)
COLUMNS = [f.name for f in SCHEMA.fields]


def read(raw_dir: Path | str, dataset: str | None = None) -> pd.DataFrame:
    """The validated gaps table of a raw folder (empty if it has none), optionally of one dataset only."""
    path = Path(raw_dir) / GAPS_FILE
    if not path.exists() and not path.with_suffix(".xlsx").exists():
        return pd.DataFrame(columns=COLUMNS)
    gaps, _ = load_table(raw_file(raw_dir, GAPS_FILE), SCHEMA)
    gaps = gaps[COLUMNS]
    return gaps[gaps["dataset"].eq(dataset)].reset_index(drop=True) if dataset else gaps


def status(gaps: pd.DataFrame, region: str, year: int, period: str, series: str, item: str) -> str:
    """The status of one missing figure: the row for its item, else the row for every item, else the default."""
    match = gaps[gaps["region"].eq(region) & gaps["year"].eq(year) & gaps["period"].eq(period)
                 & gaps["series"].eq(series)]
    for wanted in (item, EVERY_ITEM):
        hit = match[match["item"].eq(wanted)]
        if len(hit):
            return str(hit["status"].iloc[0])
    return DEFAULT_STATUS
