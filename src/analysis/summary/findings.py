"""Key findings of the work summary, as sentences generated from the result tables, in Chinese or English.

Each sentence states the comparison honestly: the size first, then the interval and p-value, and what
"significant" means for census counts.
"""
from __future__ import annotations

import math

import pandas as pd

from analysis.present.labels import format_bounds, format_figure, label, region_label

CAVEAT = {
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


def key_findings(figures: pd.DataFrame, bounds: pd.DataFrame, unparsed: pd.DataFrame, comparison: pd.DataFrame,
                 region: str, dataset: str, target_year: int, lang: str) -> list[str]:
    """Findings of the work-summary analysis: what it states, what is redacted, how it compares.

    ``figures``: :func:`analysis.summary.compare.figures`; ``bounds``: :func:`analysis.summary.compare.bounds_counts`;
    ``unparsed``: :func:`analysis.summary.indicators.unparsed_mentions`; ``comparison``: :func:`analysis.summary.compare.compare`.
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
    """The verdicts of :func:`analysis.summary.compare.compare` in one sentence, then each contradiction."""
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


NO_SUMMARY = {
    "zh": ["没有提供本地区的工作总结（参数summary_path为空），本节没有可列出或对照的数字。"],
    "en": ["No work summary was given for this region (parameter summary_path is empty): this section has no "
           "figures to list or compare."],
}


def _pct_range(lower: float, upper: float) -> str:
    low = "−∞" if math.isnan(lower) else f"{lower:+.1f}%"
    high = "+∞" if math.isnan(upper) else f"{upper:+.1f}%"
    return low if low == high else f"{low} – {high}"


def over_years_findings(table: pd.DataFrame, checks: pd.DataFrame, summary_years: list[int], lang: str) -> list[str]:
    """What several years' summaries say together: indicators in two or more years, and the growth-rate checks.

    ``table``: :func:`analysis.summary.years.linked`; ``checks``: :func:`analysis.summary.years.growth_checks`.
    """
    zh = lang == "zh"
    if len(summary_years) < 2:
        return ["只给出了一年的工作总结，无法比较历年的数字（参数earlier_summary_paths可列出往年的总结）。" if zh else
                "Only one year's summary was given: nothing to compare over the years (parameter "
                "earlier_summary_paths lists earlier summaries)."]
    span = f"{min(summary_years)}–{max(summary_years)}"
    counts = table[~table["is_growth_rate"]].groupby("indicator")["year"].nunique()
    several = list(counts[counts.ge(2)].index)
    names = ("、" if zh else ", ").join(several[:8]) + ("等" if zh and len(several) > 8 else
                                                        ", ..." if len(several) > 8 else "")
    lines = [f"{len(summary_years)}份工作总结（{span}年）中，{len(several)}个指标出现在两年或以上：{names}。" if zh else
             f"Of the {len(summary_years)} summaries ({span}), {len(several)} indicators appear in two years or "
             f"more: {names}."]
    verdicts = checks["verdict"].value_counts()
    consistent, contradictions = verdicts.get("consistent", 0), verdicts.get("contradiction", 0)
    lines.append(f"总结所述增长率{len(checks)}个：{consistent}个是两年的数字能够给出的，{contradictions}个矛盾，"
                 f"{len(checks) - consistent - contradictions}个无法核对（缺一年的数字或没有上下限）。" if zh else
                 f"{len(checks)} growth rates stated: {consistent} the two years' figures can give, {contradictions} "
                 f"contradictions, {len(checks) - consistent - contradictions} not checkable (a year's figure "
                 "missing, or no bounds).")
    for r in checks[checks["verdict"].eq("contradiction")].itertuples():
        stated, implied = _pct_range(r.stated_lower, r.stated_upper), _pct_range(r.implied_lower, r.implied_upper)
        lines.append(f"矛盾：{r.year}年的总结称{r.indicator}{stated}，而{r.year - 1}年和{r.year}年总结中的数字只能给出"
                     f"{implied}。" if zh else
                     f"Contradiction: the {r.year} summary states {r.indicator} {stated}, but the figures of the "
                     f"{r.year - 1} and {r.year} summaries give {implied}.")
    return lines
