"""Report sections written by the notebooks, and the outputs assembled from them.

Each notebook ends by calling :func:`write_section`: its tables go to ``<out>/tables/*.csv`` and a
JSON description to ``<out>/sections/<name>.json``. :func:`build` then writes

- ``report.html``: one self-contained file (figures embedded): key findings first, then each section's
  figures, tables, methods notes and sources, then the provenance of the build. All data-derived text
  is escaped. Nothing in it changes from run to run, so identical inputs give identical bytes;
- ``report.meta.json``: the same provenance plus what does change (the build time);
- ``tables.xlsx``: every table, one sheet each, for colleagues who work in Excel or WPS (also
  byte-identical for identical inputs: fixed zip timestamps and document dates).
"""
from __future__ import annotations

import base64
import datetime
import io
import json
import re
import zipfile
from pathlib import Path

import jinja2
import openpyxl
import pandas as pd

from analysis.readers.io import append_table, write_atomic, write_text
from analysis.present.labels import dataset_marker
from analysis.build.provenance import provenance

#: Order of sections in the report; unknown sections follow alphabetically.
SECTION_ORDER = ("sampling", "patents", "market_entities", "summary")
TITLES = {"zh": "市场监管年度工作分析报告", "en": "Market regulation annual review"}


def read_sections(out_dir: Path | str) -> list[dict]:
    """Every section of a build, in report order."""
    paths = sorted(Path(out_dir, "sections").glob("*.json"))
    sections = [json.loads(p.read_text(encoding="utf-8")) for p in paths]
    rank = {name: i for i, name in enumerate(SECTION_ORDER)}
    return sorted(sections, key=lambda s: (rank.get(s["name"], len(rank)), s["name"]))


def _embed_png(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


P_VALUE_COLUMNS = re.compile(r"(^|_)p(_|$)|p_val|p_holm")


def _format_cell(column: str, value) -> str:
    """A table cell for reading: p-values to 3 significant digits, other fractions to 4 decimals."""
    if isinstance(value, float):
        if pd.isna(value):
            return ""
        if P_VALUE_COLUMNS.search(column):
            return f"{value:.3g}"
        return f"{value:,.4f}" if not value.is_integer() else f"{value:,.0f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}" if column != "year" else str(value)
    return str(value)


def _table_html(path: Path) -> str:
    """An HTML table of a CSV, numbers formatted for reading (the CSV keeps full precision)."""
    frame = pd.read_csv(path, keep_default_na=False, na_values=[""])
    shown = pd.DataFrame({c: [_format_cell(c, v.item() if hasattr(v, "item") else v) for v in frame[c]]
                          for c in frame.columns})
    return shown.to_html(index=False, escape=True, border=0, classes="data")


def font_face(text: str) -> str:
    """CSS ``@font-face`` embedding the CJK font subset to the characters of ``text``.

    The report then shows Chinese the same on every machine, with or without system CJK fonts,
    and stays one self-contained file (tens of kB, not the 16 MB font). Deterministic: the font's
    timestamp is not recalculated.
    """
    from fontTools import subset
    from fontTools.ttLib import TTFont

    from analysis.present.plotting import CJK_FONT_NAME, cjk_font_path

    options = subset.Options()
    options.name_IDs = ["*"]
    font = TTFont(str(cjk_font_path()), lazy=True, recalcTimestamp=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(set(text))))
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.save(buffer)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (f'@font-face {{ font-family: "{CJK_FONT_NAME} (embedded)"; '
            f'src: url("data:font/otf;base64,{data}") format("opentype"); }}')


def render(out_dir: Path | str, origin: dict | None = None) -> str:
    """The report's HTML for a build folder; ``origin`` is the build's provenance (optional)."""
    out_dir = Path(out_dir)
    sections = read_sections(out_dir)
    lang = sections[0]["lang"] if sections else "zh"
    for section in sections:
        for figure in section["figures"]:
            figure["src"] = _embed_png(out_dir / figure["file"])
        for table in section["tables"]:
            table["html"] = _table_html(out_dir / table["file"])
    env = jinja2.Environment(loader=jinja2.PackageLoader("analysis.build", "templates"),
                             autoescape=True, keep_trailing_newline=True)
    parameters = (yaml_text(origin["parameters"]) if origin else "")
    template = env.get_template("report.html.j2")
    marker = dataset_marker(origin["parameters"].get("dataset", "public"), lang) if origin else ""
    context = dict(title=marker + TITLES.get(lang, TITLES["en"]), lang=lang, sections=sections, origin=origin,
                   parameters=parameters)
    text = template.render(**context, font_face="")
    return template.render(**context, font_face=font_face(re.sub(r"data:[^\"]+", "", text)))


def yaml_text(params: dict) -> str:
    """Parameters as YAML text, keys in file order."""
    import yaml

    return yaml.safe_dump(params, allow_unicode=True, sort_keys=False)


def _sheet_name(stem: str, used: set[str]) -> str:
    name = re.sub(r"[\\/*?:\[\]]", "_", stem)[:31]
    base, n = name, 2
    while name in used:
        suffix = f"_{n}"
        name, n = base[:31 - len(suffix)] + suffix, n + 1
    used.add(name)
    return name


XLSX_EPOCH = datetime.datetime(2021, 1, 1)


def tables_xlsx(out_dir: Path | str) -> bytes:
    """Every table of a build as one workbook, one sheet per table, byte-identical for identical tables."""
    out_dir = Path(out_dir)
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    used: set[str] = set()
    for section in read_sections(out_dir):
        for table in section["tables"]:
            frame = pd.read_csv(out_dir / table["file"], keep_default_na=False, na_values=[""])
            sheet = workbook.create_sheet(_sheet_name(Path(table["file"]).stem, used))
            append_table(sheet, frame)
    if not workbook.sheetnames:
        workbook.create_sheet("empty")
    workbook.properties.creator = "amr-review"
    workbook.properties.created = XLSX_EPOCH
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _normalise_zip(buffer.getvalue())


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite an .xlsx with fixed entry timestamps and a fixed modification date."""
    stamp = XLSX_EPOCH.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>" + stamp + rb"\g<2>",
                                 content)
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0)), content,
                         compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def build(out_dir: Path | str, params_path: Path | str | None = None, params: dict | None = None) -> Path:
    """Write ``report.html``, ``report.meta.json`` and ``tables.xlsx`` into ``out_dir`` atomically."""
    out_dir = Path(out_dir)
    origin = provenance(params_path, params) if params_path is not None else None
    xlsx = tables_xlsx(out_dir)
    write_atomic(out_dir / "tables.xlsx", lambda tmp: tmp.write_bytes(xlsx))
    if origin is not None:
        meta = {**origin, "built_at_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}
        write_text(json.dumps(meta, ensure_ascii=False, indent=1, sort_keys=True) + "\n", out_dir / "report.meta.json")
    return write_text(render(out_dir, origin), out_dir / "report.html")
