"""The counting rules, stated once. Every yearly figure made from records comes from here.

Sampling batches (``sampling.csv`` layout):

- a batch is one 抽样单编号; copies of it in several files are one batch (copies that differ are an error);
- it counts in the year of its 抽样日期, or of its 报告日期 with ``year_basis='report_date'``;
- it counts for the district when the sampled unit's division code is one of the district's codes;
  the number of batches elsewhere is printed by ``python -m analysis records``, never silently dropped;
- scope ``region_reported``: every batch of the district, whatever its 任务来源 (国抽, 省抽, 市抽, 县抽);
  scope ``national_organised``: the district's batches whose 任务来源 is 国抽 (sampling organised
  nationally, done in the district); period ``FY``; the ``national_organised`` rows follow the
  ``region_reported`` ones in the same layout;
- ``unqualified`` = 检验结论 不合格; category ``all`` = every food category, not the ones marked
  ``(非食品)`` (drugs, devices, industrial products), which keep rows of their own;
- a row exists only where at least one batch counts in it (a rate of 0/0 does not exist).

Market entities (``market_entities.csv`` layout, basis ``SAMR``; and ``register.parquet``):

- one entity per 统一社会信用代码 whose domicile division code is one of the district's (an export must
  keep a moved-out entity under the district's code for its move to count); type from 市场主体类型
  (checked against the code's type digits 91/92/93);
- exit = the earlier of 注销 and 吊销 (an entity revoked and later deregistered exits once, at the
  revocation); ``exit_kind`` says which; the table's ``deregistered`` measure is all exits in the year,
  the flows table (``entity_flows.csv``) has 注销 and 吊销 on their own too;
- an entity is in the district from its founding (``new`` in that year) or from its 迁入 date (``moved
  in``, not new), until the earlier of its exit (``exit``) and its 迁出 (``moved out``, not an exit);
- year-end stock of year Y = entities in the district on 31 December of Y: entered on or before it and
  not left on or before it; so stock(Y) - stock(Y-1) = new - exits + moved in - moved out exactly;
- the tables run from the year before ``first_year`` (a stock) to the last complete year of the export
  (``data_end``: given, else the latest date in the records).

Patent grants (``patents.csv`` layout, basis ``all``):

- a grant is one 申请号, counted in the year of its 授权公告日 by 专利类型 (checked against the number's
  type digit); ``total`` = invention + utility_model + design;
- its district is its division code, else the first division whose name its 申请人地址 contains; grants
  of other divisions are counted and left out; grants with no district found are counted and listed.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

ENTITY_TYPES = ("enterprises", "individual", "cooperatives")
PATENT_TYPES = ("invention", "utility_model", "design")
NON_FOOD_MARK = "(非食品)"
#: Entity flows by year: into the district (new, moved_in) and out of it (exit split by kind, moved_out).
FLOWS = ("new", "moved_in", "deregistered", "revoked", "moved_out")
#: The sampling scopes from records limited to one 任务来源 (``region_reported`` counts every one).
SCOPE_TASK_SOURCE = {"national_organised": "国抽"}
_EXIT = "least(deregistered_day, revoked_day)"
_LEAVE = f"least({_EXIT}, moved_out_day)"


# What each record is counted by: SQL over one record of ``<type>_norm``, evaluated by
# :func:`analysis.records.queries.tally` after the copies of a key are grouped into one record.

def sampling_groups(year_basis: str = "sample_date") -> dict[str, str]:
    """A batch counts in the year of its 抽样日期 (or 报告日期), by category, in or outside the district
    (``in_district``: its unit's division code is one of the district's), and in scope ``national_organised``
    too when its 任务来源 is 国抽."""
    return {"year": f"year({year_basis}_day)", "category": "category", "in_district": "in_district",
            **{scope: f"task_source = '{source}'" for scope, source in SCOPE_TASK_SOURCE.items()},
            "unqualified": "conclusion = '不合格'"}


def register_groups() -> dict[str, str]:
    """An entity of the district (its domicile's division code is one of the district's) enters it when
    founded (new) or moved in, and leaves it at the earlier of its exit (注销 or 吊销, the earlier one) and
    its move out."""
    return {
        "entity_type": "entity_type", "in_district": "in_district",
        "entry_year": "year(coalesce(moved_in_day, founded_day))",
        "entry_flow": "CASE WHEN moved_in_day IS NULL THEN 'new' ELSE 'moved_in' END",
        "leave_year": f"year({_LEAVE})",
        "leave_flow": f"CASE WHEN {_LEAVE} IS NULL THEN NULL WHEN {_EXIT} = {_LEAVE} THEN (CASE WHEN "
                      f"deregistered_day = {_EXIT} THEN 'deregistered' ELSE 'revoked' END) ELSE 'moved_out' END",
    }


#: The latest date of an entity (the export's end, ``data_end``, when district.yaml gives none).
REGISTER_LATEST = {"last_day": "greatest(founded_day, deregistered_day, revoked_day, moved_in_day, moved_out_day)"}


def patent_groups() -> dict[str, str]:
    """A grant counts in the year of its 授权公告日, by type, placed in the district, elsewhere or nowhere."""
    return {"year": "year(grant_date_day)", "patent_kind": "patent_kind",
            "placement": "CASE WHEN in_district THEN 'district' WHEN placed_division IS NULL THEN 'unplaced' "
                         "ELSE 'elsewhere' END"}


def sampling_counts(tallied: pd.DataFrame) -> pd.DataFrame:
    """Batches and unqualified batches per year, category, ``in_district`` and ``national_organised`` from the tally."""
    flags = ["in_district", *SCOPE_TASK_SOURCE]
    tallied = tallied.assign(unqualified=tallied["records"].where(tallied["unqualified"].astype(bool), 0),
                             **{flag: tallied[flag].astype(bool) for flag in flags})
    return (tallied.groupby(["year", "category", *flags], as_index=False)
            .agg(batches=("records", "sum"), unqualified=("unqualified", "sum")))


def register_flows(tallied: pd.DataFrame) -> pd.DataFrame:
    """Entries and leaves of the district's entities per type, year and flow (for :func:`entity_flows`)."""
    own = tallied[tallied["in_district"].astype(bool)]
    entries = own.groupby(["entity_type", "entry_year", "entry_flow"], as_index=False)["records"].sum()
    leaves = own.dropna(subset=["leave_year"]).groupby(["entity_type", "leave_year", "leave_flow"],
                                                       as_index=False)["records"].sum()
    columns = ["entity_type", "year", "flow", "n"]
    flows = pd.concat([entries.set_axis(columns, axis=1), leaves.set_axis(columns, axis=1)], ignore_index=True)
    return flows.astype({"year": int, "n": int})


