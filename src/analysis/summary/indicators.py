"""Indicators from an annual work summary (年度工作总结), redactions included.

:func:`extract_indicators` turns the text into one row per stated figure (:data:`INDICATOR_COLUMNS`);
:func:`unparsed_mentions` lists every other number-like mention with the reason it is not a figure.
Together they account for every digit run, every X run (a redacted figure), every Chinese numeral used
as a count and every unit left without its number (``信息万条次``, ``罚款万元``, ``公示率％``).

How a mention is classified, in this order (each step claims its characters):

1. Ordinary words whose numerals are not numbers (进一步, 一次性, 千家万户, 十分) are skipped.
2. Non-figures are excluded, with a reason: numerals in quotes or titles (“七个专项”, “111”, 《…》),
   years and dates (2021年, 1-11月, 2021.12.31), standard numbers (GB17761－20XX), codes (3C, XXXXAPP),
   hotlines (12315), headings and list markers (一、, （一）, 一是), ordinals (第二版, 第一), periods
   (近三年, 一季度), names and set phrases (十九大, 四个意识, 八项规定, 五星级, 8小时以外), redacted place
   names (XX县, XX园) and rate bases (每万人).
3. Figures: a number (Arabic, X run, Chinese numeral, 数十) with its qualifiers and unit, read by
   :func:`analysis.readers.numbers.parse_number`; ``10-15家`` and ``三至五个`` are one range. A figure without a
   unit goes to the unparsed list; a single Chinese digit without a unit (一 in 一品一码) is a word.
4. A 万/亿 + unit, a % or a 个百分点 with no number before it is a figure whose number was removed:
   value and bounds unknown, qualifier ``redacted``.

Columns of a row:

- ``domain``: the first domain whose keywords occur in the object, else in the clause (split on ，：),
  else in the sentence; ``other`` if none (:data:`DOMAIN_KEYWORDS`, checked in order).
- ``object``: the thing counted, by these rules in order:

  - the words from the last clause break (，：（ ...) or the previous figure up to the number, without
    leading fillers (全年, 累计, 全区, 其中 ...), 各类/各种 and a trailing 达/为/共计 (``检查农贸市场``);
  - a noun right after a classifier (家, 个, 户, 台, 部, 名 ...) is the thing counted
    (``三十五家企业`` -> 企业); so are the words after any unit when nothing but verbs precedes
    (``全区XXX台在用特种设备`` -> 在用特种设备, ``约1200人次参加培训`` -> 参加培训);
  - sampling verbs go after their object (抽检食品 -> 食品抽检); ``A、B等C`` counts C (产品抽检);
  - a bare noun inherits the verb of the previous count in the sentence (``检查超市XX家、餐饮单位XXX个``
    -> 检查餐饮单位), except after 其中 (``其中：个体XXX户`` -> 个体); a bare verb takes the previous
    noun (``处理投诉XX件，办结XX件`` -> 办结投诉); figures side by side share it (``X期XX余万条``);
  - a change: what changed plus the word (``市场主体净增长XXX户``, ``新增市场主体XX户，同比增长XX户``);
    a growth rate: what grew plus 增长 or 年均增长 (``专利授权量XXX件，同期增长XXX％`` -> 专利授权量增长);
    any other rate as written (抽检合格率);
  - inside brackets with nothing before, the phrase before the brackets (``清单（第二版）（XXX类``);
  - else empty.
- ``value``, ``lower``, ``upper``, ``qualifier``: as in :mod:`analysis.readers.numbers`; a 万/亿 before a count unit
  multiplies the value (``XX余万条`` -> lower 100000, unit 条), money stays in 万元/亿元.
- ``unit``: as written (批次, 户, 万元, %, 个百分点 ...).
- ``is_growth_rate``: a % or 个百分点 right after 增长, 上升, 下降, 增幅 ... (optionally after 同比, 同期,
  比上年, 年均); its value is signed (下降0.2个百分点 -> -0.2). Changes of counts (减少XX户) stay unsigned,
  the word is in the object.
- ``sentence``: the sentence (split on 。；; ！？ and line breaks); ``start``, ``end``: offsets of the
  mention in the text.
"""
from __future__ import annotations

import argparse
import bisect
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import openpyxl

from analysis.readers.io import (ENCODINGS, DataError, Problem, append_table, display_path, write_atomic,
                                 write_csv)
