"""Declared schemas for raw tables: parse cells as written, then validate with pandera.

A schema is declared once per raw table (next to its dataset step) as a tuple of :class:`Field`.
Loading runs in two stages:

1. *parse*: column names are mapped from Chinese or English (:data:`COLUMN_ALIASES`); each cell is
   parsed as written in Chinese reports (``1.54亿``, ``638万余``, ``2021年``, ``福建``) by
   :mod:`analysis.readers.numbers`, which no validation library does. A count keeps, beside its value, how
   it was written (see :data:`COUNT_DETAILS`): ``<name>_qualifier`` (exact, rounded, lower_bound,
   approximate ...), ``<name>_lower``/``<name>_upper`` (the interval the writing allows: 1.54亿 is
   1.535亿..1.545亿, 638万余 has no upper bound) and ``<name>_text`` (the figure as written). A cell that
   cannot be parsed is a problem and becomes empty for the next stage.
2. *validate*: a pandera ``DataFrameSchema`` generated from the same fields checks ranges, allowed
   values, key uniqueness and cross-column rules on the parsed values (the PUDL pattern); its failure
   cases are rewritten as sentences (pandera's own messages name checks, not values).

Every problem of both stages is collected and raised together as one :class:`~analysis.readers.io.DataError`,
one line each, sorted by row and column: file, row (header = row 1), column, what is wrong, what was
expected.
"""
from __future__ import annotations

import dataclasses
import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from analysis.readers.io import EXCEL_ERRORS, Cells, DataError, Problem, UnitNote, display_path, read_columns
from analysis.readers.numbers import (MISSING_TEXTS, NumberFormatError, ParsedNumber, fold_width, normalise_region, parse_number,
                              parse_year)

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
    "经营主体": "all_entities", "各类经营主体": "all_entities", "商事主体": "all_entities",
    "企业": "enterprises", "个体工商户": "individual", "个体户": "individual",
    "农民专业合作社": "cooperatives", "农专": "cooperatives",
    "来源": "source_url", "来源网址": "source_url", "来源链接": "source_url", "source": "source_url",
    "备注": "note", "说明": "note",
}

#: Chinese cell values accepted for an enum or period value; used only where the value is allowed.
VALUE_ALIASES: dict[str, str] = {
    "国家级": "national", "国家": "national", "省级": "province", "省": "province", "市级": "city",
    "地市级": "city", "市": "city", "县级": "county", "县": "county", "区级": "district", "区": "district",
    "全年": "FY", "全年度": "FY", "上半年": "H1", "下半年": "H2",
    "一季度": "Q1", "二季度": "Q2", "三季度": "Q3", "四季度": "Q4",
    "第一季度": "Q1", "第二季度": "Q2", "第三季度": "Q3", "第四季度": "Q4", "前三季度": "Q1-Q3",
    "年末": "year-end", "年底": "year-end",
    "实有": "stock", "登记在册": "stock", "实有户数": "stock", "新设": "new", "新登记": "new",
    "注销": "deregistered", "吊销": "revoked",
    "合计": "all", "总计": "all", "全部": "all",
}

