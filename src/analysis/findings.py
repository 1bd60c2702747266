"""Key findings as sentences, generated from the result tables, in Chinese or English.

Each sentence states the comparison honestly: the size first, then the interval and p-value, and what
"significant" means for census counts.
"""
from __future__ import annotations

import pandas as pd

from analysis.labels import format_bounds, format_count, format_figure, label, period_label, region_label

SAMPLING_CAVEAT = {
    "zh": "抽检批次是当期全部完成的监督抽检，不是随机样本；区间和检验把合格率看作抽检过程的结果，"
          "批次数以百万计时极小的差异也会“显著”，应先看差异大小；抽检计划和重点品种的调整也会改变合格率。",
    "en": "Batches are every supervision inspection done in the period, not a random sample; intervals and "
          "tests treat the pass rate as the outcome of the inspection process. With millions of batches tiny "
          "differences are 'significant': read the size first. Changes in sampling plans and targeted "
          "categories also move the pass rate.",
}


def format_p(p: float) -> str:
    """A p-value as reported: ``p<0.001`` below a thousandth, else ``p=`` with three decimals."""
    if pd.isna(p):
        return "p n/a"
    return "p<0.001" if p < 0.001 else f"p={p:.3f}"


def _pct(x: float) -> str:
    return f"{100 * x:.2f}%"


def sampling(rates: pd.DataFrame, comparisons: pd.DataFrame, trend: pd.DataFrame, target_year: int,
             region: str, period: str, lang: str) -> list[str]:
    """Findings of the sampling analysis: target pass rate, each comparison, the trend."""
    target = rates.set_index("year").loc[target_year]
    where = region_label(region, lang)
    when = period_label(period, lang)
    if lang == "zh":
        lines = [f"{target_year}年{when}{where}食品监督抽检{int(target['batches']):,}批次，"
                 f"不合格{int(target['unqualified']):,}批次，合格率{_pct(target['pass_rate'])}"
                 f"（95% Wilson区间{_pct(target['wilson_low'])}–{_pct(target['wilson_high'])}）。"]
    else:
        lines = [f"{where}, {when} {target_year}: {int(target['batches']):,} batches sampled, "
                 f"{int(target['unqualified']):,} unqualified, pass rate {_pct(target['pass_rate'])} "
                 f"(95% Wilson interval {_pct(target['wilson_low'])} to {_pct(target['wilson_high'])})."]
    for _, row in comparisons.iterrows():
        p = row["fisher_p_val"] if row["fisher_applied"] else row["p_val"]
        test = "Fisher" if row["fisher_applied"] else "z"
        if lang == "zh":
            direction = "高" if row["diff_pp"] > 0 else "低"
            baseline = row["comparison"].split(" vs ")[1]
            baseline = (f"基期合计（{baseline.removeprefix('pooled ')}年）" if baseline.startswith("pooled")
                        else f"{baseline}年同期")
            lines.append(f"与{baseline}相比"
                         f"{direction}{abs(row['diff_pp']):.2f}个百分点（95% Newcombe区间{row['ci_low']:+.2f}至"
                         f"{row['ci_high']:+.2f}；{test}检验{format_p(p)}，Holm校正后{format_p(row['p_holm'])}）。")
        else:
            direction = "above" if row["diff_pp"] > 0 else "below"
            lines.append(f"{row['comparison']}: {abs(row['diff_pp']):.2f} percentage points {direction} "
                         f"(95% Newcombe interval {row['ci_low']:+.2f} to {row['ci_high']:+.2f}; {test}-test "
                         f"{format_p(p)}, Holm-adjusted {format_p(row['p_holm'])}).")
    t = trend.iloc[0]
    if lang == "zh":
        lines.append(f"{t['years']}年合格率线性趋势每年{t['slope_pp_per_year']:+.2f}个百分点"
                     f"（Cochran-Armitage χ²={t['statistic']:.1f}，{format_p(t['p_val'])}）。")
    else:
        lines.append(f"Linear trend over {t['years']}: {t['slope_pp_per_year']:+.2f} percentage points a year "
                     f"(Cochran-Armitage chi-squared {t['statistic']:.1f}, {format_p(t['p_val'])}).")
    return lines



