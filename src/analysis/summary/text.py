"""The text of a work summary: read from its file, and as the extractor matches it (Traditional folded to simplified).

No pandas here: the build's up-front parameter check reads summaries with :func:`read_summary`.
"""
from __future__ import annotations

from functools import cache
from pathlib import Path

import opencc

from analysis.readers.io import ENCODINGS, DataError, Problem, display_path


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


def read_summary(path: Path | str) -> str:
    """The text of a summary file: UTF-8 (with or without BOM) or GB18030/GBK."""
    path = Path(path)
    where = display_path(path)
    if not path.is_file():
        raise DataError([Problem(where, None, None, "no such file", "a work summary text file")])
    data = path.read_bytes()
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DataError([Problem(where, None, None, "cannot decode the file",
                             "UTF-8 (with or without BOM), GBK or GB18030 text")])
