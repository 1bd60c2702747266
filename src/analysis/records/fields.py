"""The three record types as the systems export them: canonical columns and their Chinese headers.

A header is matched after removing spaces and brackets' content-free variants (``申请人地址``,
``申请人 地址``); every alias below is accepted, in Chinese or English. ``key`` is the column that
identifies a record: the same key in two files is one record when the rows are identical and an error
when they differ.
"""
from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class RecordType:
    """A record type: its name, the files' stem, canonical columns with aliases, required columns, key."""

    name: str
    zh: str
    columns: dict[str, tuple[str, ...]]
    required: tuple[str, ...]
    key: str

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.columns)


SAMPLING = RecordType(
    "sampling", "抽检批次",
    {
        "sample_id": ("抽样单编号", "抽样编号", "抽样单号", "sample_id"),
        "sample_date": ("抽样日期", "抽样时间", "sample_date"),
        "report_date": ("报告日期", "检验报告日期", "报告签发日期", "report_date"),
        "category": ("食品大类", "产品大类", "样品大类", "category"),
        "subcategory": ("食品细类", "食品亚类", "细类", "subcategory"),
        "stage": ("抽样环节", "环节", "stage"),
        "task_source": ("任务来源", "任务类别", "task_source"),
        "division_code": ("被抽样单位所在地区划代码", "被抽样单位区划代码", "行政区划代码", "区划代码", "division_code"),
        "conclusion": ("检验结论", "结论", "conclusion"),
        "failed_items": ("不合格项目", "不合格项目║检验结果║标准值", "failed_items"),
        "notice_no": ("公告号", "通告号", "notice_no"),
    },
    required=("sample_id", "sample_date", "category", "task_source", "division_code", "conclusion"),
    key="sample_id",
)

REGISTER = RecordType(
    "register", "市场主体登记",
    {
        "uscc": ("统一社会信用代码", "信用代码", "uscc"),
        "declared_type": ("市场主体类型", "主体类型", "企业类型", "类型", "entity_type"),
        "founded": ("成立日期", "登记日期", "founded"),
        "status": ("登记状态", "经营状态", "status"),
        "deregistered": ("注销日期", "deregistered"),
        "revoked": ("吊销日期", "revoked"),
        "moved_out": ("迁出日期", "迁出", "moved_out"),
        "moved_in": ("迁入日期", "迁入", "moved_in"),
        "authority": ("登记机关", "authority"),
        "division_code": ("住所行政区划代码", "住所所在行政区划", "行政区划代码", "区划代码", "division_code"),
    },
    required=("uscc", "declared_type", "founded", "division_code"),
    key="uscc",
)

PATENTS = RecordType(
    "patents", "专利授权",
    {
        "application_no": ("申请号", "专利申请号", "application_no"),
        "patent_type": ("专利类型", "类型", "patent_type"),
        "grant_date": ("授权公告日", "授权公告日期", "授权日", "grant_date"),
        "applicant": ("申请人", "专利权人", "applicant"),
        "address": ("申请人地址", "地址", "address"),
        "ipc": ("IPC主分类号", "主分类号", "ipc"),
        "division_code": ("行政区划代码", "区划代码", "division_code"),
    },
    required=("application_no", "patent_type", "grant_date"),
    key="application_no",
)

RECORD_TYPES = {t.name: t for t in (SAMPLING, REGISTER, PATENTS)}
#: Date columns of each record type (parsed by :func:`analysis.records.queries.parse_date`).
DATE_COLUMNS = {"sampling": ("sample_date", "report_date"),
                "register": ("founded", "deregistered", "revoked", "moved_out", "moved_in"),
                "patents": ("grant_date",)}


def _plain(header: str) -> str:
    return re.sub(r"[\s\u3000（）()]", "", str(header)).lower()


def canonical_columns(record_type: RecordType, headers: list[str]) -> tuple[dict[str, str], list[str]]:
    """Canonical column -> header as written, and the problems: required columns missing, columns twice."""
    by_alias = {_plain(alias): name for name, aliases in record_type.columns.items() for alias in aliases}
    found: dict[str, list[str]] = {}
    for header in headers:
        name = by_alias.get(_plain(header))
        if name:
            found.setdefault(name, []).append(header)
    problems = [f"column '{name}' given {len(written)} times (as {', '.join(map(repr, written))})"
                for name, written in found.items() if len(written) > 1]
    problems += [f"missing column '{name}' (a header {' or '.join(record_type.columns[name][:2])})"
                 for name in record_type.required if name not in found]
    return {name: written[0] for name, written in found.items()}, problems