PATENTS_CAVEAT = {
    "zh": "专利授权量是当年全部授权的普查数，不是样本，没有抽样误差；检验把各年授权量看作申请、审查等过程的结果，"
          "问的是目标年份是否偏离此前的趋势。授权量数以万计时Poisson区间极窄，任何可见的变化都“显著”，这本身不是证据；"
          "判断要看基期各年围绕趋势的波动（过度离散）及由此得到的预测区间。统计口径调整、审查政策变化会使趋势断裂，模型不能识别。",
    "en": "Patents granted are a census of every grant in the year, not a sample: there is no sampling error. The tests "
          "treat each year's count as the outcome of a process (filing, examination) and ask whether the target year "
          "departs from the earlier trend. With tens of thousands of grants a Poisson interval is tiny and every visible "
          "change is 'significant'; that alone is not evidence. The judgement rests on how far the baseline years scatter "
          "around their own trend (overdispersion) and the prediction interval built from it. A change of statistical "
          "coverage or of examination policy breaks the trend; the model does not see it.",
}
TREND_POSITION = {
    "above": {"zh": "高于预测区间", "en": "above the interval"},
    "within": {"zh": "在预测区间之内", "en": "within the interval"},
    "below": {"zh": "低于预测区间", "en": "below the interval"},
}


def _span(values, fmt: str, lang: str) -> str:
    """``a`` if all values format alike, else ``a–b`` (zh) or ``a to b`` (en) from the smallest to the largest."""
    low, high = format(min(values), fmt), format(max(values), fmt)
    return low if low == high else f"{low}–{high}" if lang == "zh" else f"{low} to {high}"


def _names(patent_types, lang: str) -> str:
    return ("、" if lang == "zh" else ", ").join(label(t, lang) for t in patent_types)


def _patent_type_line(name: str, where: str, qualifiers: dict, growth, fit, target_year: int, lang: str) -> str:
    """One type: the target count, its growth against the baseline mean, its place against the trend.

    ``qualifiers``: the qualifier of the count by year (a growth from a rounded figure is flagged).
    """
    zh = lang == "zh"
    rounded = qualifiers.get(target_year) != "exact"
    previous_rounded = qualifiers.get(target_year - 1, "exact") != "exact"
    line = (f"{where}{target_year}年{name}授权{fit['observed']:,.0f}件{'（约数）' if rounded else ''}" if zh else
            f"{name}, {where} {target_year}: {fit['observed']:,.0f} granted{' (rounded)' if rounded else ''}")
    if pd.notna(growth["target_growth"]):
        line += (f"，比上年{growth['target_growth']:+.1%}{'（上年为约数）' if previous_rounded else ''}" if zh else
                 f", {growth['target_growth']:+.1%} on {target_year - 1}"
                 f"{f' (a rounded {target_year - 1} figure)' if previous_rounded else ''}")
    if pd.notna(growth["baseline_mean"]):
        line += (f"，基期{growth['baseline']}年平均增长{growth['baseline_mean']:+.1%}" if zh else
                 f", against a {growth['baseline']} mean of {growth['baseline_mean']:+.1%}")
    if pd.isna(fit["expected"]):
        return line + (f"；基期仅{fit['n_years']}年，无法拟合趋势。" if zh else
                       f"; with {fit['n_years']} baseline year(s) no trend can be fitted.")
    line += f"；基期趋势预期{fit['expected']:,.0f}件" if zh else f"; the baseline trend expected {fit['expected']:,.0f}"
    ratio = fit["obs_over_expected"]
    if pd.isna(fit["pi_low"]):
        return line + (f"，实际为预期的{ratio:.2f}倍；基期仅{fit['n_years']}年，无法估计离散程度和预测区间。" if zh else
                       f", observed/expected {ratio:.2f}; with {fit['n_years']} baseline years there is no "
                       "dispersion and no prediction interval.")
    position = TREND_POSITION[fit["above_trend"]][lang]
    if zh:
        return line + (f"（95%预测区间{fit['pi_low']:,.0f}–{fit['pi_high']:,.0f}），实际为预期的{ratio:.2f}倍，"
                       f"{position}（{format_p(fit['p_val'])}）。")
    return line + (f" (95% prediction interval {fit['pi_low']:,.0f} to {fit['pi_high']:,.0f}), observed/expected "
                   f"{ratio:.2f}, {position} ({format_p(fit['p_val'])}).")