KINDS = ("text", "region", "year", "count", "percent", "url", "enum")
FIRST_YEAR = 1949
#: What a cell of each kind should look like, for messages.
EXAMPLES = {
    "count": "a count such as 6954438, 1.54亿 or 638万余",
    "percent": "a percentage such as 2.69 or 2.69%",
    "year": "a year such as 2021 or 2021年",
    "url": "a source URL starting with http:// or https:// and a host name, without spaces, braces or quotes, "
           "or a description of the source (本局登记注册系统导出 2022-01-05)",
    "region": "a region name such as 全国, 福建省 or a district",
    "text": "a value",
}
#: http(s), a host (name or IPv4, optional port), then any path without whitespace, braces (an unfilled
#: template such as ``{{href}}``), angle brackets or quotes.
URL_PATTERN = r"https?://[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]+)?(?:[/?#][^\s{}<>\"']*)?"
#: A source that is meant as a web address (a scheme, www., a domain with a path) and so must be a URL;
#: any other non-empty text is a description of the source (internal data have no URL).
URL_LIKE_PATTERN = r"(?i)(?:h?t?t?ps?|ftp)\s*[:：/]|www\.|[a-z0-9-]+(?:\.[a-z0-9-]+)+/"
#: Counts above this cannot be held exactly as numbers (2**53): a 20-digit count is a pasted ID or garbage.
MAX_COUNT = 2**53
#: No text longer than this is a "not published" mark (see :data:`~analysis.readers.numbers.MISSING_TEXTS`).
MAX_MISSING_LENGTH = max(len(t) for t in MISSING_TEXTS)
#: A stored number this close to an integer (relative) is that integer: 17.000000000000004 is 17.
FLOAT_NOISE = 1e-9
#: The columns ``<name>_<detail>`` a count field adds beside its value: these attributes of its
#: :class:`~analysis.readers.numbers.ParsedNumber`. An empty cell (not published) leaves all of them empty.
COUNT_DETAILS = ("qualifier", "lower", "upper", "text")


@dataclass(frozen=True)
class Field:
    """One column of a raw table."""

    name: str
    kind: str = "text"
    required: bool = True      # the column must be present
    nullable: bool = False     # a cell may be empty
    allowed: tuple[str, ...] = ()  # for kind "enum"
    #: for kind "text": canonical values also accepted in Chinese (:data:`VALUE_ALIASES`: 合计 -> all)
    synonyms: tuple[str, ...] = ()
    pattern: str | None = None     # for kind "text": a regular expression the whole cell matches
    description: str = ""


#: A rule pandera cannot state clearly: ``check(parsed, where)`` returns problems; ``parsed`` has a
#: ``source_row`` column and only rows without other problems.
TableCheck = Callable[[pd.DataFrame, str], list[Problem]]


@dataclass(frozen=True)
class TableSchema:
    """A raw table: its fields, its key and its cross-column rules ``(smaller, larger)``."""

    name: str
    fields: tuple[Field, ...]
    key: tuple[str, ...]
    not_greater: tuple[tuple[str, str], ...] = ()
    #: ``(total, (part, ...))``: total == sum of the parts in every row where all of them are exact counts
    sums: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: further rules, run after pandera on the rows without problems (see :data:`TableCheck`)
    checks: tuple[TableCheck, ...] = ()

    @property
    def columns(self) -> list[str]:
        return [f.name for f in self.fields]


#: Fields every raw table has, declared once.
REGION = Field("region", "region", description="region name, e.g. 全国, 福建省, a district")
LEVEL = Field("level", "enum", allowed=("national", "province", "city", "county", "district"))
YEAR = Field("year", "year")
SOURCE_URL = Field("source_url", "url", description="the URL the figure was read on, or a description of the "
                   "source (来源) where there is no URL")
NOTE = Field("note", "text", required=False, nullable=True)


def canonical_column(name: str) -> str:
    """Map a header as written (English any case, or Chinese; full-width forms, line breaks) to its name."""
    stripped = fold_width(str(name)).replace("\ufeff", "").strip()
    for key in (stripped, re.sub(r"\s+", "", stripped)):
        if key in COLUMN_ALIASES:
            return COLUMN_ALIASES[key]
    return re.sub(r"[\s-]+", "_", stripped.lower())


def aliases(column: str) -> list[str]:
    """The Chinese (and other) headers accepted for a canonical column."""
    return [k for k, v in COLUMN_ALIASES.items() if v == column]


def _expected(field: Field) -> str:
    if field.kind == "enum":
        return f"one of {', '.join(field.allowed)}"
    if field.kind in ("text", "region") and field.description:
        return field.description
    return EXAMPLES[field.kind]


