"""Numbers as written in Chinese reports: ``6,954,438``, ``1.54亿``, ``638万余``, ``约1200``, ``三十五``, ``XXX``.

:func:`parse_number` turns one written figure into a :class:`ParsedNumber`: its value, the interval the
writing allows (``lower``..``upper``), a qualifier and a unit. Qualifiers:

- ``exact``: a plain figure (``6954438``, ``三十五``, ``三万五千``, ``97.31%``, money in ``万元``);
  lower = upper = value.
- ``rounded``: a figure scaled by 万/亿 (``1.54亿``, ``638万``, Chinese numerals ending in 万/亿 such as
  ``三万``); bounds are half a unit of the last stated digit either side (1.535亿..1.545亿).
- ``lower_bound``: ``300余``, ``300多``, ``638万余``, ``突破710万``, ``超过``, ``逾``, ``...以上``; lower = value = the
  stated figure, upper unknown.
- ``upper_bound``: ``不足``, ``不到``, ``少于``, ``低于``, ``...以内/以下``; upper = value = the stated figure.
- ``approximate``: ``约1200``, ``...左右``: no bounds; ``近9600万``, ``接近``, ``将近``: upper = the stated figure;
  ``数十``/``几百``: no value, bounds from two units to ten units less one (数十 = 20..99).
- ``range``: ``10-15家``, ``三至五个``, ``10%～15%``: no value, the two ends as bounds.
- ``redacted``: digits replaced by X (``X``, ``XX``, ``XXX余``, ``X.X万``): no value; bounds from the digit
  count of the figure as written: one X is 0..9 (a single hidden digit may be 0), XX 10..99, XXX 100..999,
  X.X 0..9.9, scaled by 万/亿 (X万 = 0..90000, not widened for rounding); a 余/多/以上 makes the upper
  bound unknown.
- ``missing``: ``""``, ``NaN``, ``-``, ``—``, ``None``.

``upper_bound`` and ``range`` complete the brief's six qualifiers for 不足/以内 and 10-15 forms.

Units: ``%`` (also ``百分之…``), ``pp`` for ``个百分点``, per-population units as written (``批次/千人``), money units ``元``/``万元``/``亿元`` kept as written (value
in that unit), and count units (``户``, ``批次``, ``人次``...): with them a 万/亿 multiplies the value
(``XX余万条`` is at least 100000 条). Direction words before a figure sign it: ``上升0.38个百分点`` is +0.38 pp,
``下降0.2个百分点`` is -0.2 pp.

The regular expression :data:`MENTION_RE` that parses one figure also finds figures in running text
(``analysis.summary.indicators``); :func:`fold_width` maps full-width characters one to one so offsets survive.
"""
from __future__ import annotations

import math
import numbers
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

QUALIFIERS = ("exact", "rounded", "lower_bound", "upper_bound", "approximate", "range", "redacted", "missing")


class NumberFormatError(ValueError):
    """A figure that cannot be read; the message is one line naming the text."""


@dataclass(frozen=True)
class ParsedNumber:
    """One figure as written: its value, the interval the writing allows, how it was qualified, its unit."""

    value: float | None
    lower: float | None
    upper: float | None
    qualifier: str
    text: str
    unit: str | None = None

    @property
    def is_exact(self) -> bool:
        return self.qualifier == "exact"


CN_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CN_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
CN_BIG_UNITS = {"万": 10**4, "亿": 10**8}
CN_NUMERAL_CHARS = "".join(CN_DIGITS) + "".join(CN_SMALL_UNITS) + "".join(CN_BIG_UNITS)

#: Units a figure may carry, longest first so that 人次 wins over 人 and 个百分点 over 个.
UNITS = tuple(sorted((
    "个百分点", "百分点", "%",
    "万元", "亿元", "元",
    "批次", "户次", "家次", "人次", "个次", "份次", "条次", "台次", "件次", "车次", "架次", "场次", "起次", "次",
    "台件", "台套", "件套",
    "户", "家", "件", "人", "名", "个", "份", "条", "台", "部", "期", "场", "项", "类", "批", "辆", "张", "本",
    "册", "枚", "剂", "所", "处", "座", "宗", "起", "例", "篇", "支", "盒", "瓶", "袋", "箱", "种", "款", "组",
    "轮", "套", "只", "头", "间", "块", "倍", "吨", "公斤", "千克", "克", "升", "平方米", "亩", "公里", "米",
    "个工作日", "工作日", "天", "个月", "周", "年", "小时", "分钟",
), key=len, reverse=True))
MONEY_UNITS = ("元", "万元", "亿元")
PERCENT_POINT_UNITS = ("个百分点", "百分点")

