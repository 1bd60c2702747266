"""Execute a notebook with papermill for one build, strictly and atomically.

- Parameters come from one YAML file: top-level keys common to every notebook (``dataset``, ``lang``,
  ``target_year``) plus the notebook's own section under ``notebooks:``. A key the notebook does not
  declare is an error (papermill itself only logs a warning and injects it anyway).
- The notebook runs on the project's kernel with a per-cell timeout and papermill's progress bar. The
  kernel talks over IPC sockets in a private temporary folder, not TCP ports, so notebooks can run in
  parallel (``make -j``) without racing for ports (papermill #511).
- On success the executed copy replaces ``<output_dir>/notebooks/<name>.ipynb``; on failure the
  previous copy stays, the partial run is kept as ``<name>.failed.ipynb`` and one line names the cell.
"""
from __future__ import annotations

import errno
import json
import os
import sys
import shutil
import tempfile
from pathlib import Path

from jupyter_client import AsyncKernelManager
from traitlets import default

from analysis.config import DEFAULT_PARAMS, KERNEL_NAME, NOTEBOOKS_DIR, PROJ_ROOT
from analysis.readers.io import display_path, write_text
from analysis.build import plan
from analysis.build.plan import RunError
CELL_TIMEOUT_S = 600
VOLATILE_CELL_KEYS = ("papermill", "execution")


class IPCKernelManager(AsyncKernelManager):
    """A kernel manager whose kernels listen on IPC sockets in a fresh temporary folder."""

    @default("transport")
    def _default_transport(self):
        return "ipc"

    @default("ip")
    def _default_ip(self):
        return str(Path(tempfile.mkdtemp(prefix="amr-kernel-")) / "kernel")

    async def _async_interrupt_kernel(self) -> None:
        # jupyter_client interrupts a kernel before every shutdown, which makes a kernel that finished
        # cleanly log "KeyboardInterrupt caught in kernel"; the shutdown request alone stops an idle one.
        if not self.shutting_down:
            await super()._async_interrupt_kernel()

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            shutil.rmtree(Path(self.ip).parent, ignore_errors=True)


def load_params(path: Path | str = DEFAULT_PARAMS) -> dict:
    """The parameters file as a dict, checked (see :func:`analysis.build.plan.load`)."""
    return plan.load(path)


build_dir = plan.build_dir


def notebook_parameters(name: str, params: dict, out_dir: str) -> dict:
    """The parameters for one notebook, checked against the ones its parameters cell declares."""
    path = NOTEBOOKS_DIR / f"{name}.ipynb"
    if not path.is_file():
        raise RunError(f"no notebook {name!r} in notebooks/; notebooks: {', '.join(plan.notebook_names())}")
    if name not in params["notebooks"]:
        raise RunError(f"the parameters file has no section notebooks.{name}")
    values = plan.notebook_values(name, params, out_dir)
    declared = plan.declared_parameters(name)
    unknown = sorted(set(values) - set(declared))
    if unknown:
        raise RunError(f"{name}: unknown parameter(s) {', '.join(unknown)}; "
                       f"the notebook declares: {', '.join(sorted(declared))}")
    return values


def strip_volatile(nb):
    """Remove run timings and paths, which change on every run, from a notebook's metadata."""
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        for key in VOLATILE_CELL_KEYS:
            cell.metadata.pop(key, None)
    return nb


def _failure_line(name: str, err: Exception) -> str:
    import papermill

    if isinstance(err, papermill.PapermillExecutionError):
        return f"{name}: cell {err.exec_count} failed: {err.ename}: {str(err.evalue).splitlines()[0] if err.evalue else ''}"
    return f"{name}: {type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"