def register_view() -> str:
    """SQL ``register_entities``: one row per entity of the district, the columns of ``register.parquet``."""
    exit_date = "least(deregistered, revoked)"
    days = ("founded", "deregistered", "revoked", "moved_in", "moved_out")
    return (
        "SELECT uscc, entity_type, founded, deregistered, revoked, exit_date, "
        "CASE WHEN exit_date IS NULL THEN NULL WHEN deregistered = exit_date THEN 'deregistered' ELSE 'revoked' "
        f"END AS exit_kind, moved_in, moved_out, division_code FROM (SELECT *, {exit_date} AS exit_date FROM ("
        "SELECT uscc, any_value(entity_type) AS entity_type, "
        + ", ".join(f"any_value({d}_day) AS {d}" for d in days)
        + ", any_value(division_code) AS division_code FROM register_norm WHERE in_district "
        "GROUP BY uscc))")


def unplaced_patents() -> str:
    """SQL: the grants whose district could not be found (listed in the output, never dropped silently)."""
    return ("SELECT file, row, application_no, applicant, address FROM (SELECT file, row, application_no, applicant, "
            "address, row_number() OVER (PARTITION BY application_no ORDER BY file, row) AS copy FROM patents_norm "
            "WHERE placed_division IS NULL) WHERE copy = 1 ORDER BY file, row")


def last_complete_year(data_end: dt.date) -> int:
    """The last year whose 31 December is on or before the export's end."""
    return data_end.year if (data_end.month, data_end.day) == (12, 31) else data_end.year - 1