#: Why :func:`analysis.counts.rate_ratios` did not test a series, by the reason in its ``note``
#: (``not tested: 2020 rounded, 2019 missing``): a count's qualifier, ``missing``, or both counts 0.
UNTESTED_REASONS = {
    "rounded": {"zh": "{year}年为约数", "en": "a rounded {year} count"},
    "approximate": {"zh": "{year}年为约数", "en": "an approximate {year} count"},
    "lower_bound": {"zh": "{year}年仅为下限", "en": "only a lower bound for {year}"},
    "upper_bound": {"zh": "{year}年仅为上限", "en": "only an upper bound for {year}"},
    "missing": {"zh": "缺{year}年数据", "en": "no {year} count"},
    "both counts are 0": {"zh": "两年均为0，率比无定义", "en": "both counts are 0, so the rate ratio is undefined"},
}


def _rate_ratio_lines(ratios: pd.DataFrame, trend: pd.DataFrame, target_year: int, lang: str) -> list[str]:
    """What the exact Poisson tests say, set against the overdispersion of the baseline.

    Types without a test get one sentence per distinct ``note``, worded from its reasons.
    """
    zh, previous = lang == "zh", target_year - 1
    tested = ratios[ratios["note"].eq("")]
    untested = ratios[ratios["note"].ne("")]
    phi = trend["dispersion"].dropna()
    lines = []
    if len(tested):
        estimates, significant = _span(tested["estimate"], ".3f", lang), int((tested["p_val"] < 0.05).sum())
        line = (f"精确Poisson率比（{target_year}/{previous}）为{estimates}，{len(tested)}个类型中{significant}个p<0.05"
                if zh else f"Exact Poisson rate ratios {target_year}/{previous}: {estimates}, p < 0.05 for "
                           f"{significant} of {len(tested)} types")
        if len(phi):
            line += (f"；但基期离散系数φ为{_span(phi, '.0f', lang)}（Poisson过程为1），年际波动远大于Poisson假设，"
                     f"这些p值本身不说明{target_year}年异常" if zh else
                     f"; but the baseline dispersion phi is {_span(phi, '.0f', lang)} (1 for a Poisson process): the "
                     f"years vary far more than Poisson, so these p-values alone say nothing about {target_year} "
                     "being unusual")
        lines.append(line + ("。" if zh else "."))
    for note, rows in untested.groupby("note", sort=False):
        reasons = []
        for reason in note.removeprefix("not tested: ").split(", "):
            year, _, kind = reason.partition(" ")
            wording = UNTESTED_REASONS.get(reason) or UNTESTED_REASONS[kind]
            reasons.append(wording[lang].format(year=year))
        names = _names(rows["patent_type"], lang)
        lines.append(f"{names}：{'，'.join(reasons)}，未做精确检验。" if zh else
                     f"No exact test for {names}: {' and '.join(reasons)}.")
    return lines