from analysis.readers.numbers import (
    CN_DIGITS,
    DIRECTION_WORDS,
    MENTION_RE,
    MONEY_UNITS,
    RANGE_SEPARATORS,
    UNITS,
    NumberFormatError,
    ParsedNumber,
    fold_width,
    parse_number,
)

INDICATOR_COLUMNS = ["domain", "object", "value", "lower", "upper", "unit", "qualifier", "is_growth_rate",
                     "sentence", "start", "end"]
UNPARSED_COLUMNS = ["text", "start", "end", "reason"]

#: Domains in priority order, each with the keywords that decide it.
DOMAIN_KEYWORDS = (
    ("food", ("食品", "餐饮", "冷链", "农贸", "食物", "餐馆", "餐厨", "冷库", "农产品", "农药残留", "食堂",
              "小作坊")),
    ("drugs", ("药品", "药店", "药房", "医疗器械", "化妆品", "疫苗")),
    ("special_equipment", ("特种设备", "电梯", "锅炉", "压力容器", "起重机械", "气瓶", "游乐设施")),
    ("product_quality", ("产品质量", "电动自行车", "3C", "CCC", "质量提升", "工业产品", "计量")),
    ("market_entities", ("市场主体", "个体", "农专", "农民专业合作社", "企业登记", "注册登记")),
    ("intellectual_property", ("专利", "商标", "知识产权", "地理标志")),
    ("enforcement", ("案件", "罚款", "执法", "立案", "查处", "罚没", "违法")),
)
OTHER_DOMAIN = "other"

_NUMERAL = "0-9〇零一二两三四五六七八九十"
_UNITS_RE = "|".join(re.escape(u) for u in UNITS)

#: Words whose numerals are not numbers; skipped without a trace.
_WORDS = re.compile(
    "进一步|一一|十分|十足|一次性|一年来|一年一度|一部分|一条龙|一张网|一张图|一批(?!次)|千家万户|万家灯火|"
    "一起(?!案|事故|违法|食品安全事故|质量)|[Xx](?:光|射线)")

