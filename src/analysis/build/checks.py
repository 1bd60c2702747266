"""Every notebook's parameters checked against the data at once, before any kernel starts.

Each analysis checks its own parameters with its ``check_params`` (the same function its notebook calls
first); this runs all of them on the build's processed tables and collects every problem, so an analyst
fixes a parameters file in one round instead of one notebook run at a time.
"""
from __future__ import annotations

import importlib
import inspect
from pathlib import Path

from analysis.build import plan
from analysis.config import dataset_dirs
from analysis.parameters import ParameterError
from analysis.readers.io import DataError

#: Notebook -> module with its ``check_params`` (and ``load`` when the check takes the table as ``frame``,
#: or the register and its end date as ``register`` and ``data_end``).
PARAMETER_CHECKS = {
    "sampling": "analysis.sampling.step",
    "patents": "analysis.patents.step",
    "market_entities": "analysis.market_entities.step",
    "summary": "analysis.summary.compare",
    "demography": "analysis.demography.step",
}


def check_notebook(name: str, params: dict) -> str | None:
    """The problem with one notebook's parameters, or None (also when the notebook has no check)."""
    if name not in PARAMETER_CHECKS:
        return None
    module = importlib.import_module(PARAMETER_CHECKS[name])
    values = plan.declared_parameters(name) | plan.notebook_values(name, params, "")
    signature = inspect.signature(module.check_params)
    arguments = {k: values[k] for k in signature.parameters if k in values}
    try:
        _, processed_dir = dataset_dirs(str(params.get("dataset", "public")))
        if "frame" in signature.parameters:
            arguments["frame"] = module.load(processed_dir)
        if "register" in signature.parameters:  # the demography register and its end date
            arguments["register"], arguments["data_end"] = module.load(processed_dir)
        module.check_params(**arguments)
    except (ParameterError, DataError) as err:
        return f"notebooks.{name}: {err}"
    except (TypeError, ValueError) as err:
        return f"notebooks.{name}: a parameter does not fit: {err}"
    return None


def check_all(params_path: Path | str) -> list[str]:
    """Every problem of a parameters file's notebooks, one line each, prefixed with the file."""
    params = plan.load(params_path)
    problems = [check_notebook(name, params) for name in params["notebooks"]]
    return [f"{params_path}: {p}" for p in problems if p]
