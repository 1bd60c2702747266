"""The full default build, twice: byte-identical outputs, and a report that a browser shows whole.

Runs every notebook of params/default.yaml through the runner (papermill, project kernel) into two
temporary build folders, as `make report` does.
"""
import os
import shutil
from pathlib import Path

import pytest

from analysis.build import report, runner
from analysis.config import DEFAULT_PARAMS

COMPARED = ("figures", "tables", "sections")


@pytest.fixture(scope="session")
def builds(tmp_path_factory):
    params = runner.load_params(DEFAULT_PARAMS)
    folders = []
    for name in ("first", "second"):
        out = tmp_path_factory.mktemp(name)
        for notebook in params["notebooks"]:
            runner.run(notebook, DEFAULT_PARAMS, out_dir=str(out))
        report.build(out, DEFAULT_PARAMS, params)
        folders.append(out)
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
    assert len(sheets) == sum(len(s["tables"]) for s in sections.values())


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


def test_example_district_builds_every_section_marked_synthetic(tmp_path):
    from analysis.readers import datasets
    from analysis.config import PARAMS_DIR, dataset_dirs
    from analysis.demography import step as demography_step

    params_path = PARAMS_DIR / "example_district.yaml"
    params = runner.load_params(params_path)
    for step in datasets.STEPS:
        datasets.process(step, params["dataset"])
    for notebook in params["notebooks"]:
        runner.run(notebook, params_path, out_dir=str(tmp_path))
    report.build(tmp_path, params_path, params)
    sections = report.read_sections(tmp_path)
    assert [s["name"] for s in sections] == list(report.SECTION_ORDER)
    # Until the records layer writes the example district's register, its demography section is skipped.
    has_register = demography_step.register_path(dataset_dirs(params["dataset"])[1]).is_file()
    for section in sections:
        assert section["title"].startswith("【合成数据 SYNTHETIC】"), section["title"]
        skipped = section["name"] == "demography" and not has_register
        assert section["summary"] and (skipped or section["figures"] + section["tables"]), section["name"]
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert html.count("【合成数据 SYNTHETIC】") >= 2 * len(sections)
