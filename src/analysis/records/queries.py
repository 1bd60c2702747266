"""The records SQL, written once in DuckDB's dialect (Spark runs it transpiled by sqlglot).

Three steps per record type, each a view over the one before:

1. ``<type>_raw``: the files' text cells (:meth:`analysis.records.engine.Engine.load`);
2. ``<type>_norm``: parsed dates, normalised types, the district a record belongs to;
3. ``<type>_bad``: the rows failing a check, found in one scan and materialised (normally none);
4. ``<type>_errors``: one row per problem (kind, file, row, column, value, message).

The counting views live in :mod:`analysis.records.rules`. No Python runs per record: everything here
is an SQL expression evaluated by the engine.
"""
from __future__ import annotations

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


def _error(kind: str, column: str, message_sql: str, where: str) -> tuple[str, str, str, str]:
    """One check: its kind, the column it names, the message (SQL) and the condition of a bad row (SQL)."""
    return kind, column, message_sql, where


def _missing(columns) -> list[tuple]:
    return [_error("missing value", c, "'empty'", f"{c} IS NULL") for c in columns]


def _bad_dates(columns) -> list[tuple]:
    return [_error("date", c, "concat('not a date: ', " + c + ")", f"{c} IS NOT NULL AND {c}_day IS NULL")
            for c in columns]


def bad_rows(name: str, checks: list[tuple]) -> str:
    """SQL ``<name>_bad``: the rows failing any check, with one flag per check, in one scan of the records."""
    flags = ", ".join(f"coalesce({where}, FALSE) AS check_{i}" for i, (_, _, _, where) in enumerate(checks))
    return (f"SELECT * FROM (SELECT *, {flags} FROM {name}_norm) WHERE "
            + " OR ".join(f"check_{i}" for i in range(len(checks))))


def errors(name: str, checks: list[tuple], conflicts: str) -> str:
    """SQL ``<name>_errors``: one row per problem (kind, file, row, column_name, value, message)."""
    parts = [f"SELECT '{kind}' AS kind, file, row, '{column}' AS column_name, CAST({column} AS VARCHAR) AS value, "
             f"{message} AS message FROM {name}_bad WHERE check_{i}"
             for i, (kind, column, message, _) in enumerate(checks)]
    return " UNION ALL ".join(parts + [conflicts])


def duplicate_keys(view: str, key: str) -> str:
    """SQL: the keys found in more than one row (a hash aggregate on the key alone; materialised)."""
    return f"SELECT {key} FROM {view} WHERE {key} IS NOT NULL GROUP BY {key} HAVING count(*) > 1"


def _conflicts(view: str, key: str, columns, dates=()) -> str:
    """Rows whose key an earlier row has with different values: copies that disagree.

    Dates are compared as dates, so one batch exported as ``2021年3月5日`` and as ``2021-03-05`` is one.
    Only the rows of duplicated keys (``<view>_dup_keys``) are ordered and compared.
    """
    cells = [f"coalesce(CAST({c}_day AS VARCHAR), {c}, '')" if c in dates else f"coalesce({c}, '')" for c in columns]
    content = "concat_ws('|', " + ", ".join(cells) + ")"
    window = f"OVER (PARTITION BY {key} ORDER BY file, row)"
    return (f"SELECT 'conflicting duplicate' AS kind, file, row, '{key}' AS column_name, {key} AS value, "
            f"concat('same {key} as ', first_file, ':', CAST(first_row AS VARCHAR), ' with different values') AS message "
            f"FROM (SELECT file, row, {key}, {content} AS content, first_value({content}) {window} AS first_content, "
            f"first_value(file) {window} AS first_file, first_value(row) {window} AS first_row FROM {view} "
            f"WHERE {key} IN (SELECT {key} FROM {view}_dup_keys)) WHERE content <> first_content")


