"""Runs inside a pooled kernel: the state after its warm-up imports, restored before each notebook.

A kernel of the build's pool (:class:`analysis.build.runner.Kernel`) imports the notebooks' modules once,
then runs several notebooks one after another. Before each, :func:`restore` gives the notebook what a
fresh kernel would: an empty namespace and execution count 1 (IPython's ``reset(new_session=True)``),
no open figures, and the matplotlib settings (but the kernel's backend and interactive mode), warning filters (with the "shown once" registries
cleared), random generators, working folder and ``sys.path`` of the moment :func:`remember` was called.
pandas display options are set by ``analysis.setup()`` in every notebook's first cell.

Standard library only at import: this module is imported by the kernel before anything else.
"""
from __future__ import annotations

import os
import random
import sys
import warnings

_saved: dict = {}
KERNEL_RC = ("backend", "interactive")


def remember() -> None:
    """Record the kernel's state after its warm-up imports."""
    _saved.update(filters=list(warnings.filters), cwd=os.getcwd(), path=list(sys.path),
                  random=random.getstate())
    if "matplotlib" in sys.modules:
        import matplotlib

        _saved["rc"] = matplotlib.rcParams.copy()
    if "numpy" in sys.modules:
        import numpy

        _saved["numpy"] = numpy.random.get_state()


def restore() -> None:
    """Give the next notebook a fresh namespace and the remembered state."""
    from IPython import get_ipython

    get_ipython().reset(new_session=True)
    warnings.filters[:] = _saved["filters"]
    warnings._filters_mutated()  # a warning shown in an earlier notebook is shown again
    os.chdir(_saved["cwd"])
    sys.path[:] = _saved["path"]
    random.setstate(_saved["random"])
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
    if "rc" in _saved:
        import matplotlib
        from matplotlib import _api

        # Not the backend nor interactive mode: the kernel's matplotlib integration sets them when a first
        # figure is made (which is what shows a cell's figures), once per kernel, as in a fresh one.
        with _api.suppress_matplotlib_deprecation_warning():
            matplotlib.rcParams.update({k: v for k, v in _saved["rc"].items() if k not in KERNEL_RC})
    if "numpy" in _saved:
        sys.modules["numpy"].random.set_state(_saved["numpy"])
