"""Indicators from annual work summaries: every figure a row, every other number-like mention listed."""
import math
import random
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from analysis.summary import indicators
from analysis.summary.indicators import (
    INDICATOR_COLUMNS,
    UNPARSED_COLUMNS,
    extract_indicators,
    unparsed_mentions,
)
from analysis.readers.io import DataError
from analysis.summary.cli import cli
from analysis.summary.text import read_summary

DATA = Path(__file__).parent / "data" / "summaries"
SEED = DATA / "2021_work_summary.txt"  # copy of the project's seed, redactions as published
PHRASING = DATA / "phrasing.txt"
N = math.nan


@pytest.fixture(scope="module")
def seed_text():
    return read_summary(SEED)


@pytest.fixture(scope="module")
def seed_rows(seed_text):
    return extract_indicators(seed_text)


def _row(rows: pd.DataFrame, text: str, mention: str, after: str = "") -> pd.Series:
    """The row of ``mention`` at the first place where ``mention + after`` occurs in ``text``."""
    start = text.index(mention + after)
    match = rows[(rows.start == start) & (rows.end == start + len(mention))]
    assert len(match) == 1, f"no single row for {mention!r} at {start}"
    return match.iloc[0]


def _same(actual, expected) -> bool:
    if isinstance(expected, float) and math.isnan(expected):
        return actual is None or (isinstance(actual, float) and math.isnan(actual))
    return actual == expected


# -------------------------------------------------------------------------------------- the 2021 seed
def test_every_number_like_mention_of_the_seed_is_accounted_for(seed_text, seed_rows):
    unparsed = unparsed_mentions(seed_text)
    covered = set()
    for start, end in [*zip(seed_rows.start, seed_rows.end), *zip(unparsed.start, unparsed.end)]:
        assert not covered & set(range(start, end)), f"overlapping mentions at {start}"
        covered.update(range(start, end))
    left = [seed_text[m.start() - 1:m.end() + 1]
            for m in re.finditer(r"[0-9Xx〇零一二两三四五六七八九十百千万亿%％]", seed_text)
            if m.start() not in covered]
    assert left == ["进一步", "统一随"]  # a 一 inside an ordinary word is not a number
    assert len(seed_rows) == 73 and len(unparsed) == 51


@pytest.mark.parametrize("mention, after, domain, obj, lower, upper, unit", [
    ("XXX批次", "", "food", "食品抽检", 100, 999, "批次"),
    ("XX个次", "，冷库", "food", "检查农贸市场", 10, 99, "个次"),
    ("XX个次", "，生产", "food", "检查冷库", 10, 99, "个次"),
    ("XXX余户次", "", "food", "检查餐饮单位", 100, N, "户次"),
    ("XXX余人次", "，抽检", "food", "培训从业人员", 100, N, "人次"),
    ("XX余万条", "", "food", "推送食品安全短信", 100000, N, "条"),
    ("XXXX余份", "，倡导", "food", "签订餐厨废弃物承诺书", 1000, N, "份"),
    ("X批次", "，医疗器械", "drugs", "药品抽验", 0, 9, "批次"),
    ("X批次", "，办结", "drugs", "医疗器械抽验", 0, 9, "批次"),
    ("XXX台", "", "special_equipment", "在用特种设备", 100, 999, "台"),
    ("XX部", "", "special_equipment", "电梯", 10, 99, "部"),
    ("XXX家次", "，开具", "special_equipment", "检查特种设备", 100, 999, "家次"),
    ("XXX辆", "", "product_quality", "存货电动自行车", 100, 999, "辆"),
    ("XXX户", "，其中", "market_entities", "新增市场主体", 100, 999, "户"),
    ("XXX户", "，农专", "market_entities", "个体", 100, 999, "户"),
    ("XX户", "；市场", "market_entities", "农专", 10, 99, "户"),
    ("XXX户", "。落实", "market_entities", "市场主体净增长", 100, 999, "户"),
    ("XXX件", "，年均", "intellectual_property", "商标注册有效量", 100, 999, "件"),
    ("XXX件", "，同期", "intellectual_property", "专利授权量", 100, 999, "件"),
    ("X家", "企业被确定", "intellectual_property", "企业", 0, 9, "家"),
    ("XX件", "，收缴", "enforcement", "办理案件", 10, 99, "件"),
    ("XX件", "。", "intellectual_property", "办结知识产权投诉举报", 10, 99, "件"),
    ("XX名", "副科级", "other", "副科级以上领导干部", 10, 99, "名"),
])
def test_seed_redacted_rows(seed_text, seed_rows, mention, after, domain, obj, lower, upper, unit):
    row = _row(seed_rows, seed_text, mention, after)
    assert (row.domain, row.object, row.unit, row.qualifier) == (domain, obj, unit, "redacted")
    assert math.isnan(row.value)
    assert _same(row.lower, float(lower)) and _same(row.upper, float(upper))
    assert not row.is_growth_rate


