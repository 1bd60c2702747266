"""Where a build came from: code version, input file hashes, parameters and package versions."""
from __future__ import annotations

import platform
import subprocess
from importlib import metadata
from pathlib import Path

from analysis.config import NOTEBOOKS_DIR, PROJ_ROOT, dataset_dirs
from analysis.readers.io import display_path
from analysis.build.plan import sha256

#: Packages whose versions change results or their printed form.
PACKAGES = ("pandas", "numpy", "scipy", "statsmodels", "matplotlib", "seaborn", "papermill", "nbclient",
            "nbval", "pandera", "openpyxl", "mplfonts")
RAW_SUFFIXES = (".csv", ".xlsx", ".txt")


def _git(*args: str) -> str | None:
    try:
        result = subprocess.run(["git", *args], cwd=PROJ_ROOT, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return result.stdout.strip()


#: The tracked code whose changes make a build differ from its commit; data and parameters are
#: identified by their SHA-256 instead (a district's are untracked by design).
CODE_PATHS = ("src", "notebooks", "tools", "Makefile", "pyproject.toml", "requirements.lock")


def git_state() -> dict:
    """The commit checked out and whether tracked code (:data:`CODE_PATHS`) differs from it."""
    commit = _git("rev-parse", "HEAD")
    status = _git("status", "--porcelain", "--untracked-files=no", "--", *CODE_PATHS)
    return {"commit": commit or "unknown (not a git checkout)",
            "dirty": None if status is None else bool(status)}


def input_files(params_path: Path, params: dict) -> list[Path]:
    """The files a build reads: the parameters file, its notebooks and the dataset's raw files."""
    raw_dir, _ = dataset_dirs(params.get("dataset", "public"))
    raw = sorted(p for p in raw_dir.iterdir() if p.is_file() and p.suffix in RAW_SUFFIXES)
    notebooks = [NOTEBOOKS_DIR / f"{name}.ipynb" for name in sorted(params["notebooks"])]
    named = sorted({PROJ_ROOT / section[key] for section in params["notebooks"].values()
                    for key in ("summary_path",) if section.get(key)} - set(raw))
    return [Path(params_path).resolve(), *notebooks, *raw, *named]


def package_versions() -> dict[str, str]:
    """Versions of Python and of the packages that shape results."""
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def provenance(params_path: Path | str, params: dict) -> dict:
    """Everything a reader needs to trace a build back to its code, inputs and environment."""
    files = input_files(Path(params_path), params)
    return {
        "git": git_state(),
        "inputs": [{"file": display_path(p), "sha256": sha256(p)} for p in files],
        "parameters": params,
        "packages": package_versions(),
    }
