"""Labels of the demography figures, tables and sentences in Chinese (zh) or English (en)."""
from __future__ import annotations

from analysis.present.labels import label as shared_label

LABELS: dict[str, dict[str, str]] = {
    "section": {"zh": "市场主体出生、死亡与存活（登记簿）", "en": "Business demography: births, deaths and survival (register)"},
    "survival_title": {"zh": "各出生队列的存活曲线（Kaplan-Meier，95%区间）",
                       "en": "Survival of birth cohorts (Kaplan-Meier, 95% bands)"},
    "hazard_title": {"zh": "按年龄的退出风险（每百户年退出数，95%区间）",
                     "en": "Exit hazard by age (exits per 100 entity-years, 95% intervals)"},
    "monthly_title": {"zh": "每月新设（出生）与注销、吊销（死亡）", "en": "Births and deaths per month"},
    "survival": {"zh": "存活比例", "en": "Share still registered"},
    "age_years": {"zh": "成立后年数", "en": "Years since founding"},
    "age_band": {"zh": "年龄（年）", "en": "Age (years)"},
    "per_100_years": {"zh": "每百户年退出数", "en": "Exits per 100 entity-years"},
    "per_month": {"zh": "每月户数", "en": "Entities per month"},
    "births": {"zh": "新设（出生）", "en": "Births"},
    "deaths": {"zh": "注销＋吊销（死亡）", "en": "Deaths (deregistered + revoked)"},
    "cohort": {"zh": "{year}年队列", "en": "Cohort {year}"},
    "baseline_years": {"zh": "基期（{years}年）", "en": "Baseline ({years})"},
    "partial_month": {"zh": "不完整月份（空心）", "en": "Partial month (hollow)"},
}


def label(key: str, lang: str) -> str:
    """A demography label, or a shared one (entity types, target year, baseline)."""
    return LABELS[key][lang] if key in LABELS else shared_label(key, lang)
