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
    "no_rates": {"zh": "无可画的比率：\n数据中没有相邻两年的年末存量", "en": "No rate to draw:\nno two year-end stocks\nin the data"},
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


# --- Columns and tables of the report and tables.xlsx -------------------------------------------------
#
# Every column a build writes has a label with its unit in both languages and a kind, which says how its
# cells are formatted for reading (:mod:`analysis.present.tables`); the exact value stays in tables.xlsx.
# A column means the same in every table unless ``TABLE_COLUMNS`` overrides it for one table. A new column
# needs one line here: the completeness test runs over every table a build writes and names what is missing.
#
# Kinds: text (as written), code (a code value shown by its label, e.g. invention -> 发明专利), year, int
# (a small count), count (a large count: zh 万/亿), pct (a fraction shown as %), pct2 (the same, two
# decimals), pp (percentage points, signed), pp_frac (a difference of fractions shown in percentage points,
# signed), p (p-value: <0.001), ratio (three decimals), number (one decimal), level (0.95 -> 95%), flag (yes/no),
# measure and measure_diff (a count or a rate, by the row's ``measure``).

def _col(zh: str, en: str, kind: str = "text") -> dict[str, str]:
    return {"zh": zh, "en": en, "kind": kind}


COLUMNS: dict[str, dict[str, str]] = {
    # shared
    "year": _col("年份", "Year", "year"),
    "target_year": _col("目标年份", "Target year", "year"),
    "baseline": _col("基期", "Baseline"),
    "region": _col("地区", "Region"),
    "basis": _col("口径", "Basis", "code"),
    "method": _col("方法", "Method"),
    "note": _col("说明", "Note"),
    "n": _col("年数", "Years (n)", "int"),
    "n_years": _col("年数", "Years (n)", "int"),
    "ci_level": _col("置信水平", "Confidence level", "level"),
    "statistic": _col("检验统计量", "Test statistic", "number"),
    "df": _col("自由度", "Degrees of freedom", "number"),
    "p_val": _col("p值", "p-value", "p"),
    # sampling
    "category": _col("食品类别", "Food category"),
    "batches": _col("抽检批次", "Batches sampled", "int"),
    "unqualified": _col("不合格批次", "Unqualified batches", "int"),
    "qualified": _col("合格批次", "Qualified batches", "int"),
    "pass_rate": _col("合格率（%）", "Pass rate (%)", "pct2"),
    "wilson_low": _col("Wilson区间下限（%）", "Wilson interval, lower (%)", "pct2"),
    "wilson_high": _col("Wilson区间上限（%）", "Wilson interval, upper (%)", "pct2"),
    "cp_low": _col("Clopper-Pearson区间下限（%）", "Clopper-Pearson interval, lower (%)", "pct2"),
    "cp_high": _col("Clopper-Pearson区间上限（%）", "Clopper-Pearson interval, upper (%)", "pct2"),
    "comparison": _col("比较", "Comparison"),
    "target_pass_rate": _col("目标年合格率（%）", "Target-year pass rate (%)", "pct2"),
    "baseline_pass_rate": _col("基期合格率（%）", "Baseline pass rate (%)", "pct2"),
    "diff_pp": _col("差值（百分点）", "Difference (pp)", "pp"),
    "ci_low": _col("95%区间下限（百分点）", "95% interval, lower (pp)", "pp"),
    "ci_high": _col("95%区间上限（百分点）", "95% interval, upper (pp)", "pp"),
    "z": _col("z统计量", "z statistic", "number"),
    "test": _col("所用检验", "Test used", "code"),
    "p_adj": _col("Holm校正p值（所用检验）", "Holm-adjusted p (test used)", "p"),
    "z_p_val": _col("z检验p值", "z-test p-value", "p"),
    "or_ci_low": _col("比值比95%区间下限", "Odds ratio, 95% interval, lower", "ratio"),
    "or_ci_high": _col("比值比95%区间上限", "Odds ratio, 95% interval, upper", "ratio"),
    "n_strata": _col("类别数", "Categories (n)", "int"),
    "target_batches": _col("目标年批次", "Target-year batches", "int"),
    "baseline_batches": _col("基期批次", "Baseline batches", "int"),
    "crude_odds_ratio": _col("未分层比值比", "Crude odds ratio", "ratio"),
    "common_odds_ratio": _col("分层合并比值比（MH）", "Common odds ratio (MH)", "ratio"),
    "correct": _col("连续性校正", "Continuity correction", "flag"),
    "bd_statistic": _col("Breslow-Day统计量", "Breslow-Day statistic", "number"),
    "bd_df": _col("Breslow-Day自由度", "Breslow-Day df", "number"),
    "bd_p_val": _col("Breslow-Day p值", "Breslow-Day p-value", "p"),
    "tarone": _col("Tarone校正", "Tarone correction", "flag"),
    "fisher_applied": _col("是否用Fisher检验", "Fisher's test used", "flag"),
    "fisher_p_val": _col("Fisher检验p值", "Fisher p-value", "p"),
    "odds_ratio": _col("比值比", "Odds ratio", "ratio"),
    "years": _col("年份", "Years"),
    "slope_pp_per_year": _col("每年变化（百分点）", "Change a year (pp)", "pp"),
    # patents
    "patent_type": _col("专利类型", "Patent type", "code"),
    "granted": _col("授权量（件）", "Granted", "int"),
    "prev_year": _col("上一有数年份", "Previous year with data", "year"),
    "previous": _col("上一有数年份授权量（件）", "Granted, previous year with data", "int"),
    "years_since_prev": _col("间隔年数", "Years since previous", "int"),
    "yoy_growth": _col("比上年增长（%）", "Growth on previous year (%)", "pct"),
    "annualised_growth": _col("年均增长（%）", "Annualised growth (%)", "pct"),
    "granted_qualifier": _col("数值性质", "Figure is", "code"),
    "previous_qualifier": _col("上年数值性质", "Previous figure is", "code"),
    "start_year": _col("起始年", "Start year", "year"),
    "end_year": _col("终止年", "End year", "year"),
    "start_value": _col("起始年授权量（件）", "Granted in start year", "int"),
    "end_value": _col("终止年授权量（件）", "Granted in end year", "int"),
    "cagr": _col("年均复合增长率（%）", "Compound annual growth (%)", "pct"),
    "target_growth": _col("目标年增长（%）", "Target-year growth (%)", "pct"),
    "baseline_mean": _col("基期平均", "Baseline mean", "pct"),
    "baseline_sd": _col("基期标准差（百分点）", "Baseline SD (pp)", "pp_frac"),
    "previous_year": _col("上年", "Previous year", "year"),
    "count": _col("目标年授权量（件）", "Granted, target year", "int"),
    "count_previous": _col("上年授权量（件）", "Granted, previous year", "int"),
    "estimate": _col("率比", "Rate ratio", "ratio"),
    "slope": _col("对数斜率（每年）", "Log slope a year", "ratio"),
    "slope_se": _col("斜率标准误", "Slope standard error", "ratio"),
    "annual_growth_trend": _col("趋势年增长（%）", "Trend growth a year (%)", "pct"),
    "dispersion": _col("离散系数φ", "Dispersion φ", "number"),
    "theta": _col("负二项θ", "Negative binomial θ", "number"),
    "expected": _col("趋势预期值", "Expected by the trend", "count"),
    "log_expected_se": _col("预期值对数标准误", "SE of log expected", "ratio"),
    "pi_low": _col("95%预测区间下限", "95% prediction interval, lower", "count"),
    "pi_high": _col("95%预测区间上限", "95% prediction interval, upper", "count"),
    "observed": _col("实际值", "Observed", "count"),
    "obs_over_expected": _col("实际/预期", "Observed / expected", "ratio"),
    "above_trend": _col("相对预测区间", "Against the prediction interval", "code"),
    "coverage_change": _col("统计口径调整", "Coverage change", "flag"),
    # market entities
    "entity_type": _col("市场主体类型", "Entity type", "code"),
    "measure": _col("指标", "Measure", "code"),
    "target_span": _col("目标期", "Target span"),
    "target": _col("目标年", "Target year value", "measure"),
    "baseline_spans": _col("基期区间", "Baseline spans"),
    "target_low": _col("目标值下限", "Target, lower bound", "measure"),
    "target_high": _col("目标值上限", "Target, upper bound", "measure"),
    "baseline_low": _col("基期平均下限", "Baseline mean, lower bound", "measure"),
    "baseline_high": _col("基期平均上限", "Baseline mean, upper bound", "measure"),
    "diff": _col("差值（户或百分点）", "Difference (entities or pp)", "measure_diff"),
    "diff_low": _col("差值下限", "Difference, lower bound", "measure_diff"),
    "diff_high": _col("差值上限", "Difference, upper bound", "measure_diff"),
    "opening_stock": _col("年初存量（户）", "Opening stock", "count"),
    "closing_stock": _col("年末存量（户）", "Closing stock", "count"),
    "new": _col("新设（户）", "New registrations", "count"),
    "exits": _col("退出（户）", "Exits", "count"),
    "net_growth": _col("净增（户）", "Net growth", "count"),
    "flow_balance": _col("新设−退出（户）", "New − exits", "count"),
    "discrepancy": _col("差额（户）", "Discrepancy", "count"),
    "rounding_tolerance": _col("取整容差（户）", "Rounding tolerance", "count"),
    "relative_tolerance": _col("相对容差（户）", "Relative tolerance", "count"),
    "tolerance": _col("容差（户）", "Tolerance", "count"),
    "consistent": _col("是否一致", "Consistent", "flag"),
    "stock": _col("年末存量（户）", "Year-end stock", "count"),
    "stock_qualifier": _col("存量数值性质", "Stock figure is", "code"),
    "stock_low": _col("存量下限（户）", "Stock, lower bound", "count"),
    "stock_high": _col("存量上限（户）", "Stock, upper bound", "count"),
    "prev_stock": _col("上一有数年末存量（户）", "Previous published stock", "count"),
    "prev_low": _col("上一存量下限（户）", "Previous stock, lower bound", "count"),
    "prev_high": _col("上一存量上限（户）", "Previous stock, upper bound", "count"),
    "mean_annual_change": _col("年均净增（户）", "Mean annual change", "count"),
    "change_low": _col("净增下限（户）", "Change, lower bound", "count"),
    "change_high": _col("净增上限（户）", "Change, upper bound", "count"),
    "new_qualifier": _col("新设数值性质", "New figure is", "code"),
    "new_low": _col("新设下限（户）", "New, lower bound", "count"),
    "new_high": _col("新设上限（户）", "New, upper bound", "count"),
    "exits_source": _col("退出来源", "Exits are", "code"),
    "exits_low": _col("退出下限（户）", "Exits, lower bound", "count"),
    "exits_high": _col("退出上限（户）", "Exits, upper bound", "count"),
    "entry_rate": _col("进入率（%）", "Entry rate (%)", "pct"),
    "exit_rate": _col("退出率（%）", "Exit rate (%)", "pct"),
    "exits_measures": _col("退出包含", "Exits cover", "code"),
    "stock_gap": _col("年末存量缺数原因", "Year-end stock missing because", "code"),
    "opening_gap": _col("年初存量缺数原因", "Opening stock missing because", "code"),
    "new_gap": _col("新设缺数原因", "New registrations missing because", "code"),
    "exits_gap": _col("注销缺数原因", "Exits missing because", "code"),
    "span": _col("目标期", "Target span"),
    "observed_growth_rate": _col("实际年均增长（%）", "Observed growth a year (%)", "pct"),
    "trend_growth_rate": _col("趋势年均增长（%）", "Trend growth a year (%)", "pct"),
    "observed_change_per_year": _col("实际年均净增（户）", "Observed change a year", "count"),
    "trend_change_per_year": _col("趋势年均净增（户）", "Trend change a year", "count"),
    # demography (the register)
    "cohort": _col("出生队列（年）", "Birth cohort", "year"),
    "births": _col("新设（户）", "Births", "count"),
    "deaths": _col("死亡：注销＋吊销（户）", "Deaths: deregistered + revoked", "count"),
    "deregistered": _col("注销（户）", "Deregistered", "count"),
    "revoked": _col("吊销（户）", "Revoked", "count"),
    "moved_in": _col("迁入（户）", "Moved in", "count"),
    "moved_out": _col("迁出（户）", "Moved out", "count"),
    "follow_up_years": _col("随访年数", "Follow-up (years)", "number"),
    "surv_1y": _col("1年存活率（%）", "1-year survival (%)", "pct"),
    "surv_1y_low": _col("1年存活率95%区间下限（%）", "1-year survival, 95% lower (%)", "pct"),
    "surv_1y_high": _col("1年存活率95%区间上限（%）", "1-year survival, 95% upper (%)", "pct"),
    "surv_2y": _col("2年存活率（%）", "2-year survival (%)", "pct"),
    "surv_2y_low": _col("2年存活率95%区间下限（%）", "2-year survival, 95% lower (%)", "pct"),
    "surv_2y_high": _col("2年存活率95%区间上限（%）", "2-year survival, 95% upper (%)", "pct"),
    "surv_3y": _col("3年存活率（%）", "3-year survival (%)", "pct"),
    "surv_3y_low": _col("3年存活率95%区间下限（%）", "3-year survival, 95% lower (%)", "pct"),
    "surv_3y_high": _col("3年存活率95%区间上限（%）", "3-year survival, 95% upper (%)", "pct"),
    "median_years": _col("中位存活期（年）", "Median survival (years)", "number"),
    "median_low": _col("中位存活期95%区间下限（年）", "Median survival, 95% lower (years)", "number"),
    "median_high": _col("中位存活期95%区间上限（年）", "Median survival, 95% upper (years)", "number"),
    "age_band": _col("成立年数", "Age (years)"),
    "age_low": _col("年龄下限（年）", "Age from (years)", "int"),
    "person_years": _col("目标年暴露（户年）", "Entity-years, target year", "number"),
    "baseline_exits": _col("基期退出（户）", "Baseline exits", "count"),
    "baseline_person_years": _col("基期暴露（户年）", "Entity-years, baseline", "number"),
    "rate": _col("目标年退出率（%，每户年）", "Exit rate, target year (% a year)", "pct"),
    "rate_low": _col("目标年退出率95%区间下限（%）", "Exit rate, target year, 95% lower (%)", "pct"),
    "rate_high": _col("目标年退出率95%区间上限（%）", "Exit rate, target year, 95% upper (%)", "pct"),
    "baseline_rate": _col("基期退出率（%，每户年）", "Exit rate, baseline (% a year)", "pct"),
    "baseline_rate_low": _col("基期退出率95%区间下限（%）", "Exit rate, baseline, 95% lower (%)", "pct"),
    "baseline_rate_high": _col("基期退出率95%区间上限（%）", "Exit rate, baseline, 95% upper (%)", "pct"),
    "target_cohort": _col("目标队列（年）", "Target cohort", "year"),
    "baseline_cohorts": _col("基期队列", "Baseline cohorts"),
    "window_years": _col("共同观察期（年）", "Common window (years)", "number"),
    "n_target": _col("目标队列户数", "Target cohort entities", "int"),
    "n_baseline": _col("基期队列户数", "Baseline cohort entities", "int"),
    "events": _col("退出数", "Exits", "int"),
    "hazard_ratio": _col("风险比（观察/期望）", "Hazard ratio (O/E)", "ratio"),
    "hr_lower": _col("风险比95%区间下限", "Hazard ratio, 95% lower", "ratio"),
    "hr_upper": _col("风险比95%区间上限", "Hazard ratio, 95% upper", "ratio"),
    "period": _col("时期", "Period"),
    "month": _col("月份", "Month", "int"),
    "start": _col("起始日", "From"),
    "end": _col("截止日", "To"),
    "complete": _col("完整时期", "Complete period", "flag"),
    "birth_rate": _col("出生率（%）", "Birth rate (%)", "pct"),
    "death_rate": _col("死亡率（%）", "Death rate (%)", "pct"),
    "deregistration_rate": _col("注销率（%）", "Deregistration rate (%)", "pct"),
    "revocation_rate": _col("吊销率（%）", "Revocation rate (%)", "pct"),
    "churn_rate": _col("更替率（%）", "Churn rate (%)", "pct"),
    "baseline_count": _col("基期合计（户）", "Baseline total", "count"),
    "baseline_opening_stock": _col("基期年初存量合计（户）", "Baseline opening stocks, total", "count"),
    "baseline_pooled": _col("基期合并率（%）", "Baseline pooled rate (%)", "pct"),
    "under_years": _col("成立不满（年）", "Younger than (years)", "int"),
    "young_exits": _col("其中年轻主体退出（户）", "Of which young", "count"),
    "share": _col("占退出比重（%）", "Share of exits (%)", "pct"),
    # work summary
    "domain": _col("领域", "Domain", "code"),
    "object": _col("对象", "Object"),
    "written": _col("原文写法", "As written"),
    "value": _col("数值", "Value", "number"),
    "lower": _col("下限", "Lower bound", "number"),
    "upper": _col("上限", "Upper bound", "number"),
    "unit": _col("单位", "Unit"),
    "qualifier": _col("数值性质", "Figure is", "code"),
    "is_growth_rate": _col("是否增长率", "Growth rate", "flag"),
    "coverage_reason": _col("口径判断依据", "Coverage read from"),
    "role": _col("数字性质", "Stated as", "code"),
    "summary": _col("工作总结", "Work summary"),
    "sentence": _col("原句", "Sentence"),
    "change_from": _col("比较年份", "Change from year", "year"),
    "change": _col("变化", "Change", "number"),
    "change_lower": _col("变化下限", "Change, lower bound", "number"),
    "change_upper": _col("变化上限", "Change, upper bound", "number"),
    "implied_value": _col("两年数字推出的增长（%）", "Growth implied by the two years (%)", "number"),
    "implied_lower": _col("推出增长下限（%）", "Implied growth, lower bound (%)", "number"),
    "implied_upper": _col("推出增长上限（%）", "Implied growth, upper bound (%)", "number"),
    "indicator": _col("指标", "Indicator", "code"),
    "stated_value": _col("总结数值", "Stated value", "number"),
    "stated_lower": _col("总结下限", "Stated, lower bound", "number"),
    "stated_upper": _col("总结上限", "Stated, upper bound", "number"),
    "structured_value": _col("结构化数据数值", "Structured value", "number"),
    "structured_lower": _col("结构化数据下限", "Structured, lower bound", "number"),
    "structured_upper": _col("结构化数据上限", "Structured, upper bound", "number"),
    "structured_source": _col("结构化数据来源", "Structured source"),
    "source_url": _col("来源网址", "Source URL"),
    "verdict": _col("结论", "Verdict", "code"),
    "reason": _col("原因", "Reason"),
}

