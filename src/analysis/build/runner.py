"""Execute notebooks with papermill for one build, strictly and atomically, on warm kernels.

- Parameters come from one YAML file: top-level keys common to every notebook (``dataset``, ``lang``,
  ``target_year``) plus the notebook's own section under ``notebooks:``. A key the notebook does not
  declare is an error (papermill itself only logs a warning and injects it anyway).
- The notebooks of a build run on a pool of the project's kernels, one per core (``kernels``): each kernel
  starts once and imports the notebooks' modules once (pandas, statsmodels, matplotlib: seconds), then
  runs notebook after notebook, each from a fresh namespace and execution count 1 with matplotlib, warning
  and random state as after the imports (:mod:`analysis.build.kernel_state`). Outputs are those of a
  fresh kernel (nbval checks the committed notebooks, written this way, on fresh kernels).
- Kernels talk over IPC sockets in a private temporary folder, not TCP ports, so builds can run side by
  side without racing for ports (papermill #511); a kernel and its folder go on success, failure and Ctrl-C.
- On success the executed copy replaces ``<output_dir>/notebooks/<name>.ipynb``; on failure the
  previous copy stays, the partial run is kept as ``<name>.failed.ipynb`` and one line names the cell.
"""
from __future__ import annotations

import ast
import asyncio
import errno
import json
import os
import queue
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from jupyter_client import AsyncKernelManager
from jupyter_client.blocking import BlockingKernelClient
from jupyter_core.utils import run_sync
from traitlets import default

from analysis.config import DEFAULT_PARAMS, KERNEL_NAME, NOTEBOOKS_DIR, PROJ_ROOT
from analysis.readers.io import display_path, write_text
from analysis.build import plan
from analysis.build.plan import RunError

CELL_TIMEOUT_S = 600
START_TIMEOUT_S = 120
VOLATILE_CELL_KEYS = ("papermill", "execution")
REMEMBER = "__import__('analysis.build.kernel_state', fromlist=['_']).remember()"
RESTORE = "__import__('analysis.build.kernel_state', fromlist=['_']).restore()"


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


def warm_up_code(sources: list[Path]) -> str:
    """The top-level imports of the notebooks' code cells, each once, in order: a kernel's warm-up."""
    imports: dict[str, None] = {}
    for source in sources:
        for code in plan.code_cells(source):
            try:
                tree = ast.parse(code)
            except SyntaxError:  # IPython magics: not imports
                continue
            imports.update((ast.unparse(n), None) for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom)))
    return "\n".join(imports)


def _import_papermill():
    """papermill, without the 1.3 s that ``rfc3987_syntax`` spends compiling a grammar when imported.

    nbformat imports jsonschema, whose optional "iri" format check imports rfc3987_syntax when installed
    (jupyter-events requires it); notebook files have no "iri" field, and jsonschema leaves the check out
    when the module cannot be imported. Only this process is affected, not the kernels.
    """
    sys.modules.setdefault("rfc3987_syntax", None)
    import papermill

    return papermill


#: The modules a kernel itself runs (papermill, which drives it, comes with them): no pandas among them.
KERNEL_MODULES = ("ipykernel.kernelapp", "matplotlib_inline.backend_inline")


def import_build_modules(part: str) -> None:
    """Import, in this process, what a build's processes import: ``kernel`` (:data:`KERNEL_MODULES`) or
    ``analysis`` (the build itself and every notebook's imports). `make test` runs both once, side by side,
    so that Python caches the compiled modules (.pyc) before its test processes start."""
    import importlib

    if part == "kernel":
        for module in KERNEL_MODULES:
            importlib.import_module(module)
        _import_papermill()
        return
    for module in ("analysis.build.orchestrate", "analysis.build.report"):
        importlib.import_module(module)
    exec(compile(warm_up_code(sorted(NOTEBOOKS_DIR.glob("*.ipynb"))), "<the notebooks' imports>", "exec"), {})


