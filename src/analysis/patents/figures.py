"""The figures of the patent analysis: one function per figure, returning a matplotlib Figure."""
from __future__ import annotations

import math

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from analysis.present.labels import label
from analysis.present.plotting import BASE_COLOUR, SERIES_COLOURS, TARGET_COLOUR, marker_style


def patent_counts_figure(series: pd.DataFrame, predictions: pd.DataFrame, baseline: list[int],
                         target_year: int, patent_types: list[str], lang: str, title: str,
                         coverage_from: int | None = None):
    """Patents granted per year, one panel per type, with the baseline trend and its prediction band.

    ``series``: tidy patents rows (``patent_type``, ``year``, ``granted``, ``granted_qualifier``);
    ``predictions``: :func:`analysis.stats.counts.trend_predictions` per type, at the years from the first
    baseline year to the target year. The fitted mean is solid over the baseline years and dashed on
    to the target year; the shaded band is the prediction interval over the same years, so the target
    count can be read against the band as the baseline counts can; the legend lists only what is drawn. Baseline years grey, the target
    year red, other years faint; rounded figures hollow; a dotted line before ``coverage_from``, the
    first year of a coverage change.
    """
    ncols = min(len(patent_types), 2)
    nrows = math.ceil(len(patent_types) / ncols)
    height = 3.0 * nrows + 0.7  # 0.7 inch for the legend below the panels
    fig, axes = plt.subplots(nrows, ncols, figsize=(max(4.6 * ncols, 7.0), height), sharex=True,
                             squeeze=False)
    years = sorted(series["year"].unique())
    for ax, patent_type in zip(axes.flat, patent_types):
        fit = predictions[predictions["patent_type"].eq(patent_type)]
        ax.fill_between(fit["year"], fit["pi_low"], fit["pi_high"], color=BASE_COLOUR, alpha=0.18, lw=0)
        fitted, ahead = fit["year"].le(max(baseline)), fit["year"].ge(max(baseline))
        ax.plot(fit.loc[fitted, "year"], fit.loc[fitted, "expected"], "-", color=BASE_COLOUR, lw=1.2)
        ax.plot(fit.loc[ahead, "year"], fit.loc[ahead, "expected"], "--", color=BASE_COLOUR, lw=1.2)
        for _, row in series[series["patent_type"].eq(patent_type)].iterrows():
            colour = TARGET_COLOUR if row["year"] == target_year else BASE_COLOUR
            faint = row["year"] != target_year and row["year"] not in baseline
            ax.plot(row["year"], row["granted"], alpha=0.45 if faint else 1.0,
                    **marker_style(colour, hollow=row["granted_qualifier"] != "exact"))
        if coverage_from is not None:
            ax.axvline(coverage_from - 0.5, color=BASE_COLOUR, ls=":", lw=1)
        ax.set_title(label(patent_type, lang), fontsize=10)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.set_ylim(bottom=0)
        ax.set_xticks(years, [str(y) for y in years], fontsize=8)
        ax.tick_params(labelbottom=True)  # also above a hidden empty panel
        ax.margins(x=0.08)
    for ax in axes.flat[len(patent_types):]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel(label("granted", lang))
    shown = predictions[predictions["patent_type"].isin(patent_types)]
    handles = [Line2D([], [], label=label("baseline", lang), **marker_style(BASE_COLOUR))]
    if series["year"].eq(target_year).any():
        handles.append(Line2D([], [], label=label("target_year", lang), **marker_style(TARGET_COLOUR)))
    if shown["expected"].notna().any():
        handles.append(Line2D([], [], color=BASE_COLOUR, lw=1.2, label=label("baseline_trend", lang)))
    if shown["pi_low"].notna().any():
        handles.append(Patch(color=BASE_COLOUR, alpha=0.18, label=label("prediction_interval", lang)))
    if series["granted_qualifier"].ne("exact").any():
        handles.append(Line2D([], [], label=label("rounded_count", lang), **marker_style(BASE_COLOUR, hollow=True)))
    if coverage_from is not None:
        handles.append(Line2D([], [], color=BASE_COLOUR, ls=":", lw=1, label=label("coverage_change", lang)))
    if not set(years) <= {*baseline, target_year}:
        handles.append(Line2D([], [], alpha=0.45, label=label("other_years", lang), **marker_style(BASE_COLOUR)))
    fig.legend(handles=handles, loc="lower center", ncol=3, frameon=False, fontsize=9)
    fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.7 / height, 1, 1))
    return fig


def patent_growth_figure(growth: pd.DataFrame, target_year: int, patent_types: list[str], lang: str,
                         title: str):
    """Yearly growth (%) of each type, the target year shaded.

    ``growth``: :func:`analysis.patents.step.growth` (``annualised_growth``, ``years_since_prev`` and the two
    qualifiers). Growth across a gap is the annualised rate, drawn as a square; growth involving a
    rounded figure is hollow.
    """
    fig, ax = plt.subplots()
    ax.axvspan(target_year - 0.4, target_year + 0.4, color=TARGET_COLOUR, alpha=0.08, lw=0)
    ax.axhline(0, color=BASE_COLOUR, lw=0.8)
    rows = growth[growth["annualised_growth"].notna()]
    rounded = rows["granted_qualifier"].ne("exact") | rows["previous_qualifier"].ne("exact")
    gap = rows["years_since_prev"] > 1
    handles = []
    for colour, patent_type in zip(SERIES_COLOURS, patent_types):
        mine = rows["patent_type"].eq(patent_type)
        ax.plot(rows.loc[mine, "year"], 100 * rows.loc[mine, "annualised_growth"], "-", color=colour, lw=1.2)
        for hollow in (False, True):
            for square in (False, True):
                pick = mine & rounded.eq(hollow) & gap.eq(square)
                ax.plot(rows.loc[pick, "year"], 100 * rows.loc[pick, "annualised_growth"],
                        **marker_style(colour, hollow, "s" if square else "o"))
        if mine.any():  # no legend entry for a type without a growth to draw
            handles.append(Line2D([], [], label=label(patent_type, lang), lw=1.2,
                                  **marker_style(colour) | {"linestyle": "-"}))
    handles.append(Patch(color=TARGET_COLOUR, alpha=0.08, label=label("target_year", lang)))
    if rounded.any():
        handles.append(Line2D([], [], label=label("rounded_count", lang), **marker_style(BASE_COLOUR, hollow=True)))
    if gap.any():
        handles.append(Line2D([], [], label=label("across_gap", lang), **marker_style(BASE_COLOUR, marker="s")))
    years = sorted(rows["year"].unique())
    ax.set_xticks(years, [str(y) for y in years])
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:+.0f}" if v else "0"))
    ax.set_xlabel(label("year", lang))
    ax.set_ylabel(label("growth_pct", lang))
    ax.set_title(title)
    ax.legend(handles=handles, frameon=False, fontsize=9, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.margins(x=0.06)
    fig.tight_layout()
    return fig
