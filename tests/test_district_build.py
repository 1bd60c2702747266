"""A district's own build, end to end with `make`, in a copy of the project (issue 11's "Done when").

A SYNTHETIC district 鼓楼区 (the example district's figures, as a district holds them: .xlsx with Chinese
headers and values, no patents file, its own small SYNTHETIC work summary) is built with one
`make report PARAMS=params/鼓楼区.yaml`; the default report stays byte-identical before and after, also
after a notebook was run by hand with other parameters, once into the scratch folder and once into the
default build's own folder.
"""
import csv
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import openpyxl
import pytest

from analysis.config import PROJ_ROOT

DISTRICT = "鼓楼区"
#: Chinese headers a district's export has (README, "Putting a district's own data in place").
HEADERS = {"region": "地区", "level": "层级", "scope": "抽检范围", "year": "年份", "period": "期间",
           "category": "类别", "batches": "抽检批次", "unqualified": "不合格批次", "unqualified_rate_pct": "不合格率(%)",
           "measure": "指标", "basis": "口径", "all_entities": "市场主体", "enterprises": "企业",
           "individual": "个体工商户", "cooperatives": "农民专业合作社", "source_url": "来源", "note": "备注"}
#: Values written in Chinese, as a district's export writes them.
VALUES = {"level": {"district": "区级"}, "period": {"FY": "全年"},
          "measure": {"stock": "实有", "new": "新设", "deregistered": "注销"}, "category": {"all": "合计"}}
#: Internal data have no URL: the source is a description.
INTERNAL_SOURCE = "本局登记注册系统导出 2022-01-05"
SUMMARY = ("【合成数据 SYNTHETIC】示例区2021年工作总结（测试用，非真实数据）\n"
           "一、市场主体。全年新增市场主体667户，其中个体工商户472户、农民专业合作社36户，市场主体净增长374户。\n"
           "二、食品安全。完成食品抽检708批次。\n")
PARAMS = f"""# SYNTHETIC district build of tests/test_district_build.py
dataset: "{DISTRICT}"
lang: zh
target_year: 2021
notebooks:
  sampling:
    region: 示例区(合成数据)
    scope: region_reported
    period: FY
    category: all
    baseline_years: [2018, 2019, 2020]
  market_entities:
    region: 示例区(合成数据)
    baseline_years: [2018, 2019, 2020]
    entity_types: [all_entities, individual]
  summary:
    summary_path: data/raw/{DISTRICT}/2021年工作总结.txt
    region: 示例区(合成数据)
"""
COPIED = ("src", "notebooks", "params", "tools", "data/raw", "Makefile", "pyproject.toml", "requirements.lock")


