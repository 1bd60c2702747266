"""Validation time and memory: `python -m analysis validate` on a large SYNTHETIC sampling table.

Writes a seeded SYNTHETIC sampling table (the raw layout of ``data/raw/sampling.csv`` with Chinese
headers: 500 regions, 25 years, 19 periods, 30 categories, 3 scopes; counts mostly plain, 3% written the
Chinese way (0.35万, 300余, —); a published rate beside them) into data/bench/validate/ (git-ignored;
reused when present): --rows rows as UTF-8 CSV (no quote characters: read by Arrow), the same with
every cell quoted (read by the csv module) and as GB18030 CSV; --xlsx-rows rows as an .xlsx workbook
(written by openpyxl's write-only mode, as scripts write them) beside its UTF-8 CSV.

Two edge cases of issue 19 are measured too: 8,000 rows sharing one key (refused, one line per repeated
row) and a small workbook with one formatted empty cell at row 1,048,576.

Each file is validated in a fresh process (``analysis.readers.datasets.validate_file``, what ``python -m
analysis validate`` runs). Printed: seconds of the validation and of the whole process, CPU seconds,
and the process's peak resident memory (VmHWM); the baseline is a process that imports the same modules
and validates nothing. The peak above the baseline is given as a multiple of the file's size (for the
workbook, of its table's size as UTF-8 CSV: the .xlsx is compressed).
"""
from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = ROOT / "data" / "bench" / "validate"
SEED = 20261130
PROVINCES = ("福建省", "浙江省", "广东省", "江苏省", "山东省", "四川省", "湖北省", "河南省", "云南省", "辽宁省")
CATEGORIES = ("粮食加工品", "食用油、油脂及其制品", "调味品", "肉制品", "乳制品", "饮料", "方便食品", "饼干",
              "罐头", "冷冻饮品", "速冻食品", "薯类和膨化食品", "糖果制品", "茶叶及相关制品", "酒类", "蔬菜制品",
              "水果制品", "炒货食品及坚果制品", "蛋制品", "可可及焙烤咖啡产品", "食糖", "水产制品", "淀粉及淀粉制品",
              "糕点", "豆制品", "蜂产品", "保健食品", "婴幼儿配方食品", "餐饮食品", "食用农产品")
PERIODS = ("FY", "H1", "H2", "Q1", "Q2", "Q3", "Q4", *(f"M{m:02d}" for m in range(1, 13)))
SCOPES = ("all_levels", "national_organised", "region_reported")
YEARS = tuple(range(2001, 2026))