@pytest.mark.parametrize("mention, after, obj, lower, upper", [
    ("X％", "", "商标注册有效量年均增长", 0, 9),
    ("XXX％", "", "专利授权量增长", 100, 999),
])
def test_seed_growth_rates(seed_text, seed_rows, mention, after, obj, lower, upper):
    row = _row(seed_rows, seed_text, mention, after)
    assert (row.domain, row.object, row.unit, row.qualifier) == ("intellectual_property", obj, "%", "redacted")
    assert (row.lower, row.upper, row.is_growth_rate) == (lower, upper, True)


@pytest.mark.parametrize("mention, after, domain, obj, unit", [
    ("万条次", "", "drugs", "实名登记“一退两抗”药品购买者信息", "条次"),
    ("万剂", "", "drugs", "监测新冠病毒疫苗", "剂"),
    ("万元", "。三是", "enforcement", "罚款", "万元"),
    ("万元", "，处理", "enforcement", "收缴罚款", "万元"),
    ("％", "。建立", "food", "公示率", "%"),
])
def test_seed_units_whose_number_was_removed(seed_text, seed_rows, mention, after, domain, obj, unit):
    row = _row(seed_rows, seed_text, mention, after)
    assert (row.domain, row.object, row.unit, row.qualifier) == (domain, obj, unit, "redacted")
    assert math.isnan(row.value) and math.isnan(row.lower) and math.isnan(row.upper)


def test_seed_chinese_count_and_sentence(seed_text, seed_rows):
    row = _row(seed_rows, seed_text, "两个", "农贸市场")
    assert (row.object, row.value, row.lower, row.upper, row.unit, row.qualifier) == (
        "农贸市场", 2, 2, 2, "个", "exact")
    assert row.sentence == "建立农贸市场长效评价机制，促进农贸市场规范管理，锦新、龙溪两个农贸市场达到全省五星级农贸市场标准"


def test_seed_vague_count(seed_text, seed_rows):
    row = _row(seed_rows, seed_text, "数十批次")
    assert (row.domain, row.object, row.lower, row.upper, row.unit, row.qualifier) == (
        "product_quality", "产品抽检", 20, 99, "批次", "approximate")
    assert math.isnan(row.value)


@pytest.mark.parametrize("mention, reason", [
    ("2021年", "year or date"), ("“七个专项”", "in quotes: a name"), ("GB17761－20XX", "standard number"),
    ("十九大", "name or set phrase"), ("十九届", "name or set phrase"), ("8小时以内", "name or set phrase"),
    ("8小时外", "name or set phrase"), ("“111”", "in quotes: a name"), ("“四个意识”", "in quotes: a name"),
    ("第二", "ordinal"), ("五星级", "name or set phrase"), ("一是", "heading or list marker"),
    ("二是", "heading or list marker"), ("（一）", "heading or list marker"), ("一、", "heading or list marker"),
    ("“3C”", "in quotes: a name"), ("XXXXAPP", "code or name with letters"), ("一把手", "name or set phrase"),
    ("“XXX”", "in quotes: a name"), ("XX", "redacted place or name"), ("零的突破", "name or set phrase"),
])
def test_seed_exclusions_are_listed_with_a_reason(seed_text, mention, reason):
    unparsed = unparsed_mentions(seed_text)
    listed = unparsed[unparsed.text == mention]
    assert not listed.empty and set(listed.reason) == {reason}
    assert all(seed_text[s:e] == mention for s, e in zip(listed.start, listed.end))


