"""The figures of the market-entity analysis: one function per figure, returning a matplotlib Figure."""
from __future__ import annotations

import math

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from analysis.present.labels import format_count, format_range, label, step_label
from analysis.present.plotting import BASE_COLOUR, TARGET_COLOUR, marker_style


WATERFALL_COLOURS = {"stock": "#5d6d7e", "new": "#27ae60", "exits": TARGET_COLOUR, "net_change": "#e67e22",
                     "difference": BASE_COLOUR}


def waterfall_figure(steps: pd.DataFrame, target_year: int, lang: str, title: str):
    """The target year's waterfall, one panel per entity type: opening stock + new - exits = closing stock.

    ``steps``: :func:`analysis.market_entities.step.waterfall_steps` for each type. Every bar's label says
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
    ax.plot(years, 100 * values, lw=1, **{**marker_style(colour, marker=marker or ""), "linestyle": "-"})


def entry_exit_rates_figure(table: pd.DataFrame, target_year: int, entity_types: list[str], lang: str, title: str):
    """Entry, exit and net growth rates per year, one panel per entity type, in % of the opening stock.

    ``table``: :func:`analysis.market_entities.step.flows`. Entry and exit rates are drawn only where the
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
            ax.plot(r["year"], 100 * r["annualised_growth"], **marker_style(RATE_COLOURS["net_growth_rate"], True, "^"))
        _yearly_line(ax, rows, years, "entry_rate", RATE_COLOURS["entry_rate"], "o")
        _yearly_line(ax, rows, years, "exit_rate", RATE_COLOURS["exit_rate"], None)
        for implied in (False, True):
            exits = rows[rows["exits_source"].eq("implied" if implied else "published") & rows["exit_rate"].notna()]
            ax.plot(exits["year"], 100 * exits["exit_rate"],
                    **marker_style(RATE_COLOURS["exit_rate"], marker="s") | ({"mfc": "white"} if implied else {}))
        ax.set_title(label(entity_type, lang), fontsize=10)
        ax.set_xticks(list(years), [str(y) for y in years], rotation=90 if len(years) > 6 else 0, fontsize=8)
        ax.set_xlim(min(years) - 0.6, max(years) + 0.6)
        if rows[["annualised_growth", "entry_rate", "exit_rate"]].isna().all().all():
            ax.text(0.5, 0.5, label("no_rates", lang), ha="center", va="center", transform=ax.transAxes,
                    fontsize=9, color=BASE_COLOUR, wrap=True)
        unrated = rows.loc[rows["new"].notna() & rows["opening_stock"].isna(), "year"]
        if len(unrated):
            missing.append(f"{label(entity_type, lang)} {', '.join(map(str, unrated))}")
    axes[0][0].set_ylim(bottom=0)
    axes[0][0].set_ylabel(label("pct_of_opening_stock", lang))
    drawn = table[table["entity_type"].isin(entity_types)]
    yearly_growth = drawn["years_since_prev"].eq(1) & drawn["annualised_growth"].notna()
    gap_growth = drawn["years_since_prev"].gt(1).fillna(False) & drawn["annualised_growth"].notna()
    exits = drawn["exit_rate"].notna()
    candidates = [
        (yearly_growth.any(), Line2D([], [], label=label("net_growth_rate", lang), lw=1,
                                     **{**marker_style(RATE_COLOURS["net_growth_rate"], marker="^"), "linestyle": "-"})),
        (gap_growth.any(), Line2D([], [], label=label("net_growth_rate_gap", lang), lw=0.8,
                                  **{**marker_style(RATE_COLOURS["net_growth_rate"], True, "^"), "linestyle": "--"})),
        (drawn["entry_rate"].notna().any(), Line2D([], [], label=label("entry_rate", lang), lw=1,
                                                   **{**marker_style(RATE_COLOURS["entry_rate"]), "linestyle": "-"})),
        ((exits & drawn["exits_source"].eq("published")).any(),
         Line2D([], [], label=label("exit_rate", lang), lw=1,
                **{**marker_style(RATE_COLOURS["exit_rate"], marker="s"), "linestyle": "-"})),
        ((exits & drawn["exits_source"].eq("implied")).any(),
         Line2D([], [], label=label("exit_rate_implied", lang), **marker_style(RATE_COLOURS["exit_rate"], True, "s"))),
        (True, Patch(color=TARGET_COLOUR, alpha=0.08, label=label("target_year", lang))),
    ]
    handles = [handle for is_drawn, handle in candidates if is_drawn]
    fig.legend(handles=handles, frameon=False, fontsize=8, loc="upper center", ncol=3, bbox_to_anchor=(0.5, 0.0))
    fig.suptitle(title, fontsize=12)
    if missing:
        sep = "；" if lang == "zh" else "; "
        fig.text(0.01, -0.16, label("rates_not_drawn", lang).format(items=sep.join(missing)), fontsize=8,
                 color=BASE_COLOUR, ha="left", va="top")
    fig.tight_layout()
    return fig
