"""The same figure in several years' work summaries of one bureau: linked, with changes and growth checks.

Each summary's figures (:func:`analysis.summary.indicators.extract_indicators`) are attributed to the year the
summary reports on (:func:`analysis.summary.year.reported_year`), or to a year that opens the figure's clause
(``2020年新增市场主体812户`` in the 2021 summary is a 2020 figure). A figure is linked across years by its
``indicator`` (:func:`indicator_name`): the object with its wording normalised (食品抽检, 抽检食品, 食品安全监督抽检
and 完成食品抽检 are one indicator; 新增, 新登记 and 新设市场主体 too), together with a comparable unit (户 and
家 of entities are one unit, money is in 万元) and whether it is a growth rate. Only identical indicators are
linked: 个体工商户 is not 市场主体, 实有 (a stock) is not 新增 (a flow).

:func:`linked` gives one row per indicator and year (:data:`LINKED_COLUMNS`) with the change from the
indicator's previous year as an interval (``XXX`` = 100 to 999 one year and 812 the next is a change of
-187 to +712); :func:`growth_checks` sets each stated growth rate beside the growth the two years' figures
imply (:data:`GROWTH_CHECK_COLUMNS`): a ``contradiction`` is a rate those figures cannot give.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.readers.io import DataError, Problem, display_path
from analysis.summary.indicators import extract_indicators
from analysis.summary.text import read_summary
from analysis.summary.year import reported_year

LINKED_COLUMNS = ["indicator", "unit", "is_growth_rate", "year", "value", "lower", "upper", "qualifier", "written",
                  "object", "summary", "sentence", "change_from", "change", "change_lower", "change_upper"]
GROWTH_CHECK_COLUMNS = ["indicator", "year", "stated_value", "stated_lower", "stated_upper", "implied_value",
                        "implied_lower", "implied_upper", "verdict", "reason"]

#: Nouns written several ways, and the one name each is linked under.
_NOUNS = (
    (("各类市场主体", "经营主体", "商事主体", "市场主体"), "市场主体"),
    (("个体工商户", "个体户", "个体"), "个体工商户"),
    (("农民专业合作社", "农专", "合作社"), "农民专业合作社"),
)
_NEW = ("新增", "新登记", "新设立", "新设", "新注册", "新发展")
_STOCK = ("实有", "登记在册", "现有", "存量")
_NET = re.compile(r"^(?:净增加|净增长|净增)(.+)$|^(.+?)(?:净增加|净增长|净增)$")
_DOING = ("组织开展", "共完成", "完成", "开展", "实施", "累计", "年末", "年底", "全区", "全县", "全市", "全省", "全国")
_SAMPLING = re.compile(r"^(?P<thing>.*?)(?:安全)?(?:监督|质量)?(?:抽检|抽验|抽查|抽样)(?:监测)?$")
_GROWTH_SUFFIX = re.compile(r"(?P<avg>年均)?增长$")
_PATENTS = ("专利授权量", "授权专利", "专利授权")
#: Units of one kind that are the same count.
_SAME_UNIT = {"家": "户"}
_MONEY_IN_WAN = {"元": 1e-4, "万元": 1.0, "亿元": 1e4}


@dataclass(frozen=True)
class YearSummary:
    """One year's summary: where it is from, the year it reports on, its text and its figures."""

    name: str
    year: int
    text: str
    rows: pd.DataFrame


# ---------------------------------------------------------------------------------------- names
def _noun(words: str) -> str:
    for forms, name in _NOUNS:
        if words in forms:
            return name
    return words


def _flow(obj: str) -> str:
    for word in _NEW:
        if obj.startswith(word):
            return "新增" + _noun(obj[len(word):])
    for word in _STOCK:
        if obj.startswith(word):
            return "实有" + _noun(obj[len(word):])
    return _noun(obj)


def indicator_name(obj: str, sentence: str = "") -> str:
    """The name a figure's ``object`` is linked under across years.

    ``食品安全监督抽检``, ``完成食品抽检`` -> 食品抽检; ``新登记市场主体``, ``新设各类市场主体`` -> 新增市场主体;
    ``市场主体净增`` -> 市场主体净增长; a bare 个体/农专/企业 in a sentence on new registrations -> 新增个体工商户 ...;
    a growth rate keeps its ending (``专利授权增长`` -> 专利授权量增长).
    """
    growth = _GROWTH_SUFFIX.search(obj)
    base = obj[:growth.start()] if growth else obj
    while word := next((w for w in _DOING if base.startswith(w) and len(base) > len(w)), ""):
        base = base[len(word):]
    if base in _PATENTS:
        base = _PATENTS[0]
    elif sampling := _SAMPLING.match(base):
        base = (sampling["thing"] or "") + "抽检"
    elif net := _NET.match(base):
        base = _noun(net[1] or net[2]) + "净增长"
    else:
        base = _flow(base)
        if base in ("个体工商户", "农民专业合作社", "企业") and any(w in sentence for w in _NEW):
            base = "新增" + base
    return base + (growth.group() if growth else "")


