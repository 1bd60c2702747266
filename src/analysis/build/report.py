"""Report sections written by the notebooks, and the outputs assembled from them.

Each notebook ends by calling :func:`write_section`: its tables go to ``<out>/tables/*.csv`` and a
JSON description to ``<out>/sections/<name>.json``. :func:`build` then writes

- ``report.html``: one self-contained file (figures and font embedded), a statistical bulletin: a title
  naming regions, target year, dataset and language; the main points; then each section's findings,
  figures (numbered, with a caption and the source), short A4 tables and the full tables (collapsible),
  methods notes and sources; then the provenance of the build. Labels, captions and cell formats come
  from :mod:`analysis.present.labels` and :mod:`analysis.present.tables`. All data-derived text is
  escaped. Nothing in it changes from run to run, so identical inputs give identical bytes;
- ``report.meta.json``: the same provenance plus what does change (the build time);
- ``tables.xlsx``: every table, one labelled sheet each, exact values, for colleagues who work in Excel or WPS (also
  byte-identical for identical inputs: fixed zip timestamps and document dates).
"""
from __future__ import annotations

import base64
import datetime
import hashlib
import io
import json
import re
import zipfile
from pathlib import Path

from urllib.parse import urlparse

import jinja2
import openpyxl
import pandas as pd

from analysis.readers.io import append_table, write_atomic, write_text
from analysis.present.labels import (column_label, dataset_marker, figure_caption, region_label, sheet_name,
                                     table_caption)
from analysis.present.tables import body_table, readable
from analysis.build.provenance import provenance
from analysis.config import PROJ_ROOT

#: Order of sections in the report; unknown sections follow alphabetically.
SECTION_ORDER = ("sampling", "patents", "market_entities", "demography", "summary")
TITLES = {"zh": "市场监管年度工作分析报告", "en": "Market regulation annual review"}


def read_sections(out_dir: Path | str, names=None) -> list[dict]:
    """The sections of a build (those of ``names`` if given, else every one), in report order."""
    paths = sorted(Path(out_dir, "sections").glob("*.json"))
    if names is not None:
        paths = [p for p in paths if p.stem in set(names)]
    sections = [json.loads(p.read_text(encoding="utf-8")) for p in paths]
    rank = {name: i for i, name in enumerate(SECTION_ORDER)}
    return sorted(sections, key=lambda s: (rank.get(s["name"], len(rank)), s["name"]))


