"""Check digits of the identifiers in records, as SQL expressions (run inside the engine) and in Python.

- 统一社会信用代码 (USCC, GB 32100-2015): 18 characters from ``0-9A-HJ-NPQRTUWXY`` (no I, O, S, V, Z);
  characters 1-2 are the registration authority and type (91 enterprise, 92 individual business,
  93 farmers' cooperative for the market regulator); character 18 is ``31 - (sum of value * weight
  over characters 1-17) mod 31`` (31 written as 0), weights ``3^(i-1) mod 31``.
- 专利申请号 (CNIPA, from 2003): ``YYYY`` + type digit (1 invention, 2 utility model, 3 design, 8 PCT
  invention, 9 PCT utility model) + 7-digit serial, then ``.`` and a check character: the 12 digits
  weighted ``2,3,4,5,6,7,8,9,2,3,4,5``, summed, mod 11 (10 written X). ``CN`` and ``ZL`` prefixes and
  a missing dot are accepted.

The Python functions generate valid identifiers (the example district) and check the SQL in tests.
"""
from __future__ import annotations

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
USCC_TYPES = {"91": "enterprises", "92": "individual", "93": "cooperatives"}
APPLICATION_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
APPLICATION_TYPES = {"1": "invention", "8": "invention", "2": "utility_model", "9": "utility_model", "3": "design"}


def uscc_check_char(first17: str) -> str:
    """The 18th character of a USCC whose first 17 characters are given."""
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, USCC_WEIGHTS))
    return USCC_CHARS[(31 - total % 31) % 31]


def application_check_char(digits12: str) -> str:
    """The check character after the dot of a 12-digit patent application number."""
    remainder = sum(int(d) * w for d, w in zip(digits12, APPLICATION_WEIGHTS)) % 11
    return "X" if remainder == 10 else str(remainder)


#: The first 17 characters of a USCC as chunks (start, length) whose weighted sums are looked up, not computed.
USCC_CHUNKS = ((1, 3), (4, 3), (7, 3), (10, 3), (13, 3), (16, 2))


def _uscc_chunk_sums(start: int, length: int) -> str:
    """SQL: every string of ``length`` characters of the USCC alphabet (31^3 = 29,791 at most) and its
    weighted sum at position ``start``: a small table, built by the engine from the alphabet."""
    alphabet = "(VALUES " + ", ".join(f"('{c}', {i})" for i, c in enumerate(USCC_CHARS)) + ")"
    names = [f"c{i}" for i in range(length)]
    return (f"SELECT {' || '.join(f'{n}.c' for n in names)} AS chunk, "
            + " + ".join(f"{n}.v * {USCC_WEIGHTS[start - 1 + i]}" for i, n in enumerate(names))
            + " AS total FROM " + " CROSS JOIN ".join(f"{alphabet} AS {n}(c, v)" for n in names))


def uscc_lookup(column: str) -> str:
    """SQL: the joins that :func:`uscc_valid_sql` needs, to put after the table in a query's FROM.

    The weighted sum of 17 characters costs 17 substrings and searches per record; looking up six chunks
    in tables of their weighted sums costs six substrings and six probes of small hash tables (about 2.5
    times less CPU). A chunk with a character outside the alphabet finds nothing.
    """
    return " ".join(f"LEFT JOIN ({_uscc_chunk_sums(start, length)}) AS uscc_chunk_{k} "
                    f"ON uscc_chunk_{k}.chunk = substr({column}, {start}, {length})"
                    for k, (start, length) in enumerate(USCC_CHUNKS))


def uscc_valid_sql(column: str) -> str:
    """SQL: TRUE when ``column`` is a well-formed USCC with the right check character (in a query whose FROM
    has :func:`uscc_lookup` of the same column). Well-formed without a pattern: 18 characters, the first 17
    found in the alphabet's chunk tables (a chunk outside the alphabet finds nothing: FALSE) and the 18th
    equal to the check character, which is in the alphabet too."""
    total = " + ".join(f"uscc_chunk_{k}.total" for k in range(len(USCC_CHUNKS)))
    return (f"coalesce(length({column}) = 18 AND "
            f"substr('{USCC_CHARS}', ((31 - ({total}) % 31) % 31) + 1, 1) = substr({column}, 18, 1), FALSE)")


def application_digits_sql(column: str) -> str:
    """SQL: the application number without prefix, dot and spaces (``2021101234567``, check last)."""
    return f"regexp_replace(upper({column}), '^(CN|ZL)|[ .]', '', 'g')"


def application_valid_sql(digits: str) -> str:
    """SQL: TRUE when ``digits`` (see :func:`application_digits_sql`) are 12 digits and a right check character."""
    total = " + ".join(f"TRY_CAST(substr({digits}, {i + 1}, 1) AS INTEGER) * {w}" for i, w in enumerate(APPLICATION_WEIGHTS))
    return (f"(regexp_matches({digits}, '^[0-9]{{12}}[0-9X]$') AND "
            f"CASE WHEN ({total}) % 11 = 10 THEN 'X' ELSE CAST(({total}) % 11 AS VARCHAR) END = substr({digits}, 13, 1))")
