"""pytest set-up shared by unit tests and nbval: outputs of test runs go to a temporary folder."""
import os
import tempfile


def pytest_configure(config):
    # Notebooks run by nbval write figures and report sections; keep them out of reports/.
    os.environ.setdefault("AMR_REPORTS_DIR", tempfile.mkdtemp(prefix="amr-review-test-"))
    os.environ.setdefault("MPLBACKEND", "Agg")
