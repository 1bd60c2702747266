"""Report sections and the HTML report: self-contained, escaped, deterministic."""
import json

import pandas as pd
import pytest

from analysis.build import report
from analysis.present import section
from analysis import setup
from analysis.present.plotting import save_figure


@pytest.fixture()
def build(tmp_path):
    import matplotlib.pyplot as plt

    setup()
    fig, ax = plt.subplots()
    ax.plot([1, 2], [3, 4])
    save_figure(fig, "sampling_pass_rates", tmp_path / "figures")
    plt.close(fig)
    table = pd.DataFrame({"category": ["<script>alert(1)</script>", "粮食加工品"], "pass_rate": [0.97, 0.99]})
    section.write_section("sampling", tmp_path, title="抽检 <b>", lang="zh", summary=["合格率 97.4% & 上升"],
                         figures=[("sampling_pass_rates", "图 1")], tables=[("sampling_pass_rates", "表 1", table)],
                         notes=["<img src=x onerror=alert(1)>"], sources=["https://example.org/a?x=1&y=2"])
    return tmp_path


def test_section_tables_are_written_as_csv(build):
    assert (build / "tables" / "sampling_pass_rates.csv").read_text(encoding="utf-8").startswith("category,pass_rate\n")


def test_report_embeds_figures_and_escapes_data_text(build):
    html = report.render(build)
    assert "data:image/png;base64," in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<img src=x" not in html
    assert "抽检 &lt;b&gt;" in html
    assert "合格率 97.4% &amp; 上升" in html
    assert 'href="https://example.org/a?x=1&amp;y=2"' in html


def test_report_is_deterministic(build):
    first = report.build(build).read_bytes()
    second = report.build(build).read_bytes()
    assert first == second


def test_sections_come_in_report_order(tmp_path):
    for name in ("summary", "patents", "zzz", "sampling", "market_entities"):
        section.write_section(name, tmp_path, title=name, lang="en")
    assert [s["name"] for s in report.read_sections(tmp_path)] == [
        "sampling", "patents", "market_entities", "summary", "zzz"]


def test_provenance_lists_commit_input_hashes_parameters_and_versions(build):
    import hashlib

    from analysis.build import runner
    from analysis.config import DEFAULT_PARAMS, PROJ_ROOT

    from analysis.build import plan

    params = runner.load_params(DEFAULT_PARAMS)
    params["notebooks"] = {"sampling": params["notebooks"]["sampling"]}
    with pytest.raises(runner.RunError, match="section sampling: no record of the build that wrote it"):
        report.build(build, DEFAULT_PARAMS, params)
    runner.record_section(build, "sampling", runner.notebook_parameters("sampling", params, str(build)),
                          plan.input_hashes("sampling", params), runner.code_hashes("sampling"))
    report.build(build, DEFAULT_PARAMS, params)
    html = (build / "report.html").read_text(encoding="utf-8")
    raw = PROJ_ROOT / "data" / "raw" / "sampling.csv"
    assert hashlib.sha256(raw.read_bytes()).hexdigest() in html
    assert "data/raw/sampling.csv" in html and "params/default.yaml" in html
    assert "statsmodels " in html and "target_year: 2021" in html
    meta = json.loads((build / "report.meta.json").read_text(encoding="utf-8"))
    assert meta["built_at_utc"] and meta["git"]["commit"] in html
    assert "built_at" not in html


def test_synthetic_build_is_marked_in_the_report_title(build):
    from analysis.build import runner
    from analysis.config import DEFAULT_PARAMS

    params = runner.load_params(DEFAULT_PARAMS) | {"dataset": "example_district"}
    html = report.render(build, {"parameters": params, "git": {"commit": "x", "dirty": False},
                                 "inputs": [], "packages": {}})
    assert "<title>【合成数据 SYNTHETIC】" in html and "<h1>【合成数据 SYNTHETIC】" in html


def test_tables_workbook_has_one_sheet_per_table_and_is_deterministic(build):
    import openpyxl

    first = report.tables_xlsx(build)
    assert first == report.tables_xlsx(build)
    path = build / "t.xlsx"
    path.write_bytes(first)
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["抽检合格率"]
    assert [c.value for c in sheet[1]] == ["食品类别", "合格率（%）"]
    assert [c.value for c in sheet[3]] == ["粮食加工品", 0.99]
    assert [c.value for c in workbook["列名对照"][2]] == ["抽检合格率", "食品类别", "category"]


def test_embedded_font_covers_the_report_text(build):
    import base64
    import io
    import re

    from fontTools.ttLib import TTFont

    html = report.render(build)
    data = re.search(r'data:font/otf;base64,([^"]+)"', html).group(1)
    cmap = TTFont(io.BytesIO(base64.b64decode(data))).getBestCmap()
    assert all(ord(ch) in cmap for ch in "抽检合格率上升表图")


def test_provenance_flags_changed_tracked_code_not_a_districts_untracked_data(tmp_path, monkeypatch):
    import subprocess

    from analysis.build import provenance

    def git(*args):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=tmp_path, check=True,
                       capture_output=True)

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "code.py").write_text("x = 1\n")
    git("init", "-q")
    git("add", "src")
    git("commit", "-qm", "code")
    monkeypatch.setattr(provenance, "PROJ_ROOT", tmp_path)
    (tmp_path / "data" / "raw" / "鼓楼区").mkdir(parents=True)
    (tmp_path / "data" / "raw" / "鼓楼区" / "sampling.xlsx").write_bytes(b"district data")
    (tmp_path / "params").mkdir()
    (tmp_path / "params" / "鼓楼区.yaml").write_text("dataset: 鼓楼区\n", encoding="utf-8")
    assert provenance.git_state()["dirty"] is False
    (tmp_path / "src" / "code.py").write_text("x = 2\n")
    assert provenance.git_state()["dirty"] is True
