"""Key findings of the sampling pass rates, as sentences generated from the result tables, in Chinese or English.

Each sentence states the comparison honestly: the size first, then the interval and p-value, and what
"significant" means for census counts.
"""
from __future__ import annotations

import pandas as pd

from analysis.present.formatting import format_p, format_pct
from analysis.present.labels import period_label, region_label
from analysis.stats.proportions import ALPHA

CAVEAT = {
    "zh": "抽检批次是当期全部完成的监督抽检，不是随机样本；区间和检验把合格率看作抽检过程的结果。"
          "抽检计划和重点品种的调整也会改变合格率。",
    "en": "Batches are every supervision inspection done in the period, not a random sample; intervals and "
          "tests treat the pass rate as the outcome of the inspection process. Changes in sampling plans and "
          "targeted categories also move the pass rate.",
}
#: From this many batches in a year, tiny differences are 'significant': the caveat says so.
LARGE_BATCHES = 100_000
LARGE_CAVEAT = {
    "zh": "批次数很大（本表每年最多{batches:,}批次），极小的差异也会“显著”，应先看差异大小。",
    "en": "With this many batches (up to {batches:,} a year here) tiny differences are 'significant': read the "
          "size first.",
}


def caveat(rates: pd.DataFrame, lang: str) -> str:
    """The methods note: what the batches are; the warning about 'significant' only where counts are large."""
    most = int(rates["batches"].max())
    text = CAVEAT[lang]
    return text + (" " if lang == "en" else "") + LARGE_CAVEAT[lang].format(batches=most) if most >= LARGE_BATCHES else text


def _baseline_label(comparison: str, lang: str) -> str:
    """The baseline of a comparison ("2021 vs 2020", "2021 vs pooled 2017-2020") as written in the findings."""
    baseline = comparison.split(" vs ")[1]
    if lang == "zh":
        return (f"基期合计（{baseline.removeprefix('pooled ')}年）" if baseline.startswith("pooled")
                else f"{baseline}年同期")
    return baseline


def _comparison_line(row: pd.Series, lang: str) -> str:
    test = "Fisher" if row["fisher_applied"] else "z"
    if lang == "zh":
        direction = "高" if row["diff_pp"] > 0 else "低"
        return (f"与{_baseline_label(row['comparison'], lang)}相比{direction}{abs(row['diff_pp']):.2f}个百分点"
                f"（95% Newcombe区间{row['ci_low']:+.2f}至{row['ci_high']:+.2f}；{test}检验{format_p(row['p_val'])}，"
                f"Holm校正后{format_p(row['p_adj'])}）。")
    direction = "above" if row["diff_pp"] > 0 else "below"
    return (f"{row['comparison']}: {abs(row['diff_pp']):.2f} percentage points {direction} "
            f"(95% Newcombe interval {row['ci_low']:+.2f} to {row['ci_high']:+.2f}; {test}-test "
            f"{format_p(row['p_val'])}, Holm-adjusted {format_p(row['p_adj'])}).")


def _stratified_line(row: pd.Series, target_year: int, lang: str) -> str:
    year = row["comparison"].split(" vs ")[1]
    ratio = f"{row['common_odds_ratio']:.2f}"
    interval = f"{row['ci_low']:.2f}–{row['ci_high']:.2f}" if lang == "zh" else f"{row['ci_low']:.2f} to {row['ci_high']:.2f}"
    if lang == "zh":
        return (f"按食品类别分层（Mantel-Haenszel，{row['n_strata']}个类别）：{target_year}年与{year}年相比，"
                f"类别内不合格的共同比值比{ratio}（95%区间{interval}；{format_p(row['p_val'])}，"
                f"Holm校正后{format_p(row['p_adj'])}；Breslow-Day同质性检验{format_p(row['bd_p_val'])}）。")
    return (f"Stratified by food category (Mantel-Haenszel, {row['n_strata']} categories), {target_year} vs {year}: "
            f"common odds ratio of an unqualified batch {ratio} (95% interval {interval}; {format_p(row['p_val'])}, "
            f"Holm-adjusted {format_p(row['p_adj'])}; Breslow-Day homogeneity {format_p(row['bd_p_val'])}).")