def _as_district_xlsx(source, target, values=VALUES, internal_source=None):
    with open(source, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "2021年"
    sheet.append(["SYNTHETIC 鼓楼区 导出（测试用）"])  # a title row above the header
    columns = list(rows[0])
    sheet.append([HEADERS[c] for c in columns])
    for row in rows:
        cells = {c: values.get(c, {}).get(v, v) for c, v in row.items()}
        if internal_source:
            cells["source_url"] = internal_source
        sheet.append([int(v) if v.isdigit() else v for v in cells.values()])
    book.save(target)


@pytest.fixture(scope="module")
def project():
    """A copy of the project sharing .venv, whose package the build imports (PYTHONPATH before the editable install).

    Outside pytest's numbered temporary folders, which a parallel pytest run may remove while this builds.
    """
    if subprocess.run(["make", "-q", "venv"], cwd=PROJ_ROOT).returncode != 0:
        pytest.fail("run `make venv` first: the copy shares .venv and must not reinstall it")
    root = Path(tempfile.mkdtemp(prefix="amr-district-build-"))
    for name in COPIED:
        (shutil.copytree if (PROJ_ROOT / name).is_dir() else shutil.copy2)(PROJ_ROOT / name, root / name)
    (root / ".venv").symlink_to(PROJ_ROOT / ".venv")
    (root / "reports").mkdir()
    shutil.copy2(PROJ_ROOT / "reports" / "README.md", root / "reports" / "README.md")
    district = root / "data" / "raw" / DISTRICT
    district.mkdir()
    for table in ("sampling", "market_entities"):
        _as_district_xlsx(PROJ_ROOT / "data" / "raw" / "example_district" / f"{table}.csv", district / f"{table}.xlsx",
                          internal_source=INTERNAL_SOURCE)
    (district / "2021年工作总结.txt").write_text(SUMMARY, encoding="utf-8")
    (root / "params" / f"{DISTRICT}.yaml").write_text(PARAMS, encoding="utf-8")
    yield root
    shutil.rmtree(root, ignore_errors=True)


def _env(root):
    env = {k: v for k, v in os.environ.items() if k not in ("AMR_REPORTS_DIR", "MAKEFLAGS", "MAKELEVEL")}
    return env | {"PYTHONPATH": str(root / "src")}


def _make(root, *args):
    result = subprocess.run(["make", *args], cwd=root, env=_env(root), capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def _outputs(folder):
    return {name: (folder / name).read_bytes() for name in ("report.html", "tables.xlsx")}


@pytest.mark.parametrize("table", ["sampling", "market_entities"])
def test_inputs_as_districts_hold_them(tmp_path, table):
    from analysis.readers import datasets

    path = tmp_path / f"{table}.xlsx"
    _as_district_xlsx(PROJ_ROOT / "data" / "raw" / "example_district" / f"{table}.csv", path,
                      VALUES, INTERNAL_SOURCE)
    datasets.validate_file(path)


def test_district_build_has_exactly_its_sections_and_the_default_report_never_changes(project):
    _make(project, "report")
    default = _outputs(project / "reports")

    _make(project, "report", f"PARAMS=params/{DISTRICT}.yaml")
    out = project / "reports" / DISTRICT
    import json

    meta = json.loads((out / "report.meta.json").read_text(encoding="utf-8"))
    assert meta["parameters"]["dataset"] == DISTRICT
    html = (out / "report.html").read_text(encoding="utf-8")
    assert 'id="sampling"' in html or "sampling" in html
    sections = [json.loads(p.read_text(encoding="utf-8"))["name"] for p in sorted((out / "sections").glob("*.json"))]
    assert sorted(sections) == ["market_entities", "sampling", "summary"]
    assert "专利" not in html.split("<h2")[0]  # no patents finding among the key findings
    verdicts = [row["verdict"] for path in (out / "tables").glob("summary_*.csv")
                for row in csv.DictReader(path.open(encoding="utf-8")) if "verdict" in row]
    assert verdicts and "contradiction" not in verdicts, verdicts
    assert "consistent" in verdicts
    assert (out / "indicators.csv").is_file() and not (project / "data" / "processed" / DISTRICT / "patents.csv").exists()

    # Exploration: a notebook run by hand with other parameters, to scratch and into the default build's folder.
    papermill = [str(project / ".venv" / "bin" / "papermill"), "notebooks/sampling.ipynb", "-k", "amr-review",
                 "--cwd", str(project), "-p", "lang", "en"]
    for extra in ([], ["-p", "output_dir", "reports"]):
        subprocess.run([*papermill, str(project / "by_hand.ipynb"), *extra],
                       cwd=project, env=_env(project), check=True, capture_output=True)
    assert (project / "reports" / "_scratch" / "sections" / "sampling.json").is_file()
    os.utime(project / "params" / "default.yaml")  # "saved" in the editor
    log = _make(project, "report")
    assert "sampling: its files changed after the build wrote them (figures/" in log
    assert "\nwrote reports/notebooks/sampling.ipynb" in log
    assert _outputs(project / "reports") == default


def test_parallel_build_is_one_process_that_validates_the_data_once(project):
    (project / "reports" / DISTRICT / "report.html").unlink()
    plan = _make(project, "-n", "-j2", "report", f"PARAMS=params/{DISTRICT}.yaml")
    assert plan.count("-m analysis ") == 1 and "-m analysis build" in plan and "--kernels 2" in plan


def test_clean_removes_generated_files_only(project):
    _make(project, "clean")
    assert sorted(p.name for p in (project / "reports").iterdir()) == ["README.md"]
    assert (project / "data" / "raw" / DISTRICT / "sampling.xlsx").is_file()
