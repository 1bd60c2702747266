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