def _show(value) -> str:
    """A value as written in a message: numbers as stored (2099, 2.59, 17.000000000000004), text quoted."""
    if isinstance(value, str):
        return repr(value)
    number = float(value)
    return str(int(number)) if number.is_integer() else repr(number)


def _is_missing(cell) -> bool:
    """Empty, or a dash/NaN written for "not published" (-, —, nan)."""
    if cell is None or str(cell).strip() == "":
        return True
    if isinstance(cell, str) and len(cell.strip()) > MAX_MISSING_LENGTH:
        return False
    try:
        return parse_number(cell).qualifier == "missing"
    except NumberFormatError:
        return False


class _CellError(ValueError):
    """A cell that cannot be parsed: what is wrong and what was expected."""

    def __init__(self, message: str, expected: str):
        super().__init__(message)
        self.expected = expected


def _number(cell, field: Field):
    """parse_number for a count or percent cell: one plain or qualified figure, else :class:`_CellError`."""
    text = str(cell).strip()
    try:
        parsed = parse_number(cell)
    except NumberFormatError:
        raise _CellError(f"not a number: {text!r}", EXAMPLES[field.kind]) from None
    if parsed.qualifier == "redacted":
        raise _CellError(f"redacted value {text!r} where a number is required", "the published figure itself")
    if parsed.value is None:
        raise _CellError(f"a range or vague figure {text!r} where one number is required", EXAMPLES[field.kind])
    return parsed


def _parse_count(cell, field: Field) -> tuple[int, ParsedNumber]:
    parsed = _number(cell, field)
    if parsed.unit:
        raise _CellError(f"{parsed.text!r} has the unit {parsed.unit!r}",
                         "a plain count without a unit (the header says what is counted)")
    if parsed.value < 0:
        raise _CellError(f"negative count {_show(parsed.value)}", "a whole number >= 0")
    if parsed.value > MAX_COUNT:
        raise _CellError(f"count {parsed.text!r} is too large ({len(str(int(parsed.value)))} digits)",
                         f"a count up to {MAX_COUNT} (an ID or a pasted figure in a count column?)")
    whole = round(parsed.value)
    if abs(parsed.value - whole) > FLOAT_NOISE * max(1.0, abs(parsed.value)):
        raise _CellError(f"not a whole number: {_show(parsed.value)}", "a whole number >= 0")
    return int(whole), parsed


def _parse_percent(cell, field: Field) -> float:
    parsed = _number(cell, field)
    if parsed.unit not in (None, "%") or parsed.qualifier != "exact":
        raise _CellError(f"not a plain percentage: {parsed.text!r}", EXAMPLES["percent"])
    return parsed.value


def _parse_text(cell, field: Field) -> str:
    text = str(cell).strip()
    if field.kind == "region":
        return normalise_region(text)
    alias = VALUE_ALIASES.get(text)
    if alias and (alias in field.allowed or alias in field.synonyms
                  or (field.pattern and re.fullmatch(f"(?:{field.pattern})", alias))):
        return alias
    return text


def _parse_cell(field: Field, cell):
    """Parse one non-empty cell; returns ``(value, parsed number)`` (the latter for counts only).

    Raises :class:`_CellError`.
    """
    text = str(cell).strip()
    if text.upper() in EXCEL_ERRORS:
        raise _CellError(f"spreadsheet formula error {text}", "a value (correct the formula or paste values)")
    if field.kind == "count":
        return _parse_count(cell, field)
    if field.kind == "percent":
        return _parse_percent(cell, field), None
    if field.kind == "year":
        try:
            return parse_year(cell), None
        except NumberFormatError:
            raise _CellError(f"not a year: {text!r}", EXAMPLES["year"]) from None
    return _parse_text(cell, field), None


