"""Checks of notebook parameters that stop a run with a one-line explanation."""
from __future__ import annotations

from collections.abc import Iterable

LANGS = ("zh", "en")


class ParameterError(ValueError):
    """A notebook parameter that does not fit the data."""


def choose(name: str, value, available: Iterable) -> None:
    """Raise unless ``value`` is one of ``available``."""
    available = sorted({str(a) for a in available})
    if str(value) not in available:
        raise ParameterError(f"unknown {name} {value!r}; available: {', '.join(available) or 'none'}")


def check_years(years_with_data: Iterable[int], target_year: int, baseline_years: Iterable[int],
                what: str) -> list[int]:
    """Check the target and baseline years against the years a series has; return the baseline sorted."""
    have = sorted({int(y) for y in years_with_data})
    listed = ", ".join(map(str, have)) or "none"
    baseline = sorted({int(y) for y in baseline_years})
    if int(target_year) not in have:
        raise ParameterError(f"target_year {target_year} has no data for {what}; years with data: {listed}")
    if not baseline:
        raise ParameterError("baseline_years is empty; give at least one earlier year")
    if int(target_year) in baseline:
        raise ParameterError(f"baseline_years must not contain the target year {target_year}")
    missing = [y for y in baseline if y not in have]
    if missing:
        raise ParameterError(f"baseline_years {missing} have no data for {what}; years with data: {listed}")
    return baseline


def check_lang(lang: str) -> None:
    """Raise unless ``lang`` is a supported label language."""
    choose("lang", lang, LANGS)