def _coverage_lines(coverage_from: int | None, trend_since: pd.DataFrame | None, lang: str) -> list[str]:
    """The coverage caveat, and the judgement with the baseline after the change only."""
    if coverage_from is None:
        return []
    zh = lang == "zh"
    lines = [f"来源注明自{coverage_from}年起统计口径有调整（见注释表）：调整前后的增长不能直接读作实际增长，"
             "跨越调整的基期趋势也会有偏。" if zh else
             f"The source notes a change of statistical coverage from {coverage_from} (see the notes table): growth "
             "across the change is not real growth alone, and a baseline trend that spans it is biased."]
    if trend_since is not None and len(trend_since):
        parts = [(f"{label(r['patent_type'], lang)}实际/预期{r['obs_over_expected']:.2f}，" if zh else
                  f"{label(r['patent_type'], lang)} observed/expected {r['obs_over_expected']:.2f}, ")
                 + TREND_POSITION[r["above_trend"]][lang] for _, r in trend_since.iterrows()]
        since = trend_since["baseline"].iloc[0]
        lines.append(f"只用{since}年为基期时：" + "；".join(parts) + "。" if zh else
                     f"With the baseline {since} only: " + "; ".join(parts) + ".")
    return lines


def patents(series: pd.DataFrame, growth: pd.DataFrame, ratios: pd.DataFrame, trend: pd.DataFrame,
            target_year: int, region: str, lang: str, coverage_from: int | None = None,
            trend_since: pd.DataFrame | None = None) -> list[str]:
    """Findings of the patents analysis: one sentence per type, then the exact tests and the coverage caveat.

    ``series``: the tidy rows of the types analysed; ``growth``:
    :func:`analysis.counts.target_vs_baseline_growth`; ``ratios``: :func:`analysis.patents.exact_rate_ratios`;
    ``trend`` and ``trend_since`` (the baseline after a coverage change, or None):
    :func:`analysis.counts.loglinear_trend`; all one row per ``patent_type``.
    """
    where = region_label(region, lang)
    growth = growth.set_index("patent_type")
    lines = []
    for _, fit in trend.iterrows():
        rows = series[series["patent_type"].eq(fit["patent_type"])]
        qualifiers = dict(zip(rows["year"], rows["granted_qualifier"]))
        lines.append(_patent_type_line(label(fit["patent_type"], lang), where, qualifiers,
                                       growth.loc[fit["patent_type"]], fit, target_year, lang))
    return lines + _rate_ratio_lines(ratios, trend, target_year, lang) + _coverage_lines(coverage_from,
                                                                                        trend_since, lang)


MARKET_ENTITIES_CAVEAT = {
    "zh": "市场主体数是登记机关的全部登记记录（普查），不是样本，没有抽样误差；全国数字多为公布的约数（如1.54亿），"
          "两个约数相减的净增带有两者的取整误差，报告给出其上下限。年末存量缺年（全国2018、2020、2022年）不插补，"
          "跨缺年只给年均变化；未公布注销数时，退出为“新设−净增”的隐含值，还含迁入迁出和吊销等。"
          "商事制度改革（2014年起注册资本认缴、“多证合一”、简易注销）改变了进入和退出的难易，2018年起统计由工商总局转为市场监管总局；"
          "2023年起“经营主体”取代“市场主体”的称谓，范围相同。商务部研究院、天眼查等商业机构的数字（NON-SAMR）从不混入监管部门的序列。",
    "en": "Market-entity counts are the registrar's complete records (a census), not a sample: there is no sampling "
          "error. National figures are mostly published rounded (1.54亿 = 154 million); a net change from two rounded "
          "stocks carries both rounding errors, and the report gives its bounds. Missing year-end stocks (national 2018, "
          "2020, 2022) are not interpolated: across a gap only the annual average change is given. Where "
          "deregistrations are not published, exits are implied as new - net growth and also absorb migration and "
          "revocations. The commercial registration reform (商事制度改革: subscribed capital from 2014, merged "
          "licences, simplified deregistration) changed how easily entities enter and leave; statistics passed from "
          "SAIC to SAMR in 2018; from 2023 SAMR says 经营主体 for 市场主体, the same population. Commercial providers' "
          "counts (NON-SAMR) never enter the regulator's series.",
}


