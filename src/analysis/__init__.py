"""amr-review: cleaning, validation and statistical tests for a district market-regulation review."""


def setup() -> None:
    """Prepare a notebook or test session: quiet warnings, stable pandas display, CJK figures.

    Called in the first cell of every notebook, so papermill, nbval and JupyterLab print the same.
    """
    import warnings

    import pandas as pd

    from analysis.present.plotting import use_cjk_font

    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    pd.set_option("display.unicode.east_asian_width", True)
    pd.set_option("display.width", 120)
    pd.set_option("display.max_columns", 30)
    pd.set_option("display.precision", 4)
    use_cjk_font()
