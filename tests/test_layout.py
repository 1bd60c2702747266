"""The package's layers: lower layers never import higher ones, and each notebook depends on its own analysis."""
import ast
from pathlib import Path

import pytest

from analysis.build import incremental, plan
from analysis.config import DEFAULT_PARAMS, PROJ_ROOT

PACKAGE = Path(incremental.PACKAGE_DIR)
ANALYSES = ("sampling", "patents", "market_entities", "demography", "summary")
#: What each folder may import from the package, besides config, parameters and itself.
ALLOWED = {
    "readers": set(),
    "stats": set(),
    "present": {"readers"},
    "records": {"readers"},
    **{name: {"readers", "stats", "present", "records"} for name in ANALYSES},
    "build": {"readers", "stats", "present", "records"},
}
# The summary compares its figures with the other analyses' tables, so it reads their dataset steps.
ALLOWED["summary"] |= {"sampling", "patents", "market_entities"}
# The build extracts the work summary's figures (the indicators table) as one of its data steps.
ALLOWED["build"] |= {"summary"}


def _package_imports(path: Path) -> set[str]:
    """Top-level folders of ``analysis`` that a module imports (``analysis.readers.io`` -> ``readers``)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "analysis":
                found.update(a.name for a in node.names)
            elif node.module.startswith("analysis."):
                found.add(node.module.split(".")[1])
    return {name for name in found if (PACKAGE / name).is_dir()}


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_a_layer_imports_only_the_layers_below_it(layer):
    wrong = {}
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        upward = _package_imports(path) - ALLOWED[layer] - {layer}
        if upward:
            wrong[path.relative_to(PACKAGE).as_posix()] = sorted(upward)
    assert not wrong, f"modules importing a higher layer or another analysis: {wrong}"


def test_the_rules_cover_every_folder():
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").is_file()}
    assert folders == set(ALLOWED)


def test_the_check_sees_an_upward_import(tmp_path):
    module = tmp_path / "bad.py"
    module.write_text("from analysis.build import report\nfrom analysis.present.labels import label\n")
    assert _package_imports(module) - ALLOWED["stats"] == {"build", "present"}


def _rules() -> dict[str, set[str]]:
    """Each notebook's package files, whose hashes the build records beside its section."""
    return {name: {f.relative_to(PROJ_ROOT).as_posix() for f in incremental.notebook_files(name)[1:]}
            for name in plan.load(DEFAULT_PARAMS)["notebooks"]}


def test_each_notebook_depends_on_its_own_analysis_and_the_layers_below():
    rules = _rules()
    assert set(rules) == set(ANALYSES)
    for name, files in rules.items():
        own = {f for f in files if f.startswith(f"src/analysis/{name}/")}
        assert {f"src/analysis/{name}/__init__.py", f"src/analysis/{name}/findings.py"} <= own, name
        assert not any(f.startswith("src/analysis/build/") for f in files), name
    # Editing one analysis's sentences re-runs that notebook only.
    for name in ANALYSES:
        findings = f"src/analysis/{name}/findings.py"
        assert [n for n, files in rules.items() if findings in files] == [name]
    # A shared lower layer re-runs every notebook that uses it.
    assert all("src/analysis/present/labels.py" in files for files in rules.values())
    assert "src/analysis/stats/proportions.py" in rules["sampling"]
    assert "src/analysis/stats/proportions.py" not in rules["patents"]
