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
    "across_gap": {"zh": "跨缺年的年均增长（空心）", "en": "Annualised across a gap (hollow)"},
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
