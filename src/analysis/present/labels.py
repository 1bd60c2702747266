"""Labels for figures, tables and report text in Chinese (zh) or English (en)."""
from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "year": {"zh": "年份", "en": "Year"},
    "pass_rate": {"zh": "合格率", "en": "Pass rate"},
    "pass_rate_pct": {"zh": "合格率（%）", "en": "Pass rate (%)"},
    "target_year": {"zh": "目标年份", "en": "Target year"},
    "baseline": {"zh": "基期", "en": "Baseline"},
    "wilson_ci": {"zh": "95% Wilson 区间", "en": "95% Wilson interval"},
    "sampling_title": {"zh": "食品安全监督抽检合格率", "en": "Food-safety supervision sampling: pass rate"},
    "sampling_section": {"zh": "食品安全监督抽检", "en": "Food-safety supervision sampling"},
    "batches": {"zh": "抽检批次", "en": "Batches"},
    "unqualified": {"zh": "不合格批次", "en": "Unqualified batches"},
    "all_categories": {"zh": "全部食品", "en": "all foods"},
    "all_levels": {"zh": "全国市场监管部门（各级）", "en": "all levels of market regulators"},
    "national_organised": {"zh": "国家级抽检", "en": "sampling organised nationally"},
    "region_reported": {"zh": "本地区", "en": "as reported by the region"},
    "patents_section": {"zh": "专利授权", "en": "Patents granted"},
    "patents_counts_title": {"zh": "专利授权量与基期趋势", "en": "Patents granted and the baseline trend"},
    "patents_growth_title": {"zh": "专利授权量增长率", "en": "Growth of patents granted"},
    "granted": {"zh": "授权量（件）", "en": "Granted"},
    "growth_pct": {"zh": "增长率（%）", "en": "Growth (%)"},
    "invention": {"zh": "发明专利", "en": "Invention"},
    "utility_model": {"zh": "实用新型", "en": "Utility model"},
    "design": {"zh": "外观设计", "en": "Design"},
    "total": {"zh": "专利合计", "en": "All patents"},
    "trademarks": {"zh": "注册商标", "en": "Trademarks registered"},
    "basis_all": {"zh": "国内外合计", "en": "domestic and foreign"},
    "basis_domestic": {"zh": "国内", "en": "domestic"},
    "basis_first_patentee_non_official": {"zh": "非官方：按第一专利权人", "en": "non-official, by first patentee"},
    "baseline_trend": {"zh": "基期对数线性趋势", "en": "Baseline log-linear trend"},
    "prediction_interval": {"zh": "95% 预测区间", "en": "95% prediction interval"},
    "rounded_count": {"zh": "约数（空心）", "en": "Rounded figure (hollow)"},
    "across_gap": {"zh": "跨缺年的年均增长（方形）", "en": "Annualised across a gap (square)"},
    "other_years": {"zh": "其他年份", "en": "Other years"},
    "coverage_change": {"zh": "统计口径调整（据来源注释）", "en": "Coverage change (source note)"},
}

PERIODS = {
    "FY": {"zh": "全年", "en": "full year"}, "H1": {"zh": "上半年", "en": "H1"},
    "H2": {"zh": "下半年", "en": "H2"}, "Q1": {"zh": "第一季度", "en": "Q1"},
    "Q2": {"zh": "第二季度", "en": "Q2"}, "Q3": {"zh": "第三季度", "en": "Q3"},
    "Q4": {"zh": "第四季度", "en": "Q4"},
}

REGIONS_EN = {
    "全国": "China", "北京市": "Beijing", "天津市": "Tianjin", "河北省": "Hebei", "山西省": "Shanxi",
    "内蒙古自治区": "Inner Mongolia", "辽宁省": "Liaoning", "吉林省": "Jilin", "黑龙江省": "Heilongjiang",
    "上海市": "Shanghai", "江苏省": "Jiangsu", "浙江省": "Zhejiang", "安徽省": "Anhui", "福建省": "Fujian",
    "江西省": "Jiangxi", "山东省": "Shandong", "河南省": "Henan", "湖北省": "Hubei", "湖南省": "Hunan",
    "广东省": "Guangdong", "广西壮族自治区": "Guangxi", "海南省": "Hainan", "重庆市": "Chongqing",
    "四川省": "Sichuan", "贵州省": "Guizhou", "云南省": "Yunnan", "西藏自治区": "Tibet", "陕西省": "Shaanxi",
    "甘肃省": "Gansu", "青海省": "Qinghai", "宁夏回族自治区": "Ningxia", "新疆维吾尔自治区": "Xinjiang",
    "深圳市": "Shenzhen", "大同市": "Datong", "三明市": "Sanming",
}


def label(key: str, lang: str) -> str:
    """The label ``key`` in ``lang``; an unknown key is an error, not a silent fallback."""
    return LABELS[key][lang]


def period_label(period: str, lang: str) -> str:
    """A period code (FY, H1, Q3 ...) as words; other codes are shown as they are."""
    return PERIODS.get(period, {}).get(lang, period)