def entity_flows(flows: pd.DataFrame, first_year: int, last_year: int) -> pd.DataFrame:
    """Year-end stock and every flow per year and entity type, from :func:`register_flows`.

    One row per year from ``first_year - 1`` (stock only) to ``last_year``; flows of years before
    ``first_year`` enter the stocks only.
    """
    wide = flows.pivot_table(index=["entity_type", "year"], columns="flow", values="n", aggfunc="sum", fill_value=0)
    wide = wide.reindex(columns=list(FLOWS), fill_value=0).reset_index()
    rows = []
    for entity_type in ENTITY_TYPES:
        own = wide[wide["entity_type"].eq(entity_type)].set_index("year")
        for year in range(first_year - 1, last_year + 1):
            upto = own[own.index <= year]
            entered = int(upto["new"].sum() + upto["moved_in"].sum())
            left = int(upto[["deregistered", "revoked", "moved_out"]].sum().sum())
            flow = {f: int(own.at[year, f]) if year in own.index else 0 for f in FLOWS}
            rows.append({"entity_type": entity_type, "year": year, "stock": entered - left, **flow,
                         "exits": flow["deregistered"] + flow["revoked"]})
    return pd.DataFrame(rows)


def entities_table(flows: pd.DataFrame, labels: dict) -> pd.DataFrame:
    """``market_entities.csv`` rows: the opening stock, then per year stock (year-end), new and exits (FY)."""
    wide = flows.pivot(index="year", columns="entity_type")
    first = int(wide.index.min())
    lines = [(first, "stock", "year-end", "stock")]
    lines += [(int(y), m, p, c) for y in wide.index[1:] for m, p, c in
              (("stock", "year-end", "stock"), ("new", "FY", "new"), ("deregistered", "FY", "exits"))]
    rows = []
    for year, measure, period, column in lines:
        counts = {t: int(wide.at[year, (column, t)]) for t in ENTITY_TYPES}
        rows.append({"region": labels["region"], "level": labels["level"], "year": year, "period": period,
                     "measure": measure, "basis": "SAMR", "all_entities": sum(counts.values()), **counts,
                     "source_url": labels["source_url"], "note": labels["note"] + "; deregistered = 注销 + 吊销 "
                     "(an entity exits once, at the earlier date); moves in and out in entity_flows.csv"})
    return pd.DataFrame(rows)


def sampling_table(counts: pd.DataFrame, labels: dict) -> pd.DataFrame:
    """``sampling.csv`` rows of the district, per scope (``region_reported``, then ``national_organised``)
    and year: ``all`` (the food categories) then each category; no row without a batch."""
    own = counts[counts["in_district"]]
    rows = []
    for scope in ("region_reported", *SCOPE_TASK_SOURCE):
        for year, group in (own if scope == "region_reported" else own[own[scope]]).groupby("year", sort=True):
            group = group.groupby("category", as_index=False)[["batches", "unqualified"]].sum()
            food = group[~group["category"].str.endswith(NON_FOOD_MARK)]
            lines = [("all", food["batches"].sum(), food["unqualified"].sum())]
            lines += list(group.sort_values("category")[["category", "batches", "unqualified"]].itertuples(index=False))
            for category, batches, unqualified in lines:
                if batches == 0:
                    continue
                rows.append({"region": labels["region"], "level": labels["level"], "scope": scope,
                             "year": int(year), "period": "FY", "category": category, "batches": int(batches),
                             "unqualified": int(unqualified),
                             "unqualified_rate_pct": f"{100 * unqualified / batches:.2f}",
                             "source_url": labels["source_url"], "note": labels["note"]})
    return pd.DataFrame(rows)


def patents_table(counts: pd.DataFrame, labels: dict) -> pd.DataFrame:
    """``patents.csv`` rows of the district: grants by type and their total per year, basis ``all``."""
    own = counts[counts["placement"].eq("district")]
    wide = own.pivot_table(index="year", columns="patent_kind", values="n", aggfunc="sum", fill_value=0)
    wide = wide.reindex(columns=list(PATENT_TYPES), fill_value=0)
    rows = []
    for year, r in wide.sort_index().iterrows():
        by_type = {t: int(r[t]) for t in PATENT_TYPES}
        rows.append({"region": labels["region"], "level": labels["level"], "year": int(year), "period": "FY",
                     "basis": "all", **by_type, "total": sum(by_type.values()), "trademarks": "",
                     "source_url": labels["source_url"], "note": labels["note"]})
    return pd.DataFrame(rows)
