"""Declared schemas for raw tables: parse cells as written, then validate with pandera.

A schema is declared once per raw table (next to its dataset step) as a tuple of :class:`Field`.
Loading runs in two stages:

1. *parse*: column names are mapped from Chinese or English (:data:`COLUMN_ALIASES`); each cell is
   parsed as written in Chinese reports (``1.54亿``, ``638万余``, ``2021年``, ``福建``) by
   :mod:`analysis.numbers`, which no validation library does; counts keep a ``<name>_qualifier``
   column (exact, rounded, lower_bound, approximate).
2. *validate*: a pandera ``DataFrameSchema`` generated from the same fields checks ranges, allowed
   values, key uniqueness and cross-column rules on the parsed values (the PUDL pattern).

Every problem of both stages is collected and raised together as one :class:`~analysis.io.DataError`,
one line each: file, row, column, what is wrong, what was expected.
"""
from __future__ import annotations

import datetime
import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from analysis.io import DataError, Problem, display_path, read_table
from analysis.numbers import NumberFormatError, normalise_region, parse_number, parse_year

#: Column names accepted for each canonical column (Chinese headers exported by government systems).
COLUMN_ALIASES: dict[str, str] = {
    "地区": "region", "区域": "region", "行政区划": "region",
    "层级": "level", "级别": "level",
    "范围": "scope", "抽检范围": "scope",
    "年份": "year", "年度": "year", "年": "year",
    "期间": "period", "时期": "period", "统计期": "period",
    "类别": "category", "食品类别": "category", "食品大类": "category",
    "抽检批次": "batches", "批次": "batches", "抽检批次数": "batches",
    "不合格批次": "unqualified", "不合格批次数": "unqualified",
    "不合格率": "unqualified_rate_pct", "不合格率(%)": "unqualified_rate_pct",
    "不合格率（%）": "unqualified_rate_pct",
    "口径": "basis", "统计口径": "basis",
    "发明": "invention", "发明专利": "invention",
    "实用新型": "utility_model", "实用新型专利": "utility_model",
    "外观设计": "design", "外观设计专利": "design",
    "合计": "total", "专利授权量": "total", "总计": "total",
    "商标": "trademarks", "商标注册量": "trademarks",
    "发明专利授权量": "invention", "实用新型专利授权量": "utility_model", "外观设计专利授权量": "design",
    "注册商标": "trademarks", "注册商标量": "trademarks",
    "指标": "measure", "统计指标": "measure",
    "市场主体": "all_entities", "各类市场主体": "all_entities", "全部市场主体": "all_entities",
    "企业": "enterprises", "个体工商户": "individual", "个体户": "individual",
    "农民专业合作社": "cooperatives", "农专": "cooperatives",
    "来源": "source_url", "来源网址": "source_url", "来源链接": "source_url", "source": "source_url",
    "备注": "note", "说明": "note",
}

KINDS = ("text", "region", "year", "count", "percent", "url", "enum")
FIRST_YEAR = 1949


@dataclass(frozen=True)
class Field:
    """One column of a raw table."""

    name: str
    kind: str = "text"
    required: bool = True      # the column must be present
    nullable: bool = False     # a cell may be empty
    allowed: tuple[str, ...] = ()  # for kind "enum"
    pattern: str | None = None     # for kind "text": a regular expression the whole cell matches
    description: str = ""


@dataclass(frozen=True)
class TableSchema:
    """A raw table: its fields, its key and its cross-column rules ``(smaller, larger)``."""

    name: str
    fields: tuple[Field, ...]
    key: tuple[str, ...]
    not_greater: tuple[tuple[str, str], ...] = ()
    #: ``(total, (part, ...))``: total == sum of the parts in every row where all of them are exact counts
    sums: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def columns(self) -> list[str]:
        return [f.name for f in self.fields]


def canonical_column(name: str) -> str:
    """Map a header as written (English any case, or Chinese) to its canonical name."""
    stripped = str(name).strip().replace("\ufeff", "")
    return COLUMN_ALIASES.get(stripped, stripped.lower().replace(" ", "_"))


def _is_blank(cell) -> bool:
    return cell is None or (isinstance(cell, float) and math.isnan(cell)) or str(cell).strip() == ""


