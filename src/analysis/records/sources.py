"""Find a district's record files and prepare them for an engine: Parquet and UTF-8 CSV are read in place.

Files live in ``data/raw/<dataset>/records/``; a file's record type is the start of its name
(``sampling_2021-01.csv``, ``register.parquet``, ``patents_2021.xlsx``). A CSV in GBK/GB18030 is
transcoded to UTF-8 into a temporary folder in one streaming pass (1 MiB at a time), an xlsx workbook
is written to a temporary Parquet file (every cell as text; a date cell as ``YYYY-MM-DD``); raw files are
never modified. A Parquet column stored as a date or timestamp is read as a date (no text round trip).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from analysis.readers.io import DataError, Problem, display_path, text_encoding
from analysis.records.engine import Source
from analysis.records.fields import RECORD_TYPES, RecordType, canonical_columns

SUFFIXES = (".csv", ".xlsx", ".parquet")
CHUNK = 1 << 20


def record_files(records_dir: Path) -> dict[str, list[Path]]:
    """Record type -> its files in ``records_dir`` (sorted by name); a file of no known type is an error."""
    found: dict[str, list[Path]] = {name: [] for name in RECORD_TYPES}
    unknown = []
    for path in sorted(p for p in Path(records_dir).iterdir() if p.suffix.lower() in SUFFIXES):
        kind = next((name for name in RECORD_TYPES if path.name.startswith(name)), None)
        (found[kind].append(path) if kind else unknown.append(path))
    if unknown:
        raise DataError([Problem(display_path(p), None, None, "a record file of no known type",
                                 f"a name starting with {', '.join(RECORD_TYPES)}") for p in unknown])
    return found


def _utf8_copy(path: Path, work_dir: Path) -> Path:
    """``path`` itself when UTF-8 without BOM, else a UTF-8 copy in ``work_dir`` (the encoding found as for
    tables, :func:`analysis.readers.io.text_encoding`: a file in neither UTF-8 nor GB18030 is an error)."""
    encoding = text_encoding(path)
    if encoding == "utf-8":
        return path
    out = work_dir / f"{path.name}.utf8.csv"  # names are unique in a records folder
    with open(path, encoding=encoding, newline="") as src, open(out, "w", encoding="utf-8", newline="") as dst:
        while text := src.read(CHUNK):
            dst.write(text)
    return out


def _cell_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, (dt.datetime, dt.date)):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_to_parquet(path: Path, work_dir: Path) -> tuple[Path, list[str]]:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    rows = book.worksheets[0].iter_rows(values_only=True)
    headers = [str(h) if h is not None else "" for h in next(rows, ())]
    columns: list[list] = [[] for _ in headers]
    for row in rows:
        for i, value in enumerate(row[:len(headers)]):
            columns[i].append(_cell_text(value))
    book.close()
    out = work_dir / f"{path.name}.parquet"
    names = [h or f"column_{i + 1}" for i, h in enumerate(headers)]
    pq.write_table(pa.table({n: pa.array(c, pa.string()) for n, c in zip(names, columns)}), out)
    return out, names


def prepare(path: Path, record_type: RecordType, work_dir: Path) -> Source:
    """The engine's view of one record file; a header lacking required columns is a :class:`DataError`."""
    shown = display_path(path)
    suffix = path.suffix.lower()
    typed: set[str] = set()
    if suffix == ".parquet":
        schema = pq.read_schema(path)
        target, kind, headers = path, "parquet", schema.names
        typed = {f.name for f in schema if pa.types.is_date(f.type) or pa.types.is_timestamp(f.type)}
    elif suffix == ".xlsx":
        (target, headers), kind = _xlsx_to_parquet(path, work_dir), "parquet"
    else:
        target, kind = _utf8_copy(path, work_dir), "csv"
        with open(target, encoding="utf-8", newline="") as stream:
            headers = next(csv.reader(io.StringIO(stream.readline())), [])
    columns, problems = canonical_columns(record_type, headers)
    if problems:
        raise DataError([Problem(shown, 1, None, p, f"a {record_type.zh} ({record_type.name}) export header")
                         for p in problems])
    return Source(target, kind, columns, shown, dates=frozenset(c for c, header in columns.items() if header in typed))
