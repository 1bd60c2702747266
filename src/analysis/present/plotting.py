"""Matplotlib set-up for Chinese labels and byte-identical figure files."""
from __future__ import annotations

import importlib.util
import logging
from pathlib import Path

import matplotlib
from matplotlib import font_manager

from analysis.readers.io import write_atomic

#: The CJK font the project installs (Noto Sans CJK SC, shipped by the mplfonts wheel on PyPI).
CJK_FONT_FILE = "NotoSansCJKsc-Regular.otf"
CJK_FONT_NAME = "Noto Sans CJK SC"
#: The colour of the target year in every figure; other years are drawn in BASE_COLOUR.
TARGET_COLOUR = "#c0392b"
BASE_COLOUR = "#7f8c8d"
SERIES_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2")


def cjk_font_path() -> Path:
    """Path of the bundled CJK font; a clear error if the environment lacks it."""
    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the CJK font package 'mplfonts' is not installed: run `make venv`")
    path = Path(list(spec.submodule_search_locations)[0]) / "fonts" / CJK_FONT_FILE
    if not path.is_file():
        raise RuntimeError(f"CJK font file missing: {path}")
    return path


def use_cjk_font() -> None:
    """Register the CJK font and make it the first sans-serif family, with a Latin fallback."""
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    font_manager.fontManager.addfont(str(cjk_font_path()))
    matplotlib.rcParams.update({
        "font.family": "sans-serif",
        "font.sans-serif": [CJK_FONT_NAME, "DejaVu Sans"],
        "axes.unicode_minus": False,   # U+2212 is missing from many CJK fonts
        "svg.hashsalt": "amr-review",  # stable ids inside SVG files
        "svg.fonttype": "path",
        "figure.dpi": 100,
        "savefig.dpi": 120,
        "figure.figsize": (8, 4.5),
        "axes.spines.top": False,
        "axes.spines.right": False,
    })


def save_figure(fig, name: str, figures_dir: Path | str) -> dict[str, Path]:
    """Save ``fig`` as ``<name>.png`` and ``<name>.svg`` atomically, without timestamps.

    Returns the written paths by format.
    """
    figures_dir = Path(figures_dir)
    written = {}
    for fmt, metadata in (("png", {"Software": None}), ("svg", {"Date": None, "Creator": None})):
        path = figures_dir / f"{name}.{fmt}"
        write_atomic(path, lambda tmp, fmt=fmt, metadata=metadata:
                     fig.savefig(tmp, format=fmt, metadata=metadata, bbox_inches="tight"))
        written[fmt] = path
    return written


def marker_style(colour: str, hollow: bool = False, marker: str = "o") -> dict:
    """Keyword arguments of ``ax.plot`` for markers only, filled or hollow."""
    return {"marker": marker, "linestyle": "none", "color": colour, "mfc": "none" if hollow else colour,
            "markersize": 6}
