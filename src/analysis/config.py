"""One place for paths and names, so papermill, nbval and JupyterLab resolve the same files.

Paths are computed from this file, never from the working directory (papermill runs in the caller's
cwd, nbval in the notebook's folder).
"""
import os
from pathlib import Path

PROJ_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = PROJ_ROOT / "data"
RAW_DATA_DIR = DATA_DIR / "raw"
PROCESSED_DATA_DIR = DATA_DIR / "processed"
NOTEBOOKS_DIR = PROJ_ROOT / "notebooks"
PARAMS_DIR = PROJ_ROOT / "params"
REPORTS_DIR = PROJ_ROOT / "reports"
DEFAULT_PARAMS = PARAMS_DIR / "default.yaml"

#: The Jupyter kernel every notebook names; `make venv` registers it inside .venv.
KERNEL_NAME = "amr-review"

#: Target year of the annual review, unless a parameters file says otherwise.
TARGET_YEAR = 2021


def output_dir(param: str = "") -> Path:
    """Where a build writes figures, tables and the report.

    The notebooks' ``output_dir`` parameter, relative to the project root; empty means the default
    ``reports/`` (or ``$AMR_REPORTS_DIR``, which the test suite points at a temporary folder).
    """
    if param:
        return PROJ_ROOT / param
    return Path(os.environ.get("AMR_REPORTS_DIR") or REPORTS_DIR)


def dataset_dirs(dataset: str = "public") -> tuple[Path, Path]:
    """Raw and processed folders of a dataset: ``public`` is ``data/raw``, any other name a subfolder."""
    if dataset == "public":
        return RAW_DATA_DIR, PROCESSED_DATA_DIR
    return RAW_DATA_DIR / dataset, PROCESSED_DATA_DIR / dataset