#: Columns whose meaning (and unit) differs in one table: {table stem: {column: label}}.
TABLE_COLUMNS: dict[str, dict[str, dict[str, str]]] = {
    "patents_rate_ratios": {
        "year": _col("目标年", "Target year", "year"),
        "ci_low": _col("95%区间下限（率比）", "95% interval, lower (rate ratio)", "ratio"),
        "ci_high": _col("95%区间上限（率比）", "95% interval, upper (rate ratio)", "ratio"),
    },
    "patents_growth_vs_baseline": {
        "baseline_mean": _col("基期平均增长（%）", "Baseline mean growth (%)", "pct"),
        "n": _col("增长率个数", "Growth rates (n)", "int"),
    },
    "patents_trend": {"observed": _col("实际授权量（件）", "Granted", "int"),
                      "expected": _col("趋势预期（件）", "Expected by the trend", "count"),
                      "n_years": _col("基期年数", "Baseline years", "int")},
    "market_entities_comparison": {"n": _col("基期数值个数", "Baseline values (n)", "int"),
                                   "baseline_mean": _col("基期平均", "Baseline mean", "measure")},
    "market_entities_trend": {"observed": _col("年末存量（户）", "Year-end stock", "count"),
                              "expected": _col("趋势预期（户）", "Expected by the trend", "count"),
                              "pi_low": _col("95%预测区间下限（户）", "95% prediction interval, lower", "count"),
                              "pi_high": _col("95%预测区间上限（户）", "95% prediction interval, upper", "count"),
                              "n_years": _col("基期年数", "Baseline years", "int")},
    "sampling_stratified": {
        "ci_low": _col("合并比值比95%区间下限", "Common odds ratio, 95% interval, lower", "ratio"),
        "ci_high": _col("合并比值比95%区间上限", "Common odds ratio, 95% interval, upper", "ratio"),
        "statistic": _col("MH χ²统计量", "MH chi-squared", "number"),
    },
    "demography_rates": {
        "count": _col("目标年户数", "Target-year count", "count"),
        "target": _col("目标年比率（%）", "Target-year rate (%)", "pct"),
        "target_low": _col("目标年比率95%区间下限（%）", "Target-year rate, 95% lower (%)", "pct"),
        "target_high": _col("目标年比率95%区间上限（%）", "Target-year rate, 95% upper (%)", "pct"),
        "baseline_mean": _col("基期各年平均（%）", "Baseline mean of years (%)", "pct"),
        "estimate": _col("率比（目标年/基期）", "Rate ratio (target/baseline)", "ratio"),
        "ci_low": _col("率比95%区间下限", "Rate ratio, 95% lower", "ratio"),
        "ci_high": _col("率比95%区间上限", "Rate ratio, 95% upper", "ratio"),
    },
    "demography_hazard": {
        "exits": _col("目标年退出（户）", "Exits, target year", "count"),
        "estimate": _col("率比（目标年/基期）", "Rate ratio (target/baseline)", "ratio"),
        "ci_low": _col("率比95%区间下限", "Rate ratio, 95% lower", "ratio"),
        "ci_high": _col("率比95%区间上限", "Rate ratio, 95% upper", "ratio"),
    },
    "demography_logrank": {"n": _col("户数", "Entities", "int"),
                           "statistic": _col("log-rank χ²", "Log-rank chi-squared", "number")},
    "demography_young": {"years": _col("年份", "Year(s)"),
                         "exits": _col("退出合计（户）", "Exits, total", "count")},
    "sampling_trend": {"n_years": _col("年数", "Years (n)", "int"),
                       "statistic": _col("χ²统计量", "Chi-squared", "number")},
}
TABLE_COLUMNS["patents_trend_since_coverage_change"] = TABLE_COLUMNS["patents_trend"]

