"""Report sections and the HTML report: self-contained, escaped, deterministic."""
import pandas as pd
import pytest

from analysis import report, setup
from analysis.plotting import save_figure


@pytest.fixture()
def build(tmp_path):
    import matplotlib.pyplot as plt

    setup()
    fig, ax = plt.subplots()
    ax.plot([1, 2], [3, 4])
    save_figure(fig, "demo", tmp_path / "figures")
    plt.close(fig)
    table = pd.DataFrame({"category": ["<script>alert(1)</script>", "粮食加工品"], "pass_rate": [0.97, 0.99]})
    report.write_section("sampling", tmp_path, title="抽检 <b>", lang="zh", summary=["合格率 97.4% & 上升"],
                         figures=[("demo", "图 1")], tables=[("demo_table", "表 1", table)],
                         notes=["<img src=x onerror=alert(1)>"], sources=["https://example.org/a?x=1&y=2"])
    return tmp_path


def test_section_tables_are_written_as_csv(build):
    assert (build / "tables" / "demo_table.csv").read_text(encoding="utf-8").startswith("category,pass_rate\n")


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
        report.write_section(name, tmp_path, title=name, lang="en")
    assert [s["name"] for s in report.read_sections(tmp_path)] == [
        "sampling", "patents", "market_entities", "summary", "zzz"]
