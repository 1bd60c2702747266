"""The code a notebook runs: the package modules it imports, directly or through other package modules.

A notebook's section records the hashes of these files (:func:`analysis.build.runner.code_hashes`), so a change
in ``patents/findings.py`` re-runs the patents notebook and not the sampling one.
"""
from __future__ import annotations

import ast
import functools
from pathlib import Path

from analysis.config import NOTEBOOKS_DIR
from analysis.build.plan import code_cells

PACKAGE_DIR = Path(__file__).resolve().parents[1]


def module_file(name: str) -> Path | None:
    """The file of a package module given relative to ``analysis`` (``sampling.step``, ``present``), if any."""
    path = PACKAGE_DIR.joinpath(*name.split(".")) if name else PACKAGE_DIR
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imported_modules(source: str) -> set[str]:
    """Package modules imported by Python source, relative to ``analysis``, with their parent packages.

    ``from analysis.sampling import step`` gives ``sampling.step`` and ``sampling`` (its ``__init__``
    runs too); ``from analysis.present.labels import label`` gives ``present.labels`` and ``present``.
    """
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and (
                node.module == "analysis" or node.module.startswith("analysis.")):
            base = node.module.removeprefix("analysis").lstrip(".")
            found.add(base)
            found.update(f"{base}.{alias.name}".lstrip(".") for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name.removeprefix("analysis.") for a in node.names if a.name.startswith("analysis."))
    with_parents = set()
    for name in found:
        parts = name.split(".") if name else []
        with_parents.update(".".join(parts[:i]) for i in range(len(parts) + 1))
    return {name for name in with_parents if module_file(name)}


@functools.cache
def _module_imports(name: str) -> frozenset[str]:
    """The package modules one package module imports (each file parsed once per process)."""
    return frozenset(_imported_modules(module_file(name).read_text(encoding="utf-8")))


def module_closure(modules: set[str]) -> set[str]:
    """The modules plus every package module they import, transitively (the package's ``__init__`` always)."""
    seen, todo = set(), set(modules) | {""}
    while todo:
        name = todo.pop()
        seen.add(name)
        todo |= _module_imports(name) - seen
    return seen


def notebook_modules(name: str) -> set[str]:
    """Package modules one notebook uses."""
    sources = code_cells(NOTEBOOKS_DIR / f"{name}.ipynb")
    source = "\n".join(s for s in sources if not s.startswith("%"))
    return module_closure(_imported_modules(source))


def notebook_files(name: str) -> list[Path]:
    """A notebook's code: the notebook file and every package module it imports, in order."""
    return [NOTEBOOKS_DIR / f"{name}.ipynb", *sorted(module_file(m) for m in notebook_modules(name))]