_PLAIN_COUNT = re.compile(r"[0-9]{1,15}")
#: Stands for the parsed number of a plain count (exact; bounds = value; text = the cell), whose details
#: :func:`_parse` fills in without an object per distinct cell.
_PLAIN = ParsedNumber(None, None, None, "exact", "")
_PLAIN_PERCENT = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,12})?")


def _parse_once(field: Field, cell) -> tuple[object, ParsedNumber | None, tuple[str, str] | None]:
    """One distinct cell of a column: ``(value, parsed number, problem)``; the problem is ``(message,
    expected)`` or None. A plain count or percentage (the bulk of a large table) skips the full parser."""
    if field.kind == "count" and isinstance(cell, str) and _PLAIN_COUNT.fullmatch(cell):
        return int(cell), _PLAIN, None
    if field.kind == "percent" and isinstance(cell, str) and _PLAIN_PERCENT.fullmatch(cell):
        return float(cell), None, None
    if _is_missing(cell):
        if field.nullable:
            return None, None, None
        text = str(cell).strip()
        return None, None, (f"no value: {text!r}" if text else "empty cell", _expected(field))
    try:
        value, number = _parse_cell(field, cell)
    except _CellError as err:
        return None, None, (str(err), err.expected)
    return value, number, None


#: A figure that carries its own multiplier: 万 or 亿 anywhere, or 十/百/千 after an Arabic digit (not 三十).
OWN_MULTIPLIER_RE = re.compile(r"[万亿]|[0-9.][十百千]")


def _count_unit_note(notes: list[UnitNote], names: list[str], schema: TableSchema, where: str) -> UnitNote | None:
    """The unit note above the header that scales the table's counts (单位：万户), or None.

    Applied to every count column (12.5 is read as 12.5万, a rounded figure). Two scaling notes, or one
    above a table without counts, are an error naming the note's row.
    """
    scaling = [note for note in notes if note.multiplier]
    if not scaling:
        return None
    expected = "figures written in full (125000, or 12.5万 in the cell) and the unit note removed"
    if len({note.unit for note in scaling}) > 1:
        raise DataError([Problem(where, scaling[1].row, None, f"the unit notes {scaling[0].text!r} and "
                                 f"{scaling[1].text!r} above the header disagree", expected)])
    counts = {f.name for f in schema.fields if f.kind == "count"}
    if not counts & set(names):
        raise DataError([Problem(where, scaling[0].row, None, f"the unit note {scaling[0].text!r} above the header "
                                 f"scales every figure by {scaling[0].unit}, and the table has no counts", expected)])
    return scaling[0]


def _parse_scaled(field: Field, cell, note: UnitNote) -> tuple[object, ParsedNumber | None, tuple[str, str] | None]:
    """:func:`_parse_once` for a count cell under a unit note that scales it: 12.5 under 单位：万户 is 12.5万.

    A figure that carries a multiplier of its own (1.2万, 3千) is an error: the note would scale it twice.
    """
    if _is_missing(cell):
        return _parse_once(field, cell)
    text = str(cell).strip() if isinstance(cell, str) else f"{Decimal(repr(cell)).normalize():f}"
    if OWN_MULTIPLIER_RE.search(fold_width(text)):
        return None, None, (f"{text!r} has a multiplier of its own under the unit note {note.text!r}",
                            f"figures in {note.unit} without 万 or 亿 (12.5 for 12.5{note.multiplier}), or the "
                            "figures written in full and the unit note removed")
    scaled = _parse_once(field, text + note.multiplier)
    return _parse_once(field, cell) if scaled[2] is not None else scaled  # a bad cell: the problem as written


def _column_array(values: list, codes: np.ndarray, kind: str):
    """One value per row from one per distinct cell (None = empty): Int64, Float64, float64 or objects."""
    if kind in ("Int64", "Float64", "float64"):
        missing = np.array([v is None for v in values], dtype=bool)
        numbers = np.array([0 if v is None else v for v in values], dtype="int64" if kind == "Int64" else "float64")
        if kind == "float64":
            return np.where(missing, np.nan, numbers)[codes]
        array = pd.arrays.IntegerArray if kind == "Int64" else pd.arrays.FloatingArray
        return array(numbers[codes], missing[codes])
    objects = np.empty(len(values), dtype=object)
    objects[:] = values
    return objects[codes]


