"""Records -> validated yearly tables, the entity register and the differences with published tables.

``run(dataset)`` reads ``data/raw/<dataset>/records/`` (files and ``district.yaml``), validates every
record inside the engine, and only when nothing is wrong writes to ``data/processed/<dataset>/``:

- ``records/sampling.csv``, ``records/patents.csv``, ``records/market_entities.csv``: the yearly tables
  in exactly the layout of the raw tables; a table the raw folder does not publish is then processed
  as if it were raw (the notebooks read it unchanged);
- ``records/entity_flows.csv`` (every flow, moves included), ``records/patents_unplaced.csv``;
- ``register.parquet``: one row per entity (the demography contract, see :data:`REGISTER_SCHEMA`).

Where the raw folder also publishes a table, every difference between the two is an error listing them;
a scope the published table does not have at all (it may publish ``region_reported`` only) is compared
with nothing: its rows from records are a note, not a difference.
"""
from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import pandas as pd
import pyarrow as pa
import yaml

from analysis.config import dataset_dirs
from analysis.readers.io import RAW_SUFFIXES, DataError, Problem, display_path, raw_file, write_atomic, write_csv
from analysis.records import queries, rules
from analysis.records.engine import Engine, OutOfMemory, engine as make_engine
from analysis.records.fields import RECORD_TYPES
from analysis.records.sources import prepare, record_files

DISTRICT_FILE = "district.yaml"
RECORDS_DIR = "records"
#: The columns of ``register.parquet``, exactly (shared with the demography analysis).
REGISTER_SCHEMA = pa.schema([
    ("uscc", pa.string()), ("entity_type", pa.string()), ("founded", pa.date32()), ("deregistered", pa.date32()),
    ("revoked", pa.date32()), ("exit_date", pa.date32()), ("exit_kind", pa.string()), ("moved_in", pa.date32()),
    ("moved_out", pa.date32()), ("division_code", pa.string()),
])
#: Columns compared between a published table and the same table from records, by table.
COMPARED = {
    "sampling": (("region", "scope", "year", "period", "category"), ("batches", "unqualified")),
    "patents": (("region", "year", "period", "basis"), ("invention", "utility_model", "design", "total")),
    "market_entities": (("region", "year", "period", "measure", "basis"),
                        ("all_entities", "enterprises", "individual", "cooperatives")),
}


@dataclass(frozen=True)
class District:
    """``district.yaml``: the labels of the tables and which division codes are the district."""

    region: str
    level: str
    codes: tuple[str, ...]
    source_url: str
    note: str
    first_year: int
    divisions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    data_end: dt.date | None = None
    year_basis: str = "sample_date"

    @property
    def labels(self) -> dict:
        return {"region": self.region, "level": self.level, "source_url": self.source_url, "note": self.note}


def load_district(path: Path) -> District:
    """Read ``district.yaml`` (see the example district's for every key)."""
    if not path.is_file():
        raise DataError([Problem(display_path(path), None, None, "no district description",
                                 "district.yaml with region, level, division_codes, source_url, note, first_year")])
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    return District(region=spec["region"], level=spec["level"], codes=tuple(str(c) for c in spec["division_codes"]),
                    source_url=spec["source_url"], note=spec["note"], first_year=int(spec["first_year"]),
                    divisions={str(k): tuple(v) for k, v in (spec.get("divisions") or {}).items()},
                    data_end=spec.get("data_end"), year_basis=spec.get("year_basis", "sample_date"))


@dataclass
class Result:
    """What the records gave: the yearly tables, the flows, the lists and the export's end date."""

    tables: dict[str, pd.DataFrame]
    flows: pd.DataFrame
    unplaced: pd.DataFrame
    data_end: dt.date
    notes: list[str]


def _errors(eng: Engine, views: list[str]) -> list[Problem]:
    """The first 20 problems of each kind, then one line with the count of each kind."""
    union = " UNION ALL ".join(f"SELECT * FROM {v}" for v in views)
    found = eng.frame(queries.first_errors(f"({union})"))
    problems = [Problem(r.file, int(r.row), r.column_name, f"{r.kind}: {r.message}") for r in found.itertuples()]
    totals = found.groupby("kind", sort=True)["total"].first()
    problems += [Problem("records", None, None, f"{int(n)} problem(s) of kind '{kind}'"
                         + (" (first 20 shown)" if n > 20 else "")) for kind, n in totals.items()]
    return problems


def _validations(district: District, year_basis: str) -> dict[str, queries.Validation]:
    """Per record type, what is checked (the report date is required when batches count by it)."""
    sampling = queries.sampling(district.codes)
    return {"sampling": queries.report_date_required(sampling) if year_basis == "report_date" else sampling,
            "register": queries.register(district.codes), "patents": queries.patents(district.divisions, district.codes)}