#: Non-figures, in order: (pattern, reason, whether it ends the phrase before a following figure).
_EXCLUSIONS = (
    (r"《[^《》\n]{1,40}》", "in a title", False),
    (r"“[^“”\n]{1,30}”|‘[^‘’\n]{1,30}’|\"[^\"\n]{1,30}\"|「[^」\n]{1,30}」|『[^』\n]{1,30}』",
     "in quotes: a name", False),
    (r"(?<![0-9])(?:19|20)[0-9Xx]{2}\s*年?\s*(?:[-~—–至到]\s*(?:(?:19|20)?[0-9Xx]{2})\s*)?年度?|[〇零一二三四五六七八九]{4}年度?"
     r"|(?<![0-9])(?:19|20)[0-9]{2}[./-](?:1[0-2]|0?[1-9])(?:[./-](?:3[01]|[12][0-9]|0?[1-9]))?(?![0-9.万亿元%])"
     r"|(?<![0-9Xx])(?:[0-9Xx]{1,2}|[一二三四五六七八九十]{1,2})\s*(?:[-~—–至到]\s*(?:[0-9Xx]{1,2}|[一二三四五六七八九十]{1,2})\s*)?"
     r"月份?(?:(?:[0-9Xx]{1,2}|[一二三四五六七八九十]{1,3})\s*[日号])?"
     r"|(?<![0-9])(?:[0-9]{1,2}|[一二三四五六七八九十]{1,3})\s*[日号](?![常益报])|(?<![0-9])[0-9]{1,2}·[0-9]{1,2}(?![0-9])",
     "year or date", True),
    (r"(?<![A-Za-z])(?:GB|DB|QB|SB|NY|HJ|YY|WS|JJG|JJF|TSG|LS|SN|YBB)(?:/[TZ])?\s*[0-9][0-9Xx.]*"
     r"(?:\s*[-—]\s*[0-9Xx]{2,4})?", "standard number", False),
    (r"(?<![A-Za-z0-9])(?=[A-Za-z0-9]*[A-Za-z])(?=[A-Za-z0-9]*[0-9])[A-Za-z0-9]+(?![A-Za-z0-9])"
     r"|(?<![A-Za-z])[Xx]{2,}[A-WYZa-wyz][A-Za-z]*|[A-Za-z]*[A-WYZa-wyz][Xx]{2,}(?![A-Za-z])",
     "code or name with letters", False),
    (rf"(?<![0-9])(?:12315|12345|12365|12331|12358|12338|96333)(?![0-9])(?!\s*(?:{_UNITS_RE}))"
     r"|(?<![0-9])(?:110|119|120|122)(?=热线|电话|报警|急救|指挥|联动)", "hotline number", False),
    (r"(?m)^\s*(?:[一二三四五六七八九十]+|[0-9]+)\s*[、.](?![0-9])|[（(](?:[一二三四五六七八九十]+|[0-9]+)[）)]"
     r"|(?<![统唯同第之万单划专不])[一二三四五六七八九十]+是|(?:^|(?<=[。；;：:，,\s]))[一二三四五六七八九十]+要",
     "heading or list marker", True),
    (r"第\s*(?:[0-9]+|[Xx]+|[〇零一二两三四五六七八九十百千]+)", "ordinal", False),
    (r"近[0-9Xx一二两三四五六七八九十]+个?(?:年|月)(?:来|以来|内)?|[一二三四1-4]季度|[上下]半年",
     "period reference", False),
    (r"[0-9一二三四五六七八九十]+(?:大(?![类型批量])|届|中全会|佳)|十[一二三四五六七八九]五(?:规划|时期|期间)?"
     r"|[一二三四五]星级?|八项规定|一把手|一岗双责|一级抓一级|零的突破|零报告|零容忍|(?<![0-9])(?:8|八)小时(?:以内|以外|之外|之内|内|外)?"
     r"|两个维护|两个确立|四个意识|四个自信|四个最严|两学一做|三会一课|一品一码|一公开|一退两抗|三品一标"
     r"|一网通办|一窗通办|一件事|最多跑一次|一次办好|一[^\W\d_]一[^\W\d_]|[0-9一二三四五六七八九十两]+年(?=行动|计划|攻坚|规划)",
     "name or set phrase", False),
    (r"(?<![A-Za-z])[Xx]+(?=县|区|市(?!场)|镇|乡|村|街道|园|路|街|社区|公司|集团|厂|局|省|州|旗)",
     "redacted place or name", False),
    (r"每[十百千万]人?口?", "rate base", False),
)
_EXCLUSION_RES = tuple((re.compile(p), reason, boundary) for p, reason, boundary in _EXCLUSIONS)
_HAS_NUMBER = re.compile(rf"[{_NUMERAL}百千万亿]|(?<![A-Za-z])[Xx]+(?![A-Za-z])|[Xx]{{2,}}")

_REMOVED_NUMBER = re.compile(
    rf"(?P<big>[万亿])(?P<unit>{_UNITS_RE})|(?P<pct>%|个百分点)|(?<=罚款|罚没|货值|金额|损失)(?P<yuan>元)")
_RANGE_GAP = re.compile(r"\s*(?:" + "|".join(re.escape(s) for s in RANGE_SEPARATORS) + r")\s*")
_SENTENCE_END = re.compile("[。；;！？!?\n\v\f\x85\u2028\u2029]")
_CLAUSE_BREAK = "，,：:；;。！？!?\n（）()【】[]"
_MASK = "□"

_GROWTH = re.compile(
    r"(?P<base>.*?)(?:同比|同期|环比|比上年|较上年|比去年同期|较去年同期|比去年|较去年|与上年相比|与去年同期相比)?"
    r"(?P<avg>年均)?(?P<net>净)?(?P<word>" + "|".join(DIRECTION_WORDS) + r"|增幅|增速|增长率|降幅|(?<=净)增|(?<=净)减)"
    r"(?:为|达到|达)?$")
_GROWTH_SIGNS = {**DIRECTION_WORDS, "增幅": 1, "增速": 1, "增长率": 1, "降幅": -1, "增": 1, "减": -1}

_VERBS = ("检查", "抽检", "抽验", "抽查", "抽样", "采样", "检测", "监测", "出动", "培训", "发放", "签订", "推送",
          "完成", "登记", "办结", "办理", "查处", "立案", "责令", "开具", "整治", "新增", "处理", "收缴", "举办",
          "建立", "排查", "清除", "核查", "受理", "调解", "挽回", "查办", "吊销", "注销", "走访", "指导",
          "组织", "开展", "新登记", "新设", "结案", "学习", "观看", "上报", "约谈", "下达", "发布", "召开", "印发", "制定", "帮扶", "申报",
          "认定", "撤销", "没收", "捣毁", "移送", "曝光", "召回", "处置", "销毁", "巡查", "督查", "检验", "检定",
          "审查", "核发", "接听", "回复", "答复", "解决", "整改", "督促", "发现", "收到", "接到", "公示", "涉及")
