"""The notebook runner refuses parameters a notebook does not declare, and names builds consistently."""
from pathlib import Path

import pytest
import yaml

from analysis.build import runner
from analysis.config import DEFAULT_PARAMS


def test_default_build_goes_to_reports_and_others_to_their_own_folder(tmp_path):
    assert runner.build_dir(DEFAULT_PARAMS) == "reports"
    assert runner.build_dir(tmp_path / "example_district.yaml") == "reports/example_district"


def test_unknown_parameter_is_an_error_not_a_warning():
    params = runner.load_params()
    params["notebooks"]["sampling"]["regoin"] = "全国"
    with pytest.raises(runner.RunError, match=r"sampling: unknown parameter\(s\) regoin; the notebook declares"):
        runner.notebook_parameters("sampling", params, "reports")


def test_notebook_parameters_merge_common_keys_and_section():
    values = runner.notebook_parameters("sampling", runner.load_params(), "reports/other")
    assert values["lang"] == "zh" and values["target_year"] == 2021 and values["dataset"] == "public"
    assert values["region"] == "全国" and values["output_dir"] == "reports/other"


def test_section_of_a_hand_run_or_other_parameters_is_stale(tmp_path):
    from analysis.present import section

    params = runner.load_params()
    assert runner.stale_reason(tmp_path, "sampling", params) == "not built yet"  # a first build says so
    section.write_section("sampling", tmp_path, title="t", lang="zh", summary=["s"])
    assert "no record of the build" in runner.stale_reason(tmp_path, "sampling", params)
    values = runner.notebook_parameters("sampling", params, str(tmp_path))
    from analysis.build import plan

    runner.record_section(tmp_path, "sampling", values, plan.input_hashes("sampling", params),
                          runner.code_hashes("sampling"))
    assert runner.stale_reason(tmp_path, "sampling", params) is None
    code = runner.code_hashes("sampling")
    assert {"notebooks/sampling.ipynb", "src/analysis/sampling/findings.py"} <= set(code)
    assert "src/analysis/patents/findings.py" not in code
    edited = {**code, "src/analysis/sampling/findings.py": "0" * 64}  # as recorded before an edit
    runner.record_section(tmp_path, "sampling", values, plan.input_hashes("sampling", params), edited)
    assert runner.stale_reason(tmp_path, "sampling", params) == (
        "its notebook or package code changed (src/analysis/sampling/findings.py)")
    runner.record_section(tmp_path, "sampling", values, plan.input_hashes("sampling", params), code)
    params["notebooks"]["sampling"]["region"] = "福建省"
    assert runner.stale_reason(tmp_path, "sampling", params) == "written with other parameters (region)"
    params["notebooks"]["sampling"]["region"] = "全国"
    section.write_section("sampling", tmp_path, title="t", lang="zh", summary=["other"])
    assert runner.stale_reason(tmp_path, "sampling", params).startswith("its files changed")
    (tmp_path / "sections" / "sampling.json").unlink()  # built before, its section gone
    assert runner.stale_reason(tmp_path, "sampling", params) == "the notebook wrote no section"


def test_notebooks_section_must_map_names_to_parameters(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump({"lang": "zh", "notebooks": ["sampling"]}))
    with pytest.raises(runner.RunError, match="'notebooks:' must map notebook names to their parameters"):
        runner.load_params(path)


def test_a_build_always_names_its_folder_so_a_run_without_one_goes_to_scratch():
    from analysis import config

    assert runner.notebook_parameters("sampling", runner.load_params(), "reports")["output_dir"] == "reports"
    assert config.output_dir("") != config.REPORTS_DIR


def test_strip_volatile_removes_timings():
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")])
    nb.metadata["papermill"] = {"duration": 1.0}
    nb.cells[0].metadata.update({"papermill": {"duration": 1.0}, "execution": {"x": 1}, "tags": ["a"]})
    nb.cells.append(nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["injected-parameters"]}))
    out = runner.strip_volatile(nb)
    assert "papermill" not in out.metadata
    assert out.cells[0].metadata == {"tags": ["a"]}
    assert out.cells[1].id == "injected-parameters"  # papermill's is random: two builds would differ


def _notebook(path, sources):
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {"name": "amr-review", "display_name": "Python (amr-review)", "language": "python"}
    nbformat.write(nb, path)
    return path


def test_failing_notebook_names_the_cell_keeps_the_previous_copy_and_the_partial_run(tmp_path):
    target = tmp_path / "out" / "demo.ipynb"
    failed = tmp_path / "out" / "demo.failed.ipynb"
    runner.execute(_notebook(tmp_path / "good.ipynb", ["x = 1", "x + 1"]), target, None, failed, "demo")
    good = target.read_bytes()
    with pytest.raises(runner.RunError) as err:
        runner.execute(_notebook(tmp_path / "bad.ipynb", ["x = 1", "1 / 0", "x"]), target, None, failed, "demo")
    assert str(err.value).startswith("demo: cell 2 failed: ZeroDivisionError: division by zero (partial run kept in ")
    assert target.read_bytes() == good
    assert "ZeroDivisionError" in failed.read_text(encoding="utf-8")
    assert not list(target.parent.glob(".*running*"))