def region_label(region: str, lang: str) -> str:
    """A region name in the label language (names without an English form stay in Chinese)."""
    return REGIONS_EN.get(region, region) if lang == "en" else region


def sampling_title(region: str, period: str, lang: str) -> str:
    """Title of the pass-rate figure for a region and period."""
    if lang == "zh":
        return f"{region_label(region, lang)}{label('sampling_title', lang)}（{period_label(period, lang)}）"
    return f"{label('sampling_title', lang)}, {region_label(region, lang)}, {period_label(period, lang)}"


def patents_title(key: str, region: str, basis: str, lang: str) -> str:
    """Title of a patents figure (``key`` a label such as ``patents_counts_title``) for a region and basis."""
    basis_text = label(f"basis_{basis}", lang)
    if lang == "zh":
        return f"{region_label(region, lang)}{label(key, lang)}（{basis_text}）"
    return f"{label(key, lang)}, {region_label(region, lang)} ({basis_text})"


LABELS.update({
    "market_entities_section": {"zh": "市场主体增减", "en": "Market entities: entries, exits and net growth"},
    "market_entities_waterfall_title": {"zh": "市场主体增减：年初存量＋新设−退出＝年末存量",
                                        "en": "Market entities: opening stock + new - exits = closing stock"},
    "market_entities_rates_title": {"zh": "市场主体进入率、退出率与净增长率",
                                    "en": "Market entities: entry, exit and net growth rates"},
    "all_entities": {"zh": "市场主体（合计）", "en": "All market entities"},
    "enterprises": {"zh": "企业", "en": "Enterprises"},
    "individual": {"zh": "个体工商户", "en": "Individual businesses"},
    "cooperatives": {"zh": "农民专业合作社", "en": "Farmers' cooperatives"},
    "entities": {"zh": "户数", "en": "Entities"},
    "pct_of_opening_stock": {"zh": "占年初存量或年增长（%）", "en": "% of opening stock, or growth (%)"},
    "entry_rate": {"zh": "进入率（新设÷年初存量）", "en": "Entry rate (new / opening stock)"},
    "exit_rate": {"zh": "退出率（注销÷年初存量）", "en": "Exit rate (deregistered / opening stock)"},
    "exit_rate_implied": {"zh": "退出率，隐含＝新设−净增（空心方形）", "en": "Exit rate, implied = new - net growth (hollow)"},
    "net_growth_rate": {"zh": "净增长率", "en": "Net growth rate"},
    "net_growth_rate_gap": {"zh": "跨缺年的年均净增长率（空心、虚线）",
                            "en": "Net growth annualised across a gap (hollow, dashed)"},
    "step_opening": {"zh": "{year}年末存量", "en": "Stock end {year}"},
    "step_last_published": {"zh": "{year}年末存量\n（{before}年末缺数）", "en": "Stock end {year}\n(no end-{before} figure)"},
    "step_new": {"zh": "{year}年新设", "en": "New {year}"},
    "step_exits": {"zh": "{year}年注销", "en": "Deregistered {year}"},
    "step_exits_implied": {"zh": "{year}年退出\n（隐含＝新设−净增）", "en": "Exits {year}\n(implied = new - net growth)"},
    "step_difference": {"zh": "差额\n（流量与存量不符）", "en": "Difference\n(flows do not match stocks)"},
    "step_net_only": {"zh": "{year}年净增\n（新设、退出缺数）", "en": "Net growth {year}\n(no new, exits figures)"},
    "step_over_gap": {"zh": "{start}–{year}年净增\n（{gap}年合计）", "en": "Change {start}-{year}\n({gap} years)"},
    "step_closing": {"zh": "{year}年末存量", "en": "Stock end {year}"},
    "step_no_closing": {"zh": "{year}年末存量缺数", "en": "No stock end {year}"},
    "step_no_opening": {"zh": "无更早的年末存量，无法计算净增", "en": "No earlier year-end stock: no net growth"},
    "rates_not_drawn": {"zh": "未画出进入率：上年末存量缺数（{items}）",
                        "en": "Entry rate not drawn, no opening stock: {items}"},
    "bounds_note": {"zh": "误差线：由公布约数的取整区间推出的上下限", "en": "Whiskers: bounds from the rounding of published figures"},
})


def format_count(x: float, lang: str) -> str:
    """A count as Chinese reports write it (1.54亿, 1109.8万) or in millions in English; NaN as ``n/a``."""
    if x != x:
        return "n/a"

    def trim(v: float, places: int) -> str:
        return f"{v:.{places}f}".rstrip("0").rstrip(".")

    if lang == "zh":
        if abs(x) >= 1e8:
            return f"{trim(x / 1e8, 4)}亿"
        return f"{trim(x / 1e4, 2)}万" if abs(x) >= 1e4 else f"{x:,.0f}"
    return f"{trim(x / 1e6, 3)} million" if abs(x) >= 1e6 else f"{x:,.0f}"


def format_range(low: float, high: float, lang: str) -> str:
    """Bounds as ``3000万–3200万`` (zh) or ``30–32 million`` (en)."""
    if lang == "en" and min(abs(low), abs(high)) >= 1e6:
        return f"{format_count(low, lang).removesuffix(' million')}–{format_count(high, lang)}"
    return f"{format_count(low, lang)}–{format_count(high, lang)}"


