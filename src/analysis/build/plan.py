"""What a parameters file asks a build to do, read and checked before any table is read or kernel started.

`make` calls :func:`write_plan` (``python -m analysis plan``) on every run: it checks the file (top-level
keys, notebook sections, the dataset folder, value types against each notebook's declared defaults) and
records the SHA-256 of every input (``<out>/.build/inputs.sha256``), rewriting the record only when a
content changed. Rebuilds are therefore decided by content, never by modification times (a copied file may
keep an older date).

Neither pandas nor papermill is imported, so the check costs a fraction of a second.
"""
from __future__ import annotations

import ast
import hashlib
import json
import os
from pathlib import Path

import yaml

from analysis.config import DEFAULT_PARAMS, GAPS_FILE, NOTEBOOKS_DIR, PROJ_ROOT, DatasetError, dataset_dirs
from analysis.readers.io import display_path, write_atomic

#: Keys a parameters file may have at the top level.
TOP_LEVEL_KEYS = ("dataset", "lang", "target_year", "notebooks", "sheets")
#: Top-level keys passed to every notebook that declares them.
COMMON_KEYS = ("dataset", "lang", "target_year")
#: Dataset steps (raw table -> processed table); each reads ``<name>.csv`` or ``<name>.xlsx``. The names of
#: :data:`analysis.readers.datasets.STEPS`, repeated so that `make` need not import pandas (a test checks).
STEPS = ("sampling", "patents", "market_entities")
RAW_SUFFIXES = (".csv", ".xlsx")
#: Inputs of a notebook other than its own dataset step: steps whose tables it uses where the district
#: has them, and the parameter naming a text file it reads. A notebook named after a step needs that step.
OPTIONAL_STEPS = {"summary": ("sampling", "patents", "market_entities")}
TEXT_INPUTS = {"summary": "summary_path"}
#: Earlier years' texts a notebook reads (a list parameter), recorded by content like its text input.
EARLIER_TEXT_INPUTS = {"summary": "earlier_summary_paths"}
#: Processed files a notebook reads besides the dataset steps' tables (written by the records layer).
PROCESSED_INPUTS = {"demography": "register.parquet"}
#: A work summary given on the command line (`make report SUMMARY_PATH=...`), which may lie anywhere:
#: it replaces the parameters file's ``notebooks.summary.summary_path``.
SUMMARY_OVERRIDE = "AMR_SUMMARY_PATH"


class RunError(RuntimeError):
    """A build step that failed; the message says what to fix, one line per problem."""


class PlanError(RunError):
    """A parameters file that cannot drive a build; the message names every problem, one per line."""


def notebook_names() -> list[str]:
    """The notebooks of the repository (``notebooks/*.ipynb``), by name."""
    return sorted(p.stem for p in NOTEBOOKS_DIR.glob("*.ipynb"))


