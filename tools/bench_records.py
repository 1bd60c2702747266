"""`make bench-records`: records -> tables at national scale, against the same counts written by hand.

Writes SYNTHETIC records (analysis.records.synthetic) into data/bench/<rows>/ (git-ignored; reused when
present), then runs each contender in a fresh process and prints seconds, peak memory (the process's
peak resident set, VmHWM; Spark's JVM is a separate process and not included) and ratios, all measured
in this one run. Every contender does the same work on the same files: reads the register and both
sampling files (the GB18030 CSV transcoded to UTF-8 in one streaming pass, as the pipeline does; pandas
lets its reader decode it), deduplicates by key (抽样单编号, 统一社会信用代码) and counts:

- records -> tables: ``analysis.records.pipeline.aggregate`` on DuckDB (also validates every record);
- hand-written DuckDB SQL: the same counts in one query per record type (no validation; SQL_MEMORY cap);
- pandas (pyarrow reader, only the needed columns; read + drop_duplicates + groupby) and Polars (lazy);
- Spark local: the records pipeline with ``--engine spark`` (only up to --spark-max rows).

Each contender returns the district's totals (batches, unqualified, flows 2016-2023, stock at the end
of 2023); the run fails when any two disagree, so every ratio compares the same counts.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = ROOT / "data" / "bench"
FLOW_YEARS = range(2016, 2024)
#: The hand-written SQL's memory cap: twice the pipeline's 1 GB, because at 1 GB its sampling query failed
#: (DuckDB out of memory) in most runs at 10M rows; the more generous cap can only favour it.
SQL_MEMORY = "2GB"
ENTRY_FLOWS = ("new", "moved_in")

SQL_SAMPLING = """
SELECT year(d) AS year, c AS category, dv IN ({codes}) AS in_district, count(*) AS batches,
       count(*) FILTER (k = '不合格') AS unqualified
FROM (SELECT any_value(d) AS d, any_value(c) AS c, any_value(dv) AS dv, any_value(k) AS k
      FROM (SELECT "抽样单编号" AS id, CAST("抽样日期" AS DATE) AS d, "食品大类" AS c, "被抽样单位区划代码" AS dv,
                   "检验结论" AS k FROM read_parquet('{dir}/sampling.parquet')
            UNION ALL SELECT "抽样单编号", CAST(strptime("抽样日期", '%Y年%-m月%-d日') AS DATE), "食品大类",
                   CAST("被抽样单位区划代码" AS VARCHAR), "检验结论" FROM read_csv('{utf8}', header = true))
      GROUP BY id)
GROUP BY ALL"""
SQL_REGISTER = """
WITH e AS (SELECT CASE WHEN t LIKE '%个体%' THEN 'individual' WHEN t LIKE '%合作社%' THEN 'cooperatives' ELSE 'enterprises' END AS t,
                  f, mi, x, least(x, mo) AS leave, CASE WHEN x IS NULL THEN NULL WHEN dr = x THEN 'deregistered' ELSE 'revoked' END AS xk
           FROM (SELECT any_value("市场主体类型") AS t, any_value("成立日期") AS f, any_value("注销日期") AS dr,
                        any_value("迁入日期") AS mi, any_value("迁出日期") AS mo, any_value(least("注销日期", "吊销日期")) AS x
                 FROM read_parquet('{dir}/register.parquet') WHERE "住所行政区划代码" IN ({codes})
                 GROUP BY "统一社会信用代码"))
SELECT t, year(coalesce(mi, f)) AS year, CASE WHEN mi IS NULL THEN 'new' ELSE 'moved_in' END AS flow, count(*) AS n
FROM e GROUP BY ALL
UNION ALL SELECT t, year(leave), CASE WHEN x = leave THEN xk ELSE 'moved_out' END, count(*) FROM e
WHERE leave IS NOT NULL GROUP BY ALL"""


def _codes(folder: Path) -> list[str]:
    """The district's division codes, from its district.yaml (as the pipeline reads them)."""
    import yaml

    return [str(c) for c in yaml.safe_load((folder / "district.yaml").read_text(encoding="utf-8"))["division_codes"]]