def disagreements(rates: pd.DataFrame, comparisons: pd.DataFrame, stratified: pd.DataFrame,
                  target_year: int) -> pd.DataFrame:
    """Baseline years where the crude and the stratified comparison disagree at ``ALPHA`` after adjustment.

    They disagree when one is significant (Holm-adjusted p below 0.05) and the other is not, or both are
    and point in opposite directions (the crude difference in pass rate against the common odds of
    failing). Columns: ``baseline_year``, ``crude_worse``, ``crude_significant``, ``stratified_worse``,
    ``stratified_significant``, ``full_coverage`` (the strata hold every batch of both years' totals, so
    only the category mix can separate the two) and the stratified row's ``n_strata``, ``target_batches``,
    ``crude_odds_ratio``, ``common_odds_ratio``.
    """
    crude = comparisons.set_index("comparison")
    batches = rates.set_index("year")["batches"]
    rows = []
    for _, row in stratified.iterrows():
        year = int(row["comparison"].split(" vs ")[1])
        match = crude.loc[row["comparison"]]
        crude_worse, crude_significant = match["diff_pp"] < 0, match["p_adj"] < ALPHA
        stratified_worse, stratified_significant = row["common_odds_ratio"] > 1, row["p_adj"] < ALPHA
        if crude_significant == stratified_significant and (not crude_significant or crude_worse == stratified_worse):
            continue
        rows.append({"baseline_year": year, "crude_worse": bool(crude_worse),
                     "crude_significant": bool(crude_significant), "stratified_worse": bool(stratified_worse),
                     "stratified_significant": bool(stratified_significant),
                     "full_coverage": bool(row["target_batches"] == batches[target_year]
                                           and row["baseline_batches"] == batches[year]),
                     **row[["n_strata", "target_batches", "crude_odds_ratio", "common_odds_ratio"]].to_dict()})
    columns = ["baseline_year", "crude_worse", "crude_significant", "stratified_worse", "stratified_significant",
               "full_coverage", "n_strata", "target_batches", "crude_odds_ratio", "common_odds_ratio"]
    return pd.DataFrame(rows, columns=columns)


def _verdict(worse: bool, significant: bool, lang: str) -> str:
    if lang == "zh":
        return ("合格率显著" + ("较低" if worse else "较高")) if significant else "无显著差异"
    return ("significantly " + ("worse" if worse else "better")) if significant else "no significant difference"


def _disagreement_line(row: pd.Series, target_year: int, target_batches: int, lang: str) -> str:
    crude = _verdict(row["crude_worse"], row["crude_significant"], lang)
    within = _verdict(row["stratified_worse"], row["stratified_significant"], lang)
    year = row["baseline_year"]
    if lang == "zh":
        head = f"注意：与{year}年相比，合计比较（{crude}）与按类别分层的比较（{within}）结论不同。"
        if row["full_coverage"]:
            return head + "两者用的是同一批次，差别来自各类食品抽检比例（类别构成）的变化，而非类别内合格率的变化。"
        return head + (f"分层比较只包括两年都公布了批次数的{row['n_strata']}个类别（{target_year}年"
                       f"{int(row['target_batches']):,}批次，合计{target_batches:,}批次）；这些类别合并的比值比"
                       f"{row['crude_odds_ratio']:.2f}、分层的{row['common_odds_ratio']:.2f}，"
                       + ("差别主要来自所含类别不同，而非类别构成。" if (row["crude_odds_ratio"] > 1) == (row["common_odds_ratio"] > 1)
                          else "类别构成也改变了结论。"))
    head = (f"Note: against {year}, the crude comparison ({crude}) and the comparison stratified by category "
            f"({within}) disagree.")
    if row["full_coverage"]:
        return head + (" Both use the same batches: the difference comes from the category mix of sampling, "
                       "not from pass rates within categories.")
    return head + (f" The stratified comparison covers only the {row['n_strata']} categories with counts in both "
                   f"years ({int(row['target_batches']):,} of {target_batches:,} batches in {target_year}); pooled, "
                   f"their odds ratio is {row['crude_odds_ratio']:.2f}, stratified {row['common_odds_ratio']:.2f}, "
                   + ("so the difference lies in which categories are covered, not in their mix."
                      if (row["crude_odds_ratio"] > 1) == (row["common_odds_ratio"] > 1)
                      else "so the category mix also changes the conclusion."))


