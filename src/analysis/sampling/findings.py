"""Key findings of the sampling pass rates, as sentences generated from the result tables, in Chinese or English.

Each sentence states the comparison honestly: the size first, then the interval and p-value, and what
"significant" means for census counts.
"""
from __future__ import annotations

import pandas as pd

from analysis.present.formatting import format_p, format_pct
from analysis.present.labels import period_label, region_label

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


def key_findings(rates: pd.DataFrame, comparisons: pd.DataFrame, trend: pd.DataFrame, target_year: int,
             region: str, period: str, lang: str) -> list[str]:
    """Findings of the sampling analysis: target pass rate, each comparison, the trend."""
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