def code_cells(path: Path) -> list[str]:
    """The sources of a notebook's code cells, read as JSON (nbformat's import costs over a second)."""
    cells = json.loads(Path(path).read_text(encoding="utf-8"))["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]


def declared_parameters(name: str) -> dict:
    """The parameters a notebook declares in its ``parameters`` cell, with their default values.

    Read from the cell's source (``name: type = default  # help``) without papermill, which costs seconds.
    """
    cells = json.loads((NOTEBOOKS_DIR / f"{name}.ipynb").read_text(encoding="utf-8"))["cells"]
    cell = next(c for c in cells if "parameters" in c.get("metadata", {}).get("tags", []))
    declared = {}
    for node in ast.parse("".join(cell["source"])).body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            declared[node.target.id] = ast.literal_eval(node.value)
        elif isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            declared[node.targets[0].id] = ast.literal_eval(node.value)
    return declared


def _type_problem(where: str, value, default) -> str | None:
    """A value whose type does not fit the declared default's (``2016-2020`` for a list of years)."""
    if default is None or value is None:
        return None
    if isinstance(default, bool) or isinstance(value, bool):
        ok = isinstance(value, bool) == isinstance(default, bool)
    elif isinstance(default, (int, float)):
        ok = isinstance(value, (int, float)) if isinstance(default, float) else isinstance(value, int)
    else:
        ok = isinstance(value, type(default))
    if ok:
        return None
    examples = {list: "a list such as [2016, 2017, 2018]", int: "a whole number such as 2021",
                float: "a number", str: "a text", bool: "true or false"}
    return f"{where}: expected {examples.get(type(default), type(default).__name__)}, got {value!r}"


def load(path: Path | str = DEFAULT_PARAMS) -> dict:
    """The parameters file as a dict, checked: raises :class:`PlanError` listing every problem."""
    path = Path(path)
    try:
        params = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise PlanError(f"{path}: cannot read parameters ({str(err).splitlines()[0]})") from err
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise PlanError(f"{path}: expected a mapping of parameters, got {type(params).__name__}")
    problems = [f"{path}: unknown top-level key {key!r}; valid keys: {', '.join(sorted(TOP_LEVEL_KEYS))}"
                for key in params if key not in TOP_LEVEL_KEYS]
    available = notebook_names()
    sections = params.get("notebooks")
    if sections is None:
        sections = params["notebooks"] = {name: {} for name in available}
    if not isinstance(sections, dict) or not sections:
        problems.append(f"{path}: 'notebooks:' must map notebook names to their parameters, "
                        f"e.g. 'sampling: {{}}'; notebooks: {', '.join(available)}")
        raise PlanError("\n".join(problems))
    try:
        dataset_dirs(str(params.get("dataset", "public")))
    except DatasetError as err:
        problems.append(f"{path}: {err}")
    for name, section in sections.items():
        if name not in available:
            problems.append(f"{path}: no notebook {name!r} (section notebooks.{name}); "
                            f"notebooks: {', '.join(available)}")
            continue
        if section is None:
            section = sections[name] = {}
        if not isinstance(section, dict):
            problems.append(f"{path}: notebooks.{name} must be a mapping of parameters, got {section!r}")
            continue
        declared = declared_parameters(name)
        values = {k: params[k] for k in COMMON_KEYS if k in params and k in declared} | section
        unknown = sorted(set(section) - set(declared))
        if unknown:
            problems.append(f"{path}: notebooks.{name}: unknown parameter(s) {', '.join(unknown)}; "
                            f"the notebook declares: {', '.join(sorted(declared))}")
        problems += [p for key, value in values.items() if key in declared
                     if (p := _type_problem(f"{path}: notebooks.{name}.{key}", value, declared[key]))]
        text_key = TEXT_INPUTS.get(name)
        if text_key and text_key not in section:
            section[text_key] = ""  # a build compares only the summary it names: none given, none compared
        if text_key and section.get(text_key) and not (name == "summary" and os.environ.get(SUMMARY_OVERRIDE)):
            problems += _text_input_problems(path, f"notebooks.{name}.{text_key}", section[text_key])
        earlier_key = EARLIER_TEXT_INPUTS.get(name)
        for i, value in enumerate(section.get(earlier_key) or [] if earlier_key else []):
            problems += _text_input_problems(path, f"notebooks.{name}.{earlier_key}[{i}]", value)
    if problems:
        raise PlanError("\n".join(problems))
    if os.environ.get(SUMMARY_OVERRIDE) and "summary" in sections:
        sections["summary"]["summary_path"] = str(Path(os.environ[SUMMARY_OVERRIDE]).resolve())
    return params


def _text_input_problems(path: Path, where: str, value) -> list[str]:
    """A text input named in a parameters file must lie inside the project (no silent ``../`` reads)."""
    if not isinstance(value, str):
        return []
    resolved = (PROJ_ROOT / value).resolve()
    if not resolved.is_relative_to(PROJ_ROOT):
        return [f"{path}: {where} {value!r} is outside the project; copy the file into data/raw/ or give it "
                f"on the command line: make report SUMMARY_PATH={value}"]
    return []


def build_dir(params_path: Path | str) -> str:
    """Output folder of a build, relative to the project root: ``reports`` or ``reports/<stem>``."""
    params_path = Path(params_path).resolve()
    return "reports" if params_path == DEFAULT_PARAMS.resolve() else f"reports/{params_path.stem}"


def notebook_values(name: str, params: dict, out_dir: str) -> dict:
    """The parameters file's values for one notebook: common keys it declares, its section, its folder."""
    declared = declared_parameters(name)
    values = {k: params[k] for k in COMMON_KEYS if k in params and k in declared}
    return values | params["notebooks"][name] | {"output_dir": out_dir}


def text_input(name: str, params: dict) -> Path | None:
    """The text file a notebook reads (its ``summary_path``, default or given), if any."""
    key = TEXT_INPUTS.get(name)
    if key is None:
        return None
    value = params["notebooks"][name].get(key, declared_parameters(name).get(key))
    return PROJ_ROOT / value if value else None


def text_inputs(name: str, params: dict) -> list[Path]:
    """Every text file a notebook reads: its text input, then the earlier years' texts."""
    text = text_input(name, params)
    key = EARLIER_TEXT_INPUTS.get(name)
    earlier = params["notebooks"][name].get(key, declared_parameters(name).get(key)) if key else None
    return ([text] if text is not None else []) + [PROJ_ROOT / value for value in earlier or []]


def processed_input(name: str, params: dict) -> Path | None:
    """The processed file a notebook reads besides the dataset steps' tables, if it has one."""
    _, processed_dir = dataset_dirs(str(params.get("dataset", "public")))
    return processed_dir / PROCESSED_INPUTS[name] if name in PROCESSED_INPUTS else None


def raw_table(raw_dir: Path, step: str) -> Path | None:
    """The raw file of a dataset step in a folder, if there is one."""
    found = [raw_dir / f"{step}{suffix}" for suffix in RAW_SUFFIXES if (raw_dir / f"{step}{suffix}").is_file()]
    return found[0] if found else None


#: The record files (data/raw/<dataset>/records/<prefix>*) the records layer aggregates into a step's table.
RECORD_PREFIXES = {"sampling": "sampling", "patents": "patents", "market_entities": "register"}


def has_records(raw_dir: Path, step: str) -> bool:
    """Whether the dataset's records folder holds records that give this step's table."""
    folder = raw_dir / "records"
    return folder.is_dir() and any(p.name.startswith(RECORD_PREFIXES[step]) for p in folder.iterdir())


def has_input(raw_dir: Path, step: str) -> bool:
    """A step's table comes from its raw file or from the district's records."""
    return raw_table(raw_dir, step) is not None or has_records(raw_dir, step)


def steps(params: dict) -> tuple[dict[str, list[str]], list[str]]:
    """Per notebook the dataset steps whose tables it reads, and all steps of the build, in order.

    A notebook named after a step needs that step's raw file: a missing one is an error naming the file
    and the notebook. Optional steps (:data:`OPTIONAL_STEPS`) enter only where their raw file is there.
    """
    raw_dir, _ = dataset_dirs(str(params.get("dataset", "public")))
    problems, reads = [], {}
    for name in params["notebooks"]:
        needed = [name] if name in STEPS else []
        for step in needed:
            if not has_input(raw_dir, step):
                problems.append(f"notebooks.{name}: no {step}.csv or {step}.xlsx (nor {RECORD_PREFIXES[step]} "
                                f"records) in {display_path(raw_dir)}/; add the file or remove the section "
                                f"notebooks.{name}")
        reads[name] = needed + [s for s in OPTIONAL_STEPS.get(name, ()) if s not in needed
                                and has_input(raw_dir, s)]
        for text in text_inputs(name, params):
            if not text.is_file():
                problems.append(f"notebooks.{name}: {display_path(text)!s}: no such file")
    if problems:
        raise PlanError("\n".join(problems))
    return reads, [s for s in STEPS if any(s in r for r in reads.values())]


def sha256(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def write_if_changed(path: Path, text: str) -> Path:
    """Write ``text`` atomically unless the file already holds it (its date then tells make nothing new)."""
    return write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"), keep_unchanged=True)


def input_record(path: Path | None) -> str:
    """One line recording an input file by content: its hash and name, or that it is absent."""
    return f"{sha256(path)}  {display_path(path)}\n" if path is not None and path.is_file() else "absent\n"


def write_plan(params_path: Path | str) -> Path:
    """Check the parameters file and record its inputs' hashes in ``<out>/.build/inputs.sha256``.

    The record holds every input of the build by content (the raw tables, the gaps file, the records, the
    sheets chosen, the work summaries) and is rewritten only when one changed, so make rebuilds on content,
    not on dates. The state of everything read is kept too (:mod:`analysis.build.plan_state`), so that the
    next `make` skips this step while nothing changed.
    """
    from analysis.build import plan_state

    params = load(params_path)
    _, build_steps = steps(params)
    raw_dir, _ = dataset_dirs(str(params.get("dataset", "public")))
    sheets = yaml.safe_dump(params.get("sheets") or {}, allow_unicode=True, sort_keys=True)
    tree = sorted((raw_dir / "records").rglob("*")) if raw_dir.is_dir() else []
    records = [p for p in tree if p.is_file()]
    texts = sorted({t for name in params["notebooks"] for t in text_inputs(name, params)})
    record = write_if_changed(PROJ_ROOT / build_dir(params_path) / ".build" / "inputs.sha256",
                              "".join(input_record(raw_table(raw_dir, s)) for s in build_steps)
                              + input_record(raw_dir / GAPS_FILE)
                              + "".join(map(input_record, [*records, *texts])) + f"sheets: {sheets}")
    folders = [raw_dir, *(p for p in tree if p.is_dir())] if raw_dir.is_dir() else []
    read = [raw_dir.parent, *folders, *sorted(p for p in raw_dir.glob("*") if p.is_file()), *records,
            *texts, *{t.parent for t in texts}, record]
    plan_state.record(str(params_path), [str(p) for p in read])
    return record


def input_hashes(name: str, params: dict) -> dict[str, str]:
    """The inputs one notebook of a build reads, by file, with their SHA-256 (recorded beside its section)."""
    reads, _ = steps(params)
    _, processed_dir = dataset_dirs(str(params.get("dataset", "public")))
    files = [processed_dir / f"{s}.csv" for s in reads[name]]
    files += text_inputs(name, params)
    files += [p for p in [processed_input(name, params)] if p is not None]
    return {display_path(f): sha256(f) if f.is_file() else "absent" for f in files}

