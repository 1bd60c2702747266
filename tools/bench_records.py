"""`make bench-records`: records -> tables at national scale, against the same counts written by hand.

Writes SYNTHETIC records (analysis.records.synthetic) into data/bench/<rows>/ (git-ignored; reused when
present), then runs each contender in a fresh process and prints seconds, peak memory (the process's
peak resident set, VmHWM; Spark's JVM is a separate process and not included) and ratios, all measured in this one run:

- records -> tables: ``analysis.records.pipeline.aggregate`` on DuckDB (reads, transcodes the GBK CSV,
  validates every record, deduplicates, counts);
- hand-written DuckDB SQL: the same counts in one query per record type, no validation, the GBK CSV
  given already transcoded;
- pandas (read + groupby) and Polars (lazy scan + group_by) computing the same counts;
- Spark local: the records pipeline with ``--engine spark`` (only up to --spark-max rows).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = ROOT / "data" / "bench"

SQL_SAMPLING = """
SELECT year(d) AS year, c AS category, dv IN ({codes}) AS in_district, count(*) AS batches,
       sum(CASE WHEN k = '不合格' THEN 1 ELSE 0 END) AS unqualified
FROM (SELECT "抽样日期" AS d, "食品大类" AS c, "被抽样单位区划代码" AS dv, "检验结论" AS k FROM read_parquet('{dir}/sampling.parquet')
      UNION ALL SELECT CAST(strptime("抽样日期", '%Y年%-m月%-d日') AS DATE), "食品大类", CAST("被抽样单位区划代码" AS VARCHAR), "检验结论"
      FROM read_csv('{utf8}', header = true))
GROUP BY ALL"""
SQL_REGISTER = """
WITH e AS (SELECT CASE WHEN t LIKE '%个体%' THEN 'individual' WHEN t LIKE '%合作社%' THEN 'cooperatives' ELSE 'enterprises' END AS t,
                  f, mi, x, least(x, mo) AS leave, CASE WHEN x IS NULL THEN NULL WHEN dr = x THEN 'deregistered' ELSE 'revoked' END AS xk
           FROM (SELECT "市场主体类型" AS t, "成立日期" AS f, "注销日期" AS dr, "迁入日期" AS mi, "迁出日期" AS mo,
                        least("注销日期", "吊销日期") AS x FROM read_parquet('{dir}/register.parquet')
                 WHERE "住所行政区划代码" IN ({codes})))