def _embed_png(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def read_table(out_dir: Path, entry: dict) -> tuple[str, pd.DataFrame]:
    """A section's table: its stem (the name in the labels registry) and its rows, full precision."""
    path = out_dir / entry["file"]
    return path.stem, pd.read_csv(path, keep_default_na=False, na_values=[""])


def _html(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, escape=True, border=0, classes="data")


def _table_entry(out_dir: Path, entry: dict, lang: str, marker: str, target_year: int | None) -> dict:
    """A table for the report: its caption, a short body table (or none) and the full table, labelled."""
    stem, frame = read_table(out_dir, entry)
    body = body_table(frame, stem, lang, target_year)
    return {"caption": marker + table_caption(stem, lang), "rows": len(frame),
            "body": None if body is None else _html(body), "full": _html(readable(frame, stem, lang))}


def source_hosts(urls: list[str], lang: str) -> str:
    """The sources of a section in a caption: their web sites, or the generator of synthetic data."""
    hosts = list(dict.fromkeys(urlparse(u).hostname or u for u in urls))
    if hosts and all(h.endswith(".invalid") for h in hosts):
        return "合成数据（analysis.example_district）" if lang == "zh" else "synthetic data (analysis.example_district)"
    return ("、" if lang == "zh" else ", ").join(h.removeprefix("www.") for h in hosts)


#: What each analysis covers, for the report's first line.
TOPICS = {"sampling": {"zh": "食品抽检", "en": "food-safety sampling"},
          "patents": {"zh": "专利授权", "en": "patents granted"},
          "market_entities": {"zh": "市场主体", "en": "market entities"},
          "demography": {"zh": "市场主体的出生与存活", "en": "business demography"},
          "summary": {"zh": "年度工作总结中的数字", "en": "the figures of the annual work summary"}}


def report_title(params: dict, lang: str, sections: list[dict] | None = None) -> tuple[str, str]:
    """The title and first line of a build: region(s), what it covers, target year, dataset and language.

    The analyses are the build's sections (else its parameters' notebooks), in report order; the regions
    are those of the sections that show data (a section that only says it has none names no region).
    """
    notebooks = params.get("notebooks", {})
    names = [s["name"] for s in sections] if sections is not None else [n for n in SECTION_ORDER if n in notebooks]
    with_data = ([s["name"] for s in sections if s["figures"] or s["tables"]] if sections is not None else names)
    regions = [region_label(r, lang) for r in dict.fromkeys(notebooks[n]["region"] for n in SECTION_ORDER
                                                          if n in with_data and "region" in notebooks.get(n, {}))]
    topics = [TOPICS[n][lang] for n in names if n in TOPICS]
    year, dataset = params.get("target_year", ""), params.get("dataset", "public")
    marker = dataset_marker(dataset, lang)
    if lang == "zh":
        where = "、".join(regions)
        data = "公开数据" if dataset == "public" else f"数据集 {dataset}"
        return (f"{marker}{where} {year}年市场监管统计分析（{data}，中文）",
                f"本报告分析{year}年{where}的{'、'.join(topics)}，与此前年份比较；数据集：{dataset}；语言：中文。")
    where = ", ".join(regions)
    data = "public data" if dataset == "public" else f"dataset {dataset}"
    return (f"{marker}Market regulation statistics {year}: {where} ({data}, English)",
            f"This bulletin compares {year} with earlier years for {where}: {', '.join(topics)}. "
            f"Dataset: {dataset}; language: English.")


def font_face(text: str) -> str:
    """CSS ``@font-face`` embedding the CJK font subset to the characters of ``text``.

    The report then shows Chinese the same on every machine, with or without system CJK fonts,
    and stays one self-contained file (tens of kB, not the 16 MB font). Deterministic: the font's
    timestamp is not recalculated.
    """
    from analysis.present.plotting import CJK_FONT_NAME

    data = base64.b64encode(font_subset("".join(sorted(set(text))))).decode("ascii")
    return (f'@font-face {{ font-family: "{CJK_FONT_NAME} (embedded)"; '
            f'src: url("data:font/otf;base64,{data}") format("opentype"); }}')


#: Font subsets already made, by the SHA-256 of the font file and the characters (subsetting takes seconds).
FONT_CACHE_DIR = PROJ_ROOT / ".cache" / "font-subsets"


def font_subset(characters: str) -> bytes:
    """The CJK font cut to ``characters``, made once per set of characters and font (cached by content hash)."""
    from analysis.present.plotting import cjk_font_path

    font_path = cjk_font_path()
    key = hashlib.sha256(hashlib.sha256(font_path.read_bytes()).digest() + characters.encode("utf-8")).hexdigest()
    cached = FONT_CACHE_DIR / f"{key}.otf"
    if cached.is_file():
        return cached.read_bytes()
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.name_IDs = ["*"]
    font = TTFont(str(font_path), lazy=True, recalcTimestamp=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=characters)
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.save(buffer)
    write_atomic(cached, lambda tmp: tmp.write_bytes(buffer.getvalue()))
    return buffer.getvalue()


def render(out_dir: Path | str, origin: dict | None = None, names=None) -> str:
    """The report's HTML for a build folder (sections of ``names``, else all); ``origin``: its provenance."""
    out_dir = Path(out_dir)
    sections = read_sections(out_dir, names)
    lang = sections[0]["lang"] if sections else "zh"
    params = origin["parameters"] if origin else {}
    marker = dataset_marker(params.get("dataset", "public"), lang)
    number = 0
    for section in sections:
        hosts = source_hosts(section["sources"], lang)
        for figure in section["figures"]:
            number += 1
            figure["src"] = _embed_png(out_dir / figure["file"])
            figure["number"] = number
            figure["description"] = marker + figure_caption(Path(figure["file"]).stem, lang)
            figure["source"] = hosts
        # An empty table (e.g. no category counts for a stratified comparison) is left out; its finding says why.
        section["table_entries"] = [entry for entry in (
            _table_entry(out_dir, t, lang, marker, params.get("target_year")) for t in section["tables"])
            if entry["rows"]]
    env = jinja2.Environment(loader=jinja2.PackageLoader("analysis.build", "templates"),
                             autoescape=True, keep_trailing_newline=True)
    template = env.get_template("report.html.j2")
    title, first_line = (report_title(params, lang, sections) if origin else
                         (marker + TITLES.get(lang, TITLES["en"]), ""))
    context = dict(title=title, first_line=first_line, lang=lang, sections=sections, origin=origin,
                   parameters=yaml_text(params) if origin else "", text=UI_TEXT[lang])
    text = template.render(**context, font_face="")
    return template.render(**context, font_face=font_face(re.sub(r"data:[^\"]+", "", text)))


#: The report's own words (headings, captions), by language.
UI_TEXT = {
    "zh": {"main_points": "主要结论", "provenance": "数据与代码来源", "figure": "图", "source": "来源",
           "full_table": "完整表格（{rows}行，另见 tables.xlsx）", "sources": "数据来源", "notes": "说明",
           "code_version": "代码版本", "dirty": "代码有未提交的修改", "build_time": "构建时间见",
           "input_file": "输入文件", "parameters": "参数", "packages": "软件版本", "colon": "：", "space": "　", "stop": "。"},
    "en": {"main_points": "Main points", "provenance": "Provenance", "figure": "Figure", "source": "Source",
           "full_table": "Full table ({rows} rows; also in tables.xlsx)", "sources": "Sources", "notes": "Notes",
           "code_version": "Code version", "dirty": "the code had uncommitted changes",
           "build_time": "Build time: see", "input_file": "Input file", "parameters": "Parameters",
           "packages": "Package versions", "colon": ": ", "space": " ", "stop": ". "},
}


def yaml_text(params: dict) -> str:
    """Parameters as YAML text, keys in file order."""
    import yaml

    return yaml.safe_dump(params, allow_unicode=True, sort_keys=False, default_flow_style=None, width=100)


XLSX_EPOCH = datetime.datetime(2021, 1, 1)


def tables_xlsx(out_dir: Path | str, names=None) -> bytes:
    """Every table of a build's sections (see :func:`read_sections`) as one workbook, byte-identical for
    identical tables.

    One sheet per table, named and headed by the labels of the build's language, values at full precision
    (p-values exact); a last sheet maps every label to its column's code name in ``tables/*.csv``.
    """
    out_dir = Path(out_dir)
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    sections = read_sections(out_dir, names)
    lang = sections[0]["lang"] if sections else "zh"
    dictionary = []
    for section in sections:
        for entry in section["tables"]:
            stem, frame = read_table(out_dir, entry)
            sheet = workbook.create_sheet(sheet_name(stem, lang))
            append_table(sheet, frame.rename(columns=lambda c: column_label(c, lang, stem)))
            dictionary += [[sheet.title, column_label(c, lang, stem), c] for c in frame.columns]
    about = workbook.create_sheet("列名对照" if lang == "zh" else "Columns")
    about.append(["工作表", "列名", "代码列名（tables/*.csv）"] if lang == "zh" else
                 ["Sheet", "Column", "Code name (tables/*.csv)"])
    for row in dictionary:
        about.append(row)
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


def check_sections(out_dir: Path, params_path: Path | str, params: dict, rebuild=None) -> None:
    """Make sure every section of the build was produced by this build (parameters, input hashes, files).

    A section that was not is rebuilt by ``rebuild(name)`` (one line says which and why); without
    ``rebuild`` the build stops with that line.
    """
    from analysis.build.runner import RunError, stale_reason

    for name in params["notebooks"]:
        reason = stale_reason(out_dir, name, params)
        if reason is None:
            continue
        if rebuild is None:
            raise RunError(f"section {name}: {reason}; run `make report PARAMS={params_path}` again")
        print(f"section {name}: {reason}; rebuilding it")
        rebuild(name)
        reason = stale_reason(out_dir, name, params)
        if reason is not None:
            raise RunError(f"section {name}: {reason} (after a rebuild)")


def build(out_dir: Path | str, params_path: Path | str | None = None, params: dict | None = None,
          rebuild=None) -> Path:
    """Write ``report.html``, ``report.meta.json`` and ``tables.xlsx`` into ``out_dir`` atomically.

    With a parameters file, only its notebooks' sections enter, each checked by :func:`check_sections`.
    """
    out_dir = Path(out_dir)
    names = None
    if params_path is not None:
        check_sections(out_dir, params_path, params, rebuild)
        names = list(params["notebooks"])
    origin = provenance(params_path, params) if params_path is not None else None
    xlsx = tables_xlsx(out_dir, names)
    write_atomic(out_dir / "tables.xlsx", lambda tmp: tmp.write_bytes(xlsx))
    if origin is not None:
        meta = {**origin, "built_at_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}
        write_text(json.dumps(meta, ensure_ascii=False, indent=1, sort_keys=True) + "\n", out_dir / "report.meta.json")
    return write_text(render(out_dir, origin, names), out_dir / "report.html")
