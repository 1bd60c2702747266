"""Checks that a finding sentence says only what its tables hold (used by tests/test_build.py).

Every number in a sentence must be a value of one of its section's tables, as displayed: within half a
unit of its last digit (1.54亿 = 154,000,000 ± 500,000; 97.41% = 0.9741 ± 0.00005), directly or times 100
(a fraction written as % or a difference of fractions in percentage points), or the difference of two
counts (>= 1000) of one row (a stock's change over a gap), or a count of rows (4 types, 2 of them ...). Fixed wording
(95% intervals, p<0.05, a dispersion of 1 for Poisson) is removed first.
"""
from __future__ import annotations

import re

import pandas as pd

#: Wording with a fixed number, not a value of the data.
FIXED = re.compile(r"95% ?|p ?< ?0\.05|p<0\.001|p < 0\.001|Poisson过程为1|\(1 for a Poisson process\)|不大于1|大于1|"
                   r"above 1|χ²|chi-squared")
NUMBER = re.compile(r"(?<![0-9A-Za-z.])([+\-−]?)(\d[\d,]*(?:\.\d+)?)( ?万| ?亿| million)?(%?)")
SCALE = {"万": 1e4, "亿": 1e8, "million": 1e6}


def sentence_numbers(sentence: str) -> list[tuple[str, float, float]]:
    """(text, value, half a displayed unit) of every number in ``sentence``, fixed wording removed."""
    found = []
    for match in NUMBER.finditer(FIXED.sub(" ", sentence)):
        digits = match.group(2).replace(",", "")
        scale = SCALE.get((match.group(3) or "").strip(), 1.0)
        places = len(digits.partition(".")[2])
        found.append((match.group(0), float(digits) * scale, 0.5 * 10 ** -places * scale))
    return found


def table_values(tables: list[pd.DataFrame]) -> tuple[list[float], set[int], str]:
    """The numbers a sentence may quote: cells (and x100), in-row differences; row counts; all text."""
    values, counts, text = [], set(), []
    for frame in tables:
        counts.update(range(len(frame) + 1))
        numeric = frame.apply(pd.to_numeric, errors="coerce")
        for _, row in numeric.iterrows():
            cells = [float(v) for v in row if pd.notna(v)]
            values += cells + [100 * v for v in cells]
            large = [v for v in cells if abs(v) >= 1000]  # counts: a change over a gap is a difference of two
            values += [abs(a - b) for i, a in enumerate(large) for b in large[i + 1:]]
        for column in frame.columns:
            counts.update(frame[column].value_counts().tolist())
        text.append(frame.astype(str).to_csv(index=False))
    return values, counts, "\n".join(text)


def unsupported_numbers(sentence: str, tables: list[pd.DataFrame], extra_counts: set[int] = frozenset()) -> list[str]:
    """The numbers of ``sentence`` that none of ``tables`` supports (empty when the sentence is supported)."""
    values, counts, text = table_values(tables)
    counts |= set(extra_counts)
    missing = []
    for shown, value, half_unit in sentence_numbers(sentence):
        value = abs(value)
        if value.is_integer() and (int(value) in counts or (1949 <= value <= 2100 and str(int(value)) in text)):
            continue
        tolerance = half_unit + 1e-9 * value
        if not any(abs(abs(v) - value) <= tolerance for v in values):
            missing.append(shown)
    return missing