def _parse(cells: Cells, names: list[str], schema: TableSchema, where: str,
           unit_note: UnitNote | None = None) -> tuple[pd.DataFrame, dict[str, tuple[np.ndarray, list]], list[Problem]]:
    """Parse every present column (``names``: the canonical name of each column of ``cells``); unparsable
    cells become empty and give a problem each. Also returns, for each field, the codes of its rows and
    the parsed value of each distinct cell (for the checks of :func:`_pandera_problems`). ``unit_note``:
    a note above the header that scales the counts (see :func:`_count_unit_note`).

    Each distinct cell of a column is parsed once, and the parsed values are spread to the rows by the
    cells' codes, so a million rows of a few hundred distinct values (regions, years, categories) cost
    little more than those values. A count field also gets the columns of :data:`COUNT_DETAILS`.
    """
    problems: list[Problem] = []
    rows = cells.rows
    out = pd.DataFrame(index=pd.Index(rows, name="row", dtype="int64"))  # filled a column at a time: no copy
    position = {name: j for j, name in enumerate(names)}
    distinct = {}
    for field in schema.fields:
        if field.name in position:
            codes, uniques = cells.codes[position[field.name]], cells.distinct[position[field.name]]
        else:
            codes, uniques = np.zeros(len(rows), dtype=np.int32), [""]
        if unit_note is not None and field.kind == "count":
            results = [_parse_scaled(field, cell, unit_note) for cell in uniques]
        else:
            results = [_parse_once(field, cell) for cell in uniques]
        failed = np.array([problem is not None for _, _, problem in results], dtype=bool)[codes]
        for row, code in zip(rows[failed], codes[failed]):
            problems.append(Problem(where, int(row), field.name, *results[code][2]))
        values = [value for value, _, _ in results]
        distinct[field.name] = (codes, values)
        kind = {"count": "Int64", "year": "Int64", "percent": "float64"}.get(field.kind, "object")
        out[field.name] = _column_array(values, codes, kind)
        if field.kind == "count":
            numbers = [number for _, number, _ in results]
            for detail in COUNT_DETAILS:
                details = [None if n is None else getattr(n, detail) if n is not _PLAIN
                           else "exact" if detail == "qualifier" else cell if detail == "text" else float(value)
                           for n, cell, value in zip(numbers, uniques, values)]
                out[f"{field.name}_{detail}"] = _column_array(
                    details, codes, "Float64" if detail in ("lower", "upper") else "object")
    return out, distinct, problems


def _sum_rule(total: str, parts: tuple[str, ...]) -> str:
    """The rule a :attr:`TableSchema.sums` entry states, as shown in error messages."""
    return f"{total} = {' + '.join(parts)} where all are exact counts"


def _last_year() -> int:
    return datetime.date.today().year


def _column_checks(field: Field) -> list[pa.Check]:
    """The pandera checks of one field; each check's name says how a failure is described."""
    if field.kind == "percent":
        return [pa.Check.in_range(0, 100, name="percent", error="a percentage between 0 and 100")]
    if field.kind == "year":
        return [pa.Check.in_range(FIRST_YEAR, _last_year(), name="year",
                                  error=f"a year from {FIRST_YEAR} to {_last_year()}")]
    if field.kind == "enum":
        return [pa.Check.isin(field.allowed, name="enum", error=_expected(field))]
    if field.kind == "url":
        return [pa.Check(lambda s: ~s.str.match(URL_LIKE_PATTERN) | s.str.fullmatch(URL_PATTERN), element_wise=False,
                         name="url", error=EXAMPLES["url"])]
    if field.pattern:
        return [pa.Check.str_matches(f"^(?:{field.pattern})$", name="pattern", error=_expected(field))]
    return []