def _bounds(low: float, high: float, lang: str, rounded: bool = False) -> str:
    """The rounding bounds of a figure in brackets; nothing for an exact figure."""
    if low == high:
        return ""
    if pd.isna(low) or pd.isna(high):
        text = "取整区间未知（约数或下限）" if lang == "zh" else "bounds unknown (approximate or a bound)"
    else:
        text = (f"区间{format_count(low, lang)}–{format_count(high, lang)}" if lang == "zh"
                else f"bounds {format_count(low, lang)} to {format_count(high, lang)}")
    if rounded:
        text += "，由约数相减" if lang == "zh" else ", from rounded figures"
    return f"（{text}）" if lang == "zh" else f" ({text})"


def _entity_stock_line(name: str, row, target_year: int, where: str, lang: str) -> str:
    """The target year's stock and its net growth, or the change over the gap and why."""
    if row is None or pd.isna(row["stock"]):
        if lang == "zh":
            return f"{where}{target_year}年末{name}存量未公布，无法计算{target_year}年的净增和增长率。"
        return f"{name}, {where}: the year-end {target_year} stock is not published; no net growth for {target_year}."
    rounded = row["stock_qualifier"] != "exact"
    if lang == "zh":
        line = f"{target_year}年末{where}{name}{format_count(row['stock'], lang)}户{'（公布约数）' if rounded else ''}"
        if pd.isna(row["prev_year"]):
            return line + "；没有更早的年末存量，无法计算净增。"
        if row["years_since_prev"] == 1:
            return line + (f"，{target_year}年净增{format_count(row['net_growth'], lang)}户"
                           f"{_bounds(row['change_low'], row['change_high'], lang)}，增长{_pct(row['yoy_growth'])}。")
        gap, prev = int(row["years_since_prev"]), int(row["prev_year"])
        return line + (f"；{target_year - 1}年末存量未公布，无法计算{target_year}年净增。{prev}年末至{target_year}年末"
                       f"共增{format_count(row['stock'] - row['prev_stock'], lang)}户，年均{format_count(row['mean_annual_change'], lang)}户"
                       f"{_bounds(row['change_low'], row['change_high'], lang, rounded=True)}，"
                       f"年均增长{_pct(row['annualised_growth'])}（{gap}年）。")
    line = f"{name}, {where}, end {target_year}: {format_count(row['stock'], lang)}{' (published rounded)' if rounded else ''}"
    if pd.isna(row["prev_year"]):
        return line + "; no earlier year-end stock, so no net growth."
    if row["years_since_prev"] == 1:
        return line + (f"; net growth {target_year} {format_count(row['net_growth'], lang)}"
                       f"{_bounds(row['change_low'], row['change_high'], lang)}, {_pct(row['yoy_growth'])}.")
    gap, prev = int(row["years_since_prev"]), int(row["prev_year"])
    return line + (f"; the end-{target_year - 1} stock is not published, so net growth {target_year} cannot be "
                   f"computed. From end {prev} to end {target_year}: +{format_count(row['stock'] - row['prev_stock'], lang)}, "
                   f"{format_count(row['mean_annual_change'], lang)} a year"
                   f"{_bounds(row['change_low'], row['change_high'], lang, rounded=True)}, "
                   f"{_pct(row['annualised_growth'])} a year over {gap} years.")