def _utf8_copy(folder: Path, work: Path) -> Path:
    """The GB18030 CSV transcoded to UTF-8 in one streaming pass (part of every timed run that needs it)."""
    out = work / "sampling_utf8.csv"
    with open(folder / "sampling_gbk.csv", encoding="gb18030", newline="") as src, \
            open(out, "w", encoding="utf-8", newline="") as dst:
        while text := src.read(1 << 20):
            dst.write(text)
    return out


def totals(sampling, flows, stock: int | None = None) -> dict:
    """The district's totals from a contender's counts: ``sampling`` (in_district, batches, unqualified)
    and ``flows`` (year, flow, n: entries new/moved_in, leaves deregistered/revoked/moved_out, every
    year unless ``stock``, the year-end stock of the last year, is given)."""
    own = sampling[sampling["in_district"].astype(bool)]
    flows = flows.astype({"year": int, "n": int})
    if stock is None:
        upto, entered = flows[flows["year"] <= FLOW_YEARS[-1]], flows["flow"].isin(ENTRY_FLOWS)
        stock = upto.loc[entered, "n"].sum() - upto.loc[~entered, "n"].sum()
    in_years = flows[flows["year"].isin(FLOW_YEARS)]
    return {"batches": int(own["batches"].sum()), "unqualified": int(own["unqualified"].sum()),
            f"stock_{FLOW_YEARS[-1]}": int(stock),
            **{k: int(v) for k, v in in_years.groupby("flow")["n"].sum().sort_index().items()}}


def run_pipeline(folder: Path, engine: str) -> dict:
    from analysis.records import pipeline, rules
    from analysis.records.engine import engine as make_engine

    result = pipeline.aggregate(folder, make_engine(engine))
    table = result.tables["sampling"]
    sampling = table[table["category"].ne("all") & table["scope"].eq("region_reported")].assign(in_district=True)
    flows = result.flows.melt(id_vars=["entity_type", "year"], value_vars=list(rules.FLOWS), var_name="flow",
                              value_name="n")
    return totals(sampling, flows, stock=result.flows.loc[result.flows["year"].eq(FLOW_YEARS[-1]), "stock"].sum())


def run_sql(folder: Path) -> dict:
    import duckdb

    con = duckdb.connect(config={"memory_limit": SQL_MEMORY})
    con.execute("SET enable_progress_bar = false")
    con.execute("SET temp_directory = '/tmp/amr-records-duckdb'")
    codes = ", ".join(f"'{c}'" for c in _codes(folder))
    with tempfile.TemporaryDirectory() as work:
        utf8 = _utf8_copy(folder, Path(work))
        sampling = con.execute(SQL_SAMPLING.format(dir=folder, utf8=utf8, codes=codes)).df()
    flows = con.execute(SQL_REGISTER.format(dir=folder, codes=codes)).df()
    return totals(sampling, flows)


def _entity_type(series):
    import numpy as np

    return np.where(series.str.contains("个体"), "individual",
                    np.where(series.str.contains("合作社"), "cooperatives", "enterprises"))