def _counted(year_basis: str) -> dict[str, tuple[dict[str, str], dict[str, str]]]:
    """Per record type, the counting columns and the maxima of :func:`analysis.records.queries.tally`."""
    return {"sampling": (rules.sampling_groups(year_basis), {}),
            "register": (rules.register_groups(), rules.REGISTER_LATEST),
            "patents": (rules.patent_groups(), {})}


def _check_and_count(eng: Engine, name: str, paths: list[Path], validation: queries.Validation,
                     counted: tuple[dict[str, str], dict[str, str]], work_dir: Path) -> tuple[bool, list[str], bool]:
    """One record type's pass (views ``<name>_*``): whether a key was given in several rows, the views
    listing its problems (none when the pass flagged nothing), and whether the tally was made in parts."""
    sources = [prepare(path, RECORD_TYPES[name], work_dir) for path in paths]
    for i, source in enumerate(sources):
        eng.source(f"{name}_source_{i}", source)
    eng.view(f"{name}_raw", queries.records(RECORD_TYPES[name], sources))
    eng.view(f"{name}_norm", validation.norm)
    in_parts = False
    try:
        eng.table(f"{name}_tally", queries.tally(validation, *counted))
    except OutOfMemory:  # grouping every key beside the counts: the same table in parts
        in_parts = True
        for kind, table, query in queries.tally_in_parts(validation, *counted):
            getattr(eng, kind)(table, query)
    found = eng.frame(queries.flags(validation)).iloc[0]
    duplicated = False
    if int(found["candidates"]):  # keys sharing their hashes, or given twice
        eng.table(f"{name}_norm_dup_keys", queries.duplicated_keys(validation))
        duplicated = int(eng.frame(f"SELECT count(*) AS n FROM {name}_norm_dup_keys")["n"].iloc[0]) > 0
    views = queries.error_views(validation, bool(found["bad"]), duplicated)
    for view, query in views.items():
        (eng.table if view.endswith("_bad") else eng.view)(view, query)
    return duplicated, [view for view in views if view.endswith("_errors")], in_parts


def aggregate(records_dir: Path, eng: Engine, district: District | None = None,
              year_basis: str | None = None, work_dir: Path | None = None) -> Result:
    """Validate the records in ``records_dir`` and count them; raises :class:`DataError` on any problem.

    Each record type is read, checked and counted in one pass (:func:`analysis.records.queries.tally`;
    the types' passes side by side where that helps, :meth:`Engine.concurrently`); only when that pass
    flags a bad row or copies of a key are the problems listed (and the extra copies taken off the
    counts), in further passes.
    ``work_dir`` holds transcoded copies of CSV and xlsx files (a temporary folder, removed on return,
    when not given; give one that outlives the engine's later queries, such as :func:`write_register`).
    """
    if work_dir is None:
        with tempfile.TemporaryDirectory(prefix="amr-records-") as work:
            return aggregate(records_dir, eng, district, year_basis, Path(work))
    records_dir = Path(records_dir)
    district = district or load_district(records_dir / DISTRICT_FILE)
    year_basis = year_basis or district.year_basis
    files = record_files(records_dir)
    validations, counted = _validations(district, year_basis), _counted(year_basis)
    names = [name for name in RECORD_TYPES if files[name]]
    passes = eng.concurrently([partial(_check_and_count, eng, name, files[name], validations[name], counted[name],
                                       work_dir) for name in names], [files[name] for name in names])
    duplicated = {name: copies for name, (copies, *_) in zip(names, passes)}
    error_views = [view for _, views, _ in passes for view in views]
    problems = _errors(eng, error_views) if error_views else []
    if problems:
        raise DataError(problems)
    tallies = {name: eng.frame(queries.counts(validations[name], *counted[name], duplicated=dup))
               for name, dup in duplicated.items()}
    tables = {}
    notes = [f"{name}: DuckDB ran out of memory grouping the keys in one pass; grouped in {queries.KEY_PARTS} parts"
             for name, (*_, in_parts) in zip(names, passes) if in_parts]
    flows = unplaced = pd.DataFrame()
    data_end = district.data_end
    if "register" in tallies:
        eng.view("register_entities", rules.register_view())
        tallied = tallies["register"]
        data_end = pd.Timestamp(data_end or tallied.loc[tallied["in_district"].astype(bool), "last_day"].max()).date()
        flows = rules.entity_flows(rules.register_flows(tallied), district.first_year,
                                   rules.last_complete_year(data_end))
        tables["market_entities"] = rules.entities_table(flows, district.labels)
    if "sampling" in tallies:
        counts = rules.sampling_counts(tallies["sampling"])
        tables["sampling"] = rules.sampling_table(counts, district.labels)
        outside = int(counts.loc[~counts["in_district"].astype(bool), "batches"].sum())
        notes.append(f"sampling: {outside} batch(es) of units outside the district, not counted")
    if "patents" in tallies:
        counts = tallies["patents"].rename(columns={"records": "n"})
        tables["patents"] = rules.patents_table(counts, district.labels)
        unplaced = eng.frame(rules.unplaced_patents())
        elsewhere = int(counts.loc[counts["placement"].eq("elsewhere"), "n"].sum())
        notes.append(f"patents: {elsewhere} grant(s) of other divisions left out; {len(unplaced)} with no "
                     "district found (listed in records/patents_unplaced.csv)")
    return Result(tables, flows, unplaced, data_end, notes)


