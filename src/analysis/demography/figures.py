"""The figures of the demography analysis: one function per figure, returning a matplotlib Figure."""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from analysis.demography.labels import label
from analysis.present.plotting import BASE_COLOUR, SERIES_COLOURS, TARGET_COLOUR, marker_style, save_figure

DEATH_COLOUR = "#2c3e50"
BIRTH_COLOUR = "#27ae60"


def _panels(n: int, width: float = 4.4, height: float = 4.0, sharey: bool = True):
    fig, axes = plt.subplots(1, n, figsize=(max(width * n, 6), height), sharey=sharey, squeeze=False)
    return fig, axes[0]


def survival_figure(curves: pd.DataFrame, target_year: int, entity_types: list[str], lang: str, title: str):
    """Kaplan-Meier curves of the birth cohorts with their 95% bands, one panel per entity type.

    ``curves``: :func:`analysis.demography.step.cohort_curves`. The target year's cohort is drawn in the
    target colour and thicker; earlier cohorts in the series colours, their bands lighter.
    """
    fig, axes = _panels(len(entity_types))
    cohorts = sorted(curves["cohort"].unique())
    colours = {c: (TARGET_COLOUR if c == target_year else SERIES_COLOURS[i % len(SERIES_COLOURS)])
               for i, c in enumerate(c for c in cohorts)}
    for ax, entity_type in zip(axes, entity_types):
        for cohort in cohorts:
            rows = curves[curves["entity_type"].eq(entity_type) & curves["cohort"].eq(cohort)]
            if rows.empty:
                continue
            target = cohort == target_year
            ax.step(rows["years"], rows["surv"], where="post", color=colours[cohort], lw=2.2 if target else 1.1,
                    label=label("cohort", lang).format(year=cohort), zorder=3 if target else 2)
            ax.fill_between(rows["years"], rows["lower"].fillna(0), rows["upper"].fillna(0), step="post",
                            color=colours[cohort], alpha=0.22 if target else 0.08, lw=0)
        ax.set_title(label(entity_type, lang), fontsize=10)
        ax.set_xlabel(label("age_years", lang))
        ax.set_xlim(left=0)
        ax.grid(axis="y", lw=0.3, alpha=0.5)
    axes[0].set_ylim(0, 1.02)
    axes[0].set_ylabel(label("survival", lang))
    handles, names = axes[0].get_legend_handles_labels()
    fig.legend(handles, names, frameon=False, fontsize=8, loc="upper center", ncol=min(len(names), 6),
               bbox_to_anchor=(0.5, 0.0))
    fig.suptitle(title, fontsize=12)
    fig.tight_layout()
    return fig


def hazard_figure(rates: pd.DataFrame, entity_types: list[str], lang: str, title: str):
    """Exits per 100 entity-years by age band, the target year beside the pooled baseline, with intervals.

    ``rates``: :func:`analysis.demography.step.age_exit_rates`; bands without person-time are left out.
    """
    fig, axes = _panels(len(entity_types))
    for ax, entity_type in zip(axes, entity_types):
        rows = rates[rates["entity_type"].eq(entity_type)
                     & (rates["person_years"].gt(0) | rates["baseline_person_years"].gt(0))].reset_index(drop=True)
        x = np.arange(len(rows))
        for offset, prefix, colour in ((-0.12, "baseline_", BASE_COLOUR), (0.12, "", TARGET_COLOUR)):
            value = 100 * rows[f"{prefix}rate"]
            error = [value - 100 * rows[f"{prefix}rate_low"], 100 * rows[f"{prefix}rate_high"] - value]
            ax.errorbar(x + offset, value, yerr=error, capsize=3, lw=0.9, **marker_style(colour))
        ax.set_xticks(x, rows["age_band"], fontsize=8)
        ax.set_title(label(entity_type, lang), fontsize=10)
        ax.set_xlabel(label("age_band", lang))
        ax.set_ylim(bottom=0)
    axes[0].set_ylabel(label("per_100_years", lang))
    target_year = int(rates["target_year"].iloc[0])
    handles = [Line2D([], [], label=str(target_year), **marker_style(TARGET_COLOUR)),
               Line2D([], [], label=label("baseline_years", lang).format(years=rates["baseline"].iloc[0]),
                      **marker_style(BASE_COLOUR))]
    fig.legend(handles=handles, frameon=False, fontsize=8, loc="upper center", ncol=2, bbox_to_anchor=(0.5, 0.0))
    fig.suptitle(title, fontsize=12)
    fig.tight_layout()
    return fig


def monthly_figure(monthly: pd.DataFrame, target_year: int, entity_types: list[str], lang: str, title: str):
    """Births and deaths per month, one panel per entity type, the target year shaded.

    ``monthly``: :func:`analysis.demography.step.flows` by month. A month the register covers only in
    part (after ``data_end``'s day) is drawn hollow.
    """
    fig, axes = plt.subplots(len(entity_types), 1, figsize=(9, 2.6 * len(entity_types) + 0.6), sharex=True,
                             squeeze=False)
    for ax, entity_type in zip(axes[:, 0], entity_types):
        rows = monthly[monthly["entity_type"].eq(entity_type)]
        when = pd.to_datetime(rows["start"])
        ax.axvspan(pd.Timestamp(f"{target_year}-01-01"), pd.Timestamp(f"{target_year}-12-31"), color=TARGET_COLOUR,
                   alpha=0.08, lw=0)
        for column, colour in (("births", BIRTH_COLOUR), ("deaths", DEATH_COLOUR)):
            ax.plot(when, rows[column], color=colour, lw=1)
            partial = ~rows["complete"].to_numpy()
            ax.plot(when[partial], rows.loc[partial, column], **marker_style(colour, hollow=True))
        ax.set_title(label(entity_type, lang), fontsize=10, loc="left")
        ax.set_ylim(bottom=0)
        ax.set_ylabel(label("per_month", lang), fontsize=8)
    handles = [Line2D([], [], color=BIRTH_COLOUR, lw=1, label=label("births", lang)),
               Line2D([], [], color=DEATH_COLOUR, lw=1, label=label("deaths", lang)),
               Line2D([], [], label=label("partial_month", lang), **marker_style(BASE_COLOUR, hollow=True)),
               Patch(color=TARGET_COLOUR, alpha=0.08, label=label("target_year", lang))]
    fig.legend(handles=handles, frameon=False, fontsize=8, loc="upper center", ncol=4, bbox_to_anchor=(0.5, 0.0))
    fig.suptitle(title, fontsize=12)
    fig.tight_layout()
    return fig


def draw_all(curves: pd.DataFrame, rates: pd.DataFrame, monthly: pd.DataFrame, target_year: int,
             entity_types: list[str], lang: str, marker: str, figures_dir: Path | str) -> list[tuple[str, str]]:
    """Draw and save the three figures; return their (file stem, caption) for the report section.

    Nothing is drawn without a register (every table empty): the section then has no figures.
    """
    if monthly.empty:
        return []
    drawn = [
        ("demography_survival", marker + label("survival_title", lang),
         lambda t: survival_figure(curves, target_year, entity_types, lang, t)),
        ("demography_hazard", marker + label("hazard_title", lang),
         lambda t: hazard_figure(rates, entity_types, lang, t)),
        ("demography_monthly", marker + label("monthly_title", lang),
         lambda t: monthly_figure(monthly, target_year, entity_types, lang, t)),
    ]
    entries = []
    for stem, caption, draw in drawn:
        save_figure(draw(caption), stem, figures_dir)
        entries.append((stem, caption))
    return entries