class Kernel:
    """One kernel of the project's environment, warmed with the notebooks' imports, one notebook at a time.

    Started, used and restarted on one thread (its event loop drives the asynchronous manager, as papermill's
    client does); stopped from any thread.
    """

    def __init__(self, warm_up: str = ""):
        self.warm_up = warm_up
        self.manager = IPCKernelManager(kernel_name=KERNEL_NAME)
        self.stopped = False

    def start(self) -> None:
        run_sync(self.manager.start_kernel)(cwd=str(PROJ_ROOT))
        self._warm()

    def restart(self) -> None:
        """A fresh process (after a failed notebook, whose state is not worth keeping)."""
        run_sync(self.manager.restart_kernel)(now=True)
        self._warm()

    def _warm(self) -> None:
        # A failing import is left to the notebook's own cell, which then fails with its usual line.
        self._execute(self.warm_up, must_succeed=False)
        self._execute(REMEMBER)

    def stop(self) -> None:
        """Kill the kernel and remove its folder, on a loop of its own: after Ctrl-C, the thread's loop still
        holds the interrupted cell's tasks, which would block a shutdown run there."""
        self.stopped = True
        loop = asyncio.new_event_loop()
        try:
            if self.manager.has_kernel:
                loop.run_until_complete(self.manager._async_shutdown_kernel(now=True))
            else:
                loop.run_until_complete(self.manager._async_cleanup_resources())
        finally:
            loop.close()

    def prepare(self) -> None:
        """Fresh namespace and remembered state for the next notebook."""
        self._execute(RESTORE)

    def check(self, params_path: Path | str) -> list[str]:
        """Every notebook's parameters of a build checked against the data, here, where the modules are loaded."""
        expression = (f"__import__('json').dumps(__import__('analysis.build.checks', fromlist=['_'])"
                      f".check_all({str(params_path)!r}), ensure_ascii=False)")
        value = self._execute(RESTORE, expression)
        return json.loads(ast.literal_eval(value))

    def _execute(self, code: str, expression: str | None = None, must_succeed: bool = True) -> str | None:
        """Run ``code`` quietly; the text of ``expression`` evaluated after it, if given."""
        client = BlockingKernelClient(**self.manager.get_connection_info(session=True), parent=self.manager)
        client.start_channels()
        try:
            self._reply(client, client.kernel_info, resend=True)  # the kernel is ready
            reply = self._reply(client, lambda: client.execute(
                code, silent=True, store_history=False, user_expressions={"value": expression} if expression else None))
        finally:
            client.stop_channels()
        content = reply["content"]
        value = content.get("user_expressions", {}).get("value", {})
        if must_succeed and (content["status"] != "ok" or value.get("status", "ok") != "ok"):
            error = value if value.get("status") == "error" else content
            raise RunError(f"kernel: {error.get('ename')}: {error.get('evalue')}")
        return value.get("data", {}).get("text/plain") if expression else None

    def _reply(self, client: BlockingKernelClient, request, resend: bool = False) -> dict:
        """The reply to ``request()`` (sent again each second if ``resend``); stops waiting when the kernel is stopped."""
        msg_id, sent = request(), time.monotonic()
        deadline = sent + START_TIMEOUT_S
        while not self.stopped:
            try:
                msg = client.get_shell_msg(timeout=0.2)
            except queue.Empty:
                if time.monotonic() > deadline:
                    raise RunError(f"kernel: no reply in {START_TIMEOUT_S} s") from None
                if resend and time.monotonic() - sent > 1:
                    msg_id, sent = request(), time.monotonic()
                continue
            if msg["parent_header"].get("msg_id") == msg_id:
                return msg
        raise RunError("kernel: stopped")


@dataclass
class Job:
    """One notebook to execute: from ``source`` into ``target`` with ``parameters`` (None: its defaults)."""

    name: str
    source: Path
    target: Path
    parameters: dict | None
    failed: Path
    done: object = None  # called with the job after a successful run (e.g. to record the section)