def _comparable_unit(unit: str, values: tuple[float, float, float]) -> tuple[str, tuple[float, float, float]]:
    """户 for 家; money in 万元 (values scaled); other units as written."""
    if unit in _MONEY_IN_WAN:
        factor = _MONEY_IN_WAN[unit]
        return "万元", tuple(v * factor for v in values)
    return _SAME_UNIT.get(unit, unit), values


# ---------------------------------------------------------------------------------------- summaries
_SENTENCE_BREAK = "。；;！？!?\n"
_CLAUSE_BREAK = _SENTENCE_BREAK + "，,：:"
_OPENING_YEAR = re.compile(r"\s*((?:19|20)[0-9]{2})\s*年度?(?![0-9]|[以至到起底末初]|[-~—–]|来)")


def _figure_year(text: str, start: int, default: int) -> int:
    """A year that opens the figure's sentence or clause (``2020年新增市场主体812户``), else ``default``."""
    for breaks in (_SENTENCE_BREAK, _CLAUSE_BREAK):
        opening = max(text.rfind(ch, 0, start) for ch in breaks) + 1
        if match := _OPENING_YEAR.match(text, opening, start):
            return int(match[1])
    return default


def read_year_summary(path: Path | str) -> YearSummary:
    """A summary file with its figures and the year it reports on; a DataError when its text names no year."""
    text = read_summary(path)
    found = reported_year(text)
    if found.year is None:
        raise DataError([Problem(display_path(Path(path)), None, None, "the text does not say which year it reports on",
                                 "a title such as 2021年工作总结, or a first sentence opening with the year")])
    return YearSummary(Path(path).name, found.year, text, extract_indicators(text))


def read_year_summaries(paths: Iterable[Path | str]) -> list[YearSummary]:
    """Several summaries of one bureau, in the order of their years; a DataError if two report on one year."""
    summaries = sorted((read_year_summary(p) for p in paths), key=lambda s: s.year)
    for before, after in zip(summaries, summaries[1:]):
        if before.year == after.year:
            raise DataError([Problem(after.name, None, None, f"reports on {after.year}, as {before.name} does",
                                     "one summary per year")])
    return summaries


def _figures(summary: YearSummary) -> pd.DataFrame:
    """The summary's figures with their indicator, year and comparable unit (the first 12 linked columns)."""
    out = []
    for r in summary.rows[summary.rows["role"].eq("stated")].itertuples():  # no targets, no ranks
        unit, (value, lower, upper) = _comparable_unit(r.unit, (r.value, r.lower, r.upper))
        out.append({"indicator": indicator_name(r.object, r.sentence), "unit": unit, "is_growth_rate": r.is_growth_rate,
                    "year": _figure_year(summary.text, r.start, summary.year), "value": value, "lower": lower,
                    "upper": upper, "qualifier": r.qualifier, "written": summary.text[r.start:r.end],
                    "object": r.object, "summary": summary.name, "sentence": r.sentence})
    return pd.DataFrame(out, columns=LINKED_COLUMNS[:12])


# ---------------------------------------------------------------------------------------- the linked table
def _change(now: pd.Series, before: pd.Series) -> dict:
    """``now`` minus ``before`` with its interval from both figures' bounds (NaN: that side unbounded)."""
    return {"change_from": before["year"], "change": now["value"] - before["value"],
            "change_lower": now["lower"] - before["upper"], "change_upper": now["upper"] - before["lower"]}


def linked(summaries: Iterable[YearSummary]) -> pd.DataFrame:
    """One row per indicator and year (:data:`LINKED_COLUMNS`), the first mention where a year states one twice.

    Sorted by indicator, unit, growth rate or not, and year; ``change*``: from the indicator's previous year
    with a figure (``change_from``), not for growth rates; figures without a unit are never linked.
    """
    parts = [_figures(s) for s in summaries]
    frame = pd.concat([p for p in parts if not p.empty] or [pd.DataFrame(columns=LINKED_COLUMNS[:12])],
                      ignore_index=True)
    frame = frame[frame["indicator"].astype(str).ne("")]
    key = ["indicator", "unit", "is_growth_rate"]
    frame = frame.drop_duplicates(key + ["year"], keep="first")
    frame = frame.sort_values(key + ["year"], kind="stable").reset_index(drop=True)
    changes = []
    for _, group in frame.groupby(key, sort=False):
        previous = None
        for index, now in group.iterrows():
            if previous is not None and not now["is_growth_rate"]:
                changes.append({"index": index, **_change(now, previous)})
            previous = now
    change = pd.DataFrame(changes, columns=["index", "change_from", "change", "change_lower", "change_upper"])
    frame = frame.join(change.set_index("index"))
    numbers = ["value", "lower", "upper", "change", "change_lower", "change_upper"]
    frame[numbers] = frame[numbers].astype(float)
    frame["year"] = frame["year"].astype(int)
    frame["change_from"] = frame["change_from"].astype("Int64")
    frame["is_growth_rate"] = frame["is_growth_rate"].astype(bool)
    return frame[LINKED_COLUMNS]


