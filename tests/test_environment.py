"""The environment files agree, and every notebook follows the project's notebook conventions."""
import json
import re

import papermill
import pytest
import yaml

from analysis.config import KERNEL_NAME, NOTEBOOKS_DIR, PROJ_ROOT
from analysis.build.plan import COMMON_KEYS
from analysis.build.runner import load_params

NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
PIN = re.compile(r"^([A-Za-z0-9_.\-\[\]]+)==(\S+)$")


def _pins(lines):
    return dict(PIN.match(line.strip()).groups() for line in lines if PIN.match(line.strip()))


def test_environment_yml_pins_equal_the_lock():
    lock = _pins((PROJ_ROOT / "requirements.lock").read_text().splitlines())
    env = yaml.safe_load((PROJ_ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert _pins(pip_section) == lock
    assert "-e ." in pip_section


def test_environment_yml_python_matches_pyproject():
    env = yaml.safe_load((PROJ_ROOT / "environment.yml").read_text())
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python="))
    minimum = re.search(r'requires-python = ">=(\d+\.\d+)"', (PROJ_ROOT / "pyproject.toml").read_text()).group(1)
    assert python == f"python={minimum}"


def test_core_packages_are_pinned():
    lock = _pins((PROJ_ROOT / "requirements.lock").read_text().splitlines())
    for name in ("jupyterlab", "pandas", "statsmodels", "matplotlib", "seaborn", "papermill", "nbval",
                 "ipykernel", "nbclient", "matplotlib-inline", "pandera", "mplfonts"):
        assert name in lock, name


def test_there_are_notebooks():
    assert NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_uses_the_project_kernel(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert nb["metadata"]["kernelspec"]["name"] == KERNEL_NAME


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_has_one_tagged_parameters_cell_without_injection(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    tags = [c.get("metadata", {}).get("tags", []) for c in nb["cells"]]
    assert sum("parameters" in t for t in tags) == 1
    assert not any("injected-parameters" in t for t in tags)
    assert "papermill" not in nb["metadata"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_parameter_has_a_type_and_a_help_text(path):
    """`papermill --help-notebook` then lists each parameter with its type and meaning."""
    declared = papermill.inspect_notebook(str(path))
    assert declared
    for name, spec in declared.items():
        assert spec["help"], f"{path.name}: parameter {name} has no '# help' comment"
        assert spec["inferred_type_name"] in ("str", "int", "float", "bool", "list"), f"{path.name}: {name}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_defaults_equal_the_default_parameters_file(path):
    """JupyterLab, nbval and `make report` must see the same defaults."""
    declared = papermill.inspect_notebook(str(path))
    params = load_params()
    expected = {k: params[k] for k in COMMON_KEYS if k in declared}
    expected.update(params["notebooks"][path.stem])
    for name, value in expected.items():
        assert yaml.safe_load(declared[name]["default"]) == value, name


def _uv_index():
    import importlib.util

    spec = importlib.util.spec_from_file_location("uv_index", PROJ_ROOT / "tools" / "uv_index.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_pip_mirror_is_passed_on_to_uv_and_local_indexes_keep_working():
    uv_index = _uv_index()
    listing = ("global.extra-index-url='file:///opt/pypi/simple file:///opt/pypi-more/simple'\n"
               "global.find-links='/opt/wheels'\nglobal.index-url='https://pypi.org/simple'\n"
               ":env:.index-url='https://pypi.tuna.tsinghua.edu.cn/simple'\nglobal.cert='/etc/ssl/x.crt'\n")
    settings = uv_index.pip_settings(listing)
    assert uv_index.uv_options(settings, environ={}) == [
        "--index", "file:///opt/pypi/simple", "--index", "file:///opt/pypi-more/simple",
        "--find-links", "/opt/wheels", "--default-index", "https://pypi.tuna.tsinghua.edu.cn/simple",
        "--index-strategy", "unsafe-best-match"]  # as pip: the best version across all indexes
    assert "--default-index" not in uv_index.uv_options(settings, environ={"UV_DEFAULT_INDEX": "https://m/simple"})


def test_bootstrap_falls_back_to_pip_when_uv_cannot_reach_its_index(tmp_path):
    """`make venv` with uv pointed at an unreachable index still installs the lock, with pip."""
    import os
    import shutil
    import subprocess

    for name in ("Makefile", "pyproject.toml", "tools", "src"):
        (shutil.copytree if (PROJ_ROOT / name).is_dir() else shutil.copy2)(PROJ_ROOT / name, tmp_path / name)
    (tmp_path / "requirements.lock").write_text("six==1.17.0\n", encoding="utf-8")
    unreachable = "http://127.0.0.1:9/simple"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UV_", "MAKE"))}
    env |= {"UV_DEFAULT_INDEX": unreachable, "UV_INDEX": unreachable, "UV_FIND_LINKS": str(tmp_path / "none"),
            "UV_NO_CACHE": "1"}
    result = subprocess.run(["make", ".venv/.packages"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "uv could not install the lock: installing with pip instead" in result.stderr
    python = tmp_path / ".venv" / "bin" / "python"
    check = subprocess.run([str(python), "-c", "import six, analysis; print(six.__version__)"],
                           capture_output=True, text=True)
    assert check.stdout.strip() == "1.17.0", check.stderr
