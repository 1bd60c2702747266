"""The dataset steps of the repository, by name; each module has ``SCHEMA``, ``RAW_FILE`` and ``process``."""
from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

from analysis.config import GAPS_FILE, dataset_dirs
from analysis.readers import gaps
from analysis.readers.schema import load_table

#: Dataset name -> module implementing its raw -> processed step.
STEPS = {"sampling": "analysis.sampling.step", "patents": "analysis.patents.step",
         "market_entities": "analysis.market_entities.step"}


def step(name: str) -> ModuleType:
    """The module of one dataset step."""
    if name not in STEPS:
        raise KeyError(f"unknown dataset {name!r}; known: {', '.join(STEPS)}")
    return importlib.import_module(STEPS[name])


def sheets(params: dict) -> dict[str, str]:
    """The parameters file's top-level ``sheets:``: dataset step -> the sheet its workbook is read from.

    Keys are raw file names (``sampling.xlsx``, or ``sampling``); a workbook whose table is not on the sheet
    it opens on (a cover sheet first) is read from the named sheet. Raises ``ValueError`` naming a key that
    no dataset step reads, or a value that is not a sheet name.
    """
    given = params.get("sheets") or {}
    if not isinstance(given, dict):
        raise ValueError(f"sheets: expected a mapping of raw file name to sheet name, got {given!r}")
    chosen = {}
    for file, sheet in given.items():
        stem = Path(str(file)).stem
        if stem not in STEPS:
            raise ValueError(f"sheets: no dataset step reads a file named {file!r}; expected one of "
                             f"{', '.join(f'{n}.xlsx' for n in STEPS)}")
        if not isinstance(sheet, (str, int)) or isinstance(sheet, bool) or str(sheet).strip() == "":
            raise ValueError(f"sheets: {file}: expected a sheet name, got {sheet!r}")
        chosen[stem] = str(sheet)
    return chosen


def process(name: str, dataset: str = "public", sheet: str | None = None) -> Path:
    """Run one dataset step for a dataset folder (``public`` or e.g. ``example_district``).

    ``sheet``: the sheet of the step's workbook to read (default: the sheet the workbook opens on).
    """
    raw_dir, processed_dir = dataset_dirs(dataset)
    return step(name).process(raw_dir, processed_dir, sheet=sheet)


def step_for_file(path: Path | str) -> ModuleType:
    """The dataset step whose raw file has this file's name (any supported suffix).

    The step named like the file is tried first, so validating one table imports one step's modules.
    """
    stem = Path(path).stem
    for name in sorted(STEPS, key=lambda name: name != stem):
        module = step(name)
        if Path(module.RAW_FILE).stem == stem:
            return module
    raise KeyError(f"{path}: no dataset step reads a file named {stem!r}; "
                   f"expected one of {', '.join(Path(step(n).RAW_FILE).stem for n in STEPS)}")


def validate_file(path: Path | str, sheet: str | None = None) -> str:
    """Validate one raw file (a dataset's table or ``gaps.csv``) against its schema; return how it was read.

    Raises ``DataError``.
    """
    is_gaps = Path(path).stem == Path(GAPS_FILE).stem
    _, how = load_table(path, gaps.SCHEMA if is_gaps else step_for_file(path).SCHEMA, sheet=sheet)
    return how