#: Each table of a build: its caption (the report) and its sheet name (tables.xlsx, at most 31 characters).
TABLES: dict[str, dict[str, str]] = {
    "sampling_pass_rates": {"zh": "各年抽检批次与合格率", "en": "Batches and pass rate by year",
                            "sheet_zh": "抽检合格率", "sheet_en": "Pass rates"},
    "sampling_comparisons": {"zh": "目标年与基期合格率之差", "en": "Target year against the baseline",
                             "sheet_zh": "合格率比较", "sheet_en": "Pass-rate comparisons"},
    "sampling_stratified": {"zh": "按食品类别分层的比较（Mantel-Haenszel）", "en": "Comparison stratified by food category (Mantel-Haenszel)",
                            "sheet_zh": "分层比较", "sheet_en": "Stratified comparison"},
    "sampling_trend": {"zh": "合格率趋势检验（Cochran-Armitage）", "en": "Trend test (Cochran-Armitage)",
                       "sheet_zh": "合格率趋势", "sheet_en": "Pass-rate trend"},
    "patents_growth": {"zh": "各年专利授权量及增长", "en": "Patents granted and growth by year",
                       "sheet_zh": "专利授权增长", "sheet_en": "Patent growth"},
    "patents_cagr": {"zh": "基期年均复合增长率", "en": "Compound annual growth over the baseline",
                     "sheet_zh": "年均复合增长", "sheet_en": "CAGR"},
    "patents_growth_vs_baseline": {"zh": "目标年增长与基期平均增长", "en": "Target-year growth against the baseline mean",
                                   "sheet_zh": "增长与基期对比", "sheet_en": "Growth vs baseline"},
    "patents_rate_ratios": {"zh": "目标年与上年之比（精确Poisson率比）", "en": "Target year over the year before (exact Poisson rate ratio)",
                            "sheet_zh": "率比", "sheet_en": "Rate ratios"},
    "patents_trend": {"zh": "基期趋势与目标年", "en": "Baseline trend and the target year",
                      "sheet_zh": "基期趋势", "sheet_en": "Baseline trend"},
    "patents_trend_since_coverage_change": {"zh": "口径调整后基期的趋势", "en": "Trend of the baseline after the coverage change",
                                            "sheet_zh": "口径调整后趋势", "sheet_en": "Trend after coverage change"},
    "patents_notes": {"zh": "来源注释", "en": "Source notes", "sheet_zh": "专利来源注释", "sheet_en": "Patent notes"},
    "market_entities_flows": {"zh": "各年存量、净增与进入退出", "en": "Stocks, net growth, entries and exits by year",
                              "sheet_zh": "市场主体增减", "sheet_en": "Entity flows"},
    "market_entities_comparison": {"zh": "目标年与基期平均", "en": "Target year against the baseline mean",
                                   "sheet_zh": "市场主体与基期对比", "sheet_en": "Entities vs baseline"},
    "market_entities_trend": {"zh": "年末存量与基期趋势", "en": "Year-end stock and the baseline trend",
                              "sheet_zh": "市场主体趋势", "sheet_en": "Entity trend"},
    "market_entities_consistency": {"zh": "存量之差与新设减退出是否相符", "en": "Change in stock against new minus exits",
                                    "sheet_zh": "存量流量核对", "sheet_en": "Stock-flow check"},
    "summary_indicators": {"zh": "工作总结中的统计数字（按领域）", "en": "Figures stated in the work summary, by domain",
                           "sheet_zh": "总结数字", "sheet_en": "Summary figures"},
    "summary_redactions": {"zh": "隐去的数字及其上下限", "en": "Redacted figures and their bounds",
                           "sheet_zh": "隐去的数字", "sheet_en": "Redacted figures"},
    "summary_comparison": {"zh": "总结数字与结构化数据对照", "en": "Stated figures against the structured data",
                           "sheet_zh": "总结与数据对照", "sheet_en": "Summary vs data"},
    "demography_yearly": {"zh": "每年出生、死亡与更替（占年初存量）", "en": "Births, deaths and churn per year (of the opening stock)",
                          "sheet_zh": "每年出生死亡", "sheet_en": "Births and deaths by year"},
    "demography_monthly": {"zh": "每月出生与死亡", "en": "Births and deaths per month",
                           "sheet_zh": "每月出生死亡", "sheet_en": "Births and deaths by month"},
    "demography_rates": {"zh": "目标年份与基期的出生率、死亡率", "en": "Birth and death rates: target year against the baseline",
                         "sheet_zh": "出生率死亡率比较", "sheet_en": "Birth and death rates"},
    "demography_cohort": {"zh": "各队列1、2、3年存活率与中位存活期", "en": "1-, 2- and 3-year survival and median survival by cohort",
                          "sheet_zh": "队列存活率", "sheet_en": "Cohort survival"},
    "demography_logrank": {"zh": "目标年份队列与基期队列（共同观察期，log-rank检验）",
                           "en": "Target cohort against the baseline cohorts (common window, log-rank test)",
                           "sheet_zh": "队列比较", "sheet_en": "Cohort log-rank"},
    "demography_hazard": {"zh": "按年龄的退出率", "en": "Exit rates by age",
                          "sheet_zh": "按年龄退出率", "sheet_en": "Exit rates by age"},
    "demography_young": {"zh": "退出主体中的年轻主体占比", "en": "Share of exits that were young entities",
                         "sheet_zh": "年轻主体退出占比", "sheet_en": "Young exits"},
    "summary_over_years": {"zh": "历年工作总结中的同一指标", "en": "The same indicator in each year's summary",
                           "sheet_zh": "历年总结指标", "sheet_en": "Summaries over years"},
    "summary_growth_checks": {"zh": "总结所述增长率与两年数字的核对", "en": "Stated growth rates against the two years' figures",
                              "sheet_zh": "增长率核对", "sheet_en": "Growth-rate checks"},
}

