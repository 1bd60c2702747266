"""Figures as written in Chinese reports, case by case."""
import math
from decimal import Decimal

import numpy as np
import pytest

from analysis.readers.numbers import (
    MENTION_RE,
    NumberFormatError,
    ParsedNumber,
    chinese_to_int,
    fold_width,
    normalise_region,
    parse_number,
    parse_year,
)

N = None

# text, value, lower, upper, qualifier, unit
CASES = [
    # plain figures
    ("6954438", 6954438, 6954438, 6954438, "exact", N),
    ("6,954,438", 6954438, 6954438, 6954438, "exact", N),
    ("  187368 ", 187368, 187368, 187368, "exact", N),
    ("2.69", 2.69, 2.69, 2.69, "exact", N),
    ("-5", -5, -5, -5, "exact", N),
    # full width
    ("１２３", 123, 123, 123, "exact", N),
    ("１，２３４．５", 1234.5, 1234.5, 1234.5, "exact", N),
    ("６９５４４３８", 6954438, 6954438, 6954438, "exact", N),
    # rounded to the last stated digit of a 万/亿 figure
    ("1.54亿", 154_000_000, 153_500_000, 154_500_000, "rounded", N),
    ("2887.2万", 28_872_000, 28_871_500, 28_872_500, "rounded", N),
    ("638万", 6_380_000, 6_375_000, 6_385_000, "rounded", N),
    ("1.2万亿", 1.2e12, 1.15e12, 1.25e12, "rounded", N),
    ("三万", 30000, 25000, 35000, "rounded", N),
    # lower bounds
    ("638万余", 6_380_000, 6_380_000, N, "lower_bound", N),
    ("300余", 300, 300, N, "lower_bound", N),
    ("300多", 300, 300, N, "lower_bound", N),
    ("突破710万", 7_100_000, 7_100_000, N, "lower_bound", N),
    ("超过5000", 5000, 5000, N, "lower_bound", N),
    ("1000户以上", 1000, 1000, N, "lower_bound", "户"),
    ("百余家", 100, 100, N, "lower_bound", "家"),
    ("二十余家", 20, 20, N, "lower_bound", "家"),
    # upper bounds
    ("不足50家", 50, N, 50, "upper_bound", "家"),
    ("3个工作日以内", 3, N, 3, "upper_bound", "个工作日"),
    # approximate
    ("约1200", 1200, N, N, "approximate", N),
    ("近9600万", 96_000_000, N, 96_000_000, "approximate", N),
    ("近960户", 960, N, 960, "approximate", "户"),
    ("20家左右", 20, N, N, "approximate", "家"),
    ("数十批次", N, 20, 99, "approximate", "批次"),
    # percentages and percentage points
    ("97.31%", 97.31, 97.31, 97.31, "exact", "%"),
    ("97.31％", 97.31, 97.31, 97.31, "exact", "%"),
    ("百分之三十五", 35, 35, 35, "exact", "%"),
    ("上升0.38个百分点", 0.38, 0.38, 0.38, "exact", "pp"),
    ("下降0.2个百分点", -0.2, -0.2, -0.2, "exact", "pp"),
    ("增长12.5%", 12.5, 12.5, 12.5, "exact", "%"),
    # Chinese numerals
    ("三十五", 35, 35, 35, "exact", N),
    ("两千", 2000, 2000, 2000, "exact", N),
    ("一百零五", 105, 105, 105, "exact", N),
    ("十二", 12, 12, 12, "exact", N),
    ("三万五千", 35000, 35000, 35000, "exact", N),
    ("〇", 0, 0, 0, "exact", N),
    ("三十五家", 35, 35, 35, "exact", "家"),
    # redactions: bounds from the number of hidden digits
    ("X", N, 0, 9, "redacted", N),
    ("XX", N, 10, 99, "redacted", N),
    ("XXX", N, 100, 999, "redacted", N),
    ("xxxx", N, 1000, 9999, "redacted", N),
    ("XXX余", N, 100, N, "redacted", N),
    ("X万", N, 0, 90000, "redacted", N),
    ("X.X万", N, 0, 99000, "redacted", N),
    ("XX余万条", N, 100000, N, "redacted", "条"),
    ("XXX％", N, 100, 999, "redacted", "%"),
    ("下降XX.X个百分点", N, -99.9, -10, "redacted", "pp"),
    # units: a 万 before a count unit multiplies, money stays in 万元
    ("1.5万户", 15000, 14500, 15500, "rounded", "户"),
    ("2887.2万元", 2887.2, 2887.2, 2887.2, "exact", "万元"),
    ("三万元", 3, 3, 3, "exact", "万元"),
    ("XXX余户次", N, 100, N, "redacted", "户次"),
    ("4.2批次/千人", 4.2, 4.2, 4.2, "exact", "批次/千人"),
    ("1.3万台件", 13000, 12500, 13500, "rounded", "台件"),
    # ranges
    ("10-15家", N, 10, 15, "range", "家"),
    ("三至五个", N, 3, 5, "range", "个"),
    ("10～15%", N, 10, 15, "range", "%"),
    ("10-15万", N, 100000, 150000, "range", N),
    ("3万～5万元", N, 3, 5, "range", "万元"),
    # missing
    ("", N, N, N, "missing", N),
    ("-", N, N, N, "missing", N),
    ("—", N, N, N, "missing", N),
    ("NaN", N, N, N, "missing", N),
]