_SAMPLING_VERBS = ("抽检", "抽验", "抽查", "抽样")
_FILLERS = ("全年", "累计", "共计", "总计", "合计", "共", "全区", "全县", "全市", "全省", "全局", "其中", "另",
            "此外", "已", "均", "先后", "分别", "今年", "本年", "当年", "年内", "一共", "围绕", "常态化",
            "全面", "积极", "深入", "持续", "严格", "不断", "认真", "扎实", "切实", "依法", "主动", "集中",
            "有效", "共有", "现有", "目前", "截至", "年底", "实现", "达到", "力争")
_PREPOSITIONS = ("对", "与", "向", "为", "会同", "围绕", "按照", "针对", "经", "通过", "联合", "协调")
_TRAILING = ("达到", "达", "为", "共计", "合计", "总计", "共", "计", "约", "有", "是", "了", "的", "总数", "仅")
_NOUN_STOPS = ("的", "进行", "开展", "全面", "按照", "常态化", "被", "达到", "达", "实现", "通过", "均", "已",
               "全部", "自检", "参加", "参与", "纳入", "接受", "获得", "如实", "共", "累计",
               "同比", "同期", "环比", "比上年", "较上年", "比去年", "较去年", "合格率", "占") + tuple(DIRECTION_WORDS)
_PUNCT = " \t\r\v\f\u3000“”‘’\"'《》「」『』、，,：:"


@dataclass(frozen=True)
class _Found:
    """One number-like mention: a figure, a figure whose number was removed, or an excluded mention."""

    start: int
    end: int
    kind: str  # "figure", "removed" or "excluded"
    reason: str = ""
    parsed: ParsedNumber | None = None
    boundary: bool = False


@dataclass(frozen=True)
class _Object:
    verb: str
    noun: str
    name: str


# ---------------------------------------------------------------------------------------- scanning
def _claim(masked: list[str], start: int, end: int) -> None:
    masked[start:end] = _MASK * (end - start)


def _exclusions(folded: str, masked: list[str]) -> list[_Found]:
    for match in _WORDS.finditer(folded):
        _claim(masked, *match.span())
    found = []
    for regex, reason, boundary in _EXCLUSION_RES:
        for match in regex.finditer("".join(masked)):
            if _MASK in match.group() or not _HAS_NUMBER.search(match.group()):  # quotes around words
                continue
            start, end = match.span()
            found.append(_Found(start, end, "excluded", reason, boundary=boundary))
            _claim(masked, start, end)
    return found


def _merge_ranges(matches: list[re.Match], text: str) -> list[tuple[int, int]]:
    """Spans of figures, with ``10-15家`` or ``三至五个`` joined into one when they read as a range."""
    spans: list[tuple[int, int]] = []
    for match in matches:
        if spans and _RANGE_GAP.fullmatch(text[spans[-1][1]:match.start()]):
            try:
                parse_number(text[spans[-1][0]:match.end()])
            except NumberFormatError:
                pass
            else:
                spans[-1] = (spans[-1][0], match.end())
                continue
        spans.append(match.span())
    return spans


def _figures(folded: str, masked: list[str]) -> list[_Found]:
    found = []
    for start, end in _merge_ranges(list(MENTION_RE.finditer("".join(masked))), folded):
        mention = folded[start:end]
        try:
            parsed = parse_number(mention)
        except NumberFormatError as err:
            found.append(_Found(start, end, "excluded", str(err)))
        else:
            if parsed.unit is not None:
                found.append(_Found(start, end, "figure", parsed=parsed))
            elif not (len(mention) == 1 and mention in CN_DIGITS):  # 一 of 一品一码 is a word
                found.append(_Found(start, end, "excluded", "number without a unit"))
        _claim(masked, start, end)
    return found


def _removed_numbers(masked: list[str]) -> list[_Found]:
    found = []
    for match in _REMOVED_NUMBER.finditer("".join(masked)):
        if match["big"]:
            unit = match["big"] + match["unit"] if match["unit"] in MONEY_UNITS else match["unit"]
        else:
            unit = {"个百分点": "pp"}.get(match["pct"], match["pct"]) or match["yuan"]
        found.append(_Found(*match.span(), "removed",
                            parsed=ParsedNumber(None, None, None, "redacted", match.group(), unit)))
    return found