def _describe(check: str, column: str, value) -> str:
    """What is wrong with a value of ``column`` that failed a column check (see :func:`_column_checks`)."""
    if check == "percent":
        return f"negative percentage {_show(value)}" if value < 0 else f"percentage {_show(value)} is over 100"
    if check == "year":
        return f"{_show(value)} is in the future" if value > _last_year() else f"{_show(value)} is before {FIRST_YEAR}"
    if check == "url":
        return f"not a URL: {_show(value)}"
    return f"unknown {column} {_show(value)}"  # enum, pattern


def _certainly_greater(frame: pd.DataFrame, a: str, b: str) -> pd.Series:
    """``a > b`` where the writing allows no doubt: not where ``b`` is a lower bound or approximate
    (``638万余``, ``约1200``: the figure may be larger) or ``a`` an upper bound or approximate."""
    greater = (frame[a] > frame[b]).fillna(False).astype(bool)
    for column, vague in ((b, ("lower_bound", "approximate")), (a, ("upper_bound", "approximate"))):
        if f"{column}_qualifier" in frame:
            greater &= ~frame[f"{column}_qualifier"].isin(vague)
    return greater


def pandera_schema(schema: TableSchema) -> pa.DataFrameSchema:
    """The pandera schema generated from a table's declared fields.

    Frame-level checks are the :attr:`TableSchema.not_greater` rules, then the :attr:`TableSchema.sums`
    rules, in that order. Key uniqueness is checked apart (:func:`_duplicates`), naming each key's first row.
    """
    columns = {f.name: pa.Column(checks=_column_checks(f), nullable=True, coerce=False, required=False)
               for f in schema.fields}
    wide = [
        pa.Check(lambda df, a=a, b=b: ~_certainly_greater(df, a, b), name=f"{a}<={b}", error=f"{a} <= {b}")
        for a, b in schema.not_greater
    ] + [
        pa.Check(lambda df, t=t, p=p: ~df[[f"{c}_qualifier" for c in (t, *p)]].eq("exact").all(axis=1)
                 | df[t].eq(df[list(p)].sum(axis=1)), name=f"{t}=sum", error=_sum_rule(t, p))
        for t, p in schema.sums
    ]
    return pa.DataFrameSchema(columns, checks=wide)


def _duplicates(parsed: pd.DataFrame, distinct: dict, schema: TableSchema, where: str) -> list[Problem]:
    """Each row whose key an earlier row has: one problem on that row, naming the first row with that key.

    The key columns' codes (``distinct``, see :func:`_parse`) are combined into one integer per row, so a
    million rows cost a few integer arrays, and 8,000 rows sharing one key what 8,000 rows do. A key with
    a cell that could not be parsed is reported already and never equals another.
    """
    combined = np.zeros(len(parsed), dtype=np.int64)
    complete = np.ones(len(parsed), dtype=bool)
    for name in schema.key:
        codes, values = distinct[name]
        value_codes = pd.factorize(pd.Series(values, dtype=object))[0][codes]  # one code per parsed value
        complete &= value_codes >= 0
        combined = pd.factorize(combined * (len(values) + 1) + value_codes + 1)[0]
    rows, combined = parsed.index.to_numpy()[complete], combined[complete]
    repeated = pd.Series(combined).duplicated(keep="first").to_numpy()
    if not repeated.any():
        return []
    first = pd.Series(rows).groupby(combined).transform("min").to_numpy()
    expected = f"one row per {'/'.join(schema.key)}"
    keys = parsed.loc[rows[repeated], list(schema.key)]
    return [Problem(where, int(row), None, f"same key ({', '.join(f'{c}={v}' for c, v in zip(schema.key, values))}) "
                    f"as row {first_row}", expected)
            for row, first_row, values in zip(rows[repeated], first[repeated], keys.itertuples(index=False))]


