"""SYNTHETIC national-scale records for benchmarks: seeded, streamed in chunks, bounded memory.

``write(out_dir, register_rows, seed)`` writes ``register.parquet`` (``register_rows`` entities),
``sampling.parquet`` (0.8 x as many batches) and ``sampling_gbk.csv`` (0.1 x, GB18030, dates written
``2021年3月5日``), plus ``district.yaml``: the same schemas as a district's exports, every value made up
(division codes ``99xxxx``, which GB/T 2260 does not use). Each chunk of :data:`CHUNK` rows is drawn
from ``default_rng([seed, part, chunk])`` and written as one Parquet row group, so memory does not grow
with the row count.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from analysis.readers.io import write_text
from analysis.records.identifiers import USCC_CHARS, USCC_WEIGHTS

CHUNK = 1_000_000
DIVISIONS = tuple(f"99{i:04d}" for i in range(1, 121))
DISTRICT_DIVISIONS = DIVISIONS[:100]  # the other 20 are "elsewhere": read, validated, not counted
CATEGORIES = ("食用农产品", "餐饮食品", "粮食加工品", "肉制品", "糕点", "食用油、油脂及其制品", "酒类", "饮料", "调味品",
              "蔬菜制品", "乳制品", "药品(非食品)", "工业产品(非食品)")
FIRST_DAY, LAST_DAY = np.datetime64("1990-01-01"), np.datetime64("2023-12-31")
SAMPLING_FIRST_DAY = np.datetime64("2016-01-01")
TYPES = (("91", "有限责任公司", 0.32), ("92", "个体工商户", 0.66), ("93", "农民专业合作社", 0.02))


def _uscc(type_codes: np.ndarray, divisions: np.ndarray, serials: np.ndarray) -> np.ndarray:
    """Valid, unique credit codes: type + division + the serial in base 31 (9 characters) + check character."""
    n = len(serials)
    chars = np.array([ord(c) for c in USCC_CHARS], dtype=np.uint32)
    values = np.zeros((n, 17), dtype=np.int64)
    values[:, 0] = 9
    values[:, 1] = type_codes
    for i in range(6):
        values[:, 2 + i] = divisions // 10 ** (5 - i) % 10
    rest = serials.astype(np.int64)
    for i in range(16, 7, -1):
        values[:, i], rest = rest % 31, rest // 31
    check = (31 - (values @ np.array(USCC_WEIGHTS)) % 31) % 31
    codes = chars[np.concatenate([values, check[:, None]], axis=1)]
    return np.ascontiguousarray(codes).view("<U18").ravel()


def register_chunk(rng: np.random.Generator, start: int, n: int) -> pa.Table:
    """``n`` entities with serials from ``start``: founded 1990-2023; about 15% 注销, 3% 吊销, 1% moved in or out."""
    kind = rng.choice(len(TYPES), n, p=[t[2] for t in TYPES])
    division = np.array(DIVISIONS)[rng.integers(0, len(DIVISIONS), n)]
    founded = FIRST_DAY + rng.integers(0, (LAST_DAY - FIRST_DAY).astype(int), n)
    span = (LAST_DAY - founded).astype(int) + 1
    later = lambda share: np.where(rng.random(n) < share, founded + (rng.random(n) * span).astype(int), np.datetime64("NaT"))
    deregistered, revoked = later(0.15), later(0.03)
    moved_in, moved_out = later(0.01), later(0.01)
    moved_in = np.where(np.isnat(moved_in) | (moved_in > np.fmin(np.fmin(deregistered, revoked), moved_out)),
                        np.datetime64("NaT"), moved_in)
    uscc = _uscc(np.array([int(t[0][1]) for t in TYPES])[kind], division.astype(np.int64), np.arange(start, start + n))
    day = lambda a: pa.array(a.astype("datetime64[D]"), pa.date32())
    return pa.table({"统一社会信用代码": uscc, "市场主体类型": np.array([t[1] for t in TYPES])[kind],
                     "成立日期": day(founded), "注销日期": day(deregistered), "吊销日期": day(revoked),
                     "迁入日期": day(moved_in), "迁出日期": day(moved_out), "住所行政区划代码": division})


def sampling_chunk(rng: np.random.Generator, start: int, n: int) -> pd.DataFrame:
    """``n`` batches with ids from ``start``: 2016-2023, 13 categories, about 2.5% 不合格."""
    sampled = SAMPLING_FIRST_DAY + rng.integers(0, (LAST_DAY - SAMPLING_FIRST_DAY).astype(int), n)
    return pd.DataFrame({
        "抽样单编号": np.char.add("SYN", np.char.zfill(np.arange(start, start + n).astype(str), 11)),
        "抽样日期": sampled.astype("datetime64[D]"), "食品大类": np.array(CATEGORIES)[rng.integers(0, len(CATEGORIES), n)],
        "任务来源": np.array(["国抽", "省抽", "市抽", "县抽"])[rng.integers(0, 4, n)],
        "被抽样单位区划代码": np.array(DIVISIONS)[rng.integers(0, len(DIVISIONS), n)],
        "检验结论": np.where(rng.random(n) < 0.025, "不合格", "合格")})


def _parts(total: int):
    for chunk, start in enumerate(range(0, total, CHUNK)):
        yield chunk, start, min(CHUNK, total - start)


def write(out_dir: Path | str, register_rows: int, seed: int = 2021) -> list[Path]:
    """Write the SYNTHETIC national records (see the module docstring); return the paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    writer = None
    for chunk, start, n in _parts(register_rows):
        table = register_chunk(np.random.default_rng([seed, 0, chunk]), start, n)
        writer = writer or pq.ParquetWriter(out / "register.parquet", table.schema, compression="zstd")
        writer.write_table(table)
    writer.close()
    paths.append(out / "register.parquet")
    writer = None
    for chunk, start, n in _parts(int(register_rows * 0.8)):
        table = pa.Table.from_pandas(sampling_chunk(np.random.default_rng([seed, 1, chunk]), start, n),
                                     preserve_index=False)
        writer = writer or pq.ParquetWriter(out / "sampling.parquet", table.schema, compression="zstd")
        writer.write_table(table)
    writer.close()
    paths.append(out / "sampling.parquet")
    offset = int(register_rows * 0.8)
    with open(out / "sampling_gbk.csv", "w", encoding="gb18030", newline="") as stream:
        for chunk, start, n in _parts(int(register_rows * 0.1)):
            frame = sampling_chunk(np.random.default_rng([seed, 2, chunk]), offset + start, n)
            day = pd.to_datetime(frame["抽样日期"])
            frame["抽样日期"] = (day.dt.year.astype(str) + "年" + day.dt.month.astype(str) + "月"
                              + day.dt.day.astype(str) + "日")
            frame.to_csv(stream, index=False, header=chunk == 0, lineterminator="\n")
    paths.append(out / "sampling_gbk.csv")
    paths.append(write_text(
        "# SYNTHETIC national-scale records (analysis.records.synthetic); nothing here is a real figure.\n"
        "region: 合成全国(SYNTHETIC)\nlevel: national\n"
        f"division_codes: [{', '.join(repr(c) for c in DISTRICT_DIVISIONS)}]\n"
        "source_url: https://example.invalid/synthetic\nnote: \"SYNTHETIC: analysis.records.synthetic seed="
        f"{seed}\"\nfirst_year: 2016\ndata_end: 2023-12-31\n", out / "district.yaml"))
    return paths