def run_pandas(folder: Path) -> dict:
    import pandas as pd

    columns = ["抽样单编号", "抽样日期", "食品大类", "被抽样单位区划代码", "检验结论"]
    csv = pd.read_csv(folder / "sampling_gbk.csv", encoding="gb18030", engine="pyarrow", usecols=columns,
                      dtype={"被抽样单位区划代码": str})
    csv["抽样日期"] = pd.to_datetime(csv["抽样日期"], format="%Y年%m月%d日")
    sampling = pd.concat([pd.read_parquet(folder / "sampling.parquet", columns=columns), csv], ignore_index=True)
    sampling = sampling.drop_duplicates("抽样单编号")
    sampling = pd.DataFrame({"year": sampling["抽样日期"].dt.year, "category": sampling["食品大类"],
                             "in_district": sampling["被抽样单位区划代码"].isin(_codes(folder)),
                             "unqualified": sampling["检验结论"].eq("不合格")})
    sampling = sampling.groupby(["year", "category", "in_district"], as_index=False).agg(
        batches=("unqualified", "size"), unqualified=("unqualified", "sum"))
    reg = pd.read_parquet(folder / "register.parquet", columns=["统一社会信用代码", "市场主体类型", "成立日期", "注销日期",
                                                                 "吊销日期", "迁入日期", "迁出日期", "住所行政区划代码"])
    reg = reg[reg["住所行政区划代码"].isin(_codes(folder))].drop_duplicates("统一社会信用代码")
    dates = reg[["成立日期", "注销日期", "吊销日期", "迁入日期", "迁出日期"]].apply(pd.to_datetime)
    t = _entity_type(reg["市场主体类型"])
    exit_ = dates[["注销日期", "吊销日期"]].min(axis=1)
    leave = pd.concat([exit_, dates["迁出日期"]], axis=1).min(axis=1)
    entries = pd.DataFrame({"t": t, "year": dates["迁入日期"].fillna(dates["成立日期"]).dt.year,
                            "flow": dates["迁入日期"].isna().map({True: "new", False: "moved_in"})})
    kind = (dates["注销日期"] == exit_).map({True: "deregistered", False: "revoked"}).where(exit_ == leave, "moved_out")
    leaves = pd.DataFrame({"t": t, "year": leave.dt.year, "flow": kind})[leave.notna()]
    flows = pd.concat([entries.groupby(["t", "year", "flow"]).size().rename("n").reset_index(),
                       leaves.groupby(["t", "year", "flow"]).size().rename("n").reset_index()])
    return totals(sampling, flows)


def run_polars(folder: Path) -> dict:
    import polars as pl

    codes = _codes(folder)
    with tempfile.TemporaryDirectory() as work:
        csv = pl.scan_csv(_utf8_copy(folder, Path(work)), schema_overrides={"被抽样单位区划代码": pl.String}).select(
            "抽样单编号", pl.col("抽样日期").str.strptime(pl.Date, "%Y年%-m月%-d日"), "食品大类", "被抽样单位区划代码", "检验结论")
        parquet = pl.scan_parquet(folder / "sampling.parquet").select(
            "抽样单编号", pl.col("抽样日期").cast(pl.Date), "食品大类", "被抽样单位区划代码", "检验结论")
        sampling = pl.concat([parquet, csv]).unique("抽样单编号").group_by(
            pl.col("抽样日期").dt.year().alias("year"), pl.col("食品大类").alias("category"),
            pl.col("被抽样单位区划代码").is_in(codes).alias("in_district")).agg(
            pl.len().alias("batches"), (pl.col("检验结论") == "不合格").sum().alias("unqualified")).collect()
    reg = pl.scan_parquet(folder / "register.parquet").filter(pl.col("住所行政区划代码").is_in(codes)) \
        .unique("统一社会信用代码")
    exit_ = pl.min_horizontal("注销日期", "吊销日期")
    t = pl.when(pl.col("市场主体类型").str.contains("个体")).then(pl.lit("individual")) \
        .when(pl.col("市场主体类型").str.contains("合作社")).then(pl.lit("cooperatives")).otherwise(pl.lit("enterprises"))
    reg = reg.with_columns(t.alias("t"), exit_.alias("x"), pl.min_horizontal(exit_, "迁出日期").alias("leave"))
    entries = reg.group_by("t", pl.coalesce("迁入日期", "成立日期").dt.year().alias("year"),
                           pl.when(pl.col("迁入日期").is_null()).then(pl.lit("new")).otherwise(pl.lit("moved_in"))
                           .alias("flow")).agg(pl.len().alias("n"))
    kind = pl.when(pl.col("x").ne_missing(pl.col("leave"))).then(pl.lit("moved_out")) \
        .when(pl.col("注销日期") == pl.col("x")).then(pl.lit("deregistered")).otherwise(pl.lit("revoked"))
    leaves = reg.filter(pl.col("leave").is_not_null()).group_by(
        "t", pl.col("leave").dt.year().alias("year"), kind.alias("flow")).agg(pl.len().alias("n"))
    flows = pl.concat(pl.collect_all([entries, leaves]))
    return totals(sampling.to_pandas(), flows.to_pandas())


