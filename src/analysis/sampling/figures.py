"""The figures of the sampling pass rates: one function per figure, returning a matplotlib Figure."""
from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from analysis.present.labels import label
from analysis.present.plotting import BASE_COLOUR, TARGET_COLOUR


def pass_rate_figure(rates: pd.DataFrame, published: pd.DataFrame, target_year: int, lang: str,
                     title: str):
    """Pass rate per year with 95% Wilson intervals; the target year in red.

    ``rates``: exact-count years (``year``, ``pass_rate``, ``wilson_low``, ``wilson_high``).
    ``published``: years with only a published, rounded rate (``year``, ``published_pass_rate_pct``),
    drawn hollow and without an interval, so they are never mistaken for exact counts.
    """
    fig, (full, ax) = plt.subplots(1, 2, gridspec_kw={"width_ratios": [1, 6]})
    for _, row in rates.iterrows():
        colour = TARGET_COLOUR if row["year"] == target_year else BASE_COLOUR
        centre = 100 * row["pass_rate"]
        ax.errorbar(row["year"], centre, yerr=[[centre - 100 * row["wilson_low"]], [100 * row["wilson_high"] - centre]],
                    fmt="o", color=colour, capsize=4, markersize=7)
        ax.annotate(f"{centre:.2f}", (row["year"], centre), textcoords="offset points", xytext=(8, -3),
                    fontsize=9, color=colour)
    if len(published):
        ax.plot(published["year"], published["published_pass_rate_pct"], "o", mfc="none", color=BASE_COLOUR,
                markersize=8, label="公布值（约数）" if lang == "zh" else "published rate (rounded)")
        ax.legend(frameon=False, loc="lower left")
    years = sorted(set(rates["year"]).union(published["year"]))
    ax.set_xticks(years, [str(y) for y in years])
    ax.set_xlabel(label("year", lang))
    ax.set_ylabel(label("pass_rate_pct", lang))
    fig.suptitle(title, fontsize=11, wrap=True)
    ax.margins(x=0.15, y=0.25)
    low, high = ax.get_ylim()
    ax.set_ylim(max(low, 0), min(high, 100))  # a pass rate lies in 0-100%
    _full_scale(full, ax, rates, published, target_year, lang)
    fig.tight_layout()
    return fig


def _full_scale(full, ax, rates: pd.DataFrame, published: pd.DataFrame, target_year: int, lang: str) -> None:
    """The same pass rates on the full 0–100% scale beside the magnified axis, whose range is shaded, so a
    difference of a fraction of a point is not read as a collapse."""
    low, high = ax.get_ylim()
    full.axhspan(low, high, color=BASE_COLOUR, alpha=0.25, lw=0)
    colours = [TARGET_COLOUR if y == target_year else BASE_COLOUR for y in rates["year"]]
    full.scatter([0] * len(rates), 100 * rates["pass_rate"], c=colours, s=12, zorder=3)
    if len(published):
        full.scatter([0] * len(published), published["published_pass_rate_pct"], facecolors="none",
                     edgecolors=BASE_COLOUR, s=12)
    full.set_ylim(0, 100)
    full.set_xlim(-1, 1)
    full.set_xticks([])
    full.set_yticks([0, 25, 50, 75, 100])
    full.set_title("0–100%", fontsize=9)
    ax.set_ylabel(label("pass_rate_pct", lang) + ("（纵轴放大，见左侧全刻度中的灰带）" if lang == "zh"
                                                  else " (magnified: the grey band on the left)"), fontsize=9)