#: Code values shown in tables by their label (a value not listed is shown as written).
VALUES: dict[str, dict[str, str]] = {
    "exact": {"zh": "精确数", "en": "exact"}, "rounded": {"zh": "约数", "en": "rounded"},
    "approximate": {"zh": "约数", "en": "approximate"}, "lower_bound": {"zh": "下限", "en": "lower bound"},
    "upper_bound": {"zh": "上限", "en": "upper bound"}, "redacted": {"zh": "隐去", "en": "redacted"},
    "range": {"zh": "范围", "en": "range"},
    "above": {"zh": "高于", "en": "above"}, "within": {"zh": "之内", "en": "within"}, "below": {"zh": "低于", "en": "below"},
    "published": {"zh": "公布", "en": "published"}, "implied": {"zh": "隐含（新设−净增）", "en": "implied (new − net growth)"},
    "net_growth_per_year": {"zh": "年均净增（户）", "en": "net growth a year"},
    "growth_rate": {"zh": "年均增长率（%）", "en": "growth rate (%)"},
    "entry_rate": {"zh": "进入率（%）", "en": "entry rate (%)"}, "exit_rate": {"zh": "退出率（%）", "en": "exit rate (%)"},
    "consistent": {"zh": "一致", "en": "consistent"}, "contradiction": {"zh": "矛盾", "en": "contradiction"},
    "not comparable": {"zh": "无法比较", "en": "not comparable"},
    "all": {"zh": "国内外合计", "en": "domestic and foreign"}, "domestic": {"zh": "国内", "en": "domestic"},
    "SAMR": {"zh": "市场监管总局", "en": "SAMR"},
    "not_published": {"zh": "未公布", "en": "not published"}, "not_collected": {"zh": "未收录", "en": "not in the data"},
    "deregistered+revoked": {"zh": "注销＋吊销", "en": "deregistered + revoked"},
    "deregistered": {"zh": "注销", "en": "deregistered"}, "revoked": {"zh": "吊销", "en": "revoked"},
    "birth_rate": {"zh": "出生率（%）", "en": "birth rate (%)"}, "death_rate": {"zh": "死亡率（%）", "en": "death rate (%)"},
    "deregistration_rate": {"zh": "注销率（%）", "en": "deregistration rate (%)"},
    "revocation_rate": {"zh": "吊销率（%）", "en": "revocation rate (%)"}, "churn_rate": {"zh": "更替率（%）", "en": "churn rate (%)"},
    "stated": {"zh": "陈述", "en": "stated"}, "rank": {"zh": "排名", "en": "rank"}, "target": {"zh": "目标", "en": "target"},
    "two-proportion z-test": {"zh": "两比例z检验", "en": "two-proportion z-test"},
    "two-proportion z-test with Yates continuity correction": {"zh": "两比例z检验（Yates校正）",
                                                               "en": "two-proportion z-test (Yates)"},
    "Fisher exact test": {"zh": "Fisher精确检验", "en": "Fisher exact test"},
}