def rate_of_counts(rate: str, part: str, whole: str) -> TableCheck:
    """A :data:`TableCheck`: a published percentage ``rate`` is ``100 * part / whole`` of its own row.

    Checked where both counts are exact; the rate may differ by the rounding of its printed digits
    (``2.59`` allows 0.005). A rate that cannot be its counts' (5% beside 45/1688; 0.0240 beside 17/708,
    a fraction in a percent column) is an error naming the row and both values.
    """
    def check(parsed: pd.DataFrame, where: str) -> list[Problem]:
        exact = (parsed[f"{part}_qualifier"].eq("exact") & parsed[f"{whole}_qualifier"].eq("exact")
                 & parsed[rate].notna() & parsed[whole].gt(0)).fillna(False).astype(bool)
        rows = parsed.loc[exact, ["source_row", rate, part, whole]]
        computed = 100 * rows[part].astype(float) / rows[whole].astype(float)
        printed = rows[rate].astype(float)
        printed_digits = {v: len(repr(round(float(v), 10)).partition(".")[2].rstrip("0")) for v in printed.unique()}
        decimals = printed.map(printed_digits)
        off = (printed - computed).abs() > 0.5 * 10.0 ** -decimals + 1e-9
        return [Problem(where, int(r["source_row"]), rate,
                        f"published rate {_show(r[rate])}% is not {part}/{whole} = {int(r[part])}/{int(r[whole])} "
                        f"= {c:.4g}%", "the rate of the row's own counts, to the rounding of its printed digits "
                        "(a fraction written in a percent column?)")
                for (_, r), c in zip(rows[off].iterrows(), computed[off])]
    return check


def _pandera_problems(parsed: pd.DataFrame, distinct: dict, schema: TableSchema, where: str) -> list[Problem]:
    """Pandera's failure cases as problems, one per row and rule, worded from the failing values.

    A column's checks run on its distinct values (``distinct``, see :func:`_parse`) and a failing value
    is reported on every row that has it; the frame's checks run on the columns they compare.
    """
    validator = pandera_schema(schema)
    problems = _duplicates(parsed, distinct, schema, where)
    for name, column in validator.columns.items():
        codes, values = distinct[name]
        if not column.checks:
            continue
        try:
            pa.DataFrameSchema({name: column}).validate(
                pd.DataFrame({name: pd.Series(values, dtype=parsed[name].dtype)}), lazy=True)
        except pa.errors.SchemaErrors as err:
            failures: dict[int, list[tuple[str, str]]] = {}
            for (position, number), group in err.failure_cases.groupby(["index", "check_number"], sort=True):
                check = column.checks[int(number)]
                failures.setdefault(int(position), []).append(
                    (_describe(check.name, name, group["failure_case"].iloc[0]), check.error))
            failing = np.zeros(len(values), dtype=bool)
            failing[list(failures)] = True
            hit = np.flatnonzero(failing[codes])
            problems += [Problem(where, int(row), name, message, expected)
                         for row, code in zip(parsed.index.to_numpy()[hit], codes[hit])
                         for message, expected in failures[int(code)]]
    compared = {c for a, b in schema.not_greater for c in (a, b)} | {c for t, p in schema.sums for c in (t, *p)}
    if not compared:
        return problems
    frame = parsed[[c for c in parsed.columns if c in compared or c.removesuffix("_qualifier") in compared]]
    try:
        pa.DataFrameSchema(checks=validator.checks).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
    else:
        return problems
    n_greater = len(schema.not_greater)
    for (row, check, number), _ in cases.groupby(["index", "check", "check_number"], sort=False, dropna=False):
        row = int(row)
        if int(number) < n_greater:
            a, b = schema.not_greater[int(number)]
            problems.append(Problem(where, row, a, f"{a} {_show(parsed.at[row, a])} is greater than "
                                    f"{b} {_show(parsed.at[row, b])}", f"{a} <= {b}"))
        else:
            total, parts = schema.sums[int(number) - n_greater]
            problems.append(Problem(where, row, total, f"{total} {_show(parsed.at[row, total])} is not "
                                    f"{' + '.join(parts)} = {_show(parsed.loc[row, list(parts)].sum())}",
                                    _sum_rule(total, parts)))
    return problems


