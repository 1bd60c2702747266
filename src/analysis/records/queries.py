"""The records SQL, written once in DuckDB's dialect (Spark runs it transpiled by sqlglot).

Per record type, views over the files (:meth:`analysis.records.engine.Engine.source`):

1. ``<type>_raw`` (:func:`records`): every file's cells, trimmed, empty as NULL, and each date column
   twice: as written (text) and as a date (``<column>_day``; parsed from text only where the file
   stores text, a Parquet date column is taken as it is);
2. ``<type>_norm``: normalised types, the district a record belongs to (:class:`Validation`);
3. ``<type>_tally`` (:func:`tally`): ONE pass over the records that checks every row, counts them by the
   columns the counting rules need and groups the keys, by two hashes, to find those that may be given
   in several rows;
4. only when the tally flags something, :func:`duplicated_keys` (``<type>_norm_dup_keys``, the keys
   really given twice) and :func:`error_views` list the problems: ``<type>_bad`` (the rows failing a
   check, materialised) and ``<type>_errors`` (one row per problem: kind, file, row, column, value, message);
5. :func:`counts`: the tally's counts, each key counted once (extra copies taken off, when there are any).

The counting columns live in :mod:`analysis.records.rules`. No Python runs per record: everything here
is an SQL expression evaluated by the engine (the USCC check is one function over a batch of codes,
:func:`analysis.records.identifiers.uscc_valid`).
"""
from __future__ import annotations

from dataclasses import dataclass

from analysis.records.engine import Source
from analysis.records.fields import DATE_COLUMNS, RecordType
from analysis.records.identifiers import (
    USCC_TYPES, application_digits_sql, application_valid_sql, uscc_valid_sql,
)