def column_label(column: str, lang: str, table: str = "") -> str:
    """The label (with unit) of ``column`` of ``table`` in ``lang``; a KeyError names an unlabelled column."""
    return column_spec(column, table)[lang]


def column_spec(column: str, table: str = "") -> dict[str, str]:
    """Label and kind of a column, the table's own meaning first."""
    spec = TABLE_COLUMNS.get(table, {}).get(column) or COLUMNS.get(column)
    if spec is None:
        raise KeyError(f"column {column!r} of table {table!r} has no label: add it to "
                       "analysis.present.labels.COLUMNS")
    return spec


def unlabelled_columns(columns, table: str = "") -> list[str]:
    """The columns among ``columns`` without a label in both languages (empty when all are labelled)."""
    return [c for c in columns
            if not all((TABLE_COLUMNS.get(table, {}).get(c) or COLUMNS.get(c) or {}).get(lang) for lang in ("zh", "en"))]


def table_caption(table: str, lang: str) -> str:
    """The caption of a table in the report; a KeyError names an unregistered table."""
    if table not in TABLES:
        raise KeyError(f"table {table!r} has no caption: add it to analysis.present.labels.TABLES")
    return TABLES[table][lang]


def sheet_name(table: str, lang: str) -> str:
    """The sheet name of a table in tables.xlsx (at most 31 characters, no []:*?/\\)."""
    if table not in TABLES:
        raise KeyError(f"table {table!r} has no sheet name: add it to analysis.present.labels.TABLES")
    return TABLES[table][f"sheet_{lang}"]


