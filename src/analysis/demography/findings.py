"""Key findings of the demography analysis, as sentences generated from the result tables, in Chinese or English.

A register is a census: every interval and p-value here describes the process of entries and exits (how
much a Poisson process's count varies from year to year), not sampling error.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from analysis.demography.labels import label
from analysis.present.formatting import format_p, format_pct
from analysis.present.labels import region_label, table_caption

CAVEAT = {
    "zh": "登记簿是全部登记记录（普查），不是样本，没有抽样误差：出生率、死亡率的区间和p值把每年的新设、注销、吊销数"
          "看作泊松过程的一次实现，回答的是目标年份与基期的差别是否超出这一过程的年际波动，而非抽样误差。出生只计本区新设，"
          "迁入不算出生（自迁入日起计入存量）；迁出不算死亡，存活分析在迁出日删失，仍在册的主体在数据截止日删失。"
          "死亡为注销与吊销中较早的一项。各队列在共同观察期（目标年份1月1日至数据截止日的长度）上比较，较早队列更长的随访不进入检验。",
    "en": "The register is the complete set of records (a census), not a sample: there is no sampling error. The intervals "
          "and p-values of birth and death rates treat each year's births, deregistrations and revocations as one "
          "realisation of a Poisson process: they ask whether the target year differs from the baseline by more than that "
          "process varies from year to year. Births are entities founded in the district; entities moving in are not births "
          "(they join the stock on the day they move in); moving out is not a death, and survival is censored at the move "
          "out, and at the data's end for entities still registered. A death is the earlier of deregistration (注销) and "
          "revocation (吊销). Cohorts are compared over a common window (from 1 January of the target year to the data's "
          "end), so the longer follow-up of earlier cohorts does not enter the test.",
}

NO_REGISTER = {
    "zh": "数据集{dataset}没有登记簿（register.parquet），本节略过。",
    "en": "Dataset {dataset} has no register (register.parquet): this section is skipped.",
}


def section_title(region: str, marker: str, lang: str) -> str:
    """The report section's title: the dataset marker, the section's name and the district."""
    return f"{marker}{label('section', lang)}{'：' if lang == 'zh' else ': '}{region_label(region, lang)}"


def register_status(dataset: str, register: pd.DataFrame, data_end: dt.date | None, lang: str) -> str:
    """One line: the register's size and end date, or that the dataset has none and the section is skipped."""
    if data_end is None:
        return NO_REGISTER[lang].format(dataset=dataset)
    if lang == "zh":
        return f"登记簿：{len(register)}户主体，数据截至{data_end.isoformat()}。"
    return f"Register: {len(register)} entities, complete to {data_end.isoformat()}."


def _ratio(row, lang: str) -> str:
    text = (f"{row['estimate']:.2f}" if pd.notna(row["estimate"]) else "n/a")
    if lang == "zh":
        return f"为基期的{text}倍（95%区间{row['ci_low']:.2f}–{row['ci_high']:.2f}，{format_p(row['p_val'])}）"
    return f"{text} times the baseline (95% interval {row['ci_low']:.2f} to {row['ci_high']:.2f}, {format_p(row['p_val'])})"


def _rates_line(name: str, comparison: pd.DataFrame, target_year: int, lang: str) -> str:
    """Birth, death (注销/吊销) and churn in the target year against the pooled baseline."""
    c = comparison.set_index("measure")
    births, deaths = c.loc["birth_rate"], c.loc["death_rate"]
    dereg, revoked = c.loc["deregistration_rate"], c.loc["revocation_rate"]
    churn = (births["count"] + deaths["count"]) / births["opening_stock"]
    if lang == "zh":
        return (f"{name}：{target_year}年年初存量{births['opening_stock']}户，新设{births['count']}户，出生率"
                f"{format_pct(births['target'])}，{_ratio(births, lang)}，基期（{births['baseline']}年合计）"
                f"{format_pct(births['baseline_pooled'])}；死亡{deaths['count']}户，死亡率{format_pct(deaths['target'])}"
                f"（注销{format_pct(dereg['target'])}，吊销{format_pct(revoked['target'])}），{_ratio(deaths, lang)}，基期"
                f"{format_pct(deaths['baseline_pooled'])}；更替率{format_pct(churn)}。")
    return (f"{name}, {target_year}: opening stock {births['opening_stock']}, {births['count']} births, birth rate "
            f"{format_pct(births['target'])}, {_ratio(births, lang)}; baseline ({births['baseline']} pooled) "
            f"{format_pct(births['baseline_pooled'])}. {deaths['count']} deaths, death rate {format_pct(deaths['target'])} "
            f"(deregistered {format_pct(dereg['target'])}, revoked {format_pct(revoked['target'])}), "
            f"{_ratio(deaths, lang)}; baseline {format_pct(deaths['baseline_pooled'])}. Churn {format_pct(churn)}.")