@pytest.mark.parametrize("text, value, lower, upper, qualifier, unit", CASES, ids=[str(c[0]) for c in CASES])
def test_parse_number(text, value, lower, upper, qualifier, unit):
    parsed = parse_number(text)
    assert (parsed.value, parsed.lower, parsed.upper) == (
        pytest.approx(value), pytest.approx(lower), pytest.approx(upper))
    assert (parsed.qualifier, parsed.unit) == (qualifier, unit)
    assert parsed.text == text.strip()
    assert parsed.is_exact == (qualifier == "exact")


@pytest.mark.parametrize("number, value", [(6954438, 6954438), (2.69, 2.69), (np.int64(187368), 187368),
                                           (np.float32(0.5), 0.5), (Decimal("1.25"), 1.25)])
def test_plain_numbers_are_exact(number, value):
    parsed = parse_number(number)
    assert (parsed.value, parsed.lower, parsed.upper, parsed.qualifier) == (value, value, value, "exact")
    assert isinstance(parsed.value, float)


@pytest.mark.parametrize("missing", [None, float("nan"), np.nan, np.float64("nan")])
def test_nan_and_none_are_missing(missing):
    assert parse_number(missing).qualifier == "missing"


@pytest.mark.parametrize("bad", ["abc", "1,2345", "十十", "两两", "万", "GB17761-20XX", "15-10", "12..5", " １２..５ ",
                                 "5家-3家", "百分之五十%", True, float("inf"), [1]])
def test_unparseable_raises_one_line_naming_the_text(bad):
    with pytest.raises(NumberFormatError) as info:
        parse_number(bad)
    message = str(info.value)
    assert "\n" not in message
    assert repr(bad.strip() if isinstance(bad, str) else bad) in message


def test_number_format_error_is_a_value_error():
    assert issubclass(NumberFormatError, ValueError)


def test_parsed_number_is_frozen():
    parsed = parse_number("300余")
    with pytest.raises(AttributeError):
        parsed.value = 1
    assert parsed == ParsedNumber(300.0, 300.0, None, "lower_bound", "300余")


@pytest.mark.parametrize("text, value", [("十", 10), ("二十", 20), ("九十九", 99), ("一千零一", 1001),
                                         ("三万五", 35000), ("两千五", 2500), ("一百二", 120),
                                         ("一亿三千万", 130_000_000), ("十二万三千四百五十六", 123456),
                                         ("二〇二一", 2021)])
def test_chinese_to_int(text, value):
    assert chinese_to_int(text) == value


def test_fold_width_keeps_offsets():
    text = "抽检１２３批次，合格率９７．３１％"
    folded = fold_width(text)
    assert folded == "抽检123批次,合格率97.31%"
    assert len(folded) == len(text)


def test_mention_pattern_finds_figures_in_running_text():
    text = "检查餐饮单位XXX余户次，抽检食品2,345批次，合格率97.31%"
    assert [m.group() for m in MENTION_RE.finditer(fold_width(text))] == ["XXX余户次", "2,345批次", "97.31%"]


@pytest.mark.parametrize("value", [2021, "2021", "2021年", "２０２１年", 2021.0, np.int64(2021), " 2021年度 ",
                                   "二〇二一年"])
def test_parse_year(value):
    assert parse_year(value) == 2021


@pytest.mark.parametrize("bad", ["21", "2021.5", 2021.5, "20210", "二〇二一二年", "year", True, None, math.nan])
def test_parse_year_rejects(bad):
    with pytest.raises(ValueError, match="not a year"):
        parse_year(bad)


@pytest.mark.parametrize("name, region", [
    ("福建", "福建省"), ("福建省", "福建省"), ("Fujian", "福建省"), ("Fujian Province", "福建省"),
    (" fujian province ", "福建省"), ("全国", "全国"), ("China", "全国"), ("national", "全国"),
    ("北京", "北京市"), ("Beijing Municipality", "北京市"), ("广西", "广西壮族自治区"),
    ("Guangxi Zhuang Autonomous Region", "广西壮族自治区"), ("内蒙古", "内蒙古自治区"),
    ("Inner Mongolia", "内蒙古自治区"), ("新疆", "新疆维吾尔自治区"), ("宁夏", "宁夏回族自治区"),
    ("西藏", "西藏自治区"), ("Shaanxi", "陕西省"), ("Shanxi", "山西省"), ("黑龙江", "黑龙江省"),
    ("吉林市", "吉林市"), ("  城关区 ", "城关区"), ("全国(国内)", "全国(国内)"),
])
def test_normalise_region(name, region):
    assert normalise_region(name) == region