def _parse_count(cell, problem):
    try:
        parsed = parse_number(cell)
    except NumberFormatError:
        return problem(f"not a number: {str(cell).strip()!r}", "a count such as 6954438, 1.54亿 or 638万余")
    if parsed.qualifier == "redacted":
        return problem(f"redacted value {str(cell).strip()!r} where a number is required", "the figure itself")
    if parsed.value is None:
        return problem("empty cell", "a count")
    if parsed.unit not in (None, ""):
        return problem(f"a count cannot carry the unit {parsed.unit!r}", "a plain count")
    if parsed.value < 0:
        return problem(f"negative count {str(cell).strip()}", "a whole number >= 0")
    if parsed.value != int(parsed.value):
        return problem(f"not a whole number: {str(cell).strip()}", "a whole number >= 0")
    return int(parsed.value), parsed.qualifier


def _parse_percent(cell, problem):
    try:
        parsed = parse_number(str(cell).strip().rstrip("%％"))
    except NumberFormatError:
        return problem(f"not a percentage: {str(cell).strip()!r}", "a percentage such as 2.69")
    if parsed.value is None:
        return problem(f"redacted value {str(cell).strip()!r} where a number is required", "the figure itself")
    return float(parsed.value)


def _parse_cell(field: Field, cell, problem):
    """Parse one non-blank cell; returns the value, or calls ``problem`` and returns None."""
    if field.kind == "count":
        return _parse_count(cell, problem)
    if field.kind == "percent":
        return _parse_percent(cell, problem)
    if field.kind == "year":
        try:
            return parse_year(cell)
        except ValueError:
            return problem(f"not a year: {str(cell).strip()!r}", "a year such as 2021 or 2021年")
    text = str(cell).strip()
    if text.startswith("#") and text.endswith(("!", "?", "A")):  # Excel error values: #DIV/0!, #REF!, #N/A
        return problem(f"spreadsheet formula error {text}", "a value, not a formula error")
    if field.kind == "region":
        return normalise_region(text)
    return text


def _parse(frame: pd.DataFrame, schema: TableSchema, where: str) -> tuple[pd.DataFrame, list[Problem]]:
    problems: list[Problem] = []
    present = set(frame.columns)
    for field in schema.fields:
        if field.required and field.name not in present:
            aliases = [k for k, v in COLUMN_ALIASES.items() if v == field.name]
            also = f" (also accepted: {', '.join(aliases)})" if aliases else ""
            problems.append(Problem(where, None, field.name, "missing column", f"a column '{field.name}'{also}"))
    if problems:
        return frame, problems
    if frame.empty:
        return frame, [Problem(where, None, None, "no data rows", "at least one row under the header")]

    out = pd.DataFrame(index=frame.index)
    for field in schema.fields:
        values, qualifiers = [], []
        cells = frame[field.name] if field.name in present else pd.Series("", index=frame.index)
        for row, cell in cells.items():
            def problem(message, expected, row=row, field=field):
                problems.append(Problem(where, int(row), field.name, message, expected))
            if _is_blank(cell):
                if not field.nullable:
                    problem("empty cell", f"a value ({field.description or field.kind})")
                values.append(None)
                qualifiers.append(None)
                continue
            parsed = _parse_cell(field, cell, problem)
            if field.kind == "count" and parsed is not None:
                values.append(parsed[0])
                qualifiers.append(parsed[1])
            else:
                values.append(parsed)
                qualifiers.append(None)
        if field.kind == "count":
            out[field.name] = pd.array(values, dtype="Int64")
            out[f"{field.name}_qualifier"] = pd.Series(qualifiers, index=frame.index, dtype=object)
        elif field.kind in ("percent",):
            out[field.name] = pd.to_numeric(pd.Series(values, index=frame.index, dtype=object))
        elif field.kind == "year":
            out[field.name] = pd.array(values, dtype="Int64")
        else:
            out[field.name] = pd.Series(values, index=frame.index, dtype=object)
    return out, problems


def _sum_rule(total: str, parts: tuple[str, ...]) -> str:
    """The rule a :attr:`TableSchema.sums` entry states, as shown in error messages."""
    return f"{total} = {' + '.join(parts)} where all are exact counts"