def _survival_line(name: str, cohorts: pd.DataFrame, tests: pd.DataFrame, target_year: int, lang: str) -> str:
    """1-year survival by cohort and the target cohort's log-rank test against the pooled baseline cohorts."""
    parts = []
    for _, r in cohorts.iterrows():
        value = (format_pct(r["surv_1y"]) if pd.notna(r["surv_1y"])
                 else ("未满1年" if lang == "zh" else "not yet followed a year"))
        parts.append(f"{r['cohort']}年{value}" if lang == "zh" else f"{r['cohort']} {value}")
    line = (f"{name}：1年存活率 " + "，".join(parts)) if lang == "zh" else f"{name}: 1-year survival " + ", ".join(parts)
    if not tests.empty:
        t = tests.iloc[-1]
        hr = f"{t['hazard_ratio']:.2f}" if pd.notna(t["hazard_ratio"]) else "n/a"
        if lang == "zh":
            line += (f"；在共同观察期（成立后{t['window_years']:.2f}年）内，{target_year}年队列的退出风险是基期队列"
                     f"（{t['baseline_cohorts']}年）的{hr}倍（95%区间{t['hr_lower']:.2f}–{t['hr_upper']:.2f}，"
                     f"log-rank {format_p(t['p_val'])}）")
        else:
            line += (f"; over the common window ({t['window_years']:.2f} years from founding) the {target_year} "
                     f"cohort's exit hazard is {hr} times the baseline cohorts' ({t['baseline_cohorts']}; 95% interval "
                     f"{t['hr_lower']:.2f} to {t['hr_upper']:.2f}, log-rank {format_p(t['p_val'])})")
    return line + ("。" if lang == "zh" else ".")


def _young_line(name: str, shares: pd.DataFrame, target_year: int, lang: str) -> str:
    """The share of the target year's exits that were under 1, 3 and 5 years old, and the baseline's."""
    target = shares[shares["years"].eq(str(target_year))]
    base = shares[shares["years"].ne(str(target_year))]
    if target["exits"].iloc[0] == 0:
        return (f"{name}：{target_year}年没有退出。" if lang == "zh" else f"{name}: no exits in {target_year}.")

    def listed(rows, sep):
        return sep.join(f"{format_pct(r['share'])}" if pd.notna(r["share"]) else "n/a" for _, r in rows.iterrows())

    if lang == "zh":
        return (f"{name}：{target_year}年退出的{target['exits'].iloc[0]}户中，成立不满1、3、5年的分别占"
                f"{listed(target, '、')}；基期（{base['years'].iloc[0]}年）为{listed(base, '、')}。")
    return (f"{name}: of the {target['exits'].iloc[0]} exits in {target_year}, {listed(target, ', ')} were under 1, 3 "
            f"and 5 years old; baseline ({base['years'].iloc[0]}): {listed(base, ', ')}.")


def key_findings(comparison: pd.DataFrame, cohorts: pd.DataFrame, tests: pd.DataFrame, shares: pd.DataFrame,
                 target_year: int, entity_types: list[str], status: str, lang: str) -> list[str]:
    """Findings per entity type: rates against the baseline, cohort survival and the test, young exits.

    The tables are :func:`analysis.demography.step.target_vs_baseline`, ``cohort_survival``,
    ``cohort_logrank`` and ``young_exit_shares``; ``status`` is :func:`register_status`, the first line
    (and the only one without a register).
    """
    lines = [status]
    if comparison.empty:
        return lines
    for entity_type in entity_types:
        name = label(entity_type, lang)
        of = {key: frame[frame["entity_type"].eq(entity_type)]
              for key, frame in (("c", comparison), ("s", cohorts), ("t", tests), ("y", shares))}
        if not of["c"].empty:
            lines.append(_rates_line(name, of["c"], target_year, lang))
        if not of["s"].empty:
            lines.append(_survival_line(name, of["s"], of["t"], target_year, lang))
        if not of["y"].empty:
            lines.append(_young_line(name, of["y"], target_year, lang))
    return lines


def report_tables(marker: str, lang: str, **tables: pd.DataFrame) -> list[tuple[str, str, pd.DataFrame]]:
    """(file stem, caption, table) of each non-empty table for the report section.

    ``yearly=...`` is written as ``demography_yearly.csv`` with its caption from the labels registry
    (:data:`analysis.present.labels.TABLES`).
    """
    return [(f"demography_{key}", marker + table_caption(f"demography_{key}", lang), frame)
            for key, frame in tables.items() if not frame.empty]