def test_seed_rank_is_a_figure_of_its_own_role(seed_text, seed_rows):
    row = _row(seed_rows, seed_text, "第一", "，呈钢")  # 增长量居全市第一: a place in a ranking, not a count
    assert (row.role, row.value, row.unit, row.domain) == ("rank", 1, "名", "intellectual_property")
    assert set(seed_rows.role) == {"stated", "rank"}


@pytest.mark.parametrize("text, mention, role, value, unit", [
    ("成为全国第27个示范城市。", "第27个", "rank", 27, "个"),
    ("专利授权量居全省第3位。", "第3位", "rank", 3, "位"),
    ("增长量居全市第一。", "第一", "rank", 1, "名"),
    ("目标完成抽检1000批次。", "1000批次", "target", 1000, "批次"),
    ("力争新增市场主体800户。", "800户", "target", 800, "户"),
    ("新增市场主体800户。", "800户", "stated", 800, "户"),
])
def test_ranks_and_targets_say_what_they_are(text, mention, role, value, unit):
    row = _row(extract_indicators(text), text, mention)
    assert (row.role, row.value, row.unit) == (role, value, unit)


def test_seed_offsets_point_at_the_mentions(seed_text, seed_rows):
    for row in seed_rows.itertuples():
        mention = seed_text[row.start:row.end]
        assert re.search(r"[0-9X万％%十两一]", mention), mention
        assert mention.rstrip("％%") in row.sentence or mention in row.sentence