#: Words before a figure that make it a signed change.
DIRECTION_WORDS = {
    "上升": 1, "增长": 1, "增加": 1, "提高": 1, "提升": 1, "上涨": 1,
    "下降": -1, "减少": -1, "降低": -1, "回落": -1, "下滑": -1, "下跌": -1,
}

_LOWER_PREFIXES = ("突破", "超过", "不少于", "不低于", "多于", "高于", "逾", "超")
_UPPER_PREFIXES = ("不足", "不到", "不超过", "少于", "低于")
_NEAR_PREFIXES = ("接近", "将近", "近")
_ABOUT_PREFIXES = ("大约", "约为", "约")
_LOWER_SUFFIXES = ("余", "多", "有余", "以上")
_UPPER_SUFFIXES = ("以内", "以下")
_ABOUT_SUFFIXES = ("左右", "上下")
_POST_UNIT_WORDS = ("以上",) + _UPPER_SUFFIXES + _ABOUT_SUFFIXES


def _alternation(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_ARABIC = r"(?:[0-9]{1,3}(?:,[0-9]{3})+(?![0-9])|[0-9]+)(?:\.[0-9]+)?"
_REDACTED = r"(?<![A-Za-z])[Xx]+(?:\.[Xx]+)?(?![A-Za-z])"
_CN_DIGIT_CLASS = "".join(CN_DIGITS)
_CHINESE = rf"(?:[{_CN_DIGIT_CLASS}]|十)[{CN_NUMERAL_CHARS}]*|[百千万](?=余|多)"  # 百余家, 万余户
_VAGUE = r"[数几](?:十万|百万|千万|十|百|千|万|亿)"
_MULTIPLIER = r"(?:[十百千万亿]+)(?!分)"  # not the 百 of 百分点
_PREFIX = _alternation(_LOWER_PREFIXES + _UPPER_PREFIXES + _NEAR_PREFIXES + _ABOUT_PREFIXES)

#: One written figure, in a cell or in running text.
MENTION_RE = re.compile(
    rf"(?P<prefix>{_PREFIX})?"
    rf"(?P<percent_of>百分之)?"
    rf"(?:(?P<arabic>{_ARABIC})|(?P<redacted>{_REDACTED})|(?P<vague>{_VAGUE})|(?P<chinese>{_CHINESE}))"
    rf"(?P<more>余|多)?"
    rf"(?P<multiplier>{_MULTIPLIER})?"
    rf"(?P<suffix>有余|余|多)?"
    rf"(?:\s*(?P<unit>{_alternation(UNITS)})(?P<per>/[十百千万]?(?:人口|人|户|家))?)?"
    rf"(?:(?P<post>{_alternation(_POST_UNIT_WORDS)})(?![游级]))?"  # not 上下游, 以上级
)
RANGE_SEPARATORS = ("-", "~", "〜", "—", "–", "至", "到")
_RANGE_SEP_RE = re.compile(rf"\s*(?:{_alternation(RANGE_SEPARATORS)})\s*")
_DIRECTION_RE = re.compile(rf"^(?P<word>{_alternation(DIRECTION_WORDS)})")
MISSING_TEXTS = frozenset({"", "-", "--", "—", "——", "–", "nan", "na", "n/a", "null", "none", "/"})


def fold_width(text: str) -> str:
    """Full-width digits, letters and punctuation to their ASCII forms, one character for one.

    Characters whose compatibility form is longer than one character are kept, so offsets into the
    folded text are offsets into the original.
    """
    out = []
    for ch in text:
        folded = unicodedata.normalize("NFKC", ch)
        out.append(folded if len(folded) == 1 else ch)
    return "".join(out)


def chinese_to_int(text: str) -> int:
    """Integer value of Chinese numerals: 三十五, 两千, 一百零五, 三万五千, 三万五 (=35000), 二〇二一."""
    if text and all(ch in CN_DIGITS for ch in text):
        if len(text) > 1 and "两" in text:
            raise NumberFormatError(f"not a Chinese numeral: {text!r}")
        return int("".join(str(CN_DIGITS[ch]) for ch in text))
    total = section_big = section = 0
    digit: int | None = None
    last_unit = 1
    after_zero = False
    for ch in text:
        if ch in CN_DIGITS:
            if digit is not None:
                raise NumberFormatError(f"not a Chinese numeral: {text!r}")
            digit = CN_DIGITS[ch]
            if digit == 0:
                after_zero, digit = True, None
        elif ch in CN_SMALL_UNITS:
            unit = CN_SMALL_UNITS[ch]
            if section and unit >= last_unit and last_unit < 10**4:
                raise NumberFormatError(f"not a Chinese numeral: {text!r}")
            section += (1 if digit is None else digit) * unit
            digit, last_unit, after_zero = None, unit, False
        elif ch in CN_BIG_UNITS:
            unit = CN_BIG_UNITS[ch]
            section += digit if digit is not None else (0 if section or total or section_big else 1)  # 万余
            if unit == 10**8:
                total = (total + section_big + section) * unit
                section_big = 0
            else:
                section_big = (section_big + section) * unit
            section, digit, last_unit, after_zero = 0, None, unit, False
        else:
            raise NumberFormatError(f"not a Chinese numeral: {text!r}")
    if digit is not None:  # 三万五 = 35000, 一百零五 = 105
        section += digit * (1 if after_zero or last_unit == 1 else last_unit // 10)
    return total + section_big + section


@dataclass(frozen=True)
class _Figure:
    """A parsed single figure before signing: Decimal value and bounds, and how it was scaled."""

    value: Decimal | None
    lower: Decimal | None
    upper: Decimal | None
    qualifier: str
    unit: str | None
    multiplier: Decimal
    scaled: bool  # the writer put a 万/亿 multiplier on it


def _redacted_bounds(xs: str) -> tuple[Decimal, Decimal]:
    whole, _, frac = xs.partition(".")
    lower = Decimal(0) if len(whole) == 1 else Decimal(10) ** (len(whole) - 1)
    upper = Decimal(10) ** len(whole) - (Decimal(10) ** -len(frac) if frac else 1)
    return lower, upper


def _multiplier(text: str | None) -> Decimal:
    value = Decimal(1)
    for ch in text or "":
        value *= CN_SMALL_UNITS.get(ch) or CN_BIG_UNITS[ch]
    return value


def _figure(match: re.Match) -> _Figure:
    g = match.groupdict()
    multiplier_text, unit, chinese = g["multiplier"] or "", g["unit"], g["chinese"]
    if g["per"]:  # 4.2批次/千人: a rate per population, its own unit
        unit += g["per"]
    if unit == "元":  # money is accounted in 万元/亿元: the 万 is part of the unit
        if multiplier_text[-1:] in CN_BIG_UNITS:
            unit, multiplier_text = multiplier_text[-1] + "元", multiplier_text[:-1]
        elif not multiplier_text and chinese and len(chinese) > 1 and chinese[-1] in CN_BIG_UNITS:
            unit, chinese = chinese[-1] + "元", chinese[:-1]
    if g["percent_of"]:
        if unit:
            raise NumberFormatError("百分之 with a unit")
        unit = "%"
    multiplier = _multiplier(multiplier_text)
    scaled = bool(multiplier_text)
    value = lower = upper = None
    if g["arabic"]:
        value = Decimal(g["arabic"].replace(",", "")) * multiplier
        step = Decimal(1).scaleb(Decimal(g["arabic"].replace(",", "")).as_tuple().exponent) * multiplier
        qualifier = "rounded" if scaled else "exact"
    elif g["redacted"]:
        lower, upper = (b * multiplier for b in _redacted_bounds(g["redacted"]))
        qualifier = "redacted"
    elif g["vague"]:
        unit_size = _multiplier(g["vague"][1:]) * multiplier
        lower, upper, qualifier = 2 * unit_size, 10 * unit_size - 1, "approximate"
    else:
        value = Decimal(chinese_to_int(chinese)) * multiplier
        ends_big = chinese[-1] in CN_BIG_UNITS
        scaled = scaled or ends_big
        step = Decimal(CN_BIG_UNITS[chinese[-1]]) * multiplier if ends_big else multiplier
        qualifier = "rounded" if scaled else "exact"
    if qualifier in ("exact", "rounded"):
        half = step / 2 if qualifier == "rounded" else Decimal(0)
        lower, upper = value - half, value + half
    markers = [m for m in (g["prefix"], g["more"], g["suffix"], g["post"]) if m]
    qualifier, lower, upper = _qualify(qualifier, value, lower, upper, markers)
    return _Figure(value, lower, upper, qualifier, unit, multiplier, scaled)


def _qualify(qualifier, value, lower, upper, markers):
    """Apply 余/多/超过/不足/约/近... to a figure's qualifier and bounds."""
    for marker in markers:
        if marker in _LOWER_PREFIXES or marker in _LOWER_SUFFIXES:
            upper = None
            if qualifier != "redacted":
                qualifier, lower = "lower_bound", value
        elif marker in _UPPER_PREFIXES or marker in _UPPER_SUFFIXES:
            lower = None
            if qualifier != "redacted":
                qualifier, upper = "upper_bound", value
        elif qualifier not in ("redacted", "lower_bound", "upper_bound"):
            near = marker in _NEAR_PREFIXES
            lower = None if value is not None else lower
            upper = (value if near else None) if value is not None else upper
            qualifier = "approximate"
    return qualifier, lower, upper


def _single(text: str) -> _Figure:
    match = MENTION_RE.fullmatch(text)
    if match is None:
        raise NumberFormatError("")
    return _figure(match)


def _range(text: str) -> _Figure | None:
    """``10-15家``, ``三至五个``, ``3万～5万元``: the two ends as bounds, or None if ``text`` is no range."""
    for sep in _RANGE_SEP_RE.finditer(text):
        if sep.start() == 0:
            continue
        left_text = text[:sep.start()]
        try:
            right = _single(text[sep.end():])
            left = _single(left_text)
            if left.unit is None and right.unit:  # 10-15家, 3-5万元, 3万-5万元: the unit is written once
                tail = right.unit[1:] if left_text.endswith(right.unit[0]) else right.unit
                left = _single(left_text + tail)
        except NumberFormatError:
            continue
        if left.unit != right.unit:
            continue
        if not left.scaled and right.scaled:  # 10-15万: the 万 applies to both ends
            left = _Figure(*(None if v is None else v * right.multiplier
                             for v in (left.value, left.lower, left.upper)),
                           left.qualifier, left.unit, right.multiplier, True)
        lower = left.value if left.value is not None else left.lower
        upper = right.value if right.value is not None else right.upper
        if lower is not None and upper is not None and lower > upper:
            raise NumberFormatError("a range whose first end is larger")
        qualifier = "redacted" if "redacted" in (left.qualifier, right.qualifier) else "range"
        return _Figure(None, lower, upper, qualifier, right.unit, right.multiplier, right.scaled)
    return None


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _missing(text: str) -> ParsedNumber:
    return ParsedNumber(None, None, None, "missing", text)


def _from_number(value) -> ParsedNumber:
    number = float(value)
    if math.isnan(number):
        return _missing(str(value))
    if math.isinf(number):
        raise NumberFormatError(f"not a finite number: {value!r}")
    return ParsedNumber(number, number, number, "exact", str(value))


def parse_number(text) -> ParsedNumber:
    """Parse one figure as written in a Chinese report (see the module docstring for the forms).

    Accepts strings and plain numbers (int, float, numpy scalars, Decimal); NaN, None and empty or dash
    cells are ``missing``. Raises :class:`NumberFormatError` for anything else.
    """
    if text is None:
        return _missing("")
    if isinstance(text, bool):
        raise NumberFormatError(f"not a number: {text!r}")
    if isinstance(text, (numbers.Real, Decimal)):
        return _from_number(text)
    if not isinstance(text, str):
        if type(text).__name__ in ("NAType", "NaTType"):
            return _missing(str(text))
        raise NumberFormatError(f"not a number: {text!r}")
    stripped = fold_width(text).strip()
    if stripped.lower() in MISSING_TEXTS:
        return _missing(text)
    body, sign = stripped, 1
    direction = _DIRECTION_RE.match(body)
    if direction:
        sign, body = DIRECTION_WORDS[direction["word"]], body[direction.end():]
    elif body[:1] in "+-" and len(body) > 1:
        sign, body = (-1 if body[0] == "-" else 1), body[1:]
    try:
        figure = _range(body) or _single(body)
    except NumberFormatError as err:
        detail = f" ({err})" if str(err) else ""
        raise NumberFormatError(f"not a number: {text.strip()!r}{detail}") from None
    unit = "pp" if figure.unit in PERCENT_POINT_UNITS else figure.unit
    lower, upper = figure.lower, figure.upper
    if sign < 0:
        lower, upper = (None if upper is None else -upper), (None if lower is None else -lower)
    value = None if figure.value is None else sign * figure.value
    return ParsedNumber(_float(value), _float(lower), _float(upper), figure.qualifier, text.strip(), unit)


_YEAR_RE = re.compile(r"(?P<digits>\d{4}|[〇零一二三四五六七八九]{4})\s*(?:年度?)?")


def parse_year(value) -> int:
    """A year as written: 2021, 2021.0, "2021", "2021年", "２０２１年", "2021年度", "二〇二一年"."""
    if isinstance(value, bool):
        raise NumberFormatError(f"not a year: {value!r}")
    if isinstance(value, numbers.Real):
        number = float(value)
        if math.isfinite(number) and number == int(number) and 1000 <= number <= 9999:
            return int(number)
        raise NumberFormatError(f"not a year: {value!r}")
    if isinstance(value, str):
        match = _YEAR_RE.fullmatch(fold_width(value).strip())
        if match:
            return chinese_to_int(match["digits"]) if not match["digits"].isdigit() else int(match["digits"])
    raise NumberFormatError(f"not a year: {value!r}")


#: The 31 provincial-level divisions: full name, then the English name used in international sources.
PROVINCES = (
    ("北京市", "Beijing"), ("天津市", "Tianjin"), ("河北省", "Hebei"), ("山西省", "Shanxi"),
    ("内蒙古自治区", "Inner Mongolia"), ("辽宁省", "Liaoning"), ("吉林省", "Jilin"),
    ("黑龙江省", "Heilongjiang"), ("上海市", "Shanghai"), ("江苏省", "Jiangsu"), ("浙江省", "Zhejiang"),
    ("安徽省", "Anhui"), ("福建省", "Fujian"), ("江西省", "Jiangxi"), ("山东省", "Shandong"),
    ("河南省", "Henan"), ("湖北省", "Hubei"), ("湖南省", "Hunan"), ("广东省", "Guangdong"),
    ("广西壮族自治区", "Guangxi"), ("海南省", "Hainan"), ("重庆市", "Chongqing"), ("四川省", "Sichuan"),
    ("贵州省", "Guizhou"), ("云南省", "Yunnan"), ("西藏自治区", "Tibet"), ("陕西省", "Shaanxi"),
    ("甘肃省", "Gansu"), ("青海省", "Qinghai"), ("宁夏回族自治区", "Ningxia"), ("新疆维吾尔自治区", "Xinjiang"),
)
NATIONAL = "全国"
_SUFFIX_RE = re.compile(r"(?:壮族|回族|维吾尔)?自治区$|[省市]$")
_ENGLISH_SUFFIX_RE = re.compile(
    r"\s+(?:province|municipality|city|(?:zhuang |hui |uygur |uyghur )?autonomous region)$")


def _region_names() -> dict[str, str]:
    names = {"全国": NATIONAL, "中国": NATIONAL, "china": NATIONAL, "national": NATIONAL,
             "nationwide": NATIONAL, "xizang": "西藏自治区", "nei mongol": "内蒙古自治区"}
    for full, english in PROVINCES:
        names[full] = full
        names[_SUFFIX_RE.sub("", full)] = full
        names[english.lower()] = full
    return names


_REGION_NAMES = _region_names()


def normalise_region(name) -> str:
    """Canonical region name: 福建/福建省/Fujian/"Fujian Province" -> 福建省, 全国/China/national -> 全国.

    The 31 provincial-level divisions get their proper suffix (省, 市, 自治区: 广西壮族自治区); any other
    name (a city, a district) is returned stripped.
    """
    text = fold_width(str(name)).strip()
    key = " ".join(text.split())
    if key in _REGION_NAMES:
        return _REGION_NAMES[key]
    english = _ENGLISH_SUFFIX_RE.sub("", key.lower())
    return _REGION_NAMES.get(english, text)