def _entity_comparison_line(name: str, comparison: pd.DataFrame, fit, lang: str) -> str:
    """Net growth against the baseline mean and the baseline trend; the entry and exit rates."""
    c = comparison.set_index("measure")
    net, growth = c.loc["net_growth_per_year"], c.loc["growth_rate"]
    parts = []
    if pd.notna(net["diff"]):
        if lang == "zh":
            parts.append(f"年均净增比基期（{net['baseline_spans']}）平均{format_count(net['baseline_mean'], lang)}户"
                         f"{'多' if net['diff'] > 0 else '少'}{format_count(abs(net['diff']), lang)}户"
                         f"{_bounds(net['diff_low'], net['diff_high'], lang)}，增长率差"
                         f"{100 * growth['diff']:+.2f}个百分点")
        else:
            parts.append(f"net growth a year {'+' if net['diff'] > 0 else ''}{format_count(net['diff'], lang)} "
                         f"against the baseline mean "
                         f"{format_count(net['baseline_mean'], lang)} ({net['baseline_spans']})"
                         f"{_bounds(net['diff_low'], net['diff_high'], lang)}, growth rate "
                         f"{100 * growth['diff']:+.2f} percentage points")
    if fit is not None and pd.notna(fit["expected"]):
        if pd.isna(fit["pi_low"]):
            parts.append(f"基期趋势（{fit['baseline']}年）预期年末{format_count(fit['expected'], lang)}户，"
                         f"基期仅{int(fit['n_years'])}年，无预测区间" if lang == "zh" else
                         f"the baseline trend ({fit['baseline']}) expected {format_count(fit['expected'], lang)} at year-end; "
                         f"with {int(fit['n_years'])} baseline years there is no prediction interval")
        else:
            parts.append(f"基期趋势（{fit['baseline']}年）预期年末{format_count(fit['expected'], lang)}户（95%预测区间"
                         f"{format_count(fit['pi_low'], lang)}–{format_count(fit['pi_high'], lang)}），实际"
                         f"{TREND_POSITION[fit['above_trend']][lang]}（{format_p(fit['p_val'])}）"
                         if lang == "zh" else
                         f"the baseline trend ({fit['baseline']}) expected {format_count(fit['expected'], lang)} at year-end "
                         f"(95% prediction interval {format_count(fit['pi_low'], lang)} to {format_count(fit['pi_high'], lang)}), "
                         f"observed {TREND_POSITION[fit['above_trend']][lang]} ({format_p(fit['p_val'])})")
    for measure in ("entry_rate", "exit_rate"):
        r = c.loc[measure]
        what = label(measure, lang).split("（")[0].split(" (")[0]
        if pd.notna(r["target"]):
            parts.append(f"{what}{_pct(r['target'])}" if lang == "zh" else f"{what.lower()} {_pct(r['target'])}")
    if not parts:
        return ""
    return ("；".join(parts) + "。") if lang == "zh" else ("; ".join(parts) + ".")


def market_entities(table: pd.DataFrame, comparison: pd.DataFrame, trend: pd.DataFrame, target_year: int,
                    region: str, entity_types: list[str], lang: str) -> list[str]:
    """Findings of the market-entities analysis, per entity type, saying plainly what cannot be computed.

    ``table``: :func:`analysis.market_entities.flows`; ``comparison``: ``target_vs_baseline``;
    ``trend``: ``trend_comparison``.
    """
    where = region_label(region, lang)
    lines = []
    for entity_type in entity_types:
        name = label(entity_type, lang)
        rows = table[table["entity_type"].eq(entity_type) & table["year"].eq(target_year)]
        row = rows.iloc[0] if len(rows) else None
        lines.append(_entity_stock_line(name, row, target_year, where, lang))
        if row is None or pd.isna(row["stock"]):
            continue
        fits = trend[trend["entity_type"].eq(entity_type)]
        extra = _entity_comparison_line(name, comparison[comparison["entity_type"].eq(entity_type)],
                                        fits.iloc[0] if len(fits) else None, lang)
        if extra:
            lines.append(f"{name}：{extra}" if lang == "zh" else f"{name}: {extra}")
    rates = comparison[comparison["measure"].isin(["entry_rate", "exit_rate"])
                       & comparison["entity_type"].isin(entity_types)]
    if rates["target"].isna().all():
        lines.append(f"{target_year}年的进入率和退出率无法计算：需要{target_year - 1}年末存量和{target_year}年全年新设数"
                     f"（退出还需注销数或净增）同时公布。" if lang == "zh" else
                     f"Entry and exit rates for {target_year} cannot be computed: they need the end-{target_year - 1} "
                     f"stock and the full-year {target_year} new registrations (and deregistrations or the net growth).")
    return lines


NO_DISCREPANCY = {
    "zh": "没有超出容差的不一致（或没有年份同时公布四个数）。",
    "en": "No case has all four figures published beyond the tolerance: no discrepancy to report.",
}


