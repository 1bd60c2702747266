"""Report sections written by the notebooks, and the HTML report assembled from them.

Each notebook ends by calling :func:`write_section`: its tables go to ``<out>/tables/*.csv`` and a
JSON description to ``<out>/sections/<name>.json``. :func:`build` then renders every section into
one self-contained ``<out>/report.html`` (figures embedded), escaping all data-derived text.
"""
from __future__ import annotations

import base64
import json
from pathlib import Path

import jinja2
import pandas as pd

from analysis.io import write_csv, write_text

#: Order of sections in the report; unknown sections follow alphabetically.
SECTION_ORDER = ("sampling", "patents", "market_entities", "summary")
TITLES = {"zh": "市场监管年度工作分析报告", "en": "Market regulation annual review"}


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


def read_sections(out_dir: Path | str) -> list[dict]:
    """Every section of a build, in report order."""
    paths = sorted(Path(out_dir, "sections").glob("*.json"))
    sections = [json.loads(p.read_text(encoding="utf-8")) for p in paths]
    rank = {name: i for i, name in enumerate(SECTION_ORDER)}
    return sorted(sections, key=lambda s: (rank.get(s["name"], len(rank)), s["name"]))


def _embed_png(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _table_html(path: Path) -> str:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    return frame.to_html(index=False, escape=True, border=0, classes="data")


def render(out_dir: Path | str) -> str:
    """The report's HTML for a build folder."""
    out_dir = Path(out_dir)
    sections = read_sections(out_dir)
    lang = sections[0]["lang"] if sections else "zh"
    for section in sections:
        for figure in section["figures"]:
            figure["src"] = _embed_png(out_dir / figure["file"])
        for table in section["tables"]:
            table["html"] = _table_html(out_dir / table["file"])
    env = jinja2.Environment(loader=jinja2.PackageLoader("analysis", "templates"),
                             autoescape=True, keep_trailing_newline=True)
    return env.get_template("report.html.j2").render(title=TITLES.get(lang, TITLES["en"]), lang=lang,
                                                     sections=sections)


def build(out_dir: Path | str) -> Path:
    """Write ``<out_dir>/report.html`` atomically."""
    return write_text(render(out_dir), Path(out_dir) / "report.html")