def step_label(step: str, status: str, year: int, target_year: int, start: int, lang: str) -> str:
    """The x label of one waterfall bar (see :func:`analysis.market_entities.step.waterfall_steps`).

    ``year``: the bar's year; ``start``: the year of the opening bar (the last published year-end stock).
    """
    key = {"exits": "step_exits_implied" if status == "implied" else "step_exits",
           "opening": "step_last_published" if status == "last_published" else "step_opening",
           "net_change": f"step_{status}", "closing": "step_closing" if status == "published" else f"step_{status}",
           }.get(step, f"step_{step}")
    return label(key, lang).format(year=year, before=target_year - 1, start=start, gap=target_year - start)


def market_entities_title(key: str, region: str, year: int | None, lang: str) -> str:
    """Title of a market-entities figure (``key`` a label) for a region and, for the waterfall, a year."""
    where = region_label(region, lang)
    if lang == "zh":
        return f"{where}{'' if year is None else f'{year}年'}{label(key, lang)}"
    return f"{label(key, lang)}, {where}{'' if year is None else f', {year}'}"


LABELS["synthetic_marker"] = {"zh": "【合成数据 SYNTHETIC】", "en": "[SYNTHETIC DATA] "}
REGIONS_EN["示例区(合成数据)"] = "Example District (SYNTHETIC)"
#: Datasets whose name starts with this are synthetic (``analysis.example_district`` writes them). Any other
#: dataset but ``public`` is a district's own data in the same layout: real, so never marked.
SYNTHETIC_DATASET_PREFIX = "example"


def dataset_marker(dataset: str, lang: str) -> str:
    """The prefix of every title, caption and report section built from a synthetic dataset; "" otherwise.

    ``dataset_marker("example_district", "zh") + title`` reads 【合成数据 SYNTHETIC】<title>.
    """
    return label("synthetic_marker", lang) if str(dataset).startswith(SYNTHETIC_DATASET_PREFIX) else ""


LABELS.update({
    "summary_section": {"zh": "工作总结中的数字与结构化数据", "en": "Figures of the work summary against the structured data"},
    "summary_indicators": {"zh": "工作总结中的统计数字（按领域）", "en": "Figures stated in the work summary, by domain"},
    "summary_redactions": {"zh": "隐去的数字及其上下限", "en": "Redacted figures and their bounds"},
    "summary_comparison": {"zh": "总结数字与结构化数据对照", "en": "Stated figures against the structured data"},
    "summary_over_years": {"zh": "历年工作总结中的同一指标", "en": "The same figure in each year's summary"},
    "summary_growth_checks": {"zh": "总结所述增长率与两年数字的核对",
                              "en": "Stated growth rates against the figures of the two years"},
    "summary_nothing_over_years": {"zh": "没有指标出现在两年或以上的总结中", "en": "No indicator appears in two years' summaries"},
    "summary_over_years_figure": {"zh": "历年工作总结中的数字（区间为隐去或约数的范围）",
                                  "en": "Figures in each year's summary (bars: the range a redacted or rounded "
                                        "figure allows)"},
    "domain_food": {"zh": "食品", "en": "food"},
    "domain_drugs": {"zh": "药品医疗器械化妆品", "en": "drugs, devices and cosmetics"},
    "domain_special_equipment": {"zh": "特种设备", "en": "special equipment"},
    "domain_product_quality": {"zh": "产品质量", "en": "product quality"},
    "domain_market_entities": {"zh": "市场主体", "en": "market entities"},
    "domain_intellectual_property": {"zh": "知识产权", "en": "intellectual property"},
    "domain_enforcement": {"zh": "执法办案", "en": "enforcement"},
    "domain_other": {"zh": "其他", "en": "other"},
    "indicator_patents_granted": {"zh": "专利授权量", "en": "patents granted"},
    "indicator_patents_growth": {"zh": "专利授权量增长", "en": "growth of patents granted"},
    "indicator_new_entities": {"zh": "新增市场主体", "en": "new market entities"},
    "indicator_new_individual": {"zh": "新增个体工商户", "en": "new individual businesses"},
    "indicator_new_cooperatives": {"zh": "新增农民专业合作社", "en": "new farmers' cooperatives"},
    "indicator_net_growth": {"zh": "市场主体净增长", "en": "net growth of market entities"},
    "indicator_food_batches": {"zh": "食品抽检批次", "en": "food batches sampled"},
})


def format_figure(x: float) -> str:
    """A stated figure or bound as written in a comparison: ``1,234``, ``413.6``."""
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.1f}"


def format_bounds(lower: float, upper: float, lang: str) -> str:
    """Bounds of a stated figure: ``100–999``, ``≥100``, ``≤999``, or unknown when neither is known."""
    if lower != lower and upper != upper:
        return "未知" if lang == "zh" else "unknown"
    if upper != upper:
        return f"≥{format_figure(lower)}"
    if lower != lower:
        return f"≤{format_figure(upper)}"
    return f"{format_figure(lower)}–{format_figure(upper)}"