def first_copies(view: str, key: str, columns) -> str:
    """SQL: one row per key with its file, row and ``columns``: the rows of unique keys as they are, one
    copy of each duplicated key (copies that differ are errors already, so any copy will do)."""
    dup = f"(SELECT {key} FROM {view}_dup_keys)"
    return (f"SELECT {key}, file, row, {', '.join(columns)} FROM {view} WHERE {key} NOT IN {dup} UNION ALL "
            f"SELECT {key}, min(file) AS file, arg_min(row, file) AS row, "
            + ", ".join(f"min({c}) AS {c}" for c in columns) + f" FROM {view} WHERE {key} IN {dup} GROUP BY {key}")


def sampling_views(year_basis: str) -> dict[str, str]:
    """Views ``sampling_norm`` and ``sampling_errors``; ``year_basis``: ``sample_date`` or ``report_date``."""
    norm = (f"SELECT *, {parse_date('sample_date')} AS sample_date_day, {parse_date('report_date')} AS report_date_day "
            "FROM sampling_raw")
    checks = _missing(("sample_id", "sample_date", "category", "task_source", "division_code",
                                        "conclusion"))
    checks += _bad_dates(("sample_date", "report_date"))
    if year_basis == "report_date":
        checks += _missing(("report_date",))
    checks += [
        _error("conclusion", "conclusion", "concat('unknown 检验结论 ', conclusion, ' (合格 or 不合格)')",
               f"conclusion IS NOT NULL AND NOT {_in('conclusion', SAMPLING_CONCLUSIONS)}"),
        _error("task source", "task_source", "concat('unknown 任务来源 ', task_source, ' (国抽, 省抽, 市抽, 县抽)')",
               f"task_source IS NOT NULL AND NOT {_in('task_source', TASK_SOURCES)}"),
        _error("stage", "stage", "concat('unknown 抽样环节 ', stage, ' (生产, 流通, 餐饮, 网络)')",
               f"stage IS NOT NULL AND NOT {_in('stage', STAGES)}"),
        _error("division code", "division_code", "concat('not a 6-digit division code: ', division_code)",
               f"division_code IS NOT NULL AND NOT regexp_matches(division_code, '{DIVISION}')"),
        _conflicts("sampling_norm", "sample_id", ("sample_date", "report_date", "category", "subcategory", "stage",
                                                  "task_source", "division_code", "conclusion", "failed_items",
                                                  "notice_no"), dates=("sample_date", "report_date")),
    ]
    conflicts = checks.pop()
    return {"sampling_norm": norm, "sampling_norm_dup_keys": duplicate_keys("sampling_norm", "sample_id"),
            "sampling_bad": bad_rows("sampling", checks), "sampling_errors": errors("sampling", checks, conflicts)}


def _entity_type(column: str) -> str:
    return (f"CASE WHEN {column} IS NULL THEN NULL WHEN {column} LIKE '%个体%' OR {column} = 'individual' "
            f"THEN 'individual' WHEN {column} LIKE '%合作社%' OR {column} = 'cooperatives' THEN 'cooperatives' "
            "ELSE 'enterprises' END")


def register_views() -> dict[str, str]:
    """Views ``register_norm`` and ``register_errors``."""
    uscc_type = "CASE substr(uscc, 1, 2) " + " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in USCC_TYPES.items()) + " END"
    dates = ("founded", "deregistered", "revoked", "moved_out", "moved_in")
    norm = ("SELECT *, " + ", ".join(f"{parse_date(c)} AS {c}_day" for c in dates)
            + f", {_entity_type('declared_type')} AS entity_type, {uscc_type} AS uscc_entity_type FROM register_raw")
    exit_sql = "least(deregistered_day, revoked_day)"
    checks = _missing(("uscc", "declared_type", "founded", "division_code"))
    checks += _bad_dates(dates)
    checks += [
        _error("USCC check digit", "uscc", "concat('not a valid 统一社会信用代码 (GB 32100-2015 check digit): ', uscc)",
               f"uscc IS NOT NULL AND NOT {uscc_valid_sql('uscc')}"),
        _error("USCC type", "uscc", "concat('code type ', substr(uscc, 1, 2), ' does not fit 市场主体类型 ', "
               "declared_type, ' (91 enterprise, 92 individual business, 93 farmers'' cooperative)')",
               f"uscc IS NOT NULL AND {uscc_valid_sql('uscc')} AND entity_type IS NOT NULL "
               "AND coalesce(uscc_entity_type, '') <> entity_type"),
        _error("division code", "division_code", "concat('not a 6-digit division code: ', division_code)",
               f"division_code IS NOT NULL AND NOT regexp_matches(division_code, '{DIVISION}')"),
        _error("date order", "founded", "'an exit or move before the founding date'",
               f"founded_day > least({exit_sql}, moved_out_day, moved_in_day)"),
        _error("date order", "moved_in", "'moved out or exited before it moved in'",
               f"moved_in_day > least({exit_sql}, moved_out_day)"),
        _conflicts("register_norm", "uscc", ("declared_type", "founded", "status", "deregistered", "revoked",
                                             "moved_out", "moved_in", "authority", "division_code"), dates=dates),
    ]
    conflicts = checks.pop()
    return {"register_norm": norm, "register_norm_dup_keys": duplicate_keys("register_norm", "uscc"),
            "register_bad": bad_rows("register", checks), "register_errors": errors("register", checks, conflicts)}