def in_several_years(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of :func:`linked` whose indicator has a figure in at least two years."""
    years = table.groupby(["indicator", "unit", "is_growth_rate"])["year"].transform("nunique")
    return table[years.ge(2)].reset_index(drop=True)


# ---------------------------------------------------------------------------------------- growth checks
def printed_interval(value: float, lower: float, upper: float, qualifier: str, written: str) -> tuple[float, float]:
    """The interval a stated rate allows: an exact rate widened by half its last printed digit (12.5% is 12.45
    to 12.55, 8% is 7.5 to 8.5), any other its own bounds."""
    if qualifier != "exact":
        return lower, upper
    digits = re.search(r"[0-9]+(?:\.([0-9]+))?", written)
    half = 0.5 * 10.0 ** -len(digits[1] or "") if digits else 0.0
    return value - half, value + half


def _stated_interval(rate: pd.Series) -> tuple[float, float]:
    return printed_interval(rate["value"], rate["lower"], rate["upper"], rate["qualifier"], rate["written"])


def _implied(now: pd.Series, before: pd.Series) -> tuple[float, float, float]:
    """Growth in % from ``before`` to ``now``: its value, and the lowest and highest the bounds allow.

    A count without a lower bound is at least 0; without an upper bound it is unbounded (inf).
    """
    low_now, high_now, low_before, high_before = (
        default if math.isnan(bound) else bound
        for bound, default in ((now["lower"], 0.0), (now["upper"], math.inf),
                               (before["lower"], 0.0), (before["upper"], math.inf)))
    value = 100 * (now["value"] / before["value"] - 1) if before["value"] else math.nan
    lowest = 100 * (low_now / high_before - 1) if high_before > 0 else math.nan
    highest = 100 * (high_now / low_before - 1) if low_before > 0 else math.inf
    return value, lowest, highest


def _verdict(stated: tuple[float, float], implied: tuple[float, float]) -> tuple[str, str]:
    """Whether a stated rate's interval and the implied interval overlap."""
    (s_low, s_high), (i_low, i_high) = stated, implied
    if math.isnan(s_low) and math.isnan(s_high):
        return "not comparable", "the rate's number was removed"
    shown = f"{_pct(i_low)} to {_pct(i_high)}"
    if i_high < s_low or i_low > s_high:  # NaN compares False: an open side never contradicts
        return "contradiction", f"the figures give {shown}, outside the stated {_pct(s_low)} to {_pct(s_high)}"
    return "consistent", f"the figures allow {shown}"


def _pct(value: float) -> str:
    return "∞" if math.isnan(value) or math.isinf(value) else f"{value:+.4g}%"


def _finite(value: float) -> float:
    """inf (unbounded) as NaN, as in the other bound columns."""
    return math.nan if math.isinf(value) else value


def growth_checks(table: pd.DataFrame) -> pd.DataFrame:
    """Each stated growth rate of :func:`linked` beside the growth the figures of its year and the year before imply.

    ``consistent``: the stated rate (an exact rate widened by its printed rounding: 8% is 7.5 to 8.5) and the
    implied interval overlap; ``contradiction``: they do not; ``not comparable``: a figure is missing or has no
    bounds. Columns :data:`GROWTH_CHECK_COLUMNS`.
    """
    counts = {}
    for _, figure in table[~table["is_growth_rate"]].iterrows():
        counts.setdefault((figure["indicator"], figure["year"]), figure)
    out = []
    for _, rate in table[table["is_growth_rate"] & table["unit"].eq("%")].iterrows():
        base = _GROWTH_SUFFIX.sub("", rate["indicator"])
        stated = _stated_interval(rate)
        row = {"indicator": rate["indicator"], "year": rate["year"], "stated_value": rate["value"],
               "stated_lower": stated[0], "stated_upper": stated[1], "implied_value": math.nan,
               "implied_lower": math.nan, "implied_upper": math.nan}
        missing = [y for y in (rate["year"], rate["year"] - 1) if (base, y) not in counts]
        if rate["indicator"].endswith("年均增长"):
            row.update(verdict="not comparable", reason="an average annual rate over years the summary does not name")
        elif missing:
            row.update(verdict="not comparable", reason=f"no figure for {base} in {missing[0]}")
        else:
            now, before = counts[(base, rate["year"])], counts[(base, rate["year"] - 1)]
            if all(math.isnan(f["lower"]) and math.isnan(f["upper"]) for f in (now, before)):
                row.update(verdict="not comparable", reason="neither figure has bounds")
            else:
                value, low, high = _implied(now, before)
                row["verdict"], row["reason"] = _verdict(stated, (low, high))
                row.update(implied_value=value, implied_lower=low, implied_upper=_finite(high))
        out.append(row)
    frame = pd.DataFrame(out, columns=GROWTH_CHECK_COLUMNS)
    numbers = GROWTH_CHECK_COLUMNS[2:8]
    frame[numbers] = frame[numbers].astype(float)
    return frame