# -------------------------------------------------------------------------------------- phrasings
# text, mention, domain, object, value, lower, upper, unit, qualifier, is_growth_rate
PHRASES = [
    ("抽检食品2,345批次。", "2,345批次", "food", "食品抽检", 2345, 2345, 2345, "批次", "exact", False),
    ("全年新增市场主体1.5万户。", "1.5万户", "market_entities", "新增市场主体", 15000, 14500, 15500, "户",
     "rounded", False),
    ("发放宣传资料300余份。", "300余份", "other", "发放宣传资料", 300, 300, N, "份", "lower_bound", False),
    ("个体工商户300多户。", "300多户", "market_entities", "个体工商户", 300, 300, N, "户", "lower_bound", False),
    ("约1200人次参加食品安全培训。", "约1200人次", "food", "参加食品安全培训", 1200, N, N, "人次",
     "approximate", False),
    ("实有市场主体近9600户。", "近9600户", "market_entities", "实有市场主体", 9600, N, 9600, "户", "approximate",
     False),
    ("专利授权量2887件，同比增长12.5%。", "12.5%", "intellectual_property", "专利授权量增长", 12.5, 12.5, 12.5,
     "%", "exact", True),
    ("食品抽检不合格率比上年上升0.38个百分点。", "0.38个百分点", "food", "食品抽检不合格率增长", 0.38, 0.38, 0.38,
     "个百分点", "exact", True),
    ("抽检合格率97.6%，下降0.2个百分点。", "0.2个百分点", "other", "抽检合格率增长", -0.2, -0.2, -0.2,
     "个百分点", "exact", True),
    ("合格率97.31％。", "97.31％", "other", "合格率", 97.31, 97.31, 97.31, "%", "exact", False),
    ("商标注册量年均增长15％。", "15％", "intellectual_property", "商标注册量年均增长", 15, 15, 15, "%", "exact",
     True),
    ("三十五家企业签订食品安全承诺书。", "三十五家", "food", "企业", 35, 35, 35, "家", "exact", False),
    ("培训一百零五人次。", "一百零五人次", "other", "培训", 105, 105, 105, "人次", "exact", False),
    ("对10-15家企业开展约谈。", "10-15家", "market_entities", "企业", N, 10, 15, "家", "range", False),
    ("在三至五个重点行业开展专项整治。", "三至五个", "other", "重点行业", N, 3, 5, "个", "range", False),
    ("查处案件128件，罚没款156.8万元。", "156.8万元", "enforcement", "罚没款", 156.8, 156.8, 156.8, "万元",
     "exact", False),
    ("受理投诉举报2000多件。", "2000多件", "other", "受理投诉举报", 2000, 2000, N, "件", "lower_bound", False),
    ("商标有效注册量突破1.2万件。", "突破1.2万件", "intellectual_property", "商标有效注册量", 12000, 12000, N, "件",
     "lower_bound", False),
    ("检查特种设备１２０台次。", "１２０台次", "special_equipment", "检查特种设备", 120, 120, 120, "台次", "exact",
     False),
    ("排查在用电梯XX部。", "XX部", "special_equipment", "排查在用电梯", N, 10, 99, "部", "redacted", False),
    ("罚没款XX.X万元。", "XX.X万元", "enforcement", "罚没款", N, 10, 99.9, "万元", "redacted", False),
    ("每万人口发明专利拥有量达5.6件。", "5.6件", "intellectual_property", "每万人口发明专利拥有量", 5.6, 5.6, 5.6,
     "件", "exact", False),
    ("挽回经济损失3.5万元。", "3.5万元", "other", "挽回经济损失", 3.5, 3.5, 3.5, "万元", "exact", False),
    ("为消费者挽回经济损失元。", "元", "other", "挽回经济损失", N, N, N, "元", "redacted", False),
    ("销售额同比下降％。", "％", "other", "销售额增长", N, N, N, "%", "redacted", True),
    ("检查超市12家、餐饮单位45个。", "45个", "food", "检查餐饮单位", 45, 45, 45, "个", "exact", False),
    ("新登记市场主体5,432户，注销1,234户，净增4,198户。", "1,234户", "market_entities", "注销市场主体", 1234,
     1234, 1234, "户", "exact", False),
    ("新登记市场主体5,432户，注销1,234户，净增4,198户。", "4,198户", "market_entities", "市场主体净增", 4198,
     4198, 4198, "户", "exact", False),
    ("立案查处违法案件218件，结案205件。", "205件", "enforcement", "结案违法案件", 205, 205, 205, "件", "exact",
     False),
    ("新增注册商标1,020件，商标有效注册量达1.2万件。", "1.2万件", "intellectual_property", "商标有效注册量", 12000,
     11500, 12500, "件", "rounded", False),
    ("抽检产品96批次，不合格8批次。", "8批次", "other", "不合格", 8, 8, 8, "批次", "exact", False),
    ("食品抽检量达到4.2批次/千人。", "4.2批次/千人", "food", "食品抽检量", 4.2, 4.2, 4.2, "批次/千人", "exact",
     False),
    ("强制检定计量器具1.3万台件。", "1.3万台件", "product_quality", "强制检定计量器具", 13000, 12500, 13500, "台件",
     "rounded", False),
    ("全县在用特种设备2,345台（套）。", "2,345台", "special_equipment", "在用特种设备", 2345, 2345, 2345, "台",
     "exact", False),
    ("全局执法人员仅85人。", "85人", "enforcement", "执法人员", 85, 85, 85, "人", "exact", False),
    # Traditional characters from reposted texts are folded to simplified before matching (OpenCC t2s)
    ("全年新增市場主體1.5萬戶。", "1.5萬戶", "market_entities", "新增市场主体", 15000, 14500, 15500, "户", "rounded",
     False),
    ("抽檢食品2,345批次。", "2,345批次", "food", "食品抽检", 2345, 2345, 2345, "批次", "exact", False),
    ("查處各類違法案件128件。", "128件", "enforcement", "查处违法案件", 128, 128, 128, "件", "exact", False),
    ("抽检食品812\n批次。", "812\n批次", "food", "食品抽检", 812, 812, 812, "批次", "exact", False),  # a line break
    # tenths, N倍多, 单 (orders), 比增, 分别 ... a%和b%
    ("群众满意度八成以上。", "八成以上", "other", "群众满意度", 80, 80, N, "%", "lower_bound", False),
    ("抽检合格率达九成。", "九成", "other", "抽检合格率", 90, 85, 95, "%", "rounded", False),
    ("网络交易额增长2倍多。", "2倍多", "other", "网络交易额增长", 2, 2, N, "倍", "lower_bound", False),
    ("处理网络订单投诉300单。", "300单", "other", "处理网络订单投诉", 300, 300, 300, "单", "exact", False),
    ("新增企业300户，比增15%。", "15%", "market_entities", "新增企业增长", 15, 15, 15, "%", "exact", True),
    ("企业和个体工商户分别比上年增长5%和8%。", "5%", "market_entities", "企业增长", 5, 5, 5, "%", "exact", True),
    ("企业和个体工商户分别比上年增长5%和8%。", "8%", "market_entities", "个体工商户增长", 8, 8, 8, "%", "exact", True),
    ("查处一起案件。", "一起", "enforcement", "案件", 1, 1, 1, "起", "exact", False),  # 一起 with a case is one
    # domains: by the clause first; a case word makes it enforcement; 企业 alone, 开办, 品牌, 对标达标, 追溯
    ("查处食品安全违法案件XX件。", "XX件", "enforcement", "查处食品安全违法案件", N, 10, 99, "件", "redacted", False),
    ("新增企业300家。", "300家", "market_entities", "新增企业", 300, 300, 300, "家", "exact", False),
    ("企业开办时间压缩至3个工作日，网办率达98%。", "98%", "market_entities", "网办率", 98, 98, 98, "%", "exact",
     False),
    ("实施品牌战略，培育品牌XX个。", "XX个", "product_quality", "培育品牌", N, 10, 99, "个", "redacted", False),
    ("对标达标企业XX家。", "XX家", "product_quality", "对标达标企业", N, 10, 99, "家", "redacted", False),
    ("建立追溯体系XX家。", "XX家", "food", "建立追溯体系", N, 10, 99, "家", "redacted", False),
    ("检查药店XX家，抽检食品XXX批次，立案XX件。", "XX家", "drugs", "检查药店", N, 10, 99, "家", "redacted", False),
]