def test_executed_notebook_has_no_run_timings(tmp_path):
    import json

    target = runner.execute(_notebook(tmp_path / "nb.ipynb", ["1 + 1"]), tmp_path / "out.ipynb", None,
                            tmp_path / "failed.ipynb", "nb")
    nb = json.loads(target.read_text(encoding="utf-8"))
    assert "papermill" not in nb["metadata"]
    assert all("execution" not in c["metadata"] and "papermill" not in c["metadata"] for c in nb["cells"])
    assert "".join(nb["cells"][0]["outputs"][0]["data"]["text/plain"]) == "2"


@pytest.mark.parametrize("error", [KeyboardInterrupt(), OSError(28, "No space left on device")],
                         ids=["ctrl-c", "full-disk"])
def test_interrupted_or_full_disk_run_leaves_no_partial_notebook(tmp_path, monkeypatch, error):
    import errno

    import papermill

    def fails_midway(source, output, **kwargs):
        Path(output).write_text("{partial", encoding="utf-8")
        raise error

    monkeypatch.setattr(papermill, "execute_notebook", fails_midway)
    target, failed = tmp_path / "out" / "nb.ipynb", tmp_path / "out" / "nb.failed.ipynb"
    expected = KeyboardInterrupt if isinstance(error, KeyboardInterrupt) else runner.RunError
    with pytest.raises(expected) as err:
        runner.execute(_notebook(tmp_path / "nb.ipynb", ["1"]), target, None, failed, "nb")
    if isinstance(error, OSError):
        assert error.errno == errno.ENOSPC and str(err.value) == "nb: OSError: [Errno 28] No space left on device"
    assert sorted(p.name for p in target.parent.iterdir()) == []


@pytest.mark.parametrize("pool", [False, True], ids=["own-kernel", "pool-of-two"])
def test_ctrl_c_during_a_run_shuts_the_kernels_down_and_removes_their_folders(tmp_path, pool):
    import os
    import signal
    import subprocess
    import sys
    import time

    temp = tmp_path / "tmp"
    temp.mkdir()
    source = _notebook(tmp_path / "slow.ipynb", ["import time", "time.sleep(60)"])
    if pool:  # two notebooks side by side on two warm kernels
        code = ("from pathlib import Path; from analysis.build import runner; "
                f"runner.run_jobs([runner.Job(n, Path({str(source)!r}), Path({str(tmp_path)!r}) / f'{{n}}.ipynb', "
                f"None, Path({str(tmp_path)!r}) / f'{{n}}.failed.ipynb') for n in ('a', 'b')], kernels=2)")
    else:
        code = ("import sys; from pathlib import Path; from analysis.build import runner; "
                f"runner.execute(Path({str(source)!r}), Path({str(tmp_path / 'out.ipynb')!r}), None, "
                f"Path({str(tmp_path / 'failed.ipynb')!r}), 'slow')")
    process = subprocess.Popen([sys.executable, "-c", code], env={**os.environ, "TMPDIR": str(temp)},
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while len(list(temp.glob("amr-kernel-*/kernel-*"))) < 1 + pool and time.monotonic() < deadline:
        time.sleep(0.5)
    assert len(list(temp.glob("amr-kernel-*"))) == 1 + pool, "the kernels did not start"
    time.sleep(3)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode != 0
    assert not list(temp.glob("amr-kernel-*")), stderr[-2000:]
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".running.ipynb")]
    if not pool:
        assert sorted(p.name for p in tmp_path.iterdir()) == ["slow.ipynb", "tmp"]


def test_a_kernel_is_not_interrupted_on_a_clean_shutdown_only_while_running(monkeypatch):
    """jupyter_client sends SIGINT before every shutdown: a good run then logs 'KeyboardInterrupt caught'."""
    import asyncio

    from jupyter_client import AsyncKernelManager

    interrupts = []

    async def interrupt(self):
        interrupts.append(self.shutting_down)

    monkeypatch.setattr(AsyncKernelManager, "_async_interrupt_kernel", interrupt)
    manager = runner.IPCKernelManager(kernel_name="amr-review")
    manager.shutting_down = True
    asyncio.run(manager._async_interrupt_kernel())
    manager.shutting_down = False
    asyncio.run(manager._async_interrupt_kernel())
    assert interrupts == [False]


def test_notebooks_run_one_after_another_on_one_kernel_give_a_fresh_kernels_outputs(tmp_path, monkeypatch):
    """A pooled kernel: no variable, setting, warning registry or execution count carried to the next notebook,
    and the next notebook's figures still shown in its cells."""
    import nbformat

    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel's own inline backend, as `make report` runs it
    source = _notebook(tmp_path / "nb.ipynb", [
        "import warnings\nimport matplotlib.pyplot as plt",
        "print(plt.rcParams['lines.linewidth'], 'leak' in dir())",
        "leak = 1\nplt.rcParams['lines.linewidth'] = 5\nplt.plot([1, 2]);",
        "warnings.warn('shown in every notebook')",
    ])
    jobs = [runner.Job(n, source, tmp_path / f"{n}.ipynb", None, tmp_path / f"{n}.failed.ipynb") for n in "ab"]
    runner.run_jobs(jobs, kernels=1, quiet=True)
    first, second = (nbformat.read(tmp_path / f"{n}.ipynb", as_version=4) for n in "ab")
    assert [c.outputs for c in second.cells] == [c.outputs for c in first.cells]
    assert [c.execution_count for c in second.cells] == [1, 2, 3, 4]
    assert second.cells[1].outputs[0].text == "1.5 False\n"
    assert any("image/png" in o.get("data", {}) for o in second.cells[2].outputs)
    assert "shown in every notebook" in second.cells[3].outputs[0].text
