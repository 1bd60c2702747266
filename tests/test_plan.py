"""The parameters file is read by Python and checked whole before a build starts (`python -m analysis plan`)."""
import subprocess
import sys

import pytest
import yaml

from analysis import config
from analysis.build import plan
from analysis.config import DEFAULT_PARAMS, PROJ_ROOT


def _params(tmp_path, text: str, name: str = "p.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture()
def data_root(tmp_path, monkeypatch):
    """A data/raw of its own with a district folder 鼓楼区 holding only a sampling table."""
    raw, processed = tmp_path / "data" / "raw", tmp_path / "data" / "processed"
    (raw / "鼓楼区").mkdir(parents=True)
    (raw / "鼓楼区" / "sampling.csv").write_text("region\n", encoding="utf-8")
    monkeypatch.setattr(config, "RAW_DATA_DIR", raw)
    monkeypatch.setattr(config, "PROCESSED_DATA_DIR", processed)
    return raw


def test_default_parameters_file_is_valid_and_runs_every_notebook():
    params = plan.load(DEFAULT_PARAMS)
    assert list(params["notebooks"]) == ["sampling", "patents", "market_entities", "demography", "summary"]


def test_top_level_typo_names_the_key_and_the_valid_ones(tmp_path):
    path = _params(tmp_path, "target_yaer: 2020\nnotebooks:\n  sampling: {}\n")
    with pytest.raises(plan.PlanError, match=r"unknown top-level key 'target_yaer'; valid keys: dataset, lang, "
                                             r"notebooks, sheets, target_year"):
        plan.load(path)


def test_sheets_key_is_accepted(tmp_path):
    path = _params(tmp_path, "sheets: {sampling.xlsx: 2021年}\nnotebooks:\n  sampling: {}\n")
    assert plan.load(path)["sheets"] == {"sampling.xlsx": "2021年"}


def test_section_name_typo_names_the_notebooks(tmp_path):
    path = _params(tmp_path, "notebooks:\n  sampilng: {}\n")
    with pytest.raises(plan.PlanError, match=r"no notebook 'sampilng' \(section notebooks.sampilng\); "
                                             r"notebooks: demography, market_entities, patents, sampling, summary"):
        plan.load(path)


def test_a_year_range_for_baseline_years_is_one_line_asking_for_a_list(tmp_path):
    path = _params(tmp_path, "notebooks:\n  sampling:\n    baseline_years: 2016-2020\n")
    with pytest.raises(plan.PlanError, match=r"notebooks.sampling.baseline_years: expected a list such as "
                                             r"\[2016, 2017, 2018\], got '2016-2020'$"):
        plan.load(path)


def test_every_problem_is_reported_at_once(tmp_path):
    path = _params(tmp_path, "lagn: en\nnotebooks:\n  sampling:\n    regoin: x\n    target_year: '2021'\n"
                             "  patent: {}\n")
    with pytest.raises(plan.PlanError) as err:
        plan.load(path)
    lines = str(err.value).splitlines()
    assert len(lines) == 4, lines
    assert any("'lagn'" in l for l in lines) and any("regoin" in l for l in lines)
    assert any("target_year: expected a whole number" in l for l in lines)
    assert any("no notebook 'patent'" in l for l in lines)


def test_absent_notebooks_section_means_every_notebook(tmp_path):
    params = plan.load(_params(tmp_path, "lang: en\n"))
    assert sorted(params["notebooks"]) == plan.notebook_names()


@pytest.mark.parametrize("dataset", ["../raw/example_district", "example_district/..", "..", "/tmp", ""])
def test_dataset_is_a_single_folder_name_never_a_path(tmp_path, dataset):
    path = _params(tmp_path, yaml.safe_dump({"dataset": dataset, "notebooks": {"sampling": {}}}))
    with pytest.raises(plan.PlanError, match="is not a folder name|no folder data/raw"):
        plan.load(path)


def test_process_refuses_a_path_as_dataset_and_writes_nothing_under_raw():
    raw = PROJ_ROOT / "data" / "raw" / "example_district"
    before = {p: p.read_bytes() for p in raw.rglob("*") if p.is_file()}
    result = subprocess.run([sys.executable, "-m", "analysis", "process", "--dataset", "../raw/example_district"],
                            capture_output=True, text=True, cwd=PROJ_ROOT)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().startswith("dataset '../raw/example_district' is not a folder name")
    assert {p: p.read_bytes() for p in raw.rglob("*") if p.is_file()} == before


def test_indicators_refuses_to_write_under_raw():
    target = PROJ_ROOT / "data" / "raw" / "indicators.csv"
    result = subprocess.run([sys.executable, "-m", "analysis", "indicators", "data/raw/2021_work_summary.txt",
                             "-o", str(target)], capture_output=True, text=True, cwd=PROJ_ROOT)
    assert result.returncode == 2 and "never written" in result.stderr and not target.exists()


def test_summary_outside_the_project_is_refused(tmp_path):
    path = _params(tmp_path, "notebooks:\n  summary:\n    summary_path: ../../etc/passwd\n")
    with pytest.raises(plan.PlanError, match=r"summary_path '../../etc/passwd' is outside the project"):
        plan.load(path)


def test_a_non_ascii_quoted_dataset_is_read_as_written(tmp_path, data_root):
    path = _params(tmp_path, "dataset: \"鼓楼区\"   # the district\nnotebooks:\n  sampling: {}\n", "gulou.yaml")
    params = plan.load(path)
    assert params["dataset"] == "鼓楼区"
    assert plan.steps(params) == ({"sampling": ["sampling"]}, ["sampling"])


def test_a_missing_raw_file_is_an_error_only_for_an_analysis_asked_for(tmp_path, data_root):
    path = _params(tmp_path, "dataset: 鼓楼区\nnotebooks:\n  sampling: {}\n  patents: {}\n")
    with pytest.raises(plan.PlanError, match=r"^notebooks.patents: no patents.csv or patents.xlsx \(nor patents records\) in .*鼓楼区/; "
                                             r"add the file or remove the section notebooks.patents$"):
        plan.steps(plan.load(path))


def test_summary_reads_only_the_tables_the_district_has(tmp_path, data_root):
    path = _params(tmp_path, "dataset: 鼓楼区\nnotebooks:\n  summary:\n"
                             "    summary_path: data/raw/2021_work_summary.txt\n")
    reads, steps = plan.steps(plan.load(path))
    assert reads == {"summary": ["sampling"]} and steps == ["sampling"]


def test_raw_input_records_change_with_content_not_with_time(tmp_path, data_root, monkeypatch):
    import os

    monkeypatch.setattr(plan, "PROJ_ROOT", tmp_path)
    path = _params(tmp_path, "dataset: 鼓楼区\nnotebooks:\n  sampling: {}\n", "gulou.yaml")
    record = tmp_path / "reports" / "gulou" / ".build" / "inputs.sha256"
    plan.write_plan(path)
    first, stamp = record.read_text(encoding="utf-8"), record.stat().st_mtime_ns
    plan.write_plan(path)
    assert record.stat().st_mtime_ns == stamp  # unchanged content: nothing for make to rebuild
    raw = data_root / "鼓楼区" / "sampling.csv"
    old = raw.stat().st_mtime
    raw.write_text("region,year\n", encoding="utf-8")
    os.utime(raw, (old - 86400, old - 86400))  # a replacement that keeps an older date (Windows copy, rsync -a)
    plan.write_plan(path)
    assert record.read_text(encoding="utf-8") != first
    assert "鼓楼区/sampling.csv" in record.read_text("utf-8")


def test_plan_command_errors_are_lines_without_traceback(tmp_path):
    path = _params(tmp_path, "target_yaer: 2020\nnotebooks:\n  sampilng: {}\n")
    result = subprocess.run([sys.executable, "-m", "analysis", "plan", "--params", str(path)],
                            capture_output=True, text=True, cwd=PROJ_ROOT)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 2


def test_check_finds_the_parameter_problems_of_all_notebooks_at_once(tmp_path):
    from analysis.build import checks

    params = yaml.safe_load(DEFAULT_PARAMS.read_text(encoding="utf-8"))
    params["notebooks"]["sampling"]["region"] = "火星"
    params["notebooks"]["patents"]["baseline_years"] = [1990]
    params["notebooks"]["market_entities"]["entity_types"] = ["banks"]
    path = _params(tmp_path, yaml.safe_dump(params, allow_unicode=True, sort_keys=False))
    problems = checks.check_all(path)
    assert [p.split(": ")[1] for p in problems] == ["notebooks.sampling", "notebooks.patents",
                                                     "notebooks.market_entities"]
    assert "unknown region '火星'" in problems[0] and "baseline_years [1990]" in problems[1]
    assert "unknown entity_type 'banks'" in problems[2]
    assert checks.check_all(DEFAULT_PARAMS) == []


def test_the_build_knows_every_dataset_step_and_its_raw_file():
    from analysis.readers import datasets

    assert plan.STEPS == tuple(datasets.STEPS)
    for name in plan.STEPS:
        assert datasets.step(name).RAW_FILE.split(".")[0] == name


def test_a_summary_outside_the_project_given_on_the_command_line_is_read(tmp_path, monkeypatch):
    summary = tmp_path / "2021年工作总结.txt"
    summary.write_text("SYNTHETIC\n", encoding="utf-8")
    path = _params(tmp_path, f"notebooks:\n  summary:\n    summary_path: {summary}\n")
    with pytest.raises(plan.PlanError, match=f"SUMMARY_PATH={summary}"):
        plan.load(path)
    monkeypatch.setenv(plan.SUMMARY_OVERRIDE, str(summary))
    params = plan.load(_params(tmp_path, "notebooks:\n  summary: {}\n"))
    assert params["notebooks"]["summary"]["summary_path"] == str(summary)
    assert plan.text_input("summary", params) == summary


def test_a_plan_is_skipped_only_while_nothing_it_read_changed(tmp_path, data_root, monkeypatch):
    """`make` skips the plan step on the recorded state; a replacement keeping an older date is still seen."""
    import os

    from analysis.build import plan_state

    monkeypatch.setattr(plan, "PROJ_ROOT", tmp_path)
    monkeypatch.setattr(plan_state, "ROOT", str(tmp_path))
    monkeypatch.delenv(plan_state.SUMMARY_OVERRIDE, raising=False)
    path = str(_params(tmp_path, "dataset: 鼓楼区\nnotebooks:\n  sampling: {}\n", "gulou.yaml"))
    assert not plan_state.unchanged(path)  # never planned
    plan.write_plan(path)
    assert plan_state.unchanged(path)
    raw = data_root / "鼓楼区" / "sampling.csv"
    old = raw.stat().st_mtime_ns - 86_400 * 10**9
    copy = tmp_path / "copy.csv"
    copy.write_text("region,year\n", encoding="utf-8")
    os.utime(copy, ns=(old, old))
    os.replace(copy, raw)  # a copy that keeps an older date (Windows copy, rsync -a, unzip)
    assert not plan_state.unchanged(path)
    plan.write_plan(path)
    assert plan_state.unchanged(path)
    (data_root / "鼓楼区" / "patents.csv").write_text("region\n", encoding="utf-8")  # a new file beside it
    assert not plan_state.unchanged(path)
    plan.write_plan(path)
    monkeypatch.setenv(plan_state.SUMMARY_OVERRIDE, str(tmp_path / "summary.txt"))
    assert not plan_state.unchanged(path)
    monkeypatch.delenv(plan_state.SUMMARY_OVERRIDE)
    (tmp_path / "reports" / "gulou" / ".build" / "inputs.sha256").unlink()  # make needs it: planned again
    assert not plan_state.unchanged(path)