@pytest.mark.parametrize("text, mention, domain, obj, value, lower, upper, unit, qualifier, growth", PHRASES,
                         ids=[p[0] for p in PHRASES])
def test_phrasing(text, mention, domain, obj, value, lower, upper, unit, qualifier, growth):
    row = _row(extract_indicators(text), text, mention)
    assert (row.domain, row.object, row.unit, row.qualifier, row.is_growth_rate) == (
        domain, obj, unit, qualifier, growth)
    for column, expected in (("value", value), ("lower", lower), ("upper", upper)):
        assert _same(row[column], expected) or row[column] == pytest.approx(expected), column


def test_phrasing_file_gives_every_figure_in_order():
    text = read_summary(PHRASING)
    rows = extract_indicators(text)
    assert [text[s:e] for s, e in zip(rows.start, rows.end)] == [
        "1.5万户", "12.5%", "3,210户", "11,800户", "超过8万户", "近960户", "2,345批次", "97.31%", "0.38个百分点",
        "0.2个百分点", "300余家次", "约1200人次", "三十五家", "１２０台次", "10-15家", "三至五个", "128件", "156.8万元",
        "8%", "2000多件", "2887件", "百分之十五", "突破1.2万件",
        "八成以上", "2倍多", "300单", "5%", "8%", "第3位", "800户"]  # 六、其他: Traditional, tenths, 分别, rank, target
    assert list(rows.object[:4]) == ["新增市场主体", "新增市场主体增长", "企业", "个体工商户"]
    assert list(rows.value[:6]) == [15000, 12.5, 3210, 11800, 80000, 960]
    assert list(rows.qualifier[:6]) == ["rounded", "exact", "exact", "exact", "lower_bound", "approximate"]
    assert rows.is_growth_rate.sum() == 7
    assert list(rows.role[-2:]) == ["rank", "target"] and set(rows.role[:-2]) == {"stated"}
    unparsed = unparsed_mentions(text)
    assert list(unparsed.text) == ["2022年", "一、", "二、", "三、", "四、", "1-11月", "五、", "“十四五”", "六、", "一年",
                                   "以下七个方面", "“五个一批”", "7×24小时", "第四届全国100个优秀案例"]


