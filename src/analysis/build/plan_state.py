"""A no-op `make` in milliseconds: the plan step is skipped when nothing it read has changed.

``python -m analysis plan`` records, beside the build, the file-system state of everything it read (the
parameters file, the package, the notebooks, every input and the folders holding them): inode, size,
modification and change times. The change time (ctime) is set by the kernel on every write, rename or
``touch -d``, and no copy tool can set it back, so a replacement that keeps an older date is still seen.
``python -m analysis.build.plan_state PARAMS`` exits 0 when that state is unchanged (the plan, and its
record of the inputs' content, stand) and 1 otherwise; `make` then runs the plan step.

Standard library only (``os``, ``json``): this runs on every `make` before anything else is imported.
"""
from __future__ import annotations

import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SUMMARY_OVERRIDE = "AMR_SUMMARY_PATH"


def state_file(params_path: str) -> str:
    """Where the state of a build's plan is kept (its build folder, as :func:`analysis.build.plan.build_dir`)."""
    params_path = os.path.realpath(params_path)
    default = os.path.realpath(os.path.join(ROOT, "params", "default.yaml"))
    name = os.path.splitext(os.path.basename(params_path))[0]
    out = "reports" if params_path == default else os.path.join("reports", name)
    return os.path.join(ROOT, out, ".build", "plan.state.json")


def _stat(path: str) -> list[int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]


def _watched(paths: list[str]) -> list[str]:
    """The files and folders whose state stands for the plan: those given, the package and the notebooks."""
    watched = list(paths)
    for top in (os.path.join(ROOT, "src", "analysis"), os.path.join(ROOT, "notebooks")):
        for folder, dirs, files in os.walk(top):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            watched.append(folder)
            watched.extend(os.path.join(folder, f) for f in sorted(files) if not f.endswith(".pyc"))
    return watched


def current(params_path: str, paths: list[str]) -> dict:
    """The state of a plan that read ``paths`` (files or folders; absent ones count as absent)."""
    return {"params": os.path.realpath(params_path), "summary": os.environ.get(SUMMARY_OVERRIDE, ""),
            "files": {p: _stat(p) for p in _watched([os.path.realpath(params_path), *paths])}}


def record(params_path: str, paths: list[str]) -> None:
    """Record the state after a successful plan (atomically: written aside, then renamed)."""
    target = state_file(params_path)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target + ".tmp", "w", encoding="utf-8") as out:
        json.dump(current(params_path, paths), out, sort_keys=True)
    os.replace(target + ".tmp", target)


def unchanged(params_path: str) -> bool:
    """Whether everything the last plan of this build read is as it was then."""
    try:
        with open(state_file(params_path), encoding="utf-8") as saved:
            state = json.load(saved)
    except (OSError, ValueError):
        return False
    paths = [p for p in state["files"] if p != os.path.realpath(params_path)]
    return state == current(params_path, [p for p in paths if not _is_package(p)])


def _is_package(path: str) -> bool:
    return path.startswith((os.path.join(ROOT, "src", "analysis"), os.path.join(ROOT, "notebooks")))


if __name__ == "__main__":
    sys.exit(0 if len(sys.argv) == 2 and unchanged(sys.argv[1]) else 1)
