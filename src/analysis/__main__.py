"""Command line: ``python -m analysis COMMAND`` (run ``python -m analysis -h`` for the list)."""
from __future__ import annotations

import argparse
import errno
import sys
from pathlib import Path

from analysis.config import DEFAULT_PARAMS, PROJ_ROOT, dataset_dirs
from analysis.readers.io import DataError, display_path


def _process(args) -> int:
    from analysis.build import orchestrate, plan
    from analysis.readers import datasets

    if args.params is not None:
        lines = orchestrate.process_tables(args.params, plan.load(args.params))
    else:
        lines = [orchestrate.process_table(name, args.dataset) for name in args.names or list(datasets.STEPS)]
    print("\n".join(lines))
    return 0


def _data(args) -> int:
    from analysis.build import orchestrate, plan

    params = plan.load(args.params)
    for line in [*orchestrate.aggregate_records(str(params.get("dataset", "public"))),
                 *orchestrate.process_tables(args.params, params),
                 *orchestrate.extract_summary(params, PROJ_ROOT / plan.build_dir(args.params))]:
        print(line)
    return 0


def _build(args) -> int:
    from analysis.build import orchestrate

    print(f"wrote {display_path(orchestrate.build(args.params, args.kernels))}")
    return 0


def _plan(args) -> int:
    from analysis.build import plan

    plan.write_plan(args.params)
    return 0


def _check(args) -> int:
    from analysis.build import checks

    problems = checks.check_all(args.params)
    for line in problems:
        print(line, file=sys.stderr)
    return 1 if problems else 0


def _validate(args) -> int:
    from analysis.readers import datasets

    failed = 0
    if not args.paths:
        from analysis.build import plan

        params = plan.load(args.params)
        raw_dir, _ = dataset_dirs(str(params.get("dataset", "public")))
        args.paths = [p for s in plan.STEPS if (p := plan.raw_table(raw_dir, s))]
    for path in args.paths:
        try:
            how = datasets.validate_file(path, sheet=args.sheet)
        except (DataError, KeyError) as err:
            print(err.args[0] if isinstance(err, KeyError) else err, file=sys.stderr)
            failed += 1
        else:
            print(f"{path}: ok (read as {how})")
    return 1 if failed else 0


def _compile(args) -> int:
    import subprocess

    from analysis.build import runner

    if args.part:
        runner.import_build_modules(args.part)
        return 0
    kernel = subprocess.Popen([sys.executable, "-m", "analysis", "compile", "--part", "kernel"])
    runner.import_build_modules("analysis")
    return kernel.wait()


def _run(args) -> int:
    from analysis.build import runner

    runner.run_many(args.names, args.params, kernels=args.kernels)
    return 0


def _refresh(args) -> int:
    from analysis.build import runner

    runner.refresh_committed(args.names)
    return 0


def _report(args) -> int:
    from analysis.build import report, runner

    path = report.build(PROJ_ROOT / runner.build_dir(args.params), args.params, runner.load_params(args.params),
                        rebuild=lambda name: runner.run(name, args.params))
    print(f"wrote {path.relative_to(PROJ_ROOT)}")
    return 0


def _indicators(argv: list[str]) -> int:
    from analysis.config import RAW_DATA_DIR
    from analysis.summary import cli

    for flag, value in zip(argv, argv[1:]):
        if flag in ("-o", "--output") and Path(value).resolve().is_relative_to(RAW_DATA_DIR):
            print(f"{value}: data/raw/ holds the raw inputs and is never written; write elsewhere",
                  file=sys.stderr)
            return 2

    return cli.cli(argv)


def _example_district(args) -> int:
    from analysis import example_district
    from analysis.readers.io import display_path

    write = example_district.write_records if args.records else example_district.write
    for path in write(args.out, args.seed):
        print(f"wrote {display_path(path)}")
    return 0


