"""`make bench`: how much the notebook machinery costs, and what incremental and parallel builds save.

Measured in one run on this machine, printed as ratios:

1. full `make -j1 report` (papermill on one warm kernel, from clean build outputs and processed tables)
   against the floor: the same dataset steps, the notebooks' code exported to plain Python scripts run
   in one process each, and the same report step;
2. a no-op `make report` (nothing changed; the median of five);
3. `make -j2 report` (the default: both cores) against `make -j1 report`;
4. a fresh clone of the committed tree to its first `reports/report.html`, environment included (`make
   report` creating .venv from the lock, with the package cache warm: the download depends on the network).

The build goes to reports/bench/ (a copy of params/default.yaml named bench.yaml) and is removed after.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from analysis.build import plan, runner  # noqa: E402
from analysis.config import dataset_dirs  # noqa: E402

PY = str(ROOT / ".venv" / "bin" / "python")


def shell_env() -> dict:
    """The environment of a command typed in a shell: not a sub-make of `make bench` (whose jobserver it would
    share, holding it to one job), not inside this project's virtualenv, caching compiled modules as make does."""
    return {k: v for k, v in os.environ.items()
            if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "VIRTUAL_ENV", "PYTHONDONTWRITEBYTECODE")}


def timed(command: list[str], cwd: Path = ROOT) -> float:
    """Seconds one command takes, run as from a shell."""
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env=shell_env())
    return time.perf_counter() - start


def fresh_clone_first_report() -> float:
    """`git clone` of HEAD, then `make report` in it: .venv, data, notebooks and report, from nothing."""
    folder = Path(tempfile.mkdtemp(prefix="amr-bench-clone-"))
    try:
        subprocess.run(["git", "clone", "-q", str(ROOT), str(folder / "repo")], check=True)
        start = time.perf_counter()
        subprocess.run(["make", "report"], cwd=folder / "repo", check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, env=shell_env())
        return time.perf_counter() - start
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def clean(out: Path, processed: Path) -> None:
    shutil.rmtree(out, ignore_errors=True)
    for table in [*processed.glob("*.csv"), processed / ".tables.stamp"]:
        table.unlink(missing_ok=True)


def script_of(name: str, parameters: dict) -> str:
    """A notebook's code cells as one script, the parameters cell followed by the build's values."""
    nb = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
    parts = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        parts.append(cell.source)
        if "parameters" in cell.metadata.get("tags", []):
            parts.append("\n".join(f"{k} = {v!r}" for k, v in parameters.items()))
    return "\n\n".join(parts) + "\n"


def floor(params_path: Path, out: str, processed: Path) -> float:
    params = runner.load_params(params_path)
    scripts = Path(tempfile.mkdtemp(prefix="amr-bench-"))
    env = shell_env() | {"MPLBACKEND": "Agg"}
    start = time.perf_counter()
    subprocess.run([PY, "-m", "analysis", "process", "--dataset", params.get("dataset", "public")], cwd=ROOT,
                   check=True, stdout=subprocess.DEVNULL)
    for name in params["notebooks"]:
        script = scripts / f"{name}.py"
        values = runner.notebook_parameters(name, params, out)
        script.write_text(script_of(name, values), encoding="utf-8")
        subprocess.run([PY, str(script)], cwd=ROOT, check=True, stdout=subprocess.DEVNULL, env=env)
        runner.record_section(ROOT / out, name, values, plan.input_hashes(name, params), runner.code_hashes(name))
    subprocess.run([PY, "-m", "analysis", "report", "--params", str(params_path)], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    shutil.rmtree(scripts)
    return elapsed


def main() -> int:
    folder = Path(tempfile.mkdtemp(prefix="amr-bench-params-"))
    params_path = folder / "bench.yaml"
    shutil.copy(ROOT / "params" / "default.yaml", params_path)
    out_rel = runner.build_dir(params_path)
    out = ROOT / out_rel
    _, processed = dataset_dirs(runner.load_params(params_path).get("dataset", "public"))
    make = ["make", f"PARAMS={params_path}", "report"]
    try:
        clean(out, processed)
        full_j1 = timed([*make[:1], "-j1", *make[1:]])
        noop = sorted(timed(make) for _ in range(5))[2]  # the median of five
        clean(out, processed)
        full_j2 = timed([*make[:1], "-j2", *make[1:]])
        clean(out, processed)
        floor_s = floor(params_path, out_rel, processed)
        first_report = fresh_clone_first_report()
    finally:
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(folder, ignore_errors=True)
        subprocess.run(["make", "data"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL, env=shell_env())
    results = {
        "full_make_report_j1_s": round(full_j1, 2),
        "floor_plain_scripts_s": round(floor_s, 2),
        "ratio_full_over_floor": round(full_j1 / floor_s, 2),
        "noop_make_report_s": round(noop, 3),
        "full_make_report_j2_s": round(full_j2, 2),
        "speedup_j2_over_j1": round(full_j1 / full_j2, 2),
        "fresh_clone_first_report_s": round(first_report, 1),
        "cpus": os.cpu_count(),
    }
    print(json.dumps(results, indent=1))
    print(f"full make report / plain scripts: {results['ratio_full_over_floor']}x (target <= 1.3x)")
    print(f"no-op make report: {results['noop_make_report_s']} s (target < 0.1 s)")
    print(f"make -j2 speed-up over -j1: {results['speedup_j2_over_j1']}x; full rebuild (-j2, the default): "
          f"{results['full_make_report_j2_s']} s (target < 10 s)")
    print(f"fresh clone to the first report, environment included: {results['fresh_clone_first_report_s']} s "
          f"(target < 20 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
