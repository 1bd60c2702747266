"""The figures of the analyses: one function per figure, returning a matplotlib Figure."""
from __future__ import annotations

import math

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from analysis.labels import format_count, format_range, label, step_label
from analysis.plotting import BASE_COLOUR, SERIES_COLOURS, TARGET_COLOUR


def pass_rate_figure(rates: pd.DataFrame, published: pd.DataFrame, target_year: int, lang: str,
                     title: str):
    """Pass rate per year with 95% Wilson intervals; the target year in red.

    ``rates``: exact-count years (``year``, ``pass_rate``, ``wilson_low``, ``wilson_high``).
    ``published``: years with only a published, rounded rate (``year``, ``published_pass_rate_pct``),
    drawn hollow and without an interval, so they are never mistaken for exact counts.
    """
    fig, ax = plt.subplots()
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
    ax.set_title(title)
    ax.margins(x=0.15, y=0.25)
    fig.tight_layout()
    return fig


def _marker(colour: str, hollow: bool = False, marker: str = "o") -> dict:
    return {"marker": marker, "linestyle": "none", "color": colour, "mfc": "none" if hollow else colour,
            "markersize": 6}


def patent_counts_figure(series: pd.DataFrame, predictions: pd.DataFrame, baseline: list[int],
                         target_year: int, patent_types: list[str], lang: str, title: str,
                         coverage_from: int | None = None):
    """Patents granted per year, one panel per type, with the baseline trend and its prediction band.

    ``series``: tidy patents rows (``patent_type``, ``year``, ``granted``, ``granted_qualifier``);
    ``predictions``: :func:`analysis.counts.trend_predictions` per type, at the years from the first
    baseline year to the target year. The fitted mean is solid over the baseline years and dashed on
    to the target year; the shaded band is the prediction interval over the same years, so the target
    count can be read against the band as the baseline counts can. Baseline years grey, the target
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
                    **_marker(colour, hollow=row["granted_qualifier"] != "exact"))
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
    handles = [Line2D([], [], label=label("baseline", lang), **_marker(BASE_COLOUR)),
               Line2D([], [], label=label("target_year", lang), **_marker(TARGET_COLOUR)),
               Line2D([], [], color=BASE_COLOUR, lw=1.2, label=label("baseline_trend", lang)),
               Patch(color=BASE_COLOUR, alpha=0.18, label=label("prediction_interval", lang))]
    if series["granted_qualifier"].ne("exact").any():
        handles.append(Line2D([], [], label=label("rounded_count", lang), **_marker(BASE_COLOUR, hollow=True)))
    if coverage_from is not None:
        handles.append(Line2D([], [], color=BASE_COLOUR, ls=":", lw=1, label=label("coverage_change", lang)))
    if not set(years) <= {*baseline, target_year}:
        handles.append(Line2D([], [], alpha=0.45, label=label("other_years", lang), **_marker(BASE_COLOUR)))
    fig.legend(handles=handles, loc="lower center", ncol=3, frameon=False, fontsize=9)
    fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.7 / height, 1, 1))
    return fig


def patent_growth_figure(growth: pd.DataFrame, target_year: int, patent_types: list[str], lang: str,
                         title: str):
    """Yearly growth (%) of each type, the target year shaded.

    ``growth``: :func:`analysis.patents.growth` (``annualised_growth``, ``years_since_prev`` and the two
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
                        **_marker(colour, hollow, "s" if square else "o"))
        handles.append(Line2D([], [], label=label(patent_type, lang), lw=1.2, **_marker(colour) | {"linestyle": "-"}))
    handles.append(Patch(color=TARGET_COLOUR, alpha=0.08, label=label("target_year", lang)))
    if rounded.any():
        handles.append(Line2D([], [], label=label("rounded_count", lang), **_marker(BASE_COLOUR, hollow=True)))
    if gap.any():
        handles.append(Line2D([], [], label=label("across_gap", lang), **_marker(BASE_COLOUR, marker="s")))
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


#: Colours of the waterfall bars by status (stocks, entries, exits, net change, unexplained difference).
WATERFALL_COLOURS = {"stock": "#5d6d7e", "new": "#27ae60", "exits": TARGET_COLOUR, "net_change": "#e67e22",
                     "difference": BASE_COLOUR}


