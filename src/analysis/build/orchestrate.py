"""`make report`'s one step: the data, the notebooks and the report of a build, redoing only what changed.

Make decides that something may have changed (a raw input's content record, the parameters file, the
package, a notebook); this decides what, by content, in one process, so that every library is imported once:

1. the kernels start (one per make job, at most one per notebook) and import the notebooks' modules, in
   the background, while here
2. the district's records are aggregated (if it has any), the raw tables validated and processed (a table
   whose content did not change keeps its file) and the work summary's figures extracted;
3. each notebook whose section was not produced from the current parameters, input tables, code (the
   notebook and every package module it imports) and files (:func:`analysis.build.runner.stale_reason`) is
   run, after every notebook's parameters were checked against the data on a warm kernel;
4. the report is assembled from the sections.
"""
from __future__ import annotations

from pathlib import Path

from analysis.build import plan, runner
from analysis.config import NOTEBOOKS_DIR, PROJ_ROOT, dataset_dirs
from analysis.readers.io import display_path


def aggregate_records(dataset: str) -> list[str]:
    """The district's records (``data/raw/<dataset>/records/``) into its yearly tables; nothing without them."""
    raw_dir, _ = dataset_dirs(dataset)
    if not (raw_dir / "records").is_dir():
        return []  # before importing DuckDB: a build without records pays nothing for them
    from analysis.records import pipeline

    paths, notes = pipeline.run(dataset)
    return [f"wrote {display_path(p)}" for p in paths] + list(notes)


def process_table(name: str, dataset: str, sheet: str | None = None) -> str:
    """One dataset step's raw table validated and written; a line saying whether its file changed."""
    from analysis.readers import datasets

    _, processed_dir = dataset_dirs(dataset)
    before = [p.stat().st_mtime_ns for p in processed_dir.glob(f"{name}.csv")]
    path = datasets.process(name, dataset, sheet=sheet)
    return f"{'unchanged' if before == [path.stat().st_mtime_ns] else 'wrote'} {display_path(path)}"


def process_tables(params_path: Path | str, params: dict) -> list[str]:
    """Validate and write every processed table the build reads (removing one whose raw file is gone); a line each."""
    from analysis.readers import datasets

    dataset = str(params.get("dataset", "public"))
    names = plan.steps(params)[1]
    try:
        sheets = datasets.sheets(params)
    except ValueError as err:
        raise runner.RunError(f"{params_path}: {err}") from err
    raw_dir, processed_dir = dataset_dirs(dataset)
    if (raw_dir / "records").is_dir():  # tables only in records: the records step wrote them
        names = [n for n in names if any(raw_dir.glob(f"{Path(datasets.step(n).RAW_FILE).stem}.*"))]
    lines = [process_table(name, dataset, sheets.get(name)) for name in names]
    for name in plan.STEPS:
        stale = processed_dir / f"{name}.csv"
        if not plan.has_input(raw_dir, name) and stale.is_file():
            stale.unlink()  # its raw file is gone: no notebook may read the old table
            lines.append(f"removed {display_path(stale)} (no raw {name} file nor records)")
    return lines


def extract_summary(params: dict, out_dir: Path) -> list[str]:
    """The work summary's figures into the build's ``indicators.csv`` (when the build has a summary)."""
    summaries = [t for name in params["notebooks"] if (t := plan.text_input(name, params)) is not None]
    if not summaries:
        return []
    from analysis.summary import cli

    target = out_dir / "indicators.csv"
    if cli.cli([str(summaries[0]), "-o", str(target)]) != 0:
        raise runner.RunError(f"{display_path(summaries[0])}: its figures could not be extracted (above)")
    return [f"wrote {display_path(target)}"]


def build(params_path: Path | str, kernels: int | None = None) -> Path:
    """Bring the build of ``params_path`` up to date; return its ``report.html``.

    The kernels start before the data are prepared when a notebook will run: one is already stale (its
    parameters, code or files changed), or the raw inputs differ from those of the last complete build; else
    they start only if the prepared tables make a notebook stale after all (a changed reader, for example).
    """
    params = plan.load(params_path)
    out_dir = PROJ_ROOT / plan.build_dir(params_path)
    names = list(params["notebooks"])
    inputs, built = out_dir / ".build" / "inputs.sha256", out_dir / ".build" / "built.sha256"
    sources = [NOTEBOOKS_DIR / f"{n}.ipynb" for n in names]
    early = any(runner.stale_reason(out_dir, n, params) for n in names) or not (
        built.is_file() and inputs.is_file() and built.read_bytes() == inputs.read_bytes())
    pool = runner.KernelPool(sources, kernels) if early else None
    try:
        for step in (lambda: aggregate_records(str(params.get("dataset", "public"))),
                     lambda: process_tables(params_path, params), lambda: extract_summary(params, out_dir)):
            for line in step():
                print(line, flush=True)
        from analysis.build import report  # imported while the kernels finish starting

        stale = {n: reason for n in names if (reason := runner.stale_reason(out_dir, n, params))}
        for name, reason in stale.items():
            print(f"{name}: {reason}", flush=True)
        if stale:
            pool = pool or runner.KernelPool(sources, kernels)
            runner.run_stale(pool, list(stale), params_path, params, out_dir)
    finally:
        if pool is not None:
            pool.close()
    path = report.build(out_dir, params_path, params)
    if inputs.is_file():
        plan.write_if_changed(built, inputs.read_text(encoding="utf-8"))
    return path