def value_label(value: str, lang: str) -> str:
    """A code value in words: a patent or entity type, a qualifier, a verdict ...; other values as they are."""
    if value in VALUES:
        return VALUES[value][lang]
    if value in LABELS:
        return LABELS[value][lang]
    if f"domain_{value}" in LABELS:
        return LABELS[f"domain_{value}"][lang]
    if f"indicator_{value}" in LABELS:
        return LABELS[f"indicator_{value}"][lang]
    return value


#: What each figure shows, for its one-line caption under it in the report (the source follows).
FIGURES: dict[str, dict[str, str]] = {
    "demography_survival": {"zh": "各出生队列的存活曲线（Kaplan-Meier估计及95%区间），目标年份队列突出显示",
                            "en": "Survival of each birth cohort (Kaplan-Meier estimate with 95% bands), the target cohort highlighted"},
    "demography_hazard": {"zh": "按成立年数的退出率（每户年），目标年份与基期对比，含95%区间",
                          "en": "Exit rate by age (per entity-year), target year against the baseline, with 95% intervals"},
    "demography_monthly": {"zh": "每月新设（出生）与注销、吊销（死亡）户数", "en": "Births and deaths per month"},
    "summary_over_years": {"zh": "至少两年工作总结都写到的指标（隐去的数字画为上下限）",
                           "en": "Indicators stated in at least two years' summaries (redacted figures drawn as bounds)"},
    "sampling_pass_rates": {"zh": "各年抽检合格率及95% Wilson区间；左侧小图为0–100%全刻度，右侧为放大后的纵轴",
                            "en": "Pass rate by year with 95% Wilson intervals; left, the full 0–100% scale; right, "
                                  "the magnified axis"},
    "patents_counts": {"zh": "各类专利授权量、基期对数线性趋势及95%预测区间，目标年为红点",
                       "en": "Patents granted by type, the baseline log-linear trend and its 95% prediction "
                             "interval; the target year in red"},
    "patents_growth": {"zh": "各类专利授权量比上年增长（%），目标年加底色",
                       "en": "Growth of patents granted on the year before (%), by type; the target year shaded"},
    "market_entities_waterfall": {"zh": "目标年市场主体增减：年初存量＋新设−退出＝年末存量，误差线为约数的取整区间",
                                  "en": "Market entities in the target year: opening stock + new − exits = closing "
                                        "stock; whiskers are the rounding bounds"},
    "market_entities_rates": {"zh": "各年进入率、退出率和净增长率（占年初存量%）",
                              "en": "Entry, exit and net growth rates by year (% of the opening stock)"},
}


def figure_caption(figure: str, lang: str) -> str:
    """What a figure shows, in one line; a KeyError names a figure without a caption."""
    if figure not in FIGURES:
        raise KeyError(f"figure {figure!r} has no caption: add it to analysis.present.labels.FIGURES")
    return FIGURES[figure][lang]
