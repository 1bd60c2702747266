"""The full default build, twice: byte-identical outputs, and a report that a browser shows whole.

Runs every notebook of params/default.yaml through the runner (papermill, a pool of warm project kernels)
into two temporary build folders, as `make report` does; the second build's notebooks run on kernels that
have already run the first's, so identical outputs also show that nothing carries over between notebooks.
"""
import os
import shutil
from pathlib import Path

import pytest

from analysis.build import report, runner
from analysis.config import DEFAULT_PARAMS

COMPARED = ("figures", "tables", "sections")


@pytest.fixture(scope="session")
def kernels():
    """One pool of two warm kernels for every build of this file, as one `make report` runs its notebooks:
    the second default build runs each notebook on a kernel that has already run others."""
    from analysis.config import NOTEBOOKS_DIR

    with runner.KernelPool(sorted(NOTEBOOKS_DIR.glob("*.ipynb")), 2) as pool:
        yield pool


def _build(pool, params_path, out) -> None:
    params = runner.load_params(params_path)
    runner.run_stale(pool, list(params["notebooks"]), params_path, params, str(out), quiet=True)
    report.build(out, params_path, params)


@pytest.fixture(scope="session")
def builds(tmp_path_factory, kernels):
    folders = [tmp_path_factory.mktemp(name) for name in ("first", "second")]
    for out in folders:
        _build(kernels, DEFAULT_PARAMS, out)
    return folders


def _files(folder: Path) -> dict[str, bytes]:
    files = {p.relative_to(folder).as_posix(): p.read_bytes()
             for sub in COMPARED for p in sorted((folder / sub).rglob("*")) if p.is_file()}
    for name in ("report.html", "tables.xlsx"):
        files[name] = (folder / name).read_bytes()
    return files


def test_two_builds_are_byte_identical(builds):
    first, second = (_files(folder) for folder in builds)
    assert sorted(first) == sorted(second)
    assert any(name.endswith(".png") for name in first) and any(name.endswith(".svg") for name in first)
    different = [name for name in first if first[name] != second[name]]
    assert different == []


def test_build_has_every_section_figure_and_table(builds):
    out = builds[0]
    params = runner.load_params(DEFAULT_PARAMS)
    sections = {s["name"]: s for s in report.read_sections(out)}
    assert set(params["notebooks"]) <= set(sections)
    for section in sections.values():
        assert section["summary"], section["name"]
        for entry in section["figures"] + section["tables"]:
            assert (out / entry["file"]).is_file(), entry["file"]
    import openpyxl

    sheets = openpyxl.load_workbook(out / "tables.xlsx").sheetnames
    assert len(sheets) == sum(len(s["tables"]) for s in sections.values()) + 1  # + the column names sheet


def _browser():
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver):
        message = "chromium/chromedriver not installed (`make browser` installs them as root)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1200,2000"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(driver), options=options)


def test_report_in_a_browser_shows_every_figure_link_and_chinese_font(builds):
    out = builds[0]
    browser = _browser()
    try:
        browser.get((out / "report.html").as_uri())
        images = browser.execute_script(
            "return Array.from(document.images).map(i => [i.alt, i.complete && i.naturalWidth > 0]);")
        assert images and all(ok for _, ok in images), images
        anchors = browser.execute_script(
            "return Array.from(document.querySelectorAll('a[href^=\"#\"]'))"
            ".map(a => [a.getAttribute('href'), !!document.getElementById(a.getAttribute('href').slice(1))]);")
        assert anchors and all(ok for _, ok in anchors), anchors
        external = browser.execute_script(
            "return Array.from(document.querySelectorAll('a[href]:not([href^=\"#\"])')).map(a => a.href);")
        assert external and all(h.startswith(("http://", "https://")) and " " not in h for h in external)
        fonts_ok = browser.execute_async_script(
            "const done = arguments[0]; document.fonts.ready.then(() => "
            "done(document.fonts.check('16px \"Noto Sans CJK SC (embedded)\"', '食品安全监督抽检合格率')));")
        assert fonts_ok
        browser.save_screenshot(str(out / "report.png"))
    finally:
        browser.quit()


@pytest.fixture(scope="session")
def district_builds(tmp_path_factory, kernels):
    """The SYNTHETIC example district (zh) and its small-count build (en), as `make report PARAMS=...` does."""
    from analysis.readers import datasets
    from analysis.config import PARAMS_DIR

    folders = {}
    for name in ("example_district", "small_district"):
        params_path = PARAMS_DIR / f"{name}.yaml"
        if not folders:
            for step in datasets.STEPS:
                datasets.process(step, runner.load_params(params_path)["dataset"])
        folders[name] = tmp_path_factory.mktemp(name)
        _build(kernels, params_path, folders[name])
    return folders


