"""The engines that run the records SQL: DuckDB (embedded, the default) and Apache Spark (clusters).

The SQL is written once, in DuckDB's dialect (:mod:`analysis.records.queries`); :class:`SparkEngine`
transpiles every statement to Spark SQL with sqlglot, so both engines execute the same expressions.
An engine knows three things: how to expose one file as a view of its columns, as typed in the file, with
their row numbers (:meth:`Engine.source`), how to name an intermediate result (:meth:`Engine.view`) and
how to bring a small result back as a pandas DataFrame (:meth:`Engine.frame`). Everything else, from
trimming cells to counting, is SQL in :mod:`analysis.records.queries` and :mod:`analysis.records.rules`,
which may call the vectorised functions of :data:`FUNCTIONS` (one Python function over Arrow arrays,
registered in both engines under the same name).
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, TypeVar

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import sqlglot
from sqlglot import exp

from analysis.readers.io import DataError, Problem
from analysis.records.identifiers import uscc_valid

#: DuckDB's memory cap unless ``AMR_DUCKDB_MEMORY`` says otherwise (spills to a temporary folder beyond it).
DEFAULT_MEMORY_LIMIT = "1GB"
DEFAULT_SPARK_MASTER = "local[*]"
ENGINES = ("duckdb", "spark")
T = TypeVar("T")
#: SQL functions computed by Python over Arrow arrays, a batch of rows per call: name -> (function,
#: argument type, result type); DuckDB and Spark register the same function.
FUNCTIONS = {"uscc_valid": (uscc_valid, "VARCHAR", "BOOLEAN")}


class OutOfMemory(DataError):
    """The engine ran out of memory at its cap (a :class:`DataError`: its message says what to do)."""


@dataclass(frozen=True)
class Source:
    """One input file as the engine reads it: ``path`` (CSV already UTF-8, or Parquet) and its columns.

    ``columns`` maps each canonical column name to the header written in the file; ``shown`` is the
    file's name in messages; ``first_row`` the row number of its first data row (a header is row 1);
    ``dates`` the canonical columns the file stores as dates or timestamps (read as dates, not as text).
    """

    path: Path
    kind: str  # "csv" or "parquet"
    columns: dict[str, str]
    shown: str
    first_row: int = 2
    dates: frozenset[str] = frozenset()


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


class Engine:
    """What the records pipeline needs from an engine (see the module docstring)."""

    name = "engine"

    def source(self, view: str, source: Source) -> None:
        """View ``view`` of one file: ``file_row_number`` (0 for its first data row, in file order) and each
        column of ``source.columns`` under its canonical name, typed as in the file (a CSV's are text)."""
        raise NotImplementedError

    def view(self, name: str, query: str) -> None:
        raise NotImplementedError

    def table(self, name: str, query: str) -> None:
        """Like :meth:`view`, but computed once (a small intermediate result used twice)."""
        raise NotImplementedError

    def on_disk(self, name: str, query: str) -> None:
        """Like :meth:`table`, for a large intermediate result: computed once, kept where it holds no memory."""
        raise NotImplementedError

    def frame(self, query: str) -> pd.DataFrame:
        raise NotImplementedError

    def write_parquet(self, query: str, path: Path, metadata: dict[str, str]) -> None:
        """Write the result of ``query`` to one Parquet file with key-value ``metadata``."""
        raise NotImplementedError

    def close(self) -> None:
        """Release the engine's resources (a shared Spark session is kept)."""

    def concurrently(self, tasks: list[Callable[[], T]], inputs: list[list[Path]]) -> list[T]:
        """The results of independent ``tasks`` (each record type's pass, reading the files ``inputs[i]``),
        in order; here one after another."""
        return [task() for task in tasks]


def _read_on_fewer_cores(paths: list[Path], threads: int) -> bool:
    """Whether a Parquet file among ``paths`` has fewer row groups than ``threads`` (DuckDB reads a row
    group on one core; it splits a CSV file over its threads)."""
    return any(pq.read_metadata(path).num_row_groups < threads for path in paths if path.suffix.lower() == ".parquet")


class DuckDBEngine(Engine):
    """DuckDB in this process: files are read in place, memory capped at ``memory_limit``.

    Views and tables live in a private in-memory database; each thread has its own connection to it
    (:attr:`con`), so that :meth:`concurrently` can run the record types' passes side by side.
    """

    name = "duckdb"

    def __init__(self, memory_limit: str | None = None, threads: int | None = None):
        self._database = duckdb.connect(config={"memory_limit": memory_limit or os.environ.get(
            "AMR_DUCKDB_MEMORY", DEFAULT_MEMORY_LIMIT), "preserve_insertion_order": True})
        self._local = threading.local()
        self._connections = [self._database]
        self._local.con = self._database
        self._work = tempfile.TemporaryDirectory(prefix="amr-records-duckdb-")  # CSV files with row numbers
        self._database.execute("SET enable_progress_bar = false")
        # Spills go to the system's temporary folder, never into the project.
        self._database.execute(f"SET temp_directory = {_literal(Path(tempfile.gettempdir()) / 'amr-records-duckdb')}")
        if threads:
            self._database.execute(f"SET threads = {int(threads)}")
        for name, (function, argument, result) in FUNCTIONS.items():
            self._database.create_function(name, function, [argument], result, type="arrow")

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """This thread's connection to the engine's database (a DuckDB connection serves one thread at a time)."""
        con = getattr(self._local, "con", None)
        if con is None:
            con = self._local.con = self._database.cursor()
            con.execute("SET enable_progress_bar = false")
            self._connections.append(con)
        return con

    def _execute(self, sql: str) -> duckdb.DuckDBPyConnection:
        """``sql`` on this thread's connection; DuckDB running out of memory at its cap is
        :class:`OutOfMemory`, a :class:`DataError` that says how to raise the cap."""
        try:
            return self.con.execute(sql)
        except duckdb.OutOfMemoryException as err:
            limit = self.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
            raise OutOfMemory([Problem("records", None, None, f"DuckDB ran out of memory at its cap of {limit} "
                                       f"({str(err).splitlines()[0]})", "a higher cap, e.g. AMR_DUCKDB_MEMORY=3GB, "
                                       "then the same command again")]) from err

    def concurrently(self, tasks: list[Callable[[], T]], inputs: list[list[Path]]) -> list[T]:
        """Side by side, each task in a thread of its own, when a Parquet file of a task has fewer row groups
        than DuckDB has threads: DuckDB reads a row group on one core, so a file of one large row group (a
        million rows, as pyarrow writes them) would keep the other cores idle during its pass. Otherwise one
        after another: each pass then uses every core, and two passes at once would share the memory cap
        (50 million register rows took 49 s side by side, 43 s one after another). On an interrupt every
        running query is cancelled."""
        threads = int(self._execute("SELECT current_setting('threads')").fetchone()[0])
        if len(tasks) < 2 or not any(_read_on_fewer_cores(paths, threads) for paths in inputs):
            return super().concurrently(tasks, inputs)
        with ThreadPoolExecutor(len(tasks)) as pool:
            futures = [pool.submit(task) for task in tasks]
            try:
                return [future.result() for future in futures]
            except BaseException:
                for future in futures:
                    future.cancel()
                for con in self._connections:
                    con.interrupt()
                raise

    def _scan(self, view: str, source: Source) -> str:
        """A Parquet file is read in place. A CSV file is first written to Parquet with its row numbers (a
        window over the whole file, alone in its query: inside a pass, its rows stayed in memory beside the
        pass's aggregation and ran DuckDB out of memory at its cap with 5 million CSV rows)."""
        path = _literal(source.path.as_posix())
        if source.kind == "parquet":
            return f"read_parquet({path}, file_row_number = true)"
        numbered = _literal((Path(self._work.name) / f"{view}.parquet").as_posix())
        self._execute(f"COPY (SELECT *, row_number() OVER () - 1 AS file_row_number FROM read_csv({path}, "
                      "all_varchar = true, header = true, quote = '\"', escape = '\"', strict_mode = false, "
                      f"null_padding = true)) TO {numbered} (FORMAT parquet)")
        return f"read_parquet({numbered})"

    def source(self, view: str, source: Source) -> None:
        columns = ", ".join(f"{_quote(header)} AS {name}" for name, header in source.columns.items())
        self.view(view, f"SELECT file_row_number, {columns} FROM {self._scan(view, source)}")

    def view(self, name: str, query: str) -> None:
        self._execute(f"CREATE OR REPLACE VIEW {name} AS {query}")

    def table(self, name: str, query: str) -> None:
        self._execute(f"CREATE OR REPLACE TABLE {name} AS {query}")

    def on_disk(self, name: str, query: str) -> None:
        """Streamed by DuckDB to a Parquet file in the engine's temporary folder, read by the view ``name``."""
        path = _literal((Path(self._work.name) / f"{name}.parquet").as_posix())
        self._execute(f"COPY ({query}) TO {path} (FORMAT parquet)")
        self.view(name, f"SELECT * FROM read_parquet({path})")

    def frame(self, query: str) -> pd.DataFrame:
        return self._execute(query).df()

    def write_parquet(self, query: str, path: Path, metadata: dict[str, str]) -> None:
        """Streamed by DuckDB (bounded memory at any row count)."""
        pairs = ", ".join(f"{k}: {_literal(v)}" for k, v in metadata.items())
        self._execute(f"COPY ({query}) TO {_literal(Path(path).as_posix())} "
                         f"(FORMAT parquet, COMPRESSION zstd, KV_METADATA {{{pairs}}})")

    def close(self) -> None:
        self._database.close()
        self._work.cleanup()


_SPARK_SESSIONS: dict[str, object] = {}


def java_available() -> bool:
    """True when a ``java`` executable is on the PATH (PySpark needs a JDK 17 or newer)."""
    return shutil.which("java") is not None or bool(os.environ.get("JAVA_HOME"))


def spark_session(master: str = DEFAULT_SPARK_MASTER):
    """One Spark session per master for the whole process (starting a JVM takes seconds)."""
    if master not in _SPARK_SESSIONS:
        from pyspark.sql import SparkSession

        # The Python workers that run :data:`FUNCTIONS` use this interpreter (and its packages); on a
        # cluster, set PYSPARK_PYTHON to an interpreter with this package installed on every worker.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

        _SPARK_SESSIONS[master] = (
            SparkSession.builder.master(master).appName("amr-review records")
            .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.sql.session.timeZone", "UTC").config("spark.driver.memory", "1g")
            .getOrCreate())
        _SPARK_SESSIONS[master].sparkContext.setLogLevel("ERROR")
    return _SPARK_SESSIONS[master]


def _as_duckdb(node: exp.Expression) -> exp.Expression:
    """DuckDB's ``trim(x)`` and ``hash(x)`` as Spark SQL with their DuckDB meaning (see :meth:`SparkEngine.transpile`)."""
    if isinstance(node, exp.Trim) and node.args.get("expression") is None and node.args.get("position") is None:
        return exp.RegexpReplace(this=node.this, expression=exp.Literal.string(r"^\p{Zs}+|\p{Zs}+$"),
                                 replacement=exp.Literal.string(""))
    if isinstance(node, exp.Anonymous) and node.name.lower() == "hash":
        return exp.Anonymous(this="xxhash64", expressions=node.expressions)
    return node


def _on_series(function):
    """``function`` (Arrow array -> Arrow array) as Spark's pandas UDFs call it (a pandas Series per batch)."""
    def on_series(values: pd.Series) -> pd.Series:
        return function(pa.array(values, pa.string())).to_pandas()
    return on_series


class SparkEngine(Engine):
    """PySpark on ``master`` (``local[*]`` by default): the same SQL, transpiled from DuckDB's dialect."""

    name = "spark"

    def __init__(self, master: str | None = None):
        from pyspark.sql.functions import pandas_udf

        self.spark = spark_session(master or DEFAULT_SPARK_MASTER)
        for name, (function, _, result) in FUNCTIONS.items():
            self.spark.udf.register(name, pandas_udf(_on_series(function), result.lower()))

    @staticmethod
    def transpile(query: str) -> str:
        """``query`` in Spark SQL, with DuckDB's meaning: sqlglot translates the syntax; ``trim(x)``
        becomes the removal of the spaces DuckDB's trim removes (Unicode space separators: the ideographic
        space U+3000 of Chinese exports, U+00A0; Spark's trim removes only U+0020), and ``hash(x)`` the
        64-bit ``xxhash64`` (Spark's ``hash`` has 32 bits)."""
        return sqlglot.parse_one(query, read="duckdb").transform(_as_duckdb).sql(dialect="spark")

    def source(self, view: str, source: Source) -> None:
        from pyspark.sql import functions as F

        reader = self.spark.read
        if source.kind == "parquet":
            frame = reader.parquet(str(source.path))
        else:
            frame = reader.option("header", True).option("encoding", "UTF-8").option("multiLine", True) \
                .option("escape", '"').csv(str(source.path))
        # Row numbers as in the file, computed in the JVM: monotonically_increasing_id is the partition id
        # shifted 33 bits plus the index within the partition; partitions of one file are in file order.
        frame = frame.withColumn("_id", F.monotonically_increasing_id())
        sizes = frame.groupBy((F.col("_id") / 2 ** 33).cast("long").alias("p")).count().orderBy("p").collect()
        offsets, total = {}, 0
        for r in sizes:
            offsets[r["p"]], total = total, total + r["count"]
        offset = F.create_map(*[F.lit(x) for p, o in offsets.items() for x in (p, o)]) if offsets else F.lit(None)
        partition = (F.col("_id") / 2 ** 33).cast("long")
        frame = frame.withColumn("file_row_number", offset[partition] + F.col("_id") - partition * 2 ** 33) \
            if offsets else frame.withColumn("file_row_number", F.lit(0).cast("long"))
        frame.select("file_row_number", *[F.col(f"`{header}`").alias(name) for name, header in source.columns.items()]) \
            .createOrReplaceTempView(view)

    def view(self, name: str, query: str) -> None:
        self.spark.sql(self.transpile(query)).createOrReplaceTempView(name)

    def table(self, name: str, query: str) -> None:
        self.spark.sql(self.transpile(query)).cache().createOrReplaceTempView(name)

    def on_disk(self, name: str, query: str) -> None:
        """Persisted by Spark, which spills what its memory cannot hold."""
        from pyspark import StorageLevel

        self.spark.sql(self.transpile(query)).persist(StorageLevel.MEMORY_AND_DISK).createOrReplaceTempView(name)

    def frame(self, query: str) -> pd.DataFrame:
        return self.spark.sql(self.transpile(query)).toPandas()

    def write_parquet(self, query: str, path: Path, metadata: dict[str, str]) -> None:
        """Collected to the driver as Arrow and written as one file (a cluster would write a folder)."""
        import pyarrow.parquet as pq

        table = self.spark.sql(self.transpile(query)).toArrow()
        pq.write_table(table.replace_schema_metadata({**(table.schema.metadata or {}), **metadata}), path,
                       compression="zstd")


def engine(name: str = "duckdb", master: str | None = None) -> Engine:
    """An engine by name: ``duckdb`` (default) or ``spark`` (``master`` e.g. ``local[*]``, ``spark://host:7077``)."""
    if name == "duckdb":
        return DuckDBEngine()
    if name == "spark":
        return SparkEngine(master)
    raise ValueError(f"unknown engine {name!r}; expected one of {', '.join(ENGINES)}")
