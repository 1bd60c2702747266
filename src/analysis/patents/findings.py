"""Key findings of the patent analysis, as sentences generated from the result tables, in Chinese or English.

Each sentence states the comparison honestly: the size first, then the interval and p-value, and what
"significant" means for census counts.
"""
from __future__ import annotations

import pandas as pd

from analysis.present.formatting import format_p, TREND_POSITION
from analysis.present.labels import label, region_label

CAVEAT = {
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


def _across_types(values, fmt: str, lang: str) -> str:
    """``a`` (zh ``为a``) if all values format alike, else the smallest and the largest, worded as a range across types
    (not an interval): ``各类型在a至b之间`` / ``from a to b across types``."""
    low, high = format(min(values), fmt), format(max(values), fmt)
    if low == high:
        return f"为{low}" if lang == "zh" else low
    return f"各类型在{low}至{high}之间" if lang == "zh" else f"from {low} to {high} across types"


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


#: Why :func:`analysis.stats.counts.rate_ratios` did not test a series, by the reason in its ``note``
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
        per_type = ("、" if zh else ", ").join(
            f"{label(r['patent_type'], lang)}{r['estimate']:.3f}" if zh else f"{label(r['patent_type'], lang)} {r['estimate']:.3f}"
            for _, r in tested.iterrows())
        significant = int((tested["p_val"] < 0.05).sum())
        line = (f"精确Poisson率比（{target_year}/{previous}）分别为{per_type}，{len(tested)}个类型中{significant}个p<0.05"
                if zh else f"Exact Poisson rate ratios {target_year}/{previous}: {per_type}; p < 0.05 for "
                           f"{significant} of {len(tested)} types")
        lines.append(line + ("。" if zh else ".") + _dispersion_sentence(phi, target_year, lang))
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


def _dispersion_sentence(phi: pd.Series, target_year: int, lang: str) -> str:
    """What the baseline dispersion φ says about those p-values, worded from how many φ exceed 1.

    φ = 1 for a Poisson process: a type with φ > 1 varies more from year to year than Poisson, so its exact
    test overstates the evidence; with φ ≤ 1 the exact test is not anticonservative.
    """
    if phi.empty:
        return ""
    zh, span = lang == "zh", _across_types(phi, ".1f", lang)
    over = int((phi > 1).sum())
    if over == len(phi):
        which = ("各类型年际波动均" if len(phi) > 1 else "年际波动") if zh else \
            ("every type varies" if len(phi) > 1 else "the years vary")
        return (f"基期离散系数φ{span}（Poisson过程为1），{which}大于Poisson假设，"
                f"这些p值本身不说明{target_year}年异常，应看趋势的预测区间。" if zh else
                f" The baseline dispersion φ is {span} (1 for a Poisson process): {which} more from year to "
                f"year than Poisson, so these p-values alone say nothing about {target_year} being unusual; read the "
                "trend's prediction interval.")
    if over == 0:
        return (f"基期离散系数φ{span}，均不大于1（Poisson过程为1），年际波动未超过Poisson假设。" if zh else
                f" The baseline dispersion φ is {span}, none above 1 (1 for a Poisson process): the years vary no "
                "more than Poisson.")
    return (f"基期离散系数φ{span}（Poisson过程为1），{len(phi)}个类型中{over}个大于1：这些类型的年际波动大于Poisson假设，"
            f"其p值本身不说明{target_year}年异常。" if zh else
            f" The baseline dispersion φ is {span} (1 for a Poisson process), above 1 for {over} of {len(phi)} types: "
            f"those vary more than Poisson, and their p-values alone say nothing about {target_year} being unusual.")


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


def key_findings(series: pd.DataFrame, growth: pd.DataFrame, ratios: pd.DataFrame, trend: pd.DataFrame,
            target_year: int, region: str, lang: str, coverage_from: int | None = None,
            trend_since: pd.DataFrame | None = None) -> list[str]:
    """Findings of the patents analysis: one sentence per type, then the exact tests and the coverage caveat.

    ``series``: the tidy rows of the types analysed; ``growth``:
    :func:`analysis.stats.counts.target_vs_baseline_growth`; ``ratios``: :func:`analysis.patents.step.exact_rate_ratios`;
    ``trend`` and ``trend_since`` (the baseline after a coverage change, or None):
    :func:`analysis.stats.counts.loglinear_trend`; all one row per ``patent_type``.
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
