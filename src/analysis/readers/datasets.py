"""The dataset steps of the repository, by name; each module has ``SCHEMA``, ``RAW_FILE`` and ``process``."""
from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

from analysis.config import dataset_dirs
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


def process(name: str, dataset: str = "public") -> Path:
    """Run one dataset step for a dataset folder (``public`` or e.g. ``example_district``)."""
    raw_dir, processed_dir = dataset_dirs(dataset)
    return step(name).process(raw_dir, processed_dir)


def step_for_file(path: Path | str) -> ModuleType:
    """The dataset step whose raw file has this file's name (any supported suffix)."""
    stem = Path(path).stem
    for name in STEPS:
        module = step(name)
        if Path(module.RAW_FILE).stem == stem:
            return module
    raise KeyError(f"{path}: no dataset step reads a file named {stem!r}; "
                   f"expected one of {', '.join(Path(step(n).RAW_FILE).stem for n in STEPS)}")


def validate_file(path: Path | str, sheet: str | None = None) -> str:
    """Validate one raw file (a dataset's table or ``gaps.csv``) against its schema; return how it was read.

    Raises ``DataError``.
    """
    is_gaps = Path(path).stem == Path(gaps.GAPS_FILE).stem
    _, how = load_table(path, gaps.SCHEMA if is_gaps else step_for_file(path).SCHEMA, sheet=sheet)
    return how
