"""The year a work summary reports on, read from its text (no kernel, no pandas: the build checks it first).

In order: a title naming the year (``XX区市场监督管理局2021年工作总结``, ``二〇二一年度工作总结``, the year
directly before 总结/工作报告/工作情况 in one of the first lines); else a first sentence that opens with the
year (``2021年区市场监管局以党建工作为统领``, ``2021年，...``). 今年, 全年 and 本年 in the text then mean that
year. A summary with neither says nothing certain about its year: :func:`reported_year` gives ``None``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from analysis.parameters import ParameterError
from analysis.readers.numbers import CN_DIGITS, fold_width
from analysis.summary.text import to_simplified

_YEAR = r"(?P<year>(?:19|20)[0-9]{2}|[〇零一二三四五六七八九]{4})\s*年度?"
_TITLE = re.compile(r"(?<![0-9〇零一二三四五六七八九~—–至到-])\s*" + _YEAR + r"[^\n。；;0-9〇]{0,24}?(?:工作总结|总结|工作报告|工作情况|工作回顾)")
_OPENING = re.compile(r"\s*" + _YEAR + r"(?![0-9]|[以至到]|[-~—–]|来|起|底|末|初)")
_TITLE_LINES = 3
_TITLE_LENGTH = 60


@dataclass(frozen=True)
class ReportedYear:
    """The year a summary reports on (``None``: not stated) and the words it was read from."""

    year: int | None
    evidence: str = ""


def _as_int(digits: str) -> int:
    return int("".join(str(CN_DIGITS[d]) if d in CN_DIGITS else d for d in digits))


def reported_year(text: str) -> ReportedYear:
    """The year ``text`` reports on: from its title, else from its opening words; ``None`` if neither names it."""
    folded = to_simplified(fold_width(text)).lstrip("\ufeff")
    lines = [line.strip() for line in folded.splitlines() if line.strip()]
    for line in lines[:_TITLE_LINES]:
        if len(line) <= _TITLE_LENGTH and (match := _TITLE.search(line)):
            return ReportedYear(_as_int(match["year"]), match.group())
    if lines and (match := _OPENING.match(lines[0])):
        return ReportedYear(_as_int(match["year"]), match.group().strip())
    return ReportedYear(None)


def check_reported_year(text: str, target_year: int, where: str) -> int | None:
    """The year the summary at ``where`` reports on; a ParameterError (one line) if it is not ``target_year``."""
    found = reported_year(text)
    if found.year is not None and found.year != int(target_year):
        raise ParameterError(f"{where} reports on {found.year} (“{found.evidence}”), but target_year is "
                             f"{target_year}; give the summary of {target_year} or set target_year: {found.year}")
    return found.year