def waterfall_figure(steps: pd.DataFrame, target_year: int, lang: str, title: str):
    """The target year's waterfall, one panel per entity type: opening stock + new - exits = closing stock.

    ``steps``: :func:`analysis.market_entities.waterfall_steps` for each type. Every bar's label says
    what it is: an implied exit (hatched), the last published stock when the opening stock is missing,
    a net change over a gap (hatched), a difference between flows and stocks; whiskers are the
    rounding bounds of the published figures.
    """
    types = list(dict.fromkeys(steps["entity_type"]))
    fig, axes = plt.subplots(1, len(types), figsize=(4.6 * len(types), 4.8), squeeze=False)
    for ax, entity_type in zip(axes[0], types):
        rows = steps[steps["entity_type"].eq(entity_type)].reset_index(drop=True)
        ax.set_title(label(entity_type, lang), fontsize=11)
        start = int(rows["year"].iloc[0])
        if rows["value"].isna().all() or len(rows) == 1:
            ax.text(0.5, 0.5, step_label("closing", rows["status"].iloc[0], target_year, target_year, start, lang),
                    ha="center", va="center", transform=ax.transAxes, fontsize=10, color=BASE_COLOUR, wrap=True)
            if rows["value"].notna().all():
                ax.bar(0, rows["value"].iloc[0], color=WATERFALL_COLOURS["stock"], width=0.6)
                ax.set_xticks([0], [step_label("closing", "published", target_year, target_year, start, lang)],
                              fontsize=8)
            else:
                ax.set_xticks([])
                ax.set_yticks([])
            continue
        for i, r in rows.iterrows():
            colour = WATERFALL_COLOURS["stock" if r["step"] in ("opening", "closing") else r["step"]]
            hatch = "//" if r["status"] in ("implied", "over_gap", "difference") else None
            ax.bar(i, r["top"] - r["bottom"], bottom=r["bottom"], color=colour, width=0.6, hatch=hatch,
                   alpha=0.55 if hatch else 1.0, edgecolor=colour)
            if r["step"] in ("opening", "closing"):
                ax.annotate(format_count(r["value"], lang), (i, r["top"]), textcoords="offset points",
                            xytext=(0, 3), ha="center", fontsize=8)
                continue
            text = ("+" if r["value"] > 0 else "") + format_count(r["value"], lang)
            if not math.isnan(r["low"]) and r["low"] != r["high"]:
                level = r["top"] if r["value"] > 0 else r["bottom"]
                span = sorted((abs(r["low"]), abs(r["high"])))
                ax.errorbar(i, level, yerr=[[abs(r["value"]) - span[0]], [span[1] - abs(r["value"])]],
                            color="black", capsize=3, lw=0.8)
                text += f"\n({format_range(*span, lang)})"
            ax.text(i, (r["top"] + r["bottom"]) / 2, text, ha="center", va="center", fontsize=8)
        ax.set_xticks(range(len(rows)), [step_label(r["step"], r["status"], int(r["year"]), target_year, start, lang)
                                         for _, r in rows.iterrows()], fontsize=8)
        ax.set_ylim(0, 1.08 * rows["top"].max())
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: format_count(v, lang)))
    axes[0][0].set_ylabel(label("entities", lang))
    fig.suptitle(title, fontsize=12)
    fig.text(0.01, -0.02, label("bounds_note", lang), fontsize=8, color=BASE_COLOUR, ha="left", va="top")
    fig.tight_layout()
    return fig


#: Colours of the three yearly rates of market entities.
RATE_COLOURS = {"entry_rate": "#27ae60", "exit_rate": TARGET_COLOUR, "net_growth_rate": "#1f77b4"}


def _yearly_line(ax, rows: pd.DataFrame, years: range, column: str, colour: str, marker: str | None) -> None:
    """One rate as a line over consecutive years, broken where a year has no value."""
    values = rows.set_index("year")[column].reindex(years)
    ax.plot(years, 100 * values, lw=1, **{**_marker(colour, marker=marker or ""), "linestyle": "-"})