def _scan(text: str) -> list[_Found]:
    folded = fold_width(text)
    masked = list(folded)
    found = _exclusions(folded, masked)
    found += _figures(folded, masked)
    found += _removed_numbers(masked)
    return sorted(found, key=lambda f: f.start)


# ---------------------------------------------------------------------------------------- objects
def _strip_leading(phrase: str, words) -> str:
    changed = True
    while changed and phrase:
        changed = False
        for word in words:
            if phrase.startswith(word):
                phrase, changed = phrase[len(word):].lstrip(_PUNCT), True
    return phrase


def _clean(phrase: str) -> str:
    phrase = phrase.strip(_PUNCT).replace("各类", "").replace("各种", "")
    phrase = _strip_leading(phrase, _FILLERS)
    changed = True
    while changed and phrase:
        changed = False
        for word in _TRAILING:
            if phrase.endswith(word) and len(phrase) > len(word):
                phrase, changed = phrase[:-len(word)].rstrip(_PUNCT), True
    return phrase.strip(_PUNCT)


def _leading_verb(phrase: str) -> str:
    """The verbs a phrase starts with: ``立案查处违法案件`` -> 立案查处."""
    verbs = ""
    while verb := next((v for v in _VERBS if phrase.startswith(v, len(verbs))), ""):
        verbs += verb
    return verbs


def _after_preposition(phrase: str) -> str:
    """``与餐饮经营单位签订责任书`` -> 签订责任书; ``会同卫健部门每月对`` -> ''."""
    if not phrase.startswith(_PREPOSITIONS):
        return phrase
    verbs = [phrase.rfind(v) for v in _VERBS if phrase.rfind(v) > 0]
    if verbs:
        return phrase[max(verbs):]
    cut = max(phrase.rfind(p) + len(p) for p in _PREPOSITIONS if p in phrase)
    return phrase[cut:]


def _noun_after(folded: str, end: int, limit: int) -> str:
    """The words right after a figure's unit, up to a clause break, the next mention, or a verb or 的 after them."""
    if folded.startswith("的", end):
        return ""
    verb_first = folded.startswith(_NOUN_STOPS + _VERBS, end)  # 约1200人次参加培训
    stop = end
    while stop < limit and folded[stop] not in _CLAUSE_BREAK + _PUNCT:
        if stop > end and not verb_first and folded.startswith(_NOUN_STOPS + _VERBS, stop):
            break
        stop += 1
    return folded[end:stop]


def _named(verb: str, noun: str) -> _Object:
    """Verb and noun as one object: 抽检 + 食品 -> 食品抽检, 检查 + 冷库 -> 检查冷库; ``A、B等C`` counts C."""
    if "等" in noun and noun.rsplit("等", 1)[1]:
        noun = noun.rsplit("等", 1)[1]
    if len(noun) <= 1:  # 抽检量, 办结率: one noun, not an action on a thing
        return _Object("", verb + noun, verb + noun)
    return _Object(verb, noun, noun + verb if verb in _SAMPLING_VERBS else verb + noun)


def _unit_kind(unit: str | None) -> str:
    if unit in MONEY_UNITS:
        return "money"
    return "rate" if unit in ("%", "pp") else "count"


def _is_classifier(unit: str | None) -> bool:
    """户, 家, 个, 台 ... count things named after them; 批次, 人次, 件, %, 万元 measure activity."""
    return _unit_kind(unit) == "count" and not unit.endswith("次") and unit not in ("件", "份", "期", "场", "次")


def _has_verb_or_measure(phrase: str) -> bool:
    """``核酸采样从业人员`` has a verb, ``商标有效注册量`` is a measure, ``不合格`` a result: none takes a verb."""
    return any(v in phrase for v in _VERBS) or phrase.endswith(("量", "率", "数", "额")) or "合格" in phrase