SELECT t, year(coalesce(mi, f)) AS year, CASE WHEN mi IS NULL THEN 'new' ELSE 'moved_in' END AS flow, count(*) FROM e GROUP BY ALL
UNION ALL SELECT t, year(leave), CASE WHEN x = leave THEN xk ELSE 'moved_out' END, count(*) FROM e WHERE leave IS NOT NULL GROUP BY ALL"""


def _codes() -> list[str]:
    from analysis.records.synthetic import DISTRICT_DIVISIONS

    return list(DISTRICT_DIVISIONS)


def run_pipeline(folder: Path, engine: str) -> None:
    from analysis.records import pipeline
    from analysis.records.engine import engine as make_engine

    pipeline.aggregate(folder, make_engine(engine))


def run_sql(folder: Path) -> None:
    import duckdb

    con = duckdb.connect(config={"memory_limit": "1GB"})
    con.execute("SET enable_progress_bar = false")
    con.execute("SET temp_directory = '/tmp/amr-records-duckdb'")
    codes = ", ".join(f"'{c}'" for c in _codes())
    for query in (SQL_SAMPLING, SQL_REGISTER):
        con.execute(query.format(dir=folder, utf8=folder / "sampling_utf8.csv", codes=codes)).df()


def _entity_type(series):
    import numpy as np

    return np.where(series.str.contains("个体"), "individual",
                    np.where(series.str.contains("合作社"), "cooperatives", "enterprises"))


def run_pandas(folder: Path) -> None:
    import pandas as pd

    csv = pd.read_csv(folder / "sampling_gbk.csv", encoding="gb18030", dtype=str)
    csv["抽样日期"] = pd.to_datetime(csv["抽样日期"], format="%Y年%m月%d日")
    sampling = pd.concat([pd.read_parquet(folder / "sampling.parquet"), csv])
    sampling["year"] = pd.to_datetime(sampling["抽样日期"]).dt.year
    sampling["in_district"] = sampling["被抽样单位区划代码"].astype(str).isin(_codes())
    sampling["unqualified"] = sampling["检验结论"].eq("不合格")
    sampling.groupby(["year", "食品大类", "in_district"]).agg(batches=("unqualified", "size"), unqualified=("unqualified", "sum"))
    reg = pd.read_parquet(folder / "register.parquet")
    reg = reg[reg["住所行政区划代码"].isin(_codes())]
    reg["t"] = _entity_type(reg["市场主体类型"])
    dates = reg[["成立日期", "注销日期", "吊销日期", "迁入日期", "迁出日期"]].apply(pd.to_datetime)
    exit_ = dates[["注销日期", "吊销日期"]].min(axis=1)
    leave = pd.concat([exit_, dates["迁出日期"]], axis=1).min(axis=1)
    entry = dates["迁入日期"].fillna(dates["成立日期"])
    pd.DataFrame({"t": reg["t"], "y": entry.dt.year, "f": dates["迁入日期"].isna()}).groupby(["t", "y", "f"]).size()
    kind = (exit_ == leave) & exit_.notna()
    pd.DataFrame({"t": reg["t"], "y": leave.dt.year, "k": kind}).dropna().groupby(["t", "y", "k"]).size()


def run_polars(folder: Path) -> None:
    import polars as pl

    codes = _codes()
    csv = pl.scan_csv(folder / "sampling_utf8.csv", schema_overrides={"被抽样单位区划代码": pl.String}).with_columns(
        pl.col("抽样日期").str.strptime(pl.Date, "%Y年%-m月%-d日", strict=False))
    sampling = pl.concat([pl.scan_parquet(folder / "sampling.parquet"), csv], how="vertical_relaxed")
    sampling.group_by(pl.col("抽样日期").dt.year(), "食品大类", pl.col("被抽样单位区划代码").is_in(codes)).agg(
        pl.len(), (pl.col("检验结论") == "不合格").sum()).collect()
    reg = pl.scan_parquet(folder / "register.parquet").filter(pl.col("住所行政区划代码").is_in(codes))
    exit_ = pl.min_horizontal("注销日期", "吊销日期")
    reg = reg.with_columns(exit_.alias("x"), pl.min_horizontal(exit_, "迁出日期").alias("leave"),
                           pl.coalesce("迁入日期", "成立日期").alias("entry"))
    reg.group_by("市场主体类型", pl.col("entry").dt.year(), pl.col("迁入日期").is_null()).agg(pl.len()).collect()
    reg.filter(pl.col("leave").is_not_null()).group_by("市场主体类型", pl.col("leave").dt.year(),
                                                       pl.col("x") == pl.col("leave")).agg(pl.len()).collect()


CONTENDERS = {"records": lambda f: run_pipeline(f, "duckdb"), "sql": run_sql, "pandas": run_pandas,
              "polars": run_polars, "spark": lambda f: run_pipeline(f, "spark")}


def child(name: str, folder: Path) -> None:
    """Run one contender in this process; print its seconds and peak memory as JSON."""
    start = time.perf_counter()
    CONTENDERS[name](folder)
    seconds = time.perf_counter() - start
    # VmHWM: this process's peak resident memory (ru_maxrss would carry the parent's over exec).
    status = Path("/proc/self/status").read_text()
    peak = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM"))) / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak}))


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
    if not done.is_file():
        start = time.perf_counter()
        synthetic.write(folder, rows)
        with open(folder / "sampling_gbk.csv", encoding="gb18030") as src, \
                open(folder / "sampling_utf8.csv", "w", encoding="utf-8") as dst:
            while text := src.read(1 << 20):
                dst.write(text)
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
        if "records" in results and "pandas" in results and "error" not in results["pandas"]:
            print(f"  records -> tables is {results['pandas']['seconds'] / results['records']['seconds']:.1f}x "
                  "faster than pandas")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    sys.exit(main())
