"""Tables for reading: labelled headers, cells formatted by the column's kind, short body tables.

The report's body shows a few columns of a table (``BODY``) that fit an A4 page; the full table sits in a
collapsible block and, unformatted, in tables.xlsx. Labels and kinds come from :mod:`analysis.present.labels`.
"""
from __future__ import annotations

import pandas as pd

from analysis.present.formatting import (format_int, format_interval, format_large_count, format_p_value,
                                         format_percent, format_pp, format_year)
from analysis.present.labels import column_spec, value_label

#: Measures of market_entities_comparison that are rates (fractions); the others are counts of entities.
RATE_MEASURES = {"growth_rate", "entry_rate", "exit_rate"}


def format_value(kind: str, value, lang: str, measure: str = "") -> str:
    """One cell as shown in the report; an empty cell stays empty."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value == "":
        return ""
    if kind == "measure":
        kind = "pct" if measure in RATE_MEASURES else "count"
    if kind == "measure_diff":
        kind = "pp_frac" if measure in RATE_MEASURES else "signed_count"
    if kind in ("text", "code"):
        text = str(value)
        return value_label(text, lang) if kind == "code" else text
    if kind == "flag":
        truth = value if isinstance(value, bool) else str(value).lower() == "true"
        return ("是" if truth else "否") if lang == "zh" else ("yes" if truth else "no")
    x = float(value)
    formats = {
        "year": lambda: format_year(x), "int": lambda: format_int(x),
        "count": lambda: format_large_count(x, lang),
        "signed_count": lambda: ("+" if x > 0 else "−" if x < 0 else "") + format_large_count(abs(x), lang),
        "pct": lambda: format_percent(x, 1), "pct2": lambda: format_percent(x, 2),
        "pp": lambda: format_pp(x), "pp_frac": lambda: format_pp(100 * x),
        "p": lambda: format_p_value(x), "ratio": lambda: f"{x:.3f}",
        "number": lambda: format_int(x) if x.is_integer() else f"{x:,.1f}",
        "level": lambda: f"{100 * x:.0f}%",
    }
    return formats[kind]()


#: The body table of each table the report shows short: columns, or (label key, low, high) for an interval
#: ``a–b``; ``target_year_only``: the rows of the target year (all rows if it has none). Tables not listed
#: appear only in full.
BODY: dict[str, dict] = {
    "sampling_pass_rates": {"columns": ["year", "batches", "unqualified", "pass_rate",
                                        ("wilson_interval", "wilson_low", "wilson_high")]},
    "sampling_comparisons": {"columns": ["comparison", "diff_pp", ("newcombe_interval", "ci_low", "ci_high"),
                                         "test", "p_adj"]},
    "sampling_stratified": {"columns": ["comparison", "n_strata", "crude_odds_ratio", "common_odds_ratio",
                                        ("mh_interval", "ci_low", "ci_high"), "p_adj"]},
    "patents_trend": {"columns": ["patent_type", "observed", "expected", ("prediction_interval", "pi_low", "pi_high"),
                                  "obs_over_expected", "dispersion", "above_trend"]},
    "patents_growth_vs_baseline": {"columns": ["patent_type", "target_growth", "baseline_mean", "diff_pp"]},
    "market_entities_flows": {"columns": ["entity_type", "year", "stock", "net_growth", "mean_annual_change",
                                          "annualised_growth", "entry_rate", "exit_rate"], "target_year_only": True},
    "market_entities_trend": {"columns": ["entity_type", "observed", "expected",
                                          ("prediction_interval_entities", "pi_low", "pi_high"), "above_trend"]},
    "summary_comparison": {"columns": ["object", ("stated_bounds", "stated_lower", "stated_upper"),
                                       "structured_value", "verdict"]},
}

#: Labels of the interval columns of body tables.
INTERVALS = {
    "wilson_interval": {"zh": "95% Wilson区间（%）", "en": "95% Wilson interval (%)"},
    "newcombe_interval": {"zh": "95% Newcombe区间（百分点）", "en": "95% Newcombe interval (pp)"},
    "mh_interval": {"zh": "合并比值比95%区间", "en": "Common odds ratio, 95% interval"},
    "prediction_interval": {"zh": "95%预测区间", "en": "95% prediction interval"},
    "prediction_interval_entities": {"zh": "95%预测区间（户）", "en": "95% prediction interval"},
    "stated_bounds": {"zh": "总结范围", "en": "Stated range"},
}


def _column_cells(frame: pd.DataFrame, column: str, table: str, lang: str) -> list[str]:
    kind = column_spec(column, table)["kind"]
    measures = frame["measure"] if "measure" in frame else pd.Series("", index=frame.index)
    return [format_value(kind, v.item() if hasattr(v, "item") else v, lang, m)
            for v, m in zip(frame[column], measures)]


def readable(frame: pd.DataFrame, table: str, lang: str) -> pd.DataFrame:
    """Every column of ``frame`` formatted for reading, headed by its label."""
    return pd.DataFrame({column_spec(c, table)[lang]: _column_cells(frame, c, table, lang) for c in frame.columns},
                        index=frame.index)


def body_table(frame: pd.DataFrame, table: str, lang: str, target_year: int | None = None) -> pd.DataFrame | None:
    """The short table of the report's body, or None when ``table`` is shown in full only."""
    spec = BODY.get(table)
    if spec is None:
        return None
    if spec.get("target_year_only") and target_year is not None and frame["year"].eq(target_year).any():
        frame = frame[frame["year"].eq(target_year)]
    shown = {}
    for entry in spec["columns"]:
        if isinstance(entry, tuple) and entry[1] in frame and entry[2] in frame:
            key, low, high = entry
            lows, highs = _column_cells(frame, low, table, lang), _column_cells(frame, high, table, lang)
            shown[INTERVALS[key][lang]] = [format_interval(a, b) if a or b else "" for a, b in zip(lows, highs)]
        elif entry in frame:
            shown[column_spec(entry, table)[lang]] = _column_cells(frame, entry, table, lang)
    return pd.DataFrame(shown, index=frame.index)