def adjustment_note(comparisons: pd.DataFrame, stratified: pd.DataFrame, lang: str) -> str:
    """Which adjustment is used over which family of comparisons, for the notebook and the report."""
    crude, strata = comparisons["p_val"].notna().sum(), stratified["p_val"].notna().sum()
    if lang == "zh":
        return (f"多重比较：p值用Holm法校正（R p.adjust(p, \"holm\")），每张表各为一族。合计比较一族{crude}个："
                "目标年对每个基期年及基期合计，校正的是每行实际报告的检验（计数少时为Fisher精确检验，否则为z检验）；"
                f"按类别分层的比较一族{strata}个：目标年对每个有分类别批次数的基期年。Holm法不要求各比较相互独立"
                "（它们共用目标年），控制族错误率。")
    return (f"Multiple comparisons: p-values are Holm-adjusted (R p.adjust(p, \"holm\")), one family per table. "
            f"Crude comparisons, a family of {crude}: the target year against each baseline year and the pooled "
            "baseline, adjusting the test reported in each row (Fisher's exact test where counts are small, else "
            f"the z-test). Stratified comparisons, a family of {strata}: the target year against each baseline "
            "year with category counts. Holm controls the family-wise error rate without assuming the comparisons "
            "independent (they share the target year).")


def key_findings(rates: pd.DataFrame, comparisons: pd.DataFrame, stratified: pd.DataFrame, trend: pd.DataFrame,
                 target_year: int, baseline_years: list[int], region: str, period: str, lang: str) -> list[str]:
    """Findings of the sampling analysis: target pass rate, each comparison, the stratified ones, the trend."""
    target = rates.set_index("year").loc[target_year]
    where = region_label(region, lang)
    when = period_label(period, lang)
    if lang == "zh":
        lines = [f"{target_year}年{when}{where}食品监督抽检{int(target['batches']):,}批次，"
                 f"不合格{int(target['unqualified']):,}批次，合格率{format_pct(target['pass_rate'])}"
                 f"（95% Wilson区间{format_pct(target['wilson_low'])}–{format_pct(target['wilson_high'])}）。"]
    else:
        lines = [f"{where}, {when} {target_year}: {int(target['batches']):,} batches sampled, "
                 f"{int(target['unqualified']):,} unqualified, pass rate {format_pct(target['pass_rate'])} "
                 f"(95% Wilson interval {format_pct(target['wilson_low'])} to {format_pct(target['wilson_high'])})."]
    lines += [_comparison_line(row, lang) for _, row in comparisons.iterrows()]
    lines += [_stratified_line(row, target_year, lang) for _, row in stratified.iterrows()]
    covered = {int(c.split(" vs ")[1]) for c in stratified["comparison"]}
    uncovered = [year for year in baseline_years if year not in covered]
    if uncovered:
        years = "、".join(map(str, uncovered)) if lang == "zh" else ", ".join(map(str, uncovered))
        lines.append(f"{years}年没有分类别的批次数，未做按类别分层的比较。" if lang == "zh"
                     else f"No category counts for {years}: no stratified comparison.")
    lines += [_disagreement_line(row, target_year, int(target["batches"]), lang)
              for _, row in disagreements(rates, comparisons, stratified, target_year).iterrows()]
    t = trend.iloc[0]
    if lang == "zh":
        lines.append(f"{t['years']}年合格率线性趋势每年{t['slope_pp_per_year']:+.2f}个百分点"
                     f"（Cochran-Armitage χ²={t['statistic']:.1f}，{format_p(t['p_val'])}）。")
    else:
        lines.append(f"Linear trend over {t['years']}: {t['slope_pp_per_year']:+.2f} percentage points a year "
                     f"(Cochran-Armitage chi-squared {t['statistic']:.1f}, {format_p(t['p_val'])}).")
    return lines