@pytest.mark.parametrize("text, mention, reason", [
    ("2020年至2021年，新增企业XX户", "2020年至2021年", "year or date"),
    ("2021年1月至12月", "1月", "year or date"),
    ("12月31日前完成", "12月31日", "year or date"),
    ("执行GB 2763-2021标准", "GB 2763-2021", "standard number"),
    ("开通12315热线", "12315", "hotline number"),
    ("近三年来", "近三年来", "period reference"),
    ("第一季度抽检", "第一", "ordinal"),
    ("3·15国际消费者权益日", "3·15", "year or date"),
    ("指数达到85", "85", "number without a unit"),
    ("建成5G基站", "5G", "code or name with letters"),
    ("每万人口", "每万人口", "rate base"),
    ("实施三年行动计划", "三年", "name or set phrase"),
    ("推行一户一档", "一户一档", "name or set phrase"),
    ("学习《食品安全法》第三十四条", "第三十四", "ordinal"),
    ("走过了不平凡的一年", "一年", "一 with a classifier: an article, not a count"),
    ("交出了一份满意答卷", "一份", "一 with a classifier: an article, not a count"),
    ("评为一类单位", "一类", "一 with a classifier: an article, not a count"),
    ("主要做了以下七个方面工作", "以下七个方面", "structure of the text"),
    ("开展“五个一批”行动", "“五个一批”", "in quotes: a name"),  # quotes claimed before the word 一批
    ("提供7×24小时服务", "7×24小时", "name or set phrase"),
    ("入选第四届全国100个优秀案例", "第四届全国100个优秀案例", "in the name of an award or list"),
    ("正月初七开始", "正月初七", "year or date"),
    ("腊月廿三，", "腊月廿三", "year or date"),
])
def test_non_figures_are_listed_not_dropped(text, mention, reason):
    unparsed = unparsed_mentions(text)
    assert (mention, reason) in set(zip(unparsed.text, unparsed.reason))
    start = text.index(mention)
    rows = extract_indicators(text)
    assert not ((rows.start < start + len(mention)) & (rows.end > start)).any()


def test_random_text_never_breaks_the_accounting():
    """Whatever the text: no error, mentions never overlap, every digit is in a row or the unparsed list."""
    rng = random.Random(20211231)
    alphabet = list("0123456789０X,.%％-～至余多约近超突破万亿千百十一二两三五零户家件批次人个元年月日第“”《》（），。；：、是的"
                    "检查抽检食品同比增长下降净减少GB/T统进成倍单届初廿×和萬個") + [
        "万元", "个百分点", "XXX", "进一步", "一次性", "居全市第", "比增", "分别", "目标", "“五个一批”", "24小时", "方面",
        "以上", "正月", "案件"]
    for _ in range(400):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        rows, unparsed = extract_indicators(text), unparsed_mentions(text)
        spans = sorted([*zip(rows.start, rows.end), *zip(unparsed.start, unparsed.end)])
        assert all(0 <= a < b <= c for (a, b), (c, _) in zip(spans, spans[1:] + [(len(text), 0)])), text
        covered = {i for a, b in spans for i in range(a, b)}
        assert all(i in covered for i, ch in enumerate(text) if ch.isdigit()), text


@pytest.mark.parametrize("text", ["进一步加强统一监管", "千家万户", "一次性告知", "一起努力", "检查零部件企业", "零售药店",
                                  "一成不变", "降低成本"])
def test_ordinary_words_are_neither_figures_nor_mentions(text):
    assert extract_indicators(text).empty and unparsed_mentions(text).empty


def test_columns_are_stable_even_for_empty_text():
    assert INDICATOR_COLUMNS == ["domain", "object", "value", "lower", "upper", "unit", "qualifier",
                                 "is_growth_rate", "role", "sentence", "start", "end"]
    assert list(extract_indicators("").columns) == INDICATOR_COLUMNS
    assert list(unparsed_mentions("").columns) == UNPARSED_COLUMNS == ["text", "start", "end", "reason"]


def test_domains_are_the_declared_ones(seed_rows):
    declared = {d for d, _ in indicators.DOMAIN_KEYWORDS} | {indicators.OTHER_DOMAIN}
    assert set(seed_rows.domain) <= declared
    assert set(seed_rows.domain) == declared  # the seed touches every domain


# -------------------------------------------------------------------------------------- files and CLI
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_read_summary_encodings(tmp_path, seed_text, encoding):
    path = tmp_path / "summary.txt"
    path.write_bytes(seed_text.encode(encoding))
    assert read_summary(path) == seed_text