def _header_problems(headers: list[str], schema: TableSchema, where: str, row: int, how: str) -> list[Problem]:
    """Columns given twice or missing; a header with none of the expected columns is one problem."""
    names = [canonical_column(h) for h in headers]
    required = [f.name for f in schema.fields if f.required]
    if not set(names) & set(schema.columns):
        found = ", ".join(repr(h) for h in headers[:6]) + (", ..." if len(headers) > 6 else "")
        hint = ("; or the sheet that holds the table, chosen by name (`sheets:` in the parameters file, or --sheet)"
                if how.startswith("xlsx sheet") else " (garbled names: save the file as UTF-8)")
        return [Problem(where, row, None, f"none of the expected columns in the header (found {found}; "
                        f"read as {how})", f"a header naming {', '.join(required)} in English or Chinese{hint}")]
    problems = []
    for name in dict.fromkeys(n for n in names if names.count(n) > 1 and n in schema.columns):
        written = [h for h, n in zip(headers, names) if n == name]
        problems.append(Problem(where, row, None, f"column '{name}' given {len(written)} times "
                                f"(as {', '.join(repr(w) for w in written)})", "each column once"))
    for name in required:
        if name not in names:
            also = aliases(name)
            problems.append(Problem(where, row, None, f"missing column '{name}'",
                                    f"a column headed '{name}'" + (f" or {', '.join(also)}" if also else "")))
    return problems


def load_table(path: Path | str, schema: TableSchema, sheet: str | None = None) -> tuple[pd.DataFrame, str]:
    """Read, parse and validate a raw table; raise :class:`DataError` listing every problem.

    Returns the parsed table (one row per input row, ``source_row`` giving its row in the file as a
    person counts it, header = row 1) and how the file was read (encoding or ``xlsx``).
    """
    where = display_path(path)
    cells, how = read_columns(path, sheet=sheet)
    headers = cells.header
    problems = _header_problems(headers, schema, where, cells.header_row, how)
    if problems:
        raise DataError(problems)
    if not len(cells.rows):
        raise DataError([Problem(where, None, None, "no data rows under the header", "at least one row of data")])
    names = [canonical_column(h) for h in headers]
    unit_note = _count_unit_note(cells.unit_notes, names, schema, where)
    if unit_note is not None:
        counts = [f.name for f in schema.fields if f.kind == "count" and f.name in names]
        how += f" (applied to the counts: {', '.join(counts)})"
    parsed, distinct, problems = _parse(cells, names, schema, where, unit_note)
    del cells
    problems += _pandera_problems(parsed, distinct, schema, where)
    del distinct
    parsed.insert(0, "source_row", parsed.index.astype(int))
    bad_rows = {p.row for p in problems if p.row in parsed.index}
    clean = (parsed.drop(index=list(bad_rows)) if bad_rows else parsed).set_axis(
        pd.RangeIndex(len(parsed) - len(bad_rows)), axis=0, copy=False)  # no copy of a large clean table
    del parsed
    for check in schema.checks:
        problems += check(clean, where)
    if problems:
        written = {canonical_column(h): h for h in headers}
        order = {name: i for i, name in enumerate(written)}
        raise DataError(sorted((dataclasses.replace(p, header=written.get(p.column)) for p in problems),
                               key=lambda p: (p.row or 0, order.get(p.column, -1))))
    return clean, how  # every row clean: the parsed table itself, numbered from 0