def entry_exit_rates_figure(table: pd.DataFrame, target_year: int, entity_types: list[str], lang: str, title: str):
    """Entry, exit and net growth rates per year, one panel per entity type, in % of the opening stock.

    ``table``: :func:`analysis.market_entities.flows`. Entry and exit rates are drawn only where the
    opening stock is published (implied exits hollow); the net growth rate is year-on-year, or
    annualised across a gap (hollow, dashed over the gap years). Years with new registrations but no
    opening stock are listed under the figure instead of being drawn.
    """
    years = range(int(min(table["year"].min(), target_year)), int(max(table["year"].max(), target_year)) + 1)
    fig, axes = plt.subplots(1, len(entity_types), figsize=(max(3.4 * len(entity_types), 6), 4.4), sharey=True,
                             squeeze=False)
    missing = []
    for ax, entity_type in zip(axes[0], entity_types):
        rows = table[table["entity_type"].eq(entity_type)]
        ax.axvspan(target_year - 0.4, target_year + 0.4, color=TARGET_COLOUR, alpha=0.08, lw=0)
        yearly = rows[rows["years_since_prev"].eq(1)]
        _yearly_line(ax, yearly, years, "annualised_growth", RATE_COLOURS["net_growth_rate"], "^")
        for _, r in rows[rows["years_since_prev"].gt(1).fillna(False)].iterrows():
            ax.plot([r["prev_year"], r["year"]], [100 * r["annualised_growth"]] * 2, ls="--", lw=0.8,
                    color=RATE_COLOURS["net_growth_rate"])
            ax.plot(r["year"], 100 * r["annualised_growth"], **_marker(RATE_COLOURS["net_growth_rate"], True, "^"))
        _yearly_line(ax, rows, years, "entry_rate", RATE_COLOURS["entry_rate"], "o")
        _yearly_line(ax, rows, years, "exit_rate", RATE_COLOURS["exit_rate"], None)
        for implied in (False, True):
            exits = rows[rows["exits_source"].eq("implied" if implied else "published") & rows["exit_rate"].notna()]
            ax.plot(exits["year"], 100 * exits["exit_rate"],
                    **_marker(RATE_COLOURS["exit_rate"], marker="s") | ({"mfc": "white"} if implied else {}))
        ax.set_title(label(entity_type, lang), fontsize=10)
        ax.set_xticks(list(years), [str(y) for y in years], rotation=90 if len(years) > 6 else 0, fontsize=8)
        ax.set_xlim(min(years) - 0.6, max(years) + 0.6)
        unrated = rows.loc[rows["new"].notna() & rows["opening_stock"].isna(), "year"]
        if len(unrated):
            missing.append(f"{label(entity_type, lang)} {', '.join(map(str, unrated))}")
    axes[0][0].set_ylim(bottom=0)
    axes[0][0].set_ylabel(label("pct_of_opening_stock", lang))
    handles = [Line2D([], [], label=label("net_growth_rate", lang), lw=1,
                      **{**_marker(RATE_COLOURS["net_growth_rate"], marker="^"), "linestyle": "-"}),
               Line2D([], [], label=label("net_growth_rate_gap", lang), lw=0.8,
                      **{**_marker(RATE_COLOURS["net_growth_rate"], True, "^"), "linestyle": "--"}),
               Line2D([], [], label=label("entry_rate", lang), lw=1,
                      **{**_marker(RATE_COLOURS["entry_rate"]), "linestyle": "-"}),
               Line2D([], [], label=label("exit_rate", lang), lw=1,
                      **{**_marker(RATE_COLOURS["exit_rate"], marker="s"), "linestyle": "-"}),
               Line2D([], [], label=label("exit_rate_implied", lang), **_marker(RATE_COLOURS["exit_rate"], True, "s")),
               Patch(color=TARGET_COLOUR, alpha=0.08, label=label("target_year", lang))]
    fig.legend(handles=handles, frameon=False, fontsize=8, loc="upper center", ncol=3, bbox_to_anchor=(0.5, 0.0))
    fig.suptitle(title, fontsize=12)
    if missing:
        sep = "；" if lang == "zh" else "; "
        fig.text(0.01, -0.16, label("rates_not_drawn", lang).format(items=sep.join(missing)), fontsize=8,
                 color=BASE_COLOUR, ha="left", va="top")
    fig.tight_layout()
    return fig