def market_entities_consistency(check: pd.DataFrame, lang: str) -> str:
    """The consistency check in words: every warning, or that there is none to report."""
    return "\n".join(market_entities_warnings(check, lang)) or NO_DISCREPANCY[lang]


def market_entities_warnings(check: pd.DataFrame, lang: str) -> list[str]:
    """One warning line per case where published stocks and flows disagree beyond the tolerance."""
    lines = []
    for _, r in check[check["consistent"].eq(False)].iterrows():
        name = label(r["entity_type"], lang)
        if lang == "zh":
            lines.append(f"警告：{r['region']}{name}{r['year']}年年末存量之差{format_count(r['net_growth'], lang)}与新设减注销"
                         f"{format_count(r['flow_balance'], lang)}相差{format_count(r['discrepancy'], lang)}，超过容差"
                         f"{format_count(r['tolerance'], lang)}（{r['basis']}）；数字按公布值保留，未作调整。")
        else:
            lines.append(f"WARNING: {region_label(r['region'], lang)}, {name}, {r['year']}: the change in year-end "
                         f"stocks {format_count(r['net_growth'], lang)} differs from new - deregistered "
                         f"{format_count(r['flow_balance'], lang)} by {format_count(r['discrepancy'], lang)}, beyond the tolerance "
                         f"{format_count(r['tolerance'], lang)} ({r['basis']}); the figures are kept as published, not adjusted.")
    return lines


SUMMARY_CAVEAT = {
    "zh": "工作总结中的X代表隐去的数字：X为0–9，XX为10–99，XXX为100–999，“XXX余”至少100；整体删去数字的（如“罚款万元”）"
          "没有上下限。“一致”只说明结构化数据落在总结允许的范围之内，范围宽（如100–999）时并不说明两者相同；“矛盾”说明两者"
          "不可能同时成立，或二者的地区、年份、口径不同。对照只用目标年份的全年数字：专利授权量合计及其比上年的增长、"
          "登记机关（SAMR）的全年新设和年末存量之差、本地区全年食品抽检批次（全部食品）。",
    "en": "An X in the work summary stands for a removed digit: X is 0-9, XX 10-99, XXX 100-999, XXX余 at least 100; a "
          "figure whose number was removed entirely (罚款万元) has no bounds. 'Consistent' only says the structured figure "
          "lies within what the summary allows; with a wide range (100-999) that does not make the two the same. A "
          "'contradiction' means the two cannot both hold, or that they differ in region, year or coverage. Only the "
          "target year's full-year figures are compared: the total of patents granted and its growth on the year "
          "before, the registrar's (SAMR) new registrations and the change in its year-end stock, and the region's own "
          "food sampling batches (all foods).",
}


def _stated_text(value: float, lower: float, upper: float, unit: str, lang: str) -> str:
    """A stated or structured figure: the value when exact, else its bounds; with its unit."""
    text = format_figure(value) if lower == upper == value else format_bounds(lower, upper, lang)
    return f"{text}{unit}" if lang == "zh" or unit == "%" else f"{text} {unit}"