def execute(source: Path, target: Path, parameters: dict | None, failed: Path, name: str) -> Path:
    """Run ``source`` into ``target`` atomically; keep a failed partial run at ``failed``."""
    import nbformat  # imported here (with papermill): `make` helpers that only read parameters stay fast
    import papermill

    target.parent.mkdir(parents=True, exist_ok=True)
    running = target.with_name(f".{target.stem}.running.ipynb")
    try:
        papermill.execute_notebook(
            str(source), str(running), parameters=parameters or None, kernel_name=KERNEL_NAME,
            progress_bar=sys.stderr.isatty(), execution_timeout=CELL_TIMEOUT_S, cwd=str(PROJ_ROOT),
            kernel_manager_class=IPCKernelManager,
        )
        nb = strip_volatile(nbformat.read(running, as_version=4))
        write_text(nbformat.writes(nb) + "\n", target)
    except Exception as err:
        if running.exists() and not (isinstance(err, OSError) and err.errno == errno.ENOSPC):
            os.replace(running, failed)
            kept = f" (partial run kept in {display_path(failed)})"
        else:
            kept = ""
        raise RunError(f"{_failure_line(name, err)}{kept}") from err
    finally:  # also on Ctrl-C and a full disk: no half-written notebook is left behind
        running.unlink(missing_ok=True)
    failed.unlink(missing_ok=True)
    return target


def run(name: str, params_path: Path | str = DEFAULT_PARAMS, out_dir: str | None = None) -> Path:
    """Execute notebook ``name`` for the build described by ``params_path``; return the executed copy.

    ``out_dir`` (relative to the project root, or absolute) overrides the build folder, e.g. in tests.
    """
    params = load_params(params_path)
    out_dir = out_dir or build_dir(params_path)
    parameters = notebook_parameters(name, params, out_dir)
    inputs = plan.input_hashes(name, params)
    notebooks = PROJ_ROOT / out_dir / "notebooks"
    path = execute(NOTEBOOKS_DIR / f"{name}.ipynb", notebooks / f"{name}.ipynb", parameters,
                   notebooks / f"{name}.failed.ipynb", name)
    record_section(PROJ_ROOT / out_dir, name, parameters, inputs)
    return path


def section_files(out_dir: Path, name: str) -> dict[str, str]:
    """A section's files (its JSON, figures and tables) with their SHA-256; empty if it has none."""
    path = out_dir / "sections" / f"{name}.json"
    if not path.is_file():
        return {}
    section = json.loads(path.read_text(encoding="utf-8"))
    files = [f"sections/{name}.json", *(e["file"] for e in section["figures"] + section["tables"])]
    return {f: plan.sha256(out_dir / f) if (out_dir / f).is_file() else "absent" for f in files}


def section_record_path(out_dir: Path, name: str) -> Path:
    return out_dir / ".build" / f"{name}.section.json"


def section_record(parameters: dict, inputs: dict, files: dict) -> dict:
    """What a section was built from: its parameters (without the folder it lies in), inputs and files."""
    return {"parameters": {k: v for k, v in parameters.items() if k != "output_dir"}, "inputs": inputs,
            "files": files}


def record_section(out_dir: Path, name: str, parameters: dict, inputs: dict) -> None:
    """Record beside a build which parameters and input hashes produced a notebook's section."""
    record = section_record(parameters, inputs, section_files(out_dir, name))
    write_text(json.dumps(record, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
               section_record_path(out_dir, name))


def stale_reason(out_dir: Path, name: str, params: dict) -> str | None:
    """Why a build's section of notebook ``name`` was not produced by this build, or None if it was."""
    path = section_record_path(out_dir, name)
    files = section_files(out_dir, name)
    if not files:
        return "the notebook wrote no section"
    if not path.is_file():
        return "no record of the build that wrote it (a notebook run outside `make report`?)"
    recorded = json.loads(path.read_text(encoding="utf-8"))
    current = section_record(plan.notebook_values(name, params, ""), plan.input_hashes(name, params), files)
    for what, reason in (("parameters", "written with other parameters"),
                         ("inputs", "written from other input tables"),
                         ("files", "its files changed after the build wrote them")):
        if recorded[what] != current[what]:
            keys = sorted(k for k in set(recorded[what]) | set(current[what])
                          if recorded[what].get(k) != current[what].get(k))
            return f"{reason} ({', '.join(keys)})"
    return None


def refresh_committed(name: str) -> Path:
    """Re-execute a committed notebook in place with its own defaults (the nbval reference)."""
    path = NOTEBOOKS_DIR / f"{name}.ipynb"
    return execute(path, path, None, PROJ_ROOT / "reports" / "notebooks" / f"{name}.failed.ipynb", name)
