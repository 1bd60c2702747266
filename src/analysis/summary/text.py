"""Text of a work summary as the extractor matches it: Traditional characters folded to simplified."""
from __future__ import annotations

from functools import cache

import opencc


@cache
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """``text`` with Traditional characters (萬, 個, 類, 項, 檢查) in simplified form, one character for one.

    OpenCC converts phrase by phrase; where a phrase would change the length, the text is converted
    character by character instead, so that offsets into the result are offsets into ``text``.
    """
    converted = _converter().convert(text)
    if len(converted) == len(text):
        return converted
    singles = (_converter().convert(ch) for ch in text)
    return "".join(s if len(s) == 1 else ch for s, ch in zip(singles, text))