def patents_views(divisions: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Views ``patents_norm`` and ``patents_errors``; ``divisions``: code -> names found in addresses."""
    ptype = "CASE " + " ".join(f"WHEN {_in('patent_type', names)} THEN '{name}'"
                               for name, names in PATENT_TYPES.items()) + " END"
    digits = application_digits_sql("application_no")
    type_digit = ("CASE substr(digits, 5, 1) WHEN '1' THEN 'invention' WHEN '8' THEN 'invention' "
                  "WHEN '2' THEN 'utility_model' WHEN '9' THEN 'utility_model' WHEN '3' THEN 'design' END")
    by_address = " ".join(f"WHEN address LIKE '%{name}%' THEN '{code}'"
                          for code, names in divisions.items() for name in names)
    placed = (f"CASE WHEN division_code IS NOT NULL THEN division_code {by_address} END" if by_address
              else "division_code")
    norm = (f"SELECT *, {parse_date('grant_date')} AS grant_date_day, {ptype} AS patent_kind, "
            f"{type_digit} AS number_kind, {placed} AS placed_division "
            f"FROM (SELECT *, {digits} AS digits FROM patents_raw)")
    checks = _missing(("application_no", "patent_type", "grant_date"))
    checks += _bad_dates(("grant_date",))
    checks += [
        _error("application number", "application_no",
               "concat('not a valid 申请号 (12 digits, dot, check digit): ', application_no)",
               f"application_no IS NOT NULL AND NOT {application_valid_sql('digits')}"),
        _error("patent type", "patent_type", "concat('unknown 专利类型 ', patent_type, ' (发明, 实用新型, 外观设计)')",
               "patent_type IS NOT NULL AND patent_kind IS NULL"),
        _error("application type", "application_no",
               "concat('type digit ', substr(digits, 5, 1), ' of ', application_no, ' does not fit 专利类型 ', patent_type)",
               f"application_no IS NOT NULL AND {application_valid_sql('digits')} AND patent_kind IS NOT NULL "
               "AND coalesce(number_kind, '') <> patent_kind"),
        _error("division code", "division_code", "concat('not a 6-digit division code: ', division_code)",
               f"division_code IS NOT NULL AND NOT regexp_matches(division_code, '{DIVISION}')"),
        _conflicts("patents_norm", "application_no", ("patent_type", "grant_date", "applicant", "address", "ipc",
                                                      "division_code"), dates=("grant_date",)),
    ]
    conflicts = checks.pop()
    return {"patents_norm": norm, "patents_norm_dup_keys": duplicate_keys("patents_norm", "application_no"),
            "patents_bad": bad_rows("patents", checks), "patents_errors": errors("patents", checks, conflicts)}


def first_errors(view: str, limit: int = 20) -> str:
    """SQL: the first ``limit`` problems of each kind (by file and row) and the count of each kind."""
    return (f"SELECT kind, file, row, column_name, value, message, total FROM (SELECT *, "
            f"row_number() OVER (PARTITION BY kind ORDER BY file, row, column_name) AS n, "
            f"count(*) OVER (PARTITION BY kind) AS total FROM {view}) WHERE n <= {limit} ORDER BY kind, file, row")