def write_register(eng: Engine, path: Path, data_end: dt.date) -> Path:
    """``register.parquet`` sorted by USCC, with ``data_end`` in the file's key-value metadata."""
    columns = ", ".join(f"CAST({c.name} AS {'DATE' if c.type == pa.date32() else 'VARCHAR'}) AS {c.name}"
                        for c in REGISTER_SCHEMA)
    query = f"SELECT {columns} FROM register_entities ORDER BY uscc"
    return write_atomic(path, lambda tmp: eng.write_parquet(query, tmp, {"data_end": data_end.isoformat()}))


def unpublished_scopes(published: pd.DataFrame, derived: pd.DataFrame) -> list[str]:
    """The scopes the records give that the published table has no row of, for the records' region (sorted):
    their rows are compared with nothing. None for a table without scopes, nor when the published table has
    no row of the region at all (then every row is a difference)."""
    if "scope" not in derived.columns:
        return []
    published = published[published["region"].isin(derived["region"].unique())]
    if published.empty:
        return []
    return sorted(set(derived["scope"]) - set(published["scope"]))


def differences(published: pd.DataFrame, derived: pd.DataFrame, table: str) -> list[str]:
    """Every figure where a published table and the records disagree, one line each, within the scopes
    the published table has (:func:`unpublished_scopes` are not compared)."""
    keys, values = COMPARED[table]
    derived = derived[~derived["scope"].isin(unpublished_scopes(published, derived))] if "scope" in keys else derived
    published = published[published["region"].isin(derived["region"].unique())]
    merged = published.merge(derived, on=list(keys), how="outer", suffixes=("_published", "_records"),
                             indicator=True)
    lines = []
    for r in merged.to_dict("records"):
        key = ", ".join(f"{k}={r[k]}" for k in keys)
        if r["_merge"] != "both":
            lines.append(f"{table}: {key}: only in the {'published table' if r['_merge'] == 'left_only' else 'records'}")
            continue
        for v in values:
            a, b = r[f"{v}_published"], r[f"{v}_records"]
            if not (pd.isna(a) and pd.isna(b)) and (pd.isna(a) or pd.isna(b) or int(a) != int(b)):
                lines.append(f"{table}: {key}: {v} published {a}, from records {b}")
    return lines


def run(dataset: str, engine_name: str = "duckdb", master: str | None = None,
        year_basis: str | None = None) -> tuple[list[Path], list[str]]:
    """Records of a dataset -> its processed folder (see the module docstring); return written paths and notes."""
    from analysis.readers import datasets

    raw_dir, processed_dir = dataset_dirs(dataset)
    eng = make_engine(engine_name, master)
    work = tempfile.TemporaryDirectory(prefix="amr-records-")
    try:
        result = aggregate(raw_dir / RECORDS_DIR, eng, year_basis=year_basis, work_dir=Path(work.name))
        problems, notes = [], list(result.notes)
        out = processed_dir / RECORDS_DIR
        # The tables the raw folder also publishes (its own CSV or workbook beside the records).
        publishes = {name: any((raw_dir / f"{Path(datasets.step(name).RAW_FILE).stem}{suffix}").is_file()
                               for suffix in RAW_SUFFIXES) for name in result.tables}
        for name, table in result.tables.items():
            if publishes[name]:
                module = datasets.step(name)
                published, _ = module.read(raw_dir)
                problems += [Problem(display_path(raw_file(raw_dir, module.RAW_FILE)), None, None, line)
                             for line in differences(published, table, name)]
                notes += [f"{name}: scope {scope} ({rules.SCOPE_TASK_SOURCE.get(scope, 'every 任务来源')}) from "
                          f"records only, not in the published table: in {display_path(out / f'{name}.csv')}"
                          for scope in unpublished_scopes(published, table)]
        if problems:
            raise DataError(problems)
        paths = [write_csv(table, out / f"{name}.csv", keep_unchanged=True) for name, table in result.tables.items()]
        if not result.flows.empty:
            paths.append(write_csv(result.flows, out / "entity_flows.csv", keep_unchanged=True))
            paths.append(write_register(eng, processed_dir / "register.parquet", result.data_end))
        if "patents" in result.tables:
            paths.append(write_csv(result.unplaced, out / "patents_unplaced.csv", keep_unchanged=True))
        paths += [datasets.step(name).process(out, processed_dir) for name in result.tables if not publishes[name]]
    finally:
        eng.close()
        work.cleanup()
    return paths, notes