def pandera_schema(schema: TableSchema) -> pa.DataFrameSchema:
    """The pandera schema generated from a table's declared fields."""
    this_year = datetime.date.today().year
    columns = {}
    for field in schema.fields:
        checks = []
        if field.kind == "count":
            checks.append(pa.Check.ge(0, error="a whole number >= 0"))
        elif field.kind == "percent":
            checks.append(pa.Check.in_range(0, 100, error="a percentage between 0 and 100"))
        elif field.kind == "year":
            checks.append(pa.Check.in_range(FIRST_YEAR, this_year,
                                            error=f"a year from {FIRST_YEAR} to {this_year} (no future years)"))
        elif field.kind == "enum":
            checks.append(pa.Check.isin(field.allowed, error=f"one of {', '.join(field.allowed)}"))
        elif field.pattern:
            checks.append(pa.Check.str_matches(f"^(?:{field.pattern})$", error=field.description or field.pattern))
        if field.kind == "url":
            checks.append(pa.Check.str_startswith("http", error="a source URL starting with http"))
        columns[field.name] = pa.Column(checks=checks, nullable=True, coerce=False, required=False)
    wide = [
        pa.Check(lambda df, a=a, b=b: ~(df[a] > df[b]).fillna(False),
                 name=f"{a}<={b}", error=f"{a} <= {b}")
        for a, b in schema.not_greater
    ] + [
        pa.Check(lambda df, t=t, p=p: ~df[[f"{c}_qualifier" for c in (t, *p)]].eq("exact").all(axis=1)
                 | df[t].eq(df[list(p)].sum(axis=1)), name=f"{t}=sum", error=_sum_rule(t, p))
        for t, p in schema.sums
    ]
    return pa.DataFrameSchema(columns, checks=wide, unique=list(schema.key), report_duplicates="all")


def _pandera_problems(parsed: pd.DataFrame, schema: TableSchema, where: str) -> list[Problem]:
    try:
        pandera_schema(schema).validate(parsed, lazy=True)
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
    else:
        return []
    problems = []
    sums = {_sum_rule(t, p): (t, p) for t, p in schema.sums}
    for (row, check), group in cases.groupby(["index", "check"], sort=False, dropna=False):
        row = None if pd.isna(row) else int(row)
        if check == "multiple_fields_uniqueness":
            key = ", ".join(f"{c}={parsed.at[row, c]}" for c in schema.key)
            problems.append(Problem(where, row, None, f"duplicated key ({key})",
                                    f"one row per {'/'.join(schema.key)}"))
        elif "<=" in str(check):
            a, b = str(check).split(" <= ")
            problems.append(Problem(where, row, a, f"{a} {parsed.at[row, a]} is greater than {b} {parsed.at[row, b]}",
                                    str(check)))
        elif check in sums:
            total, parts = sums[check]
            problems.append(Problem(where, row, total, f"{total} {parsed.at[row, total]} is not "
                                    f"{' + '.join(parts)} = {parsed.loc[row, list(parts)].sum()}", check))
        else:
            column = group["column"].iloc[0]
            problems.append(Problem(where, row, column, f"invalid value {group['failure_case'].iloc[0]!r}", str(check)))
    return problems


def load_table(path: Path | str, schema: TableSchema, sheet: str | None = None) -> tuple[pd.DataFrame, str]:
    """Read, parse and validate a raw table; raise :class:`DataError` listing every problem.

    Returns the parsed table (one row per input row, ``source_row`` giving its row in the file as a
    person counts it, header = row 1) and how the file was read (encoding or ``xlsx``).
    """
    where = display_path(path)
    frame, how = read_table(path, sheet=sheet)
    frame = frame.rename(columns=canonical_column)
    duplicated = frame.columns[frame.columns.duplicated()].tolist()
    if duplicated:
        raise DataError([Problem(where, 1, c, "column given twice", "each column once") for c in duplicated])
    frame.index = pd.RangeIndex(2, len(frame) + 2)
    parsed, problems = _parse(frame, schema, where)
    if not problems:
        problems = _pandera_problems(parsed, schema, where)
    if problems:
        raise DataError(sorted(problems, key=lambda p: (p.row or 0, p.column or "")))
    parsed.insert(0, "source_row", parsed.index.astype(int))
    return parsed.reset_index(drop=True), how