def synthetic_frame(rows: int):
    """The SYNTHETIC table: ``rows`` distinct keys drawn with a fixed seed, in key order."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(SEED)
    regions = np.array([f"{p}第{k:02d}区(SYNTHETIC)" for p in PROVINCES for k in range(1, 51)])
    sizes = (len(regions), len(SCOPES), len(YEARS), len(PERIODS), len(CATEGORIES))
    keys = np.sort(rng.choice(int(np.prod(sizes)), size=rows, replace=False))
    region, scope, year, period, category = np.unravel_index(keys, sizes)
    batches = rng.integers(1, 5000, size=rows)
    unqualified = rng.binomial(batches, 0.03)
    rate = np.char.mod("%.2f", np.round(100 * unqualified / batches, 2))
    frame = pd.DataFrame({
        "地区": regions[region], "层级": "区级", "抽检范围": np.array(SCOPES)[scope],
        "年份": np.array(YEARS)[year], "期间": np.array(PERIODS)[period], "食品类别": np.array(CATEGORIES)[category],
        "抽检批次": batches.astype(str), "不合格批次": unqualified.astype(str), "不合格率(%)": rate,
        "来源": np.char.add("https://scjgj.example.gov.cn/SYNTHETIC/", (region % 97).astype(str)),
        "备注": "",
    })
    # Counts as Chinese reports write them in some rows: a rounded figure (0.35万), a lower bound (300余),
    # not published (—); the published rate is then not checked against them.
    kinds = rng.choice(4, size=rows, p=(0.97, 0.01, 0.01, 0.01))
    kinds[(kinds == 1) & (batches < 1000)] = 0
    written = frame["抽检批次"].to_numpy(dtype=object)
    written[kinds == 1] = [f"{b / 10000:.2f}万" for b in batches[kinds == 1]]
    written[kinds == 2] = [f"{b // 100 * 100}余" for b in batches[kinds == 2]]
    written[kinds == 3] = "—"
    frame["抽检批次"] = written
    frame.loc[kinds == 3, ["不合格批次", "不合格率(%)"]] = "—"
    frame.loc[rng.random(rows) < 0.02, "备注"] = "SYNTHETIC 备注: 与上年统计口径一致"
    return frame


def prepare(rows: int, kinds: tuple[str, ...]) -> dict[str, Path]:
    """The benchmark files of ``rows`` rows (written once): kind -> path."""
    folder = BENCH_DIR / str(rows)
    files = {kind: folder / kind.replace(" ", "-") / f"sampling.{'xlsx' if kind == 'xlsx' else 'csv'}"
             for kind in kinds}
    if all(p.is_file() for p in files.values()):
        return files
    start = time.perf_counter()
    frame = synthetic_frame(rows)
    for kind, path in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if kind == "xlsx":
            write_xlsx(frame, path)
        else:
            frame.to_csv(path, index=False, encoding="gb18030" if "gb18030" in kind else "utf-8",
                         lineterminator="\r\n", quoting=csv.QUOTE_ALL if "quoted" in kind else csv.QUOTE_MINIMAL)
    print(f"wrote SYNTHETIC {rows:,}-row tables into {folder} in {time.perf_counter() - start:.0f} s", flush=True)
    return files


def prepare_edge_cases() -> dict[str, Path]:
    """8,000 rows sharing one key (CSV) and a workbook with a formatted empty cell at row 1,048,576."""
    import openpyxl

    folder = BENCH_DIR / "edge"
    files = {"8,000 rows, one key": folder / "one-key" / "sampling.csv",
             "cell at row 1,048,576": folder / "far-cell" / "sampling.xlsx"}
    if all(p.is_file() for p in files.values()):
        return files
    frame = synthetic_frame(3)
    files["8,000 rows, one key"].parent.mkdir(parents=True, exist_ok=True)
    frame.iloc[[0] * 8000].to_csv(files["8,000 rows, one key"], index=False, lineterminator="\r\n")
    book = openpyxl.Workbook()
    for row in [list(frame.columns), *frame.itertuples(index=False)]:
        book.active.append(list(row))
    book.active["K1048576"].number_format = "0.00"  # formatted, no value: stored as a cell of the last row
    files["cell at row 1,048,576"].parent.mkdir(parents=True, exist_ok=True)
    book.save(files["cell at row 1,048,576"])
    return files


def write_xlsx(frame, path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("抽检")
    sheet.append(["SYNTHETIC 食品安全监督抽检 (bench_validate.py)"])
    sheet.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        sheet.append([int(v) if isinstance(v, str) and v.isdigit() else v for v in row])
    book.save(path)


def child(path: str | None) -> None:
    """Validate one file in this process (or only import, without a path); print seconds and peak as JSON."""
    from analysis.readers import datasets
    from analysis.readers.io import DataError

    datasets.step("sampling")  # what validate_file imports for a sampling table: part of the baseline

    start, cpu = time.perf_counter(), time.process_time()
    try:
        how = datasets.validate_file(path) if path else "baseline"
    except DataError as err:
        how = f"refused, {len(err.problems)} problems"
    status = Path("/proc/self/status").read_text()
    peak = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM"))) / 1024
    print(json.dumps({"seconds": time.perf_counter() - start, "cpu": time.process_time() - cpu,
                      "peak_mb": peak, "how": how}))


def measure(path: Path | None) -> dict:
    """Validate ``path`` (None: only import) in a fresh process; its seconds, CPU seconds and peak."""
    start, children = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run([sys.executable, __file__, "--child", str(path or "")], capture_output=True, text=True)
    if out.returncode:
        return {"error": (out.stderr.strip().splitlines() or ["failed"])[-1]}
    result = json.loads(out.stdout.strip().splitlines()[-1])
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    result["process_seconds"] = time.perf_counter() - start
    result["process_cpu"] = used.ru_utime + used.ru_stime - children.ru_utime - children.ru_stime
    return result


def report(name: str, path: Path, size_of: Path, base: dict) -> None:
    size = size_of.stat().st_size / 2**20
    r = measure(path)
    if "error" in r:
        print(f"  {name:32s} failed: {r['error']}")
        return
    above = r["peak_mb"] - base["peak_mb"]
    ratio = f" = {above / size:3.1f}x the table" if size >= 10 else ""  # a small file: the fixed costs dominate
    print(f"  {name:32s} {size:4.0f} MB: validate {r['seconds']:5.1f} s ({r['cpu']:5.1f} s CPU), process "
          f"{r['process_seconds']:5.1f} s ({r['process_cpu']:5.1f} s CPU), peak {r['peak_mb']:5.0f} MB = baseline "
          f"+ {above:4.0f} MB{ratio} ({r['how']})", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the SYNTHETIC CSV tables")
    parser.add_argument("--xlsx-rows", type=int, default=100_000, help="rows of the SYNTHETIC workbook (0: none)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        child(args.child or None)
        return 0
    files = prepare(args.rows, ("csv utf-8", "csv utf-8 quoted", "csv gb18030"))
    book = prepare(args.xlsx_rows, ("xlsx", "csv utf-8")) if args.xlsx_rows else {}
    base = measure(None)
    print(f"SYNTHETIC sampling table; each run a fresh process; baseline (imports only): process "
          f"{base['process_seconds']:.1f} s ({base['process_cpu']:.1f} s CPU), peak {base['peak_mb']:.0f} MB")
    for kind, path in files.items():
        report(f"{kind}, {args.rows:,} rows", path, path, base)
    if book:
        report(f"xlsx, {args.xlsx_rows:,} rows", book["xlsx"], book["csv utf-8"], base)
    for name, path in prepare_edge_cases().items():
        report(name, path, path, base)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    sys.exit(main())