@pytest.fixture(scope="session")
def all_builds(builds, district_builds):
    """The shipped build, the example district and the small district, by name."""
    return {"default": builds[0], **district_builds}


def test_example_district_builds_every_section_marked_synthetic(district_builds):
    from analysis.config import dataset_dirs
    from analysis.demography import step as demography_step

    out = district_builds["example_district"]
    sections = report.read_sections(out)
    assert [s["name"] for s in sections] == list(report.SECTION_ORDER)
    # Until the records layer writes the example district's register, its demography section is skipped.
    has_register = demography_step.register_path(dataset_dirs("example_district")[1]).is_file()
    for section in sections:
        assert section["title"].startswith("【合成数据 SYNTHETIC】"), section["title"]
        skipped = section["name"] == "demography" and not has_register
        assert section["summary"] and (skipped or section["figures"] + section["tables"]), section["name"]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.count("【合成数据 SYNTHETIC】") >= 2 * len(sections)


def test_every_column_table_and_figure_of_every_build_is_labelled(all_builds):
    """Generic over whatever a build writes: a new column fails here until it has a zh and an en label."""
    import pandas as pd

    from analysis.present import labels

    for name, out in all_builds.items():
        for path in sorted((out / "tables").glob("*.csv")):
            columns = pd.read_csv(path, nrows=0).columns
            assert labels.unlabelled_columns(columns, path.stem) == [], (name, path.name)
            for lang in ("zh", "en"):
                sheet = labels.sheet_name(path.stem, lang)
                assert sheet and len(sheet) <= 31 and not set(sheet) & set("[]:*?/\\"), (path.stem, sheet)
                assert labels.table_caption(path.stem, lang)
        for path in sorted((out / "figures").glob("*.png")):
            assert all(labels.figure_caption(path.stem, lang) for lang in ("zh", "en")), path.stem


def test_tables_workbook_is_labelled_in_the_build_language(all_builds):
    import openpyxl
    import pandas as pd

    from analysis.present import labels

    for name, out in all_builds.items():
        lang = report.read_sections(out)[0]["lang"]
        workbook = openpyxl.load_workbook(out / "tables.xlsx")
        for section in report.read_sections(out):
            for entry in section["tables"]:
                stem = Path(entry["file"]).stem
                frame = pd.read_csv(out / entry["file"], nrows=0)
                header = [c.value for c in workbook[labels.sheet_name(stem, lang)][1]]
                assert header == [labels.column_label(c, lang, stem) for c in frame.columns], (name, stem)


def _section_tables(out, section):
    import pandas as pd

    return [pd.read_csv(out / t["file"], keep_default_na=False, na_values=[""]) for t in section["tables"]]


def test_every_finding_quotes_only_the_values_of_its_tables(all_builds):
    """Each number of each finding sentence is a value of its section's tables, as displayed (tests/findings_check.py)."""
    from analysis.summary import indicators
    from analysis.config import dataset_dirs
    from analysis.demography import step as demography_step
    from analysis.summary.text import read_summary
    from findings_check import unsupported_numbers

    for name, out in all_builds.items():
        params = runner.load_params(DEFAULT_PARAMS if name == "default" else DEFAULT_PARAMS.parent / f"{name}.yaml")
        summary_text = read_summary(params["notebooks"]["summary"]["summary_path"])
        unparsed = len(indicators.unparsed_mentions(summary_text))
        register, _ = demography_step.load(dataset_dirs(str(params["dataset"]))[1])
        extra = {"summary": {unparsed}, "demography": {len(register)}}  # counts of the inputs, not of a table
        for section in report.read_sections(out):
            tables = _section_tables(out, section)
            for sentence in section["summary"]:
                missing = unsupported_numbers(sentence, tables, {params["target_year"]} | extra.get(section["name"], set()))
                assert missing == [], (name, section["name"], sentence, missing)


def test_dispersion_and_rate_ratio_wording_follow_the_table(all_builds):
    import re

    from analysis.present.labels import label

    for name, out in all_builds.items():
        section = next(s for s in report.read_sections(out) if s["name"] == "patents")
        lang = section["lang"]
        trend, ratios = (_section_tables(out, section)[i] for i in
                         [next(i for i, t in enumerate(section["tables"]) if t["file"].endswith(f"/{stem}.csv"))
                          for stem in ("patents_trend", "patents_rate_ratios")])
        text = " ".join(section["summary"])
        phi = trend["dispersion"].dropna()
        if len(phi) and (phi <= 1).any():
            assert not re.search(r"波动均?大于Poisson|远大于Poisson|(every type varies|the years vary) more", text), \
                (name, text)
        if len(phi) and (phi > 1).all() and (ratios["note"].fillna("") == "").any():
            assert re.search(r"波动均?大于Poisson|(every type varies|the years vary) more", text), (name, text)
        for _, row in ratios[ratios["note"].fillna("") == ""].iterrows():
            assert f"{label(row['patent_type'], lang)}{'' if lang == 'zh' else ' '}{row['estimate']:.3f}" in text
        assert not re.search(r"率比（\d+/\d+）为\d\.\d+–", text)  # a range across types written as an interval


