"""Chinese labels render with a real CJK font, and figure files are byte-identical across saves."""
import warnings

import matplotlib.pyplot as plt
import pytest
from matplotlib import font_manager

from analysis import setup
from analysis.present.plotting import CJK_FONT_NAME, cjk_font_path, save_figure


@pytest.fixture(autouse=True)
def _setup():
    setup()
    yield
    plt.close("all")


def _chinese_figure():
    fig, ax = plt.subplots()
    ax.plot([2019, 2020, 2021], [97.6, 97.7, -97.3])
    ax.set_title("食品安全监督抽检合格率（%）")
    ax.set_xlabel("年份")
    return fig


def test_cjk_font_is_the_one_matplotlib_finds_for_sans_serif():
    found = font_manager.findfont(font_manager.FontProperties(family=["sans-serif"]), fallback_to_default=False)
    assert found == str(cjk_font_path())
    assert font_manager.FontProperties(fname=found).get_name() == CJK_FONT_NAME


def test_chinese_text_draws_without_missing_glyphs(tmp_path):
    fig = _chinese_figure()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font(s)" would raise here
        save_figure(fig, "zh", tmp_path)


def test_the_font_has_every_glyph_of_the_labels():
    from matplotlib.ft2font import FT2Font

    font = FT2Font(str(cjk_font_path()))
    charmap = font.get_charmap()
    for char in "食品安全监督抽检合格率年份专利授权市场主体净增长（%）-0123456789":
        assert ord(char) in charmap, char


def test_saved_figures_are_byte_identical(tmp_path):
    first = save_figure(_chinese_figure(), "a", tmp_path / "one")
    second = save_figure(_chinese_figure(), "a", tmp_path / "two")
    for fmt in ("png", "svg"):
        assert first[fmt].read_bytes() == second[fmt].read_bytes(), fmt
    assert b"Date" not in first["svg"].read_bytes().split(b"</metadata>")[0]