def test_read_summary_errors(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        read_summary(tmp_path / "missing.txt")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe\xff\x00\x81")
    with pytest.raises(DataError, match="cannot decode"):
        read_summary(bad)


def test_cli_prints_csv_with_the_header(capsys, seed_rows):
    assert cli([str(SEED)]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == ",".join(INDICATOR_COLUMNS)
    assert len(lines) == len(seed_rows) + 1
    assert "food,食品抽检,,100.0,999.0,批次,redacted,False,stated," in out


def test_cli_csv_to_file(tmp_path, seed_rows):
    out = tmp_path / "out" / "indicators.csv"
    assert cli([str(SEED), "-o", str(out)]) == 0
    back = pd.read_csv(out, encoding="utf-8")
    assert list(back.columns) == INDICATOR_COLUMNS and len(back) == len(seed_rows)


def _comparable(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame[["object", "unit"]] = frame[["object", "unit"]].fillna("")
    return frame


def test_cli_xlsx_round_trip(tmp_path, seed_rows, seed_text):
    out = tmp_path / "indicators.xlsx"
    assert cli([str(SEED), "--format", "xlsx", "-o", str(out)]) == 0
    assert [p.name for p in tmp_path.iterdir()] == ["indicators.xlsx"]
    back = pd.read_excel(out, sheet_name="indicators")
    pd.testing.assert_frame_equal(_comparable(back), _comparable(seed_rows), check_dtype=False)
    unparsed = pd.read_excel(out, sheet_name="unparsed")
    pd.testing.assert_frame_equal(unparsed, unparsed_mentions(seed_text), check_dtype=False)


def test_cli_failed_xlsx_write_keeps_the_previous_file(tmp_path, monkeypatch, capsys):
    out = tmp_path / "x.xlsx"
    out.write_bytes(b"previous")

    def broken(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr("os.replace", broken)
    assert cli([str(SEED), "--format", "xlsx", "-o", str(out)]) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["x.xlsx"] and out.read_bytes() == b"previous"
    assert capsys.readouterr().err.count("\n") == 1


def test_cli_xlsx_drops_control_characters(tmp_path):
    path = tmp_path / "pdf.txt"
    path.write_text("检查餐饮\x01单位120家次。", encoding="utf-8")
    out = tmp_path / "x.xlsx"
    assert cli([str(path), "--format", "xlsx", "-o", str(out)]) == 0
    back = pd.read_excel(out)
    assert (back.object[0], back.sentence[0]) == ("检查餐饮单位", "检查餐饮单位120家次")


@pytest.mark.parametrize("argv, message", [
    (["missing.txt"], "no such file"),
    (["BAD"], "cannot decode"),
    (["SEED", "--format", "xlsx"], "--format xlsx needs -o FILE"),
    (["SEED", "--format", "pdf"], "invalid choice"),
    ([], "required"),
])
def test_cli_errors_are_one_line_and_status_2(tmp_path, capsys, argv, message):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe\xff\x00\x81")
    argv = [{"BAD": str(bad), "SEED": str(SEED), "missing.txt": str(tmp_path / "missing.txt")}.get(a, a)
            for a in argv]
    assert cli(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and message in captured.err


def test_cli_help_exits_cleanly(capsys):
    assert cli(["-h"]) == 0
    assert "python -m analysis indicators" in capsys.readouterr().out


def test_python_m_analysis_indicators():
    done = subprocess.run([sys.executable, "-m", "analysis", "indicators", str(PHRASING)],
                          capture_output=True, check=False)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode("utf-8").splitlines()[0] == ",".join(INDICATOR_COLUMNS)


def test_cli_xlsx_writes_a_sentence_beginning_with_equals_as_text(tmp_path):
    import openpyxl

    path = tmp_path / "summary.txt"
    path.write_text("=HYPERLINK(\"http://x.example\",\"检查\")餐饮单位120家次。", encoding="utf-8")
    out = tmp_path / "x.xlsx"
    assert cli([str(path), "--format", "xlsx", "-o", str(out)]) == 0
    sheet = openpyxl.load_workbook(out)["indicators"]
    texts = [c for row in sheet.iter_rows(min_row=2) for c in row if isinstance(c.value, str)]
    assert any(c.value.startswith("=HYPERLINK") for c in texts)
    assert {c.data_type for c in texts} == {"s"}