def test_missing_figures_are_not_in_the_data_unless_a_note_says_not_published(all_builds):
    for name, out in all_builds.items():
        section = next(s for s in report.read_sections(out) if s["name"] == "market_entities")
        text = " ".join(section["summary"])
        assert "未公布" not in text and "not published" not in text, (name, text)
    default = next(s for s in report.read_sections(all_builds["default"]) if s["name"] == "market_entities")
    assert "2020年末存量未收录" in " ".join(default["summary"])


def test_census_caveat_only_where_counts_are_large(all_builds):
    from analysis.sampling.findings import LARGE_BATCHES

    for name, out in all_builds.items():
        section = next(s for s in report.read_sections(out) if s["name"] == "sampling")
        rates = _section_tables(out, section)[0]
        warned = any("“显著”" in n or "'significant'" in n for n in section["notes"])
        assert warned == (rates["batches"].max() >= LARGE_BATCHES), (name, section["notes"])
    assert not any("百万" in n or "millions" in n for s in report.read_sections(all_builds["small_district"])
                   for n in s["notes"])


#: A4 portrait at 96 CSS pixels per inch: 210 mm = 794 px.
A4_WIDTH_PX = 794


def _visible_text_chars(html: str) -> set[str]:
    import re

    text = re.sub(r"<style.*?</style>|data:[^\"]+", "", html, flags=re.S)
    return set(re.sub(r"<[^>]+>", "", text))


def test_embedded_font_holds_every_cjk_character_of_each_report(all_builds):
    import base64
    import io
    import re
    import unicodedata

    from fontTools.ttLib import TTFont

    for name, out in all_builds.items():
        html = (out / "report.html").read_text(encoding="utf-8")
        data = re.search(r'data:font/otf;base64,([^"]+)"', html).group(1)
        cmap = TTFont(io.BytesIO(base64.b64decode(data))).getBestCmap()
        cjk = {ch for ch in _visible_text_chars(html) if "CJK" in unicodedata.name(ch, "")
               or 0x3000 <= ord(ch) <= 0x303F or 0xFF00 <= ord(ch) <= 0xFFEF}
        assert cjk and not {ch for ch in cjk if ord(ch) not in cmap}, name


def test_report_at_a4_width_fits_uses_the_embedded_font_everywhere_and_prints(builds):
    """At A4 width nothing overflows; every element with text (the parameters <pre> too) is drawn with the
    embedded font only; the PDF Chromium prints has the page count stated in the README."""
    import base64
    import re

    from analysis.config import PROJ_ROOT

    out = builds[0]
    browser = _browser()
    try:
        browser.set_window_size(A4_WIDTH_PX, 1123)
        browser.get((out / "report.html").as_uri())
        browser.execute_async_script("const done = arguments[0]; document.fonts.ready.then(() => done());")
        width = browser.execute_script(
            "return [document.body.scrollWidth, document.body.clientWidth, document.documentElement.scrollWidth,"
            " document.documentElement.clientWidth];")
        assert width[0] <= width[1] and width[2] <= width[3], width
        browser.save_screenshot(str(out / "report_a4.png"))
        browser.execute_script("document.querySelectorAll('details').forEach(d => d.open = true);")
        browser.execute_cdp_cmd("DOM.enable", {})
        browser.execute_cdp_cmd("CSS.enable", {})
        root = browser.execute_cdp_cmd("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
        nodes = browser.execute_cdp_cmd("DOM.querySelectorAll", {"nodeId": root, "selector": "body *"})["nodeIds"]
        fonts, checked = {}, 0
        for node in nodes:
            used = browser.execute_cdp_cmd("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
            for font in used:  # isCustomFont: a web font (the embedded subset), not a system font of that name
                key = (font["familyName"], font["isCustomFont"])
                fonts[key] = fonts.get(key, 0) + font["glyphCount"]
            checked += bool(used)
        assert checked > 100 and set(fonts) == {("Noto Sans CJK SC Regular", True)}, fonts
        pre_font = browser.execute_script("return getComputedStyle(document.querySelector('pre')).fontFamily;")
        assert pre_font.startswith('"Noto Sans CJK SC (embedded)"'), pre_font
        pdf = base64.b64decode(browser.execute_cdp_cmd("Page.printToPDF", {"preferCSSPageSize": True})["data"])
    finally:
        browser.quit()
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    (out / "report.pdf").write_bytes(pdf)
    readme = (PROJ_ROOT / "README.md").read_text(encoding="utf-8")
    stated = re.search(r"prints on (\d+) A4 pages", readme)
    assert stated and int(stated.group(1)) == pages, (pages, stated and stated.group(0))
