"""Check digits of the identifiers in records, run inside the engine, and in Python.

- 统一社会信用代码 (USCC, GB 32100-2015): 18 characters from ``0-9A-HJ-NPQRTUWXY`` (no I, O, S, V, Z);
  characters 1-2 are the registration authority and type (91 enterprise, 92 individual business,
  93 farmers' cooperative for the market regulator); character 18 is ``31 - (sum of value * weight
  over characters 1-17) mod 31`` (31 written as 0), weights ``3^(i-1) mod 31``.
- 专利申请号 (CNIPA, from 2003): ``YYYY`` + type digit (1 invention, 2 utility model, 3 design, 8 PCT
  invention, 9 PCT utility model) + 7-digit serial, then ``.`` and a check character: the 12 digits
  weighted ``2,3,4,5,6,7,8,9,2,3,4,5``, summed, mod 11 (10 written X). ``CN`` and ``ZL`` prefixes and
  a missing dot are accepted.

The USCC check is :func:`uscc_valid`, vectorised over Arrow arrays and registered in each engine as the
SQL function ``uscc_valid``; the 申请号 check is SQL (:func:`application_valid_sql`). The one-code Python
functions generate valid identifiers (the example district) and check the engines' results in tests.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa

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


#: Each byte's value in the USCC alphabet; 255 for a byte outside it.
_USCC_VALUES = np.full(256, 255, np.uint8)
_USCC_VALUES[np.frombuffer(USCC_CHARS.encode("ascii"), np.uint8)] = np.arange(len(USCC_CHARS), dtype=np.uint8)
_USCC_WEIGHTS = np.array(USCC_WEIGHTS, np.float32)  # float32 products are exact: at most 17 * 30 * 30


def uscc_valid(codes: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Whether each code of an Arrow string array is a well-formed USCC with the right check character
    (NULL stays NULL): 18 characters of the alphabet, the 18th equal to :func:`uscc_check_char` of the first 17.

    Vectorised over the array's bytes (no Python per code): the engines call it once per batch of rows,
    registered under the name ``uscc_valid`` (:meth:`analysis.records.engine.Engine`), so that the records
    SQL checks every code with one function call instead of 17 substrings or six table lookups (which
    took half of the register's pass).
    """
    if isinstance(codes, pa.ChunkedArray):  # DuckDB passes one chunk: taken as it is, not copied
        codes = codes.chunk(0) if codes.num_chunks == 1 else codes.combine_chunks()
    if codes.type != pa.string():
        codes = codes.cast(pa.string())
    n = len(codes)
    if n == 0:
        return pa.array([], pa.bool_())
    _, offsets_buffer, data_buffer = codes.buffers()
    offsets = np.frombuffer(offsets_buffer, np.int32, n + 1, codes.offset * 4)
    data = np.frombuffer(data_buffer, np.uint8) if data_buffer is not None else np.zeros(0, np.uint8)
    lengths = np.diff(offsets)  # in bytes: a code with any non-ASCII character fails below
    if (lengths == 18).all():  # the usual case: one block of 18 bytes per code
        rows, chars = None, data[offsets[0]:offsets[-1]].reshape(n, 18)
    else:
        rows = np.flatnonzero(lengths == 18)
        chars = data[offsets[rows][:, None] + np.arange(18)]
    values = _USCC_VALUES.take(chars)
    total = (values[:, :17] @ _USCC_WEIGHTS).astype(np.int32)
    valid = (31 - total % 31) % 31 == values[:, 17]
    if values.size and values.max() == 255:  # a character outside the alphabet somewhere in this batch
        valid &= (values != 255).all(axis=1)
    if rows is not None:  # codes of other lengths are not valid
        valid, checked = np.zeros(n, bool), valid
        valid[rows] = checked
    return pa.array(valid, mask=codes.is_null().to_numpy(zero_copy_only=False) if codes.null_count else None)


def application_digits_sql(column: str) -> str:
    """SQL: the application number without prefix, dot and spaces (``2021101234567``, check last)."""
    return f"regexp_replace(upper({column}), '^(CN|ZL)|[ .]', '', 'g')"


def application_valid_sql(digits: str) -> str:
    """SQL: TRUE when ``digits`` (see :func:`application_digits_sql`) are 12 digits and a right check character."""
    total = " + ".join(f"TRY_CAST(substr({digits}, {i + 1}, 1) AS INTEGER) * {w}" for i, w in enumerate(APPLICATION_WEIGHTS))
    return (f"(regexp_matches({digits}, '^[0-9]{{12}}[0-9X]$') AND "
            f"CASE WHEN ({total}) % 11 = 10 THEN 'X' ELSE CAST(({total}) % 11 AS VARCHAR) END = substr({digits}, 13, 1))")


def uscc_valid_sql(column: str) -> str:
    """SQL: TRUE when ``column`` is a well-formed USCC with the right check character, else FALSE (NULL too)."""
    return f"coalesce(uscc_valid({column}), FALSE)"
