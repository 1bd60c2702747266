"""One place for paths and names, so papermill, nbval and JupyterLab resolve the same files.

Paths are computed from this file, never from the working directory (papermill runs in the caller's
cwd, nbval in the notebook's folder).
"""
import os
from pathlib import Path

PROJ_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = PROJ_ROOT / "data"
RAW_DATA_DIR = DATA_DIR / "raw"
#: A dataset's record of figures missing from its tables (optional; see :mod:`analysis.readers.gaps`).
GAPS_FILE = "gaps.csv"
PROCESSED_DATA_DIR = DATA_DIR / "processed"
NOTEBOOKS_DIR = PROJ_ROOT / "notebooks"
PARAMS_DIR = PROJ_ROOT / "params"
REPORTS_DIR = PROJ_ROOT / "reports"
DEFAULT_PARAMS = PARAMS_DIR / "default.yaml"

#: The Jupyter kernel every notebook names; `make venv` registers it inside .venv.
KERNEL_NAME = "amr-review"

#: Target year of the annual review, unless a parameters file says otherwise.
TARGET_YEAR = 2021


#: Where a notebook run outside a build (JupyterLab, nbconvert, papermill without ``output_dir``) writes.
SCRATCH_DIR = REPORTS_DIR / "_scratch"


class DatasetError(ValueError):
    """A dataset name that is not a folder of data/raw."""


def output_dir(param: str = "") -> Path:
    """Where a notebook writes figures, tables and its report section.

    The notebooks' ``output_dir`` parameter, relative to the project root; a build always sets it
    (``reports`` or ``reports/<stem>``). Empty, i.e. a run outside a build, means the scratch folder
    ``reports/_scratch/`` (or ``$AMR_REPORTS_DIR``, which the test suite points at a temporary folder),
    so exploring never changes a build's folders.
    """
    if param:
        return PROJ_ROOT / param
    return Path(os.environ.get("AMR_REPORTS_DIR") or SCRATCH_DIR)


def dataset_dirs(dataset: str = "public") -> tuple[Path, Path]:
    """Raw and processed folders of a dataset: ``public`` is ``data/raw``, any other name a folder in it.

    A name is one folder name (any characters a folder may have, 鼓楼区 included), never a path, so no
    dataset can point at raw files as its processed folder or outside data/raw.
    """
    if dataset == "public":
        return RAW_DATA_DIR, PROCESSED_DATA_DIR
    if (not isinstance(dataset, str) or not dataset.strip() or dataset in (".", "..")
            or any(sep in dataset for sep in ("/", "\\", "\0"))):
        raise DatasetError(f"dataset {dataset!r} is not a folder name; expected public or the name of a "
                           f"folder in data/raw/ (a name, not a path)")
    if not (RAW_DATA_DIR / dataset).is_dir():
        have = sorted(p.name for p in RAW_DATA_DIR.iterdir() if p.is_dir())
        raise DatasetError(f"dataset {dataset!r}: no folder data/raw/{dataset}/; folders: "
                           f"{', '.join(['public', *have])}")
    return RAW_DATA_DIR / dataset, PROCESSED_DATA_DIR / dataset