def modules_compiled() -> bool:
    """Whether Python has cached the compiled modules of the environment (pandas' as the sign): false only
    until the first process that imports them."""
    import importlib.util

    spec = importlib.util.find_spec("pandas")
    return spec is not None and Path(importlib.util.cache_from_source(spec.origin)).is_file()


class KernelPool:
    """Kernels started at once, in the background, each on a thread of its own that then runs its tasks.

    Created before the work is known (the kernels start and import while the caller prepares the data);
    :meth:`run` executes notebooks on them; leaving the ``with`` block, also by Ctrl-C or an error, stops
    every kernel and removes its folder.
    """

    def __init__(self, sources: list[Path], kernels: int | None = None):
        """Kernels for notebooks ``sources``: ``kernels`` of them (default one per core), at most one per source."""
        warm_up = warm_up_code(sorted(set(sources)))
        size = max(1, min(kernels or os.cpu_count() or 1, len(sources)))
        self.kernels = [Kernel(warm_up) for _ in range(size)]
        self.todo: queue.Queue = queue.Queue()
        self.stopping = threading.Event()
        # On a first run Python compiles every module it imports (and caches it): the other kernels start
        # once the first has, so that they find the compiled modules instead of compiling them again.
        self.first_started = threading.Event()
        if modules_compiled():
            self.first_started.set()
        self.threads = [threading.Thread(target=self._serve, args=(k, i == 0), daemon=True)
                        for i, k in enumerate(self.kernels)]
        for thread in self.threads:
            thread.start()

    def __enter__(self) -> KernelPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _serve(self, kernel: Kernel, first: bool) -> None:
        failure = None
        try:
            if not first:
                self.first_started.wait()
            if not self.stopping.is_set():
                kernel.start()
        except Exception as err:  # noqa: BLE001 (each task on it then fails with this line)
            failure = f"the kernel did not start: {type(err).__name__}: {err}"
        finally:
            if first:
                self.first_started.set()
        while (task := self.todo.get()) is not None:
            task(kernel, failure)

    def close(self) -> None:
        """Stop every kernel (and with it any notebook still running); wait briefly for the threads."""
        self.stopping.set()
        self.first_started.set()
        for _ in self.threads:
            self.todo.put(None)
        for kernel in self.kernels:
            kernel.stop()
        for thread in self.threads:
            thread.join(10)

    def _run_tasks(self, tasks: list) -> None:
        """Queue ``tasks`` (each called with a kernel and its start failure, if any) and wait until all ran."""
        finished: queue.Queue = queue.Queue()

        def reporting(task):
            def call(kernel: Kernel, failure: str | None) -> None:
                try:
                    task(kernel, failure)
                finally:
                    finished.put(None)
            return call

        for task in tasks:
            self.todo.put(reporting(task))
        for _ in tasks:
            while True:  # in steps, so that Ctrl-C reaches this thread
                try:
                    finished.get(timeout=0.2)
                    break
                except queue.Empty:
                    pass

    def check(self, params_path: Path | str) -> list[str]:
        """A build's notebook parameters checked against the data on the first free warm kernel."""
        problems: list[str] = []

        def task(kernel: Kernel, failure: str | None) -> None:
            try:
                problems.extend([failure] if failure else kernel.check(params_path))
            except Exception as err:  # noqa: BLE001
                problems.append(f"the parameter check failed: {type(err).__name__}: {err}")

        self._run_tasks([task])
        return problems

    def run(self, jobs: list[Job], quiet: bool = False) -> None:
        """Execute ``jobs``, each on the next free kernel; the failures are raised together at the end."""
        failures: dict[str, str] = {}

        def task(job: Job):
            def run_on(kernel: Kernel, failure: str | None) -> None:
                began = time.perf_counter()
                try:
                    if failure:
                        raise RunError(f"{job.name}: {failure}")
                    kernel.prepare()
                    execute(job.source, job.target, job.parameters, job.failed, job.name, kernel)
                    if job.done:
                        job.done(job)
                    if not quiet:
                        print(f"wrote {display_path(job.target)} ({time.perf_counter() - began:.1f} s)", flush=True)
                except Exception as err:  # noqa: BLE001 (each failure is reported with its notebook)
                    if self.stopping.is_set():  # Ctrl-C: the kernels are being stopped; keep no partial run
                        job.failed.unlink(missing_ok=True)
                    else:
                        failures[job.name] = str(err) if isinstance(err, RunError) else f"{job.name}: {type(err).__name__}: {err}"
                        if not failure:
                            try:  # a fresh process: a failed notebook's state is not worth keeping
                                kernel.restart()
                            except Exception:  # noqa: BLE001 (the next notebook on it fails and says so)
                                pass
            return run_on

        self._run_tasks([task(job) for job in jobs])
        if failures:
            raise RunError("\n".join(failures[job.name] for job in jobs if job.name in failures))


