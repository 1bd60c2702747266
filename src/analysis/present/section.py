"""A notebook's contribution to the report: its findings, figures, tables, notes and sources, as JSON.

The notebooks write a section with :func:`write_section`; the build's report step reads them all.
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from analysis.readers.io import write_csv, write_text


def _jsonable(value):
    if isinstance(value, Path):
        return value.as_posix()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def write_section(name: str, out_dir: Path | str, *, title: str, lang: str, summary: list[str] = (),
                  figures: list[tuple[str, str]] = (), tables: list[tuple[str, str, pd.DataFrame]] = (),
                  notes: list[str] = (), sources: list[str] = ()) -> Path:
    """Record one notebook's contribution to the report.

    ``figures``: (file stem under ``figures/``, caption); ``tables``: (stem, caption, DataFrame).
    """
    out_dir = Path(out_dir)
    table_entries = []
    for stem, caption, frame in tables:
        write_csv(frame, out_dir / "tables" / f"{stem}.csv")
        table_entries.append({"file": f"tables/{stem}.csv", "caption": caption})
    section = {
        "name": name, "title": title, "lang": lang, "summary": list(summary),
        "figures": [{"file": f"figures/{stem}.png", "caption": caption} for stem, caption in figures],
        "tables": table_entries, "notes": list(notes), "sources": sorted(set(sources)),
    }
    text = json.dumps(section, ensure_ascii=False, indent=1, sort_keys=True, default=_jsonable)
    return write_text(text + "\n", out_dir / "sections" / f"{name}.json")
