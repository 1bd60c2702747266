"""Key findings of the market-entity analysis, as sentences generated from the result tables, in Chinese or English.

Each sentence states the comparison honestly: the size first, then the interval and p-value, and what
"significant" means for census counts.
"""
from __future__ import annotations


import pandas as pd

from analysis.present.formatting import format_p, format_pct, TREND_POSITION
from analysis.present.labels import format_count, label, region_label
from analysis.readers.gaps import DEFAULT_STATUS, STATUS_WORDS

CAVEAT = {
    "zh": "市场主体数是登记机关的全部登记记录（普查），不是样本，没有抽样误差；全国数字多为公布的约数（如1.54亿），"
          "两个约数相减的净增带有两者的取整误差，报告给出其上下限。数据中缺少的年末存量（未收录；来源表明没有公布的称未公布，见gaps.csv）不插补，"
          "跨缺年只给年均变化；缺少注销数时，退出为“新设−净增”的隐含值，还含迁入迁出和吊销等。"
          "商事制度改革（2014年起注册资本认缴、“多证合一”、简易注销）改变了进入和退出的难易，2018年起统计由工商总局转为市场监管总局；"
          "2023年起“经营主体”取代“市场主体”的称谓，范围相同。商务部研究院、天眼查等商业机构的数字（NON-SAMR）从不混入监管部门的序列。",
    "en": "Market-entity counts are the registrar's complete records (a census), not a sample: there is no sampling "
          "error. National figures are mostly published rounded (1.54亿 = 154 million); a net change from two rounded "
          "stocks carries both rounding errors, and the report gives its bounds. Year-end stocks missing from the data (not in "
          "the data; 'not published' where the source shows it was not published, see gaps.csv) are not interpolated: across a gap only the annual "
          "average change is given. Where deregistrations are missing, exits are implied as new - net growth and also absorb migration and "
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


def _missing(row, column: str, lang: str) -> str:
    """未公布 / 未收录 (not published / not in the data) for a missing figure of a :func:`flows` row."""
    status = row[column] if row is not None and column in row and row[column] else DEFAULT_STATUS
    return STATUS_WORDS[status][lang]


def _entity_stock_line(name: str, row, target_year: int, where: str, lang: str) -> str:
    """The target year's stock and its net growth, or the change over the gap and why."""
    if row is None or pd.isna(row["stock"]):
        if lang == "zh":
            return f"{where}{target_year}年末{name}存量{_missing(row, 'stock_gap', lang)}，无法计算{target_year}年的净增和增长率。"
        return (f"{name}, {where}: the year-end {target_year} stock is {_missing(row, 'stock_gap', lang)}; "
                f"no net growth for {target_year}.")
    rounded = row["stock_qualifier"] != "exact"
    if lang == "zh":
        line = f"{target_year}年末{where}{name}{format_count(row['stock'], lang)}户{'（公布约数）' if rounded else ''}"
        if pd.isna(row["prev_year"]):
            return line + "；没有更早的年末存量，无法计算净增。"
        if row["years_since_prev"] == 1:
            return line + (f"，{target_year}年净增{format_count(row['net_growth'], lang)}户"
                           f"{_bounds(row['change_low'], row['change_high'], lang)}，增长{format_pct(row['yoy_growth'])}。")
        gap, prev = int(row["years_since_prev"]), int(row["prev_year"])
        return line + (f"；{target_year - 1}年末存量{_missing(row, 'opening_gap', lang)}，无法计算{target_year}年净增。{prev}年末至{target_year}年末"
                       f"共增{format_count(row['stock'] - row['prev_stock'], lang)}户，年均{format_count(row['mean_annual_change'], lang)}户"
                       f"{_bounds(row['change_low'], row['change_high'], lang, rounded=True)}，"
                       f"年均增长{format_pct(row['annualised_growth'])}（{gap}年）。")
    line = f"{name}, {where}, end {target_year}: {format_count(row['stock'], lang)}{' (published rounded)' if rounded else ''}"
    if pd.isna(row["prev_year"]):
        return line + "; no earlier year-end stock, so no net growth."
    if row["years_since_prev"] == 1:
        return line + (f"; net growth {target_year} {format_count(row['net_growth'], lang)}"
                       f"{_bounds(row['change_low'], row['change_high'], lang)}, {format_pct(row['yoy_growth'])}.")
    gap, prev = int(row["years_since_prev"]), int(row["prev_year"])
    return line + (f"; the end-{target_year - 1} stock is {_missing(row, 'opening_gap', lang)}, so net growth {target_year} cannot be "
                   f"computed. From end {prev} to end {target_year}: +{format_count(row['stock'] - row['prev_stock'], lang)}, "
                   f"{format_count(row['mean_annual_change'], lang)} a year"
                   f"{_bounds(row['change_low'], row['change_high'], lang, rounded=True)}, "
                   f"{format_pct(row['annualised_growth'])} a year over {gap} years.")


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
            parts.append(f"{what}{format_pct(r['target'])}" if lang == "zh" else f"{what.lower()} {format_pct(r['target'])}")
    if not parts:
        return ""
    return ("；".join(parts) + "。") if lang == "zh" else ("; ".join(parts) + ".")


def key_findings(table: pd.DataFrame, comparison: pd.DataFrame, trend: pd.DataFrame, target_year: int,
                    region: str, entity_types: list[str], lang: str) -> list[str]:
    """Findings of the market-entities analysis, per entity type, saying plainly what cannot be computed.

    ``table``: :func:`analysis.market_entities.step.flows`; ``comparison``: ``target_vs_baseline``;
    ``trend``: ``trend_comparison``. A missing figure is worded by its gap status in ``table``
    (未公布 where data/raw/gaps.csv says it was not published, else 未收录: not in the data).
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
                     f"（退出还需注销数或净增）都在数据中。" if lang == "zh" else
                     f"Entry and exit rates for {target_year} cannot be computed: they need the end-{target_year - 1} "
                     f"stock and the full-year {target_year} new registrations (and deregistrations or the net growth) "
                     "in the data.")
    return lines


NO_DISCREPANCY = {
    "zh": "没有超出容差的不一致（或没有年份同时公布四个数）。",
    "en": "No case has all four figures published beyond the tolerance: no discrepancy to report.",
}


def consistency(check: pd.DataFrame, lang: str) -> str:
    """The consistency check in words: every warning, or that there is none to report."""
    return "\n".join(consistency_warnings(check, lang)) or NO_DISCREPANCY[lang]


def consistency_warnings(check: pd.DataFrame, lang: str) -> list[str]:
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