def run_jobs(jobs: list[Job], kernels: int | None = None, quiet: bool = False) -> None:
    """Execute ``jobs`` on ``kernels`` warm kernels (default: one per core, at most one per job)."""
    with KernelPool([job.source for job in jobs], kernels) as pool:
        _import_papermill()  # while the kernels start
        pool.run(jobs, quiet)


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
    """Remove what changes on every run: timings and paths in the metadata, and the random id papermill
    gives the cell of injected parameters (named after its tag instead)."""
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        for key in VOLATILE_CELL_KEYS:
            cell.metadata.pop(key, None)
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.id = "injected-parameters"
    return nb


def _failure_line(name: str, err: Exception) -> str:
    import papermill

    if isinstance(err, papermill.PapermillExecutionError):
        return f"{name}: cell {err.exec_count} failed: {err.ename}: {str(err.evalue).splitlines()[0] if err.evalue else ''}"
    return f"{name}: {type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"


def execute(source: Path, target: Path, parameters: dict | None, failed: Path, name: str,
            kernel: Kernel | None = None) -> Path:
    """Run ``source`` into ``target`` atomically; keep a failed partial run at ``failed``.

    On ``kernel`` (prepared by the caller), else on a kernel of its own started and stopped here.
    """
    if kernel is None:
        own = Kernel()
        try:
            own.start()
            return execute(source, target, parameters, failed, name, own)
        finally:
            own.stop()
    papermill = _import_papermill()  # imported here: `make` helpers that only read parameters stay fast
    import nbformat

    target.parent.mkdir(parents=True, exist_ok=True)
    running = target.with_name(f".{target.stem}.running.ipynb")
    try:
        # The kernel already runs in the project folder (no `cwd`: papermill would chdir this whole process,
        # which other threads share); written once at the end, or with the error (not after every cell).
        papermill.execute_notebook(
            str(source), str(running), parameters=parameters or None, kernel_name=KERNEL_NAME,
            progress_bar=False, execution_timeout=CELL_TIMEOUT_S, km=kernel.manager,
            request_save_on_cell_execute=False,
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


def build_jobs(names: list[str], params: dict, out_dir: str) -> list[Job]:
    """One job per notebook of a build, recording on success what its section was built from."""
    notebooks = PROJ_ROOT / out_dir / "notebooks"
    built_from = {n: (plan.input_hashes(n, params), code_hashes(n)) for n in names}

    def record(job: Job) -> None:
        record_section(PROJ_ROOT / out_dir, job.name, job.parameters, *built_from[job.name])

    return [Job(n, NOTEBOOKS_DIR / f"{n}.ipynb", notebooks / f"{n}.ipynb", notebook_parameters(n, params, out_dir),
                notebooks / f"{n}.failed.ipynb", record) for n in names]


def run_stale(pool: KernelPool, names: list[str], params_path: Path | str, params: dict, out_dir: Path | str,
              quiet: bool = False) -> list[Path]:
    """Check every notebook's parameters of the build on ``pool``, then run ``names`` on it."""
    jobs = build_jobs(names, params, str(out_dir))
    _import_papermill()  # while the kernels import
    if problems := pool.check(params_path):
        raise RunError("\n".join(problems))
    pool.run(jobs, quiet)
    return [job.target for job in jobs]


def run_many(names: list[str], params_path: Path | str = DEFAULT_PARAMS, out_dir: str | None = None,
             kernels: int | None = None, quiet: bool = False) -> list[Path]:
    """Execute notebooks ``names`` for the build described by ``params_path``; return the executed copies.

    ``out_dir`` (relative to the project root, or absolute) overrides the build folder, e.g. in tests.
    Every notebook's parameters of the build are checked against the data first, on a warm kernel.
    """
    params = load_params(params_path)
    out_dir = out_dir or build_dir(params_path)
    with KernelPool([NOTEBOOKS_DIR / f"{n}.ipynb" for n in names], kernels) as pool:
        return run_stale(pool, names, params_path, params, out_dir, quiet)


def run(name: str, params_path: Path | str = DEFAULT_PARAMS, out_dir: str | None = None) -> Path:
    """Execute notebook ``name`` for the build described by ``params_path``; return the executed copy."""
    return run_many([name], params_path, out_dir, quiet=True)[0]


def code_hashes(name: str) -> dict[str, str]:
    """A notebook's code by file: the notebook and every package module it imports, with their SHA-256."""
    from analysis.build.incremental import notebook_files

    return {display_path(f): plan.sha256(f) for f in notebook_files(name)}


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


def section_record(parameters: dict, inputs: dict, code: dict, files: dict) -> dict:
    """What a section was built from: its parameters (without the folder it lies in), inputs, code and files."""
    return {"parameters": {k: v for k, v in parameters.items() if k != "output_dir"}, "inputs": inputs,
            "code": code, "files": files}


def record_section(out_dir: Path, name: str, parameters: dict, inputs: dict, code: dict) -> None:
    """Record beside a build which parameters, input hashes and code produced a notebook's section."""
    record = section_record(parameters, inputs, code, section_files(out_dir, name))
    write_text(json.dumps(record, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
               section_record_path(out_dir, name))


def stale_reason(out_dir: Path, name: str, params: dict) -> str | None:
    """Why a build's section of notebook ``name`` was not produced by this build, or None if it was."""
    path = section_record_path(out_dir, name)
    files = section_files(out_dir, name)
    if not files:
        return "the notebook wrote no section" if path.is_file() else "not built yet"
    if not path.is_file():
        return "no record of the build that wrote it (a notebook run outside `make report`?)"
    recorded = json.loads(path.read_text(encoding="utf-8"))
    current = section_record(plan.notebook_values(name, params, ""), plan.input_hashes(name, params),
                             code_hashes(name), files)
    for what, reason in (("parameters", "written with other parameters"),
                         ("inputs", "written from other input tables"),
                         ("code", "its notebook or package code changed"),
                         ("files", "its files changed after the build wrote them")):
        if recorded.get(what) != current[what]:
            recorded_what = recorded.get(what) or {}
            keys = sorted(k for k in set(recorded_what) | set(current[what])
                          if recorded_what.get(k) != current[what].get(k))
            more = f" and {len(keys) - 4} more" if len(keys) > 4 else ""
            return f"{reason} ({', '.join(keys[:4])}{more})"
    return None


def refresh_committed(names: list[str], kernels: int | None = None) -> None:
    """Re-execute committed notebooks in place with their own defaults (the nbval reference)."""
    failed = PROJ_ROOT / "reports" / "notebooks"
    run_jobs([Job(n, NOTEBOOKS_DIR / f"{n}.ipynb", NOTEBOOKS_DIR / f"{n}.ipynb", None, failed / f"{n}.failed.ipynb")
              for n in names], kernels)