_YMD = r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T].*)?$"
_COMPACT = r"^(\d{4})(\d{2})(\d{2})$"
_SERIAL = r"^(\d{5})(?:\.0+)?$"
#: Excel's serial day 0 (serials count from 1899-12-30, which absorbs Excel's 1900 leap-year bug after Feb 1900).
EXCEL_EPOCH = "1899-12-30"
DIVISION = r"^\d{6}$"
SAMPLING_CONCLUSIONS = ("合格", "不合格")
TASK_SOURCES = ("国抽", "省抽", "市抽", "县抽")
STAGES = ("生产", "流通", "餐饮", "网络")
PATENT_TYPES = {"invention": ("发明", "发明专利", "invention"),
                "utility_model": ("实用新型", "实用新型专利", "utility_model"),
                "design": ("外观设计", "外观设计专利", "design")}


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _literal(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def parse_date(column: str) -> str:
    """SQL: the date written in ``column`` in any export form, NULL when none fits (or the day does not exist).

    ``2021-03-05``, ``2021/3/5``, ``2021.3.5``, ``2021年3月5日`` (a time after the date is ignored),
    ``20210305`` and Excel serial numbers (``44260``, 5 digits: 1927-10-19 .. 2173-10-14).
    """
    def iso(pattern: str) -> str:
        return (f"TRY_CAST(concat(regexp_extract({column}, '{pattern}', 1), '-', "
                f"lpad(regexp_extract({column}, '{pattern}', 2), 2, '0'), '-', "
                f"lpad(regexp_extract({column}, '{pattern}', 3), 2, '0')) AS DATE)")
    iso_written = f"length({column}) = 10 AND substr({column}, 5, 1) = '-' AND substr({column}, 8, 1) = '-'"
    return (f"CASE WHEN {iso_written} THEN TRY_CAST({column} AS DATE) "  # the common case, without a regex
            f"WHEN regexp_matches({column}, '{_YMD}') THEN {iso(_YMD)} "
            f"WHEN regexp_matches({column}, '{_COMPACT}') THEN {iso(_COMPACT)} "
            f"WHEN regexp_matches({column}, '{_SERIAL}') THEN CAST(DATE '{EXCEL_EPOCH}' + "
            f"CAST(regexp_extract({column}, '{_SERIAL}', 1) AS INTEGER) AS DATE) END")


def _district(codes, column: str) -> tuple[str, str]:
    """SQL: the join that finds ``column`` among the district's division ``codes`` and the ``in_district``
    column it gives (measured alone, a join on a small table costs a sixth of the CPU of ``IN`` with 100 codes)."""
    codes = sorted(set(codes))
    if not codes:
        return "", "FALSE AS in_district"
    return (f"LEFT JOIN (VALUES {', '.join(f'({_literal(c)})' for c in codes)}) AS district(code) "
            f"ON district.code = {column}", "district.code IS NOT NULL AS in_district")


def records(record_type: RecordType, sources: list[Source]) -> str:
    """SQL ``<type>_raw``: the union of the files' views ``<type>_source_<i>`` (see the module docstring).

    Columns: ``file``, ``row``, every canonical column as text, then ``<column>_day`` per date column.
    A file's text cell is cast once; only text dates are parsed, a Parquet date is used as stored.
    """
    dates = DATE_COLUMNS[record_type.name]
    parts = []
    for i, source in enumerate(sources):
        typed = {c for c in dates if c in source.dates}
        cells = [f"CAST(NULL AS VARCHAR) AS {c}" if c not in source.columns or c in typed
                 else f"NULLIF(trim(CAST({c} AS VARCHAR)), '') AS {c}" for c in record_type.names]
        cells += [f"CAST({c} AS DATE) AS {c}_stored" for c in sorted(typed)]
        days = [f"{c}_stored AS {c}_day" if c in typed else f"{parse_date(c)} AS {c}_day" if c in source.columns
                else f"CAST(NULL AS DATE) AS {c}_day" for c in dates]
        parts.append(f"SELECT file, row, {', '.join(record_type.names)}, {', '.join(days)} FROM ("
                     f"SELECT {_literal(source.shown)} AS file, CAST(file_row_number + {source.first_row} AS BIGINT) "
                     f"AS row, {', '.join(cells)} FROM {record_type.name}_source_{i})")
    return " UNION ALL ".join(parts)


@dataclass(frozen=True)
class Check:
    """One check of a record: its kind, the column it names, the message (SQL) and the condition of a bad row (SQL)."""

    kind: str
    column: str
    message: str
    bad: str


@dataclass(frozen=True)
class Validation:
    """What is validated for one record type: ``norm`` (SQL of ``<name>_norm`` over ``<name>_raw``), the
    per-row ``checks``, the ``key`` and the columns two copies of a key must agree on (``compared``;
    dates compared as dates, so ``2021年3月5日`` and ``2021-03-05`` are the same day)."""

    name: str
    key: str
    norm: str
    checks: tuple[Check, ...]
    compared: tuple[str, ...]
    dates: tuple[str, ...]


def _missing(columns, dates=()) -> list[Check]:
    return [Check("missing value", c, "'empty'", f"{c} IS NULL" + (f" AND {c}_day IS NULL" if c in dates else ""))
            for c in columns]


def _bad_dates(columns) -> list[Check]:
    return [Check("date", c, f"concat('not a date: ', {c})", f"{c} IS NOT NULL AND {c}_day IS NULL") for c in columns]


#: Parts of the keys grouped one after another when DuckDB ran out of memory grouping them all at once.
KEY_PARTS = 4


def _checked(v: Validation, groups: dict[str, str], latest: dict[str, str]) -> str:
    """SQL: every record of ``<name>_norm`` as ``bad`` (a check failed), ``groups`` and ``latest``."""
    bad = " OR ".join(f"coalesce({c.bad}, FALSE)" for c in v.checks)
    return f"SELECT {bad} AS bad, " + ", ".join(f"{sql} AS {name}" for name, sql in {**groups, **latest}.items())


def _key_hashes(v: Validation) -> str:
    """SQL: the two 64-bit hashes of a record's key (of the key and of it reversed; NULL without a key)."""
    return ", ".join(f"CASE WHEN {v.key} IS NOT NULL THEN hash({key}) END AS {name}" for key, name in (
        (v.key, "key_hash"), (f"reverse({v.key})", "key_hash_reversed")))


def _maxima(latest: dict[str, str]) -> str:
    """SQL: ``, max(<name>) AS <name>`` for each of ``latest`` (the maxima a tally keeps per group)."""
    return "".join(f", max({name}) AS {name}" for name in latest)


def tally(v: Validation, groups: dict[str, str], latest: dict[str, str] | None = None) -> str:
    """SQL of the table ``<name>_tally``: ONE pass over ``<name>_norm`` that checks every row, counts the
    rows by ``groups`` (name -> SQL over a record) and finds the keys that may be given in several rows.

    Rows with ``part = 'count'``: per combination of ``groups``, the rows (``records``), whether one failed
    a check (``bad``) and the maximum of each of ``latest``. Rows with ``part = 'copies'``: the two 64-bit
    hashes of a key (``key_hash``, ``key_hash_reversed``: of the key and of it reversed) found in several
    rows, with their number of rows; normally none. :func:`duplicated_keys` finds the keys really given
    twice (DuckDB's string hash alone gave 143 shared hashes in a million USCCs, the pair none).

    Both groupings are the grouping sets of one aggregation, fed by one scan (no common table streamed to
    two aggregations), and the keys are grouped by their hashes, 16 bytes whatever the key. DuckDB can
    still run out of memory at its cap with tens of millions of keys: :func:`tally_in_parts` then makes
    the same table in parts.
    """
    latest = latest or {}
    names = ", ".join(groups)
    return (f"SELECT CASE WHEN grouping(key_hash) = 1 THEN 'count' ELSE 'copies' END AS part, {names}, "
            f"count(*) AS records, bool_or(bad) AS bad{_maxima(latest)}, key_hash, key_hash_reversed FROM ("
            f"{_checked(v, groups, latest)}, {_key_hashes(v)} FROM {v.name}_norm) GROUP BY GROUPING SETS (({names}), "
            "(key_hash, key_hash_reversed)) HAVING grouping(key_hash) = 1 OR (count(*) > 1 AND key_hash IS NOT NULL)")


def tally_in_parts(v: Validation, groups: dict[str, str], latest: dict[str, str] | None = None,
                   parts: int = KEY_PARTS) -> list[tuple[str, str, str]]:
    """The table of :func:`tally`, made step by step when DuckDB ran out of memory making it in one pass:
    (kind, name, SQL) to make in order, kind being the :class:`~analysis.records.engine.Engine` method
    (``table``, ``on_disk``, ``view``). The counts (``<name>_tally_counts``); the keys' two hashes, written
    once where they hold no memory (``<name>_key_hashes``, from ``<name>_raw``, whose keys are those of
    ``<name>_norm`` without its joins); those found in several rows, grouped in ``parts`` passes over the
    hashes of one part each (``<name>_tally_keys_<i>``); and ``<name>_tally``, the union of the counts and
    the parts."""
    latest = latest or {}
    names = ", ".join(groups)
    nulls = "".join(f"NULL AS {name}, " for name in groups)
    steps = [("table", f"{v.name}_tally_counts", (
        f"SELECT 'count' AS part, {names}, count(*) AS records, bool_or(bad) AS bad{_maxima(latest)}"
        f", NULL AS key_hash, NULL AS key_hash_reversed FROM ({_checked(v, groups, latest)} FROM {v.name}_norm) "
        f"GROUP BY {names}")),
        ("on_disk", f"{v.name}_key_hashes", f"SELECT {_key_hashes(v)} FROM {v.name}_raw WHERE {v.key} IS NOT NULL")]
    steps += [("table", f"{v.name}_tally_keys_{i}", (
        f"SELECT 'copies' AS part, {nulls}count(*) AS records, NULL AS bad" + "".join(f", NULL AS {n}" for n in latest)
        + f", key_hash, key_hash_reversed FROM {v.name}_key_hashes WHERE abs(key_hash % {parts}) = {i} "
        "GROUP BY key_hash, key_hash_reversed HAVING count(*) > 1")) for i in range(parts)]
    tallied = [name for kind, name, _ in steps if kind == "table"]
    steps.append(("view", f"{v.name}_tally", " UNION ALL ".join(f"SELECT * FROM {name}" for name in tallied)))
    return steps


def flags(v: Validation) -> str:
    """SQL: from ``<name>_tally``, whether a row failed a check (``bad``) and how many key hashes are in
    several rows (``candidates``: keys that may be given twice)."""
    return (f"SELECT coalesce(bool_or(bad) FILTER (WHERE part = 'count'), FALSE) AS bad, "
            f"count(*) FILTER (WHERE part = 'copies') AS candidates FROM {v.name}_tally")


def duplicated_keys(v: Validation) -> str:
    """SQL of the table ``<name>_norm_dup_keys``: the keys given in more than one row, found exactly among
    the rows whose key hashes :func:`tally` found in several rows."""
    return (f"SELECT {v.key} FROM {v.name}_norm WHERE {v.key} IS NOT NULL AND hash({v.key}) IN "
            f"(SELECT key_hash FROM {v.name}_tally WHERE part = 'copies') GROUP BY {v.key} HAVING count(*) > 1")


def counts(v: Validation, groups: dict[str, str], latest: dict[str, str] | None = None,
           duplicated: bool = False) -> str:
    """SQL: the counts of :func:`tally` with each key counted once: ``groups``, ``records`` (keys), ``bad``
    and ``latest``. When keys were given in several rows (``duplicated``), their extra rows are taken off
    their groups: copies that agree fall in the same group, copies that disagree are errors."""
    latest = latest or {}
    names = ", ".join(groups)
    counted = f"SELECT {names}, records, bad{''.join(f', {n}' for n in latest)} FROM {v.name}_tally WHERE part = 'count'"
    if not duplicated:
        return counted
    per_row = ", ".join(f"{groups[name]} AS {name}" for name in groups)
    extra = (f"SELECT {names}, count(DISTINCT {v.key}) - count(*) AS records, FALSE AS bad"
             + "".join(f", NULL AS {n}" for n in latest)
             + f" FROM (SELECT {v.key}, {per_row} FROM {v.name}_norm WHERE {v.key} IN "
             f"(SELECT {v.key} FROM {v.name}_norm_dup_keys)) GROUP BY {names}")
    return (f"SELECT {names}, CAST(sum(records) AS BIGINT) AS records, bool_or(bad) AS bad{_maxima(latest)}"
            f" FROM ({counted} UNION ALL {extra}) GROUP BY {names}")


def _bad_rows(v: Validation) -> str:
    """SQL ``<name>_bad``: the rows failing any check, with one flag per check, in one scan of the records."""
    flags = ", ".join(f"coalesce({c.bad}, FALSE) AS check_{i}" for i, c in enumerate(v.checks))
    return (f"SELECT * FROM (SELECT *, {flags} FROM {v.name}_norm) WHERE "
            + " OR ".join(f"check_{i}" for i in range(len(v.checks))))


def _conflicts(v: Validation) -> str:
    """Rows whose key an earlier row has with different values: copies that disagree.

    Only the rows of duplicated keys (``<name>_norm_dup_keys``) are ordered and compared.
    """
    view, key = f"{v.name}_norm", v.key
    cells = [f"coalesce(CAST({c}_day AS VARCHAR), {c}, '')" if c in v.dates else f"coalesce({c}, '')"
             for c in v.compared]
    content = "concat_ws('|', " + ", ".join(cells) + ")"
    window = f"OVER (PARTITION BY {key} ORDER BY file, row)"
    return (f"SELECT 'conflicting duplicate' AS kind, file, row, '{key}' AS column_name, {key} AS value, "
            f"concat('same {key} as ', first_file, ':', CAST(first_row AS VARCHAR), ' with different values') AS message "
            f"FROM (SELECT file, row, {key}, {content} AS content, first_value({content}) {window} AS first_content, "
            f"first_value(file) {window} AS first_file, first_value(row) {window} AS first_row FROM {view} "
            f"WHERE {key} IN (SELECT {key} FROM {view}_dup_keys)) WHERE content <> first_content")


def error_views(v: Validation, bad: bool, copies: bool) -> dict[str, str]:
    """Views (``_bad`` is meant to be materialised) that list the problems of ``<name>``: the rows failing
    a check when ``bad``, the copies that disagree when ``copies`` (the table :func:`duplicated_keys` holds
    keys)."""
    views, parts = {}, []
    if bad:
        views[f"{v.name}_bad"] = _bad_rows(v)
        parts += [f"SELECT '{c.kind}' AS kind, file, row, '{c.column}' AS column_name, CAST({c.column} AS VARCHAR) "
                  f"AS value, {c.message} AS message FROM {v.name}_bad WHERE check_{i}" for i, c in enumerate(v.checks)]
    if copies:
        parts.append(_conflicts(v))
    if parts:
        views[f"{v.name}_errors"] = " UNION ALL ".join(parts)
    return views


#: A division code, where given, has six digits (GB/T 2260).
DIVISION_CODE_CHECK = Check("division code", "division_code", "concat('not a 6-digit division code: ', division_code)",
                            f"division_code IS NOT NULL AND NOT regexp_matches(division_code, '{DIVISION}')")


def sampling(codes=()) -> Validation:
    """Sampling batches: required cells, dates, 检验结论/任务来源/抽样环节 values, division codes; ``in_district``
    when the sampled unit's division code is one of ``codes``."""
    dates = DATE_COLUMNS["sampling"]
    checks = _missing(("sample_id", "sample_date", "category", "task_source", "division_code", "conclusion"), dates)
    checks += _bad_dates(dates)
    checks += [
        Check("conclusion", "conclusion", "concat('unknown 检验结论 ', conclusion, ' (合格 or 不合格)')",
              f"conclusion IS NOT NULL AND NOT {_in('conclusion', SAMPLING_CONCLUSIONS)}"),
        Check("task source", "task_source", "concat('unknown 任务来源 ', task_source, ' (国抽, 省抽, 市抽, 县抽)')",
              f"task_source IS NOT NULL AND NOT {_in('task_source', TASK_SOURCES)}"),
        Check("stage", "stage", "concat('unknown 抽样环节 ', stage, ' (生产, 流通, 餐饮, 网络)')",
              f"stage IS NOT NULL AND NOT {_in('stage', STAGES)}"),
        DIVISION_CODE_CHECK,
    ]
    join, in_district = _district(codes, "sampling_raw.division_code")
    return Validation("sampling", "sample_id", f"SELECT sampling_raw.*, {in_district} FROM sampling_raw {join}", tuple(checks),
                      ("sample_date", "report_date", "category", "subcategory", "stage", "task_source",
                       "division_code", "conclusion", "failed_items", "notice_no"), dates)


def report_date_required(v: Validation) -> Validation:
    """Sampling counted by 报告日期: the report date becomes a required cell."""
    return Validation(v.name, v.key, v.norm, v.checks + tuple(_missing(("report_date",), v.dates)), v.compared,
                      v.dates)


def _entity_type(column: str) -> str:
    return (f"CASE WHEN {column} IS NULL THEN NULL WHEN {column} LIKE '%个体%' OR {column} = 'individual' "
            f"THEN 'individual' WHEN {column} LIKE '%合作社%' OR {column} = 'cooperatives' THEN 'cooperatives' "
            "ELSE 'enterprises' END")


def register(codes=()) -> Validation:
    """The market-entity register: USCC check character and type, dates and their order, division codes;
    ``in_district`` when the domicile's division code is one of ``codes``."""
    uscc_type = "CASE substr(uscc, 1, 2) " + " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in USCC_TYPES.items()) + " END"
    dates = DATE_COLUMNS["register"]
    join, in_district = _district(codes, "r.division_code")
    norm = (f"SELECT r.*, {uscc_valid_sql('r.uscc')} AS valid_uscc, {in_district} FROM (SELECT *, "
            f"{_entity_type('declared_type')} AS entity_type, {uscc_type} AS uscc_entity_type "
            f"FROM register_raw) AS r {join}")
    exit_sql = "least(deregistered_day, revoked_day)"
    checks = _missing(("uscc", "declared_type", "founded", "division_code"), dates)
    checks += _bad_dates(dates)
    checks += [
        Check("USCC check digit", "uscc", "concat('not a valid 统一社会信用代码 (GB 32100-2015 check digit): ', uscc)",
              "uscc IS NOT NULL AND NOT valid_uscc"),
        Check("USCC type", "uscc", "concat('code type ', substr(uscc, 1, 2), ' does not fit 市场主体类型 ', "
              "declared_type, ' (91 enterprise, 92 individual business, 93 farmers'' cooperative)')",
              "valid_uscc AND entity_type IS NOT NULL AND coalesce(uscc_entity_type, '') <> entity_type"),
        DIVISION_CODE_CHECK,
        Check("date order", "founded", "'an exit or move before the founding date'",
              f"founded_day > least({exit_sql}, moved_out_day, moved_in_day)"),
        Check("date order", "moved_in", "'moved out or exited before it moved in'",
              f"moved_in_day > least({exit_sql}, moved_out_day)"),
    ]
    return Validation("register", "uscc", norm, tuple(checks),
                      ("declared_type", "founded", "status", "deregistered", "revoked", "moved_out", "moved_in",
                       "authority", "division_code"), dates)


def patents(divisions: dict[str, tuple[str, ...]], codes=()) -> Validation:
    """Patent grants (``divisions``: code -> names found in addresses): 申请号 check digit and type digit
    against 专利类型, the grant date, division codes; ``in_district`` when the division the grant is placed
    in (its code, else its address) is one of ``codes``."""
    ptype = "CASE " + " ".join(f"WHEN {_in('patent_type', names)} THEN '{name}'"
                               for name, names in PATENT_TYPES.items()) + " END"
    digits = application_digits_sql("application_no")
    type_digit = ("CASE substr(digits, 5, 1) WHEN '1' THEN 'invention' WHEN '8' THEN 'invention' "
                  "WHEN '2' THEN 'utility_model' WHEN '9' THEN 'utility_model' WHEN '3' THEN 'design' END")
    by_address = " ".join(f"WHEN address LIKE '%{name}%' THEN '{code}'"
                          for code, names in divisions.items() for name in names)
    placed = (f"CASE WHEN division_code IS NOT NULL THEN division_code {by_address} END" if by_address
              else "division_code")
    join, in_district = _district(codes, "p.placed_division")
    norm = (f"SELECT p.*, {in_district} FROM (SELECT *, {ptype} AS patent_kind, {type_digit} AS number_kind, "
            f"{placed} AS placed_division, {application_valid_sql('digits')} AS number_valid "
            f"FROM (SELECT *, {digits} AS digits FROM patents_raw)) AS p {join}")
    dates = DATE_COLUMNS["patents"]
    checks = _missing(("application_no", "patent_type", "grant_date"), dates)
    checks += _bad_dates(dates)
    checks += [
        Check("application number", "application_no",
              "concat('not a valid 申请号 (12 digits, dot, check digit): ', application_no)",
              "application_no IS NOT NULL AND NOT number_valid"),
        Check("patent type", "patent_type", "concat('unknown 专利类型 ', patent_type, ' (发明, 实用新型, 外观设计)')",
              "patent_type IS NOT NULL AND patent_kind IS NULL"),
        Check("application type", "application_no",
              "concat('type digit ', substr(digits, 5, 1), ' of ', application_no, ' does not fit 专利类型 ', patent_type)",
              "number_valid AND patent_kind IS NOT NULL AND coalesce(number_kind, '') <> patent_kind"),
        DIVISION_CODE_CHECK,
    ]
    return Validation("patents", "application_no", norm, tuple(checks),
                      ("patent_type", "grant_date", "applicant", "address", "ipc", "division_code"), dates)


def first_errors(view: str, limit: int = 20) -> str:
    """SQL: the first ``limit`` problems of each kind (by file and row) and the count of each kind."""
    return (f"SELECT kind, file, row, column_name, value, message, total FROM (SELECT *, "
            f"row_number() OVER (PARTITION BY kind ORDER BY file, row, column_name) AS n, "
            f"count(*) OVER (PARTITION BY kind) AS total FROM {view}) WHERE n <= {limit} ORDER BY kind, file, row")