def _object(window: str, after: str, classifier: bool, previous: _Object | None, inherit: bool,
            adjacent: bool = False) -> _Object:
    """The object of a figure from the words before it, the noun after it and the previous figure's object."""
    if adjacent and not after and previous is not None:  # X期XX余万条: figures side by side
        return previous
    phrase = _after_preposition(_clean(window))
    verb = _leading_verb(phrase)
    core = _strip_leading(phrase, _VERBS + _FILLERS)
    if after and (classifier or not core):
        return _Object("", after, after)
    if not core and verb and previous is not None:
        return _named(verb, previous.noun)
    if core and verb:
        return _named(verb, phrase[len(verb):])
    if core and inherit and previous is not None and previous.verb and not _has_verb_or_measure(core):
        return _named(previous.verb, core)
    return _named("", phrase)


def _domain(*texts: str) -> str:
    for text in texts:
        for domain, keywords in DOMAIN_KEYWORDS:
            if any(k in text for k in keywords):
                return domain
    return OTHER_DOMAIN


# ---------------------------------------------------------------------------------------- rows
def _sentence_spans(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        spans.append((start, match.end()))
        start = match.end()
    spans.append((start, len(text)))
    return spans


def _enclosing_bracket(folded: str, pos: int, floor: int) -> int | None:
    """Start of the phrase's bracket groups when ``pos`` is inside brackets: ``清单（第二版）（XXX类`` -> at （第."""
    depth = 0
    for i in range(pos - 1, floor - 1, -1):
        if folded[i] in "）)":
            depth += 1
        elif folded[i] in "（(" and depth:
            depth -= 1
        elif folded[i] in "（(":
            while i > floor and folded[i - 1] in "）)":
                opening = max(folded.rfind("（", floor, i - 1), folded.rfind("(", floor, i - 1))
                if opening < 0:
                    break
                i = opening
            return i
    return None


def _window_start(folded: str, pos: int, floor: int) -> int:
    breaks = [folded.rfind(ch, floor, pos) for ch in _CLAUSE_BREAK]
    return max([floor] + [b + 1 for b in breaks if b >= 0])


def _rows(text: str, found: list[_Found]) -> list[dict]:
    folded = fold_width(text)
    sentences = _sentence_spans(folded)
    starts = [s for s, _ in sentences]
    rows, sentence, previous, previous_kind, floor, previous_end = [], None, None, None, 0, -1
    for index, item in enumerate(found):
        s_start, s_end = sentences[bisect.bisect_right(starts, item.start) - 1]
        if (s_start, s_end) != sentence:
            sentence, previous, floor, previous_end = (s_start, s_end), None, s_start, -1
        if item.kind == "excluded":
            floor = item.end if item.boundary else floor
            continue
        parsed, kind = item.parsed, _unit_kind(item.parsed.unit)
        window = folded[_window_start(folded, item.start, floor):item.start]
        growth = _GROWTH.fullmatch(_clean(window))
        is_rate = growth is not None and kind == "rate"
        after = ""
        if growth is not None:
            fallback = "" if previous is None else previous.noun if growth["net"] else previous.name
            base = _clean(growth["base"]) or fallback  # 净增: of the stock, not of the new registrations
            change = "增长" if is_rate else (growth["net"] or "") + growth["word"]  # rates are signed
            obj = _Object("", base, base + (growth["avg"] or "") + change)
            previous = _Object("", base, base) if base else previous
        elif kind == "rate":  # 抽检合格率97.6%: a rate is named as written
            obj = previous = _Object("", _clean(window), _clean(window))
        else:
            limit = min(s_end, found[index + 1].start if index + 1 < len(found) else s_end)
            after = _noun_after(folded, item.end, limit) if item.kind == "figure" else ""
            noun_first = not after.startswith(_NOUN_STOPS + _VERBS)
            obj = _object(window, after, noun_first and _is_classifier(parsed.unit),
                          previous if previous_kind == kind else None,
                          inherit="其中" not in folded[floor:item.start], adjacent=item.start == previous_end)
            bracket = _enclosing_bracket(folded, item.start, s_start) if not obj.name else None
            if bracket is not None:
                obj = _object(folded[_window_start(folded, bracket, s_start):bracket], "", False, None, False)
            previous, previous_kind = obj, kind
        previous_end = item.end
        floor = item.end + (len(after) if after and obj.noun == after else 0)
        clause_start = _window_start(folded, item.start, s_start)
        clause_end = min([s_end] + [i for i in (folded.find(ch, item.end, s_end) for ch in "，,：:") if i >= 0])
        rows.append({
            "domain": _domain(obj.name, folded[clause_start:clause_end], folded[s_start:s_end]),
            "object": obj.name,
            **_signed(parsed, _GROWTH_SIGNS[growth["word"]] if is_rate else 1),
            "unit": "个百分点" if parsed.unit == "pp" else parsed.unit,
            "qualifier": parsed.qualifier,
            "is_growth_rate": is_rate,
            "sentence": text[s_start:s_end].strip().rstrip("。；;！？!?").strip(),
            "start": item.start,
            "end": item.end,
        })
    return rows


def _negated(value: float | None) -> float | None:
    return None if value is None else -value


def _signed(parsed: ParsedNumber, sign: int) -> dict:
    """Value and bounds of a figure, negated (bounds swapped) after 下降/减少."""
    if sign > 0:
        return {"value": parsed.value, "lower": parsed.lower, "upper": parsed.upper}
    return {"value": _negated(parsed.value), "lower": _negated(parsed.upper), "upper": _negated(parsed.lower)}


# ---------------------------------------------------------------------------------------- public API
def extract_indicators(text: str) -> pd.DataFrame:
    """One row per stated figure of a work summary, columns :data:`INDICATOR_COLUMNS`, in text order."""
    frame = pd.DataFrame(_rows(text, _scan(text)), columns=INDICATOR_COLUMNS)
    for column in ("value", "lower", "upper"):
        frame[column] = pd.to_numeric(frame[column]).astype(float)
    frame["is_growth_rate"] = frame["is_growth_rate"].astype(bool)
    frame[["start", "end"]] = frame[["start", "end"]].astype(int)
    return frame


def unparsed_mentions(text: str) -> pd.DataFrame:
    """Number-like mentions that are not figures (years, names, numbers without a unit ...), with why."""
    rows = [(text[f.start:f.end], f.start, f.end, f.reason) for f in _scan(text) if f.kind == "excluded"]
    frame = pd.DataFrame(rows, columns=UNPARSED_COLUMNS)
    frame[["start", "end"]] = frame[["start", "end"]].astype(int)
    return frame


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


class _UsageError(Exception):
    """A wrong command line; reported in one line, exit status 2."""


class _HelpShown(Exception):
    """``-h`` was given and the help printed; exit status 0."""


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so :func:`cli` returns its status."""

    def error(self, message):
        raise _UsageError(message)

    def exit(self, status=0, message=None):
        if status:
            raise _UsageError((message or "").strip())
        raise _HelpShown


def _parser() -> _Parser:
    parser = _Parser(prog="python -m analysis indicators",
                     description="Extract indicators from an annual work summary (UTF-8 CSV to stdout).")
    parser.add_argument("path", type=Path, help="the summary text (UTF-8, UTF-8-BOM or GB18030)")
    parser.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    parser.add_argument("-o", "--output", type=Path, help="write to this file instead of stdout")
    return parser


def _write_xlsx(frame: pd.DataFrame, unparsed: pd.DataFrame, path: Path) -> None:
    """Both tables as sheets ``indicators`` and ``unparsed``, text as text cells (see :func:`append_table`)."""
    def write(tmp: Path) -> None:
        book = openpyxl.Workbook()
        book.remove(book.active)
        for name, table in (("indicators", frame), ("unparsed", unparsed)):
            append_table(book.create_sheet(name), table)
        book.save(tmp)
    write_atomic(path, write)


def _print_utf8(text: str) -> None:
    """Write to stdout as UTF-8 whatever the console encoding."""
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        sys.stdout.write(text)
    else:
        buffer.write(text.encode("utf-8"))
        buffer.flush()


def cli(argv: list[str]) -> int:
    """``python -m analysis indicators PATH [--format csv|xlsx] [-o FILE]``; returns the exit status."""
    try:
        args = _parser().parse_args(argv)
        if args.format == "xlsx" and args.output is None:
            raise _UsageError("--format xlsx needs -o FILE")
        text = read_summary(args.path)
        frame = extract_indicators(text)
        if args.format == "xlsx":
            _write_xlsx(frame, unparsed_mentions(text), args.output)
        elif args.output is not None:
            write_csv(frame, args.output)
        else:
            _print_utf8(frame.to_csv(index=False, lineterminator="\n"))
    except _HelpShown:
        return 0
    except _UsageError as err:
        print(f"indicators: {err}", file=sys.stderr)
        return 2
    except (DataError, OSError) as err:
        print(str(err).replace("\n", "; "), file=sys.stderr)
        return 2
    return 0