#: Contender -> (what it runs, the modules imported before its clock starts: imports are not timed).
CONTENDERS = {"records": (lambda f: run_pipeline(f, "duckdb"), ("analysis.records.pipeline",)),
              "sql": (run_sql, ("duckdb",)), "pandas": (run_pandas, ("pyarrow.parquet",)),
              "polars": (run_polars, ("polars",)),
              "spark": (lambda f: run_pipeline(f, "spark"), ("analysis.records.pipeline", "pyspark.sql"))}


def child(name: str, folder: Path) -> None:
    """Run one contender in this process; print its seconds, peak memory and totals as JSON."""
    import importlib

    run, modules = CONTENDERS[name]
    for module in ("pandas", "yaml", *modules):  # pandas: every contender's counts end as small DataFrames
        importlib.import_module(module)
    start = time.perf_counter()
    counted = run(folder)
    seconds = time.perf_counter() - start
    # VmHWM: this process's peak resident memory (ru_maxrss would carry the parent's over exec).
    status = Path("/proc/self/status").read_text()
    peak = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM"))) / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak, "totals": counted}))


def measure(name: str, folder: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", name, str(folder)], capture_output=True, text=True)
    print(f"  ({name} done)", flush=True)
    if out.returncode:
        return {"error": (out.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def prepare(rows: int) -> Path:
    from analysis.records import synthetic

    folder = BENCH_DIR / str(rows)
    done = folder / ".complete"
    # An earlier version kept a UTF-8 copy of the CSV here, which the pipeline would read as a second export.
    (folder / "sampling_utf8.csv").unlink(missing_ok=True)
    if not done.is_file():
        start = time.perf_counter()
        synthetic.write(folder, rows)
        done.write_text("ok\n")
        print(f"generated {rows:,} register rows in {time.perf_counter() - start:.0f} s into {folder}")
    return folder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="1000000", help="register rows, comma-separated scales (e.g. 1000000,10000000)")
    parser.add_argument("--pandas-max", type=int, default=10_000_000, help="largest scale pandas is run at")
    parser.add_argument("--spark-max", type=int, default=1_000_000, help="largest scale Spark is run at")
    parser.add_argument("--only", default=",".join(CONTENDERS), help="contenders to run (default: all)")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return 0
    print("SYNTHETIC records; register rows R, sampling 0.8 R (Parquet) + 0.1 R (GB18030 CSV)")
    for rows in (int(r) for r in args.rows.split(",")):
        folder = prepare(rows)
        results = {}
        for name in args.only.split(","):
            if (name == "pandas" and rows > args.pandas_max) or (name == "spark" and rows > args.spark_max):
                continue
            results[name] = measure(name, folder)
        base = results["sql"].get("seconds")
        print(f"\nR = {rows:,} register rows")
        for name, r in results.items():
            if "error" in r:
                print(f"  {name:8s} failed: {r['error']}")
                continue
            ratio = r["seconds"] / base if base else float("nan")
            print(f"  {name:8s} {r['seconds']:8.1f} s  peak {r['peak_mb']:7.0f} MB  {ratio:5.2f}x the hand-written SQL")
        counted = {name: r["totals"] for name, r in results.items() if "totals" in r}
        if len({json.dumps(t, sort_keys=True) for t in counted.values()}) > 1:
            print("  the contenders' counts DIFFER:\n" + "\n".join(f"    {n}: {t}" for n, t in counted.items()))
            return 1
        print(f"  same counts from {', '.join(counted)}: {next(iter(counted.values()), {})}")
        if "records" in results and "pandas" in results and "error" not in results["pandas"]:
            print(f"  records -> tables is {results['pandas']['seconds'] / results['records']['seconds']:.1f}x "
                  "faster than pandas")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    sys.exit(main())
