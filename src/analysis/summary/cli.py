"""``python -m analysis indicators``: the figures of one work summary, or of several years' summaries linked.

One file: one row per stated figure (:data:`analysis.summary.indicators.INDICATOR_COLUMNS`; with ``--format
xlsx`` a second sheet ``unparsed``). Several files of one bureau: one row per indicator and year
(:data:`analysis.summary.years.LINKED_COLUMNS`; the xlsx has a second sheet ``growth_checks``). Errors are one
line on stderr, exit status 2.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import openpyxl
import pandas as pd

from analysis.readers.io import DataError, append_table, write_atomic, write_csv
from analysis.summary import years
from analysis.summary.indicators import extract_indicators, unparsed_mentions
from analysis.summary.text import read_summary


class _UsageError(Exception):
    """A wrong command line; reported in one line, exit status 2."""


class _HelpShown(Exception):
    """``-h`` was given and the help printed; exit status 0."""


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so :func:`cli` returns its status."""

    def error(self, message):
        raise _UsageError(message)

    def exit(self, status=0, message=None):
        if status:
            raise _UsageError((message or "").strip())
        raise _HelpShown


def _parser() -> _Parser:
    parser = _Parser(prog="python -m analysis indicators",
                     description="Extract indicators from an annual work summary (UTF-8 CSV to stdout); with "
                                 "several summaries of one bureau, link each indicator across their years.")
    parser.add_argument("paths", nargs="+", type=Path, metavar="path",
                        help="summary text (UTF-8, UTF-8-BOM or GB18030); several: one per year")
    parser.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    parser.add_argument("-o", "--output", type=Path, help="write to this file instead of stdout")
    return parser


def _write_xlsx(sheets: dict[str, pd.DataFrame], path: Path) -> None:
    """The tables as sheets, in order; text as text cells, never formulas (see :func:`append_table`)."""
    def write(tmp: Path) -> None:
        book = openpyxl.Workbook()
        book.remove(book.active)
        for name, table in sheets.items():
            append_table(book.create_sheet(name), table)
        book.save(tmp)
    write_atomic(path, write)


def _print_utf8(text: str) -> None:
    """Write to stdout as UTF-8 whatever the console encoding."""
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        sys.stdout.write(text)
    else:
        buffer.write(text.encode("utf-8"))
        buffer.flush()


def _tables(paths: list[Path]) -> dict[str, pd.DataFrame]:
    """The sheets to write: the figures and unparsed mentions of one summary, or the linked years of several."""
    if len(paths) == 1:
        text = read_summary(paths[0])
        return {"indicators": extract_indicators(text), "unparsed": unparsed_mentions(text)}
    table = years.linked(years.read_year_summaries(paths))
    return {"linked": table, "growth_checks": years.growth_checks(table)}


def cli(argv: list[str]) -> int:
    """``python -m analysis indicators PATH... [--format csv|xlsx] [-o FILE]``; returns the exit status."""
    try:
        args = _parser().parse_args(argv)
        if args.format == "xlsx" and args.output is None:
            raise _UsageError("--format xlsx needs -o FILE")
        sheets = _tables(args.paths)
        first = next(iter(sheets.values()))
        if args.format == "xlsx":
            _write_xlsx(sheets, args.output)
        elif args.output is not None:
            write_csv(first, args.output)
        else:
            _print_utf8(first.to_csv(index=False, lineterminator="\n"))
    except _HelpShown:
        return 0
    except _UsageError as err:
        print(f"indicators: {err}", file=sys.stderr)
        return 2
    except (DataError, OSError) as err:
        print(str(err).replace("\n", "; "), file=sys.stderr)
        return 2
    return 0
