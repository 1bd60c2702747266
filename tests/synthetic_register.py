"""A SYNTHETIC register for the demography tests, made by seeded code (no real entity is in it).

Writes ``register.parquet`` in the records layer's contract (see ``analysis.demography.step``) with the
key-value metadata ``data_end`` and ``synthetic`` (the label SYNTHETIC).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd


def synthetic_register(seed: int = 15, n: int = 4000, first_year: int = 2012,
                       data_end: dt.date = dt.date(2022, 6, 30)) -> pd.DataFrame:
    """Entities founded from ``first_year`` to ``data_end``; exits with a hazard falling with age; some moves."""
    rng = np.random.default_rng(seed)
    start, end = np.datetime64(f"{first_year}-01-01"), np.datetime64(data_end)
    founded = start + np.sort(rng.integers(0, int((end - start).astype(int)) + 1, n)).astype("timedelta64[D]")
    # Fewer foundings in February 2020 (the first pandemic lockdown): drop three in four of them.
    keep = ~((founded >= np.datetime64("2020-02-01")) & (founded < np.datetime64("2020-03-01"))
             & (rng.random(n) < 0.75))
    founded = founded[keep]
    n = len(founded)
    entity_type = rng.choice(["enterprises", "individual", "cooperatives"], n, p=[0.3, 0.65, 0.05])
    scale = np.where(entity_type == "individual", 2500.0, 5000.0)
    age_at_exit = np.floor(scale * rng.weibull(0.8, n)).astype("timedelta64[D]")
    exit_date = founded + age_at_exit
    revoked_first = rng.random(n) < 0.15
    deregistered = np.where(revoked_first, exit_date + np.timedelta64(400, "D"), exit_date)
    revoked = np.where(revoked_first, exit_date, np.datetime64("NaT"))
    moved_in = np.where(rng.random(n) < 0.03, founded + rng.integers(30, 900, n).astype("timedelta64[D]"),
                        np.datetime64("NaT"))
    moved_out = np.where(rng.random(n) < 0.03, founded + rng.integers(0, 1500, n).astype("timedelta64[D]"),
                         np.datetime64("NaT"))
    frame = pd.DataFrame({"uscc": [f"SYN{i:015d}" for i in range(n)], "entity_type": entity_type,
                          "founded": founded, "deregistered": deregistered, "revoked": revoked,
                          "moved_in": moved_in, "moved_out": moved_out, "division_code": "990101"})
    after = {c: frame[c] > pd.Timestamp(end) for c in ("deregistered", "revoked", "moved_in", "moved_out")}
    for column, mask in after.items():
        frame.loc[mask, column] = pd.NaT
    frame.loc[(frame["moved_in"] >= frame["moved_out"]) | (frame["moved_in"] > frame[["deregistered", "revoked"]]
                                                          .min(axis=1)), "moved_in"] = pd.NaT
    frame["exit_date"] = frame[["deregistered", "revoked"]].min(axis=1)
    frame["exit_kind"] = np.where(frame["exit_date"].isna(), None,
                                  np.where(frame["exit_date"].eq(frame["deregistered"]), "deregistered", "revoked"))
    return frame


def write_register(frame: pd.DataFrame, folder: Path, data_end: dt.date) -> Path:
    """``folder/register.parquet`` with dates as dates and the metadata ``data_end`` and ``synthetic``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = ["uscc", "entity_type", "founded", "deregistered", "revoked", "exit_date", "exit_kind", "moved_in",
               "moved_out", "division_code"]
    frame = frame[columns].copy()
    for column in ("founded", "deregistered", "revoked", "exit_date", "moved_in", "moved_out"):
        frame[column] = pd.to_datetime(frame[column]).dt.date
    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), b"data_end": data_end.isoformat().encode(),
                                           b"synthetic": b"SYNTHETIC: seeded test register"})
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, folder / "register.parquet")
    return folder / "register.parquet"