def _records(args) -> int:
    raw_dir, _ = dataset_dirs(args.dataset)
    if args.if_present and not (raw_dir / "records").is_dir():
        return 0  # before importing DuckDB: a build without records pays nothing for them
    from analysis.readers.io import display_path
    from analysis.records import pipeline

    paths, notes = pipeline.run(args.dataset, args.engine, args.master, args.year_basis)
    for path in paths:
        print(f"wrote {display_path(path)}")
    for note in notes:
        print(note)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["indicators"]:
        return _indicators(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m analysis", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("process", help="raw -> processed tables (validated)")
    p.add_argument("names", nargs="*", help="dataset steps (default: all)")
    p.add_argument("--dataset", default="public", help="data folder: public or the name of a folder in data/raw")
    p.add_argument("--params", type=Path, default=None,
                   help="process the steps a parameters file's build needs and record their hashes (make)")
    p.set_defaults(func=_process)
    p = sub.add_parser("build", help="(make report) bring a build up to date: data, changed notebooks, report")
    p.add_argument("--params", type=Path, default=DEFAULT_PARAMS)
    p.add_argument("--kernels", type=int, default=None, help="kernels side by side (default: one per core)")
    p.set_defaults(func=_build)
    p = sub.add_parser("compile", help="(make venv) import what a build imports once, so Python caches it compiled")
    p.add_argument("--part", choices=("kernel", "analysis"), default=None, help="one part (default: both, side by side)")
    p.set_defaults(func=_compile)
    p = sub.add_parser("data", help="(make data) records, processed tables and the work summary's figures of a build")
    p.add_argument("--params", type=Path, default=DEFAULT_PARAMS)
    p.set_defaults(func=_data)
    p = sub.add_parser("plan", help="(make) check a parameters file and record its inputs' hashes")
    p.add_argument("--params", type=Path, default=DEFAULT_PARAMS)
    p.set_defaults(func=_plan)
    p = sub.add_parser("check", help="check every notebook's parameters against the data, before any kernel")
    p.add_argument("--params", type=Path, default=DEFAULT_PARAMS)
    p.set_defaults(func=_check)
    p = sub.add_parser("validate", help="check raw files and print their problems")
    p.add_argument("paths", nargs="*", type=Path, help="files (default: the raw tables of --params's dataset)")
    p.add_argument("--params", type=Path, default=DEFAULT_PARAMS)
    p.add_argument("--sheet", default=None, help="sheet name for .xlsx files (default: the sheet the workbook opens on)")
    p.set_defaults(func=_validate)
    p = sub.add_parser("run", help="execute notebooks for a build (after checking its parameters), on warm kernels")
    p.add_argument("names", nargs="+")
    p.add_argument("--params", type=Path, default=DEFAULT_PARAMS)
    p.add_argument("--kernels", type=int, default=None, help="kernels side by side (default: one per core)")
    p.set_defaults(func=_run)
    p = sub.add_parser("refresh", help="re-execute committed notebooks with their defaults (nbval reference)")
    p.add_argument("names", nargs="+")
    p.set_defaults(func=_refresh)
    p = sub.add_parser("report", help="assemble report.html from the notebooks' sections")
    p.add_argument("--params", type=Path, default=DEFAULT_PARAMS)
    p.set_defaults(func=_report)
    sub.add_parser("indicators", help="extract indicators from a work summary, or link several years' summaries (see: indicators -h)")
    p = sub.add_parser("example-district", help="write the SYNTHETIC example district's raw files")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: that of the committed files)")
    p.add_argument("--out", type=Path, default=None, help="output folder (default: data/raw/example_district)")
    p.add_argument("--records", action="store_true", help="write its records (default folder: .../records)")
    p.set_defaults(func=_example_district)
    p = sub.add_parser("records", help="records (batches, entities, grants) -> validated yearly tables")
    p.add_argument("--dataset", default="public", help="data folder whose records/ subfolder is read")
    p.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb")
    p.add_argument("--master", default=None, help="Spark master (default local[*])")
    p.add_argument("--year-basis", choices=("sample_date", "report_date"), default=None,
                   help="year a sampled batch counts in (default: district.yaml, else sample_date)")
    p.add_argument("--if-present", action="store_true", help="(make) do nothing when there is no records folder")
    p.set_defaults(func=_records)
    args = parser.parse_args(argv)
    return _one_line_errors(args.func, args)


def _one_line_errors(func, args) -> int:
    """Run a command; expected failures, a full disk and Ctrl-C end it with a line (no traceback)."""
    from analysis.build.plan import RunError
    from analysis.config import DatasetError

    try:
        return func(args)
    except (DataError, RunError, DatasetError) as err:
        print(str(err), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: nothing half-written was kept; run the command again", file=sys.stderr)
        return 130
    except OSError as err:
        if err.errno in (errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EROFS):
            where = f" ({err.filename})" if err.filename else ""
            print(f"cannot write{where}: {err.strerror}; free space or fix permissions, then run again "
                  f"(the previous outputs are kept)", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