def work_summary(figures: pd.DataFrame, bounds: pd.DataFrame, unparsed: pd.DataFrame, comparison: pd.DataFrame,
                 region: str, dataset: str, target_year: int, lang: str) -> list[str]:
    """Findings of the work-summary analysis: what it states, what is redacted, how it compares.

    ``figures``: :func:`analysis.summary.figures`; ``bounds``: :func:`analysis.summary.bounds_counts`;
    ``unparsed``: :func:`analysis.indicators.unparsed_mentions`; ``comparison``: :func:`analysis.summary.compare`.
    """
    zh, where = lang == "zh", region_label(region, lang)
    domains = figures["domain"].value_counts().sort_values(ascending=False, kind="stable")
    per_domain = ("、" if zh else ", ").join(
        f"{label(f'domain_{d}', lang)}{n}个" if zh else f"{label(f'domain_{d}', lang)} {n}"
        for d, n in domains.items())
    redacted = int(bounds["n"].sum())
    lines = [f"工作总结列出{len(figures)}个统计数字，分属{len(domains)}个领域（{per_domain}），其中{redacted}个隐去了数字"
             f"（以X代替或整体删去）。" if zh else
             f"The summary states {len(figures)} figures in {len(domains)} domains ({per_domain}); {redacted} of "
             "them are redacted (digits replaced by X, or the number removed)."]
    known = bounds["lower"].notna() | bounds["upper"].notna()
    if redacted:
        listed = ("、" if zh else ", ").join(
            f"{r.n}个为{format_bounds(r.lower, r.upper, lang)}" if zh
            else f"{format_bounds(r.lower, r.upper, lang)} for {r.n}" for r in bounds[known].itertuples())
        removed = int(bounds.loc[~known, "n"].sum())
        lines.append(f"按X的位数推出上下限：{listed}；{removed}个整体删去了数字，没有上下限。" if zh else
                     f"Bounds from the number of X: {listed}; {removed} with the number removed entirely, without "
                     "bounds.")
    lines.append(f"另有{len(unparsed)}处数字不是统计数字（年份、名称、标题序号等），逐一列出原因，未计入。" if zh else
                 f"{len(unparsed)} other number-like mentions are not figures (years, names, headings ...); each is "
                 "listed with its reason and left out.")
    return lines + _comparison_lines(comparison, where, dataset, target_year, lang)


def _comparison_lines(comparison: pd.DataFrame, where: str, dataset: str, target_year: int, lang: str) -> list[str]:
    """The verdicts of :func:`analysis.summary.compare` in one sentence, then each contradiction."""
    zh = lang == "zh"
    if comparison.empty:
        return ["总结中没有可与结构化数据对照的数字。" if zh else "The summary states no figure the structured data also give."]
    names = ("、" if zh else ", ").join(dict.fromkeys(label(f"indicator_{i}", lang) for i in comparison["indicator"]))
    counts = comparison["verdict"].value_counts()
    consistent, contradictions = counts.get("consistent", 0), counts.get("contradiction", 0)
    if comparison["structured_value"].isna().all():
        return [f"{len(comparison)}个数字（{names}）可与结构化数据对照，但数据集{dataset}中没有{where}{target_year}年的"
                "对应数据，未作比较（原因见对照表）。" if zh else
                f"{len(comparison)} figures ({names}) could be compared with the structured data, but dataset "
                f"{dataset} has none of them for {where}, {target_year}: not compared (reasons in the table)."]
    if consistent == len(comparison):
        lines = [f"{len(comparison)}个数字（{names}）与{where}{target_year}年的结构化数据（数据集{dataset}）对照，全部一致。"
                 if zh else f"All {len(comparison)} figures ({names}) are consistent with the structured data of "
                            f"{where}, {target_year} (dataset {dataset})."]
    else:
        not_comparable = len(comparison) - consistent - contradictions
        lines = [f"{len(comparison)}个数字（{names}）与{where}{target_year}年的结构化数据（数据集{dataset}）对照："
                 f"{consistent}个一致，{contradictions}个矛盾，{not_comparable}个无法比较（原因见对照表）。" if zh else
                 f"{len(comparison)} figures ({names}) compared with the structured data of {where}, {target_year} "
                 f"(dataset {dataset}): {consistent} consistent, {contradictions} contradictions, {not_comparable} "
                 "not comparable (reasons in the table)."]
    for _, r in comparison[comparison["verdict"].eq("contradiction")].iterrows():
        stated = _stated_text(r["stated_value"], r["stated_lower"], r["stated_upper"], r["unit"], lang)
        structured = _stated_text(r["structured_value"], r["structured_lower"], r["structured_upper"], r["unit"], lang)
        name = label(f"indicator_{r['indicator']}", lang)
        lines.append(f"矛盾：{name}，总结为{stated}，结构化数据为{structured}（{r['structured_source']}）。" if zh else
                     f"Contradiction, {name}: the summary states {stated}, the structured data give {structured} "
                     f"({r['structured_source']}).")
    return lines
