"""pytest set-up shared by unit tests and nbval: outputs of test runs go to a temporary folder."""
import os
import shutil
import tempfile

_CREATED = []  # the folder this process made, removed when the run ends (xdist workers inherit it)


def pytest_configure(config):
    # Notebooks run by nbval write figures and report sections; keep them out of reports/.
    if "AMR_REPORTS_DIR" not in os.environ:
        os.environ["AMR_REPORTS_DIR"] = tempfile.mkdtemp(prefix="amr-review-test-")
        _CREATED.append(os.environ["AMR_REPORTS_DIR"])
    os.environ.setdefault("MPLBACKEND", "Agg")


def pytest_unconfigure(config):
    for folder in _CREATED:
        shutil.rmtree(folder, ignore_errors=True)
