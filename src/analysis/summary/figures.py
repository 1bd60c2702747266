"""The figure of the summaries over the years: one panel per indicator stated in two years or more."""
from __future__ import annotations

import math

import matplotlib.pyplot as plt
import pandas as pd

from analysis.present.labels import label
from analysis.present.plotting import BASE_COLOUR, TARGET_COLOUR

#: Panels drawn at most (the table lists every indicator).
MAX_PANELS = 12


def over_years_figure(table: pd.DataFrame, target_year: int, lang: str, title: str):
    """Each indicator's figures by year: a stated figure as a point, a redacted or rounded one as a bar
    from its lower to its upper bound (an arrow up where it has no upper bound); the target year in red.

    ``table``: :func:`analysis.summary.years.in_several_years`, counts and amounts only (no growth rates).
    """
    counts = table[~table["is_growth_rate"]]
    keys = list(dict.fromkeys(zip(counts["indicator"], counts["unit"])))[:MAX_PANELS]
    columns = min(3, max(1, len(keys)))
    rows = max(1, math.ceil(len(keys) / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(3.4 * columns, 2.6 * rows), squeeze=False)
    for ax, (indicator, unit) in zip(axes.flat, keys):
        panel = counts[counts["indicator"].eq(indicator) & counts["unit"].eq(unit)]
        for r in panel.itertuples():
            colour = TARGET_COLOUR if r.year == target_year else BASE_COLOUR
            if not math.isnan(r.value) and r.lower == r.value == r.upper:
                ax.plot(r.year, r.value, "o", color=colour, markersize=6)
            elif not math.isnan(r.lower):
                top = r.upper if not math.isnan(r.upper) else r.lower * 1.5
                ax.vlines(r.year, r.lower, top, color=colour, linewidth=5, alpha=0.6)
                if math.isnan(r.upper):
                    ax.plot(r.year, top, "^", color=colour, markersize=7)
                if not math.isnan(r.value):
                    ax.plot(r.year, r.value, "o", color=colour, mfc="white", markersize=6)
        years = sorted(panel["year"])
        ax.set_xticks(years, [str(y) for y in years])
        ax.set_xlim(min(years) - 0.6, max(years) + 0.6)
        ax.set_title(f"{indicator}（{unit}）" if lang == "zh" else f"{indicator} ({unit})", fontsize=10)
        ax.tick_params(labelsize=8)
    for ax in list(axes.flat)[len(keys):]:
        ax.set_axis_off()
    if not keys:
        axes.flat[0].text(0.5, 0.5, label("summary_nothing_over_years", lang), ha="center", va="center")
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig
