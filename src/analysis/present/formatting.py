"""Number and p-value formatting shared by the findings of every analysis."""
from __future__ import annotations

import pandas as pd


def format_p(p: float) -> str:
    """A p-value as reported: ``p<0.001`` below a thousandth, else ``p=`` with three decimals."""
    if pd.isna(p):
        return "p n/a"
    return "p<0.001" if p < 0.001 else f"p={p:.3f}"


def format_pct(x: float) -> str:
    """A fraction as a percentage with two decimals."""
    return f"{100 * x:.2f}%"


#: Where the target year lies against the baseline trend's prediction interval, in words.
TREND_POSITION = {
    "above": {"zh": "高于预测区间", "en": "above the interval"},
    "within": {"zh": "在预测区间之内", "en": "within the interval"},
    "below": {"zh": "低于预测区间", "en": "below the interval"},
}


def _trim(value: float, places: int) -> str:
    return f"{value:.{places}f}".rstrip("0").rstrip(".")


def format_year(x) -> str:
    """A year without a thousands separator: ``2021``."""
    return str(int(x))


def format_int(x: float) -> str:
    """A count with separators: ``12,561``."""
    return f"{x:,.0f}"


def format_large_count(x: float, lang: str) -> str:
    """A count for a table cell: zh ``1.54亿``, ``1163.41万`` from a million up, else ``12,561``; en with separators."""
    if lang == "zh" and abs(x) >= 1e8:
        return f"{_trim(x / 1e8, 4)}亿"
    if lang == "zh" and abs(x) >= 1e6:
        return f"{_trim(x / 1e4, 2)}万"
    return f"{x:,.0f}"


def format_percent(x: float, places: int = 1) -> str:
    """A fraction as a percentage for a table cell (the header carries the %): ``97.41``."""
    return f"{100 * x:.{places}f}"


def format_pp(x: float, places: int = 2) -> str:
    """A difference in percentage points, signed: ``+0.19``, ``−0.37`` (a true minus sign)."""
    text = f"{x:+.{places}f}"
    return text.replace("-", "−")


def format_p_value(p: float) -> str:
    """A p-value for a table cell: ``<0.001`` below a thousandth, else three decimals."""
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def format_interval(low: str, high: str) -> str:
    """Two formatted bounds as ``a–b``; with a signed lower bound ``−0.24 to −0.15`` would be ambiguous, so
    negative bounds keep their true minus sign and the dash is an en dash: ``−0.24–−0.15``."""
    return f"{low}–{high}"
