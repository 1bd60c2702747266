"""Rates over an exposure against R's poisson.test (reference values: ``Rscript tests/r/survival.R``)."""
import math

import pytest

from analysis.stats import rates

REL = 1e-6


@pytest.mark.parametrize("count, exposure, expected", [
    # poisson.test(37, 1250): $estimate, $conf.int
    (37, 1250, [0.0296, 0.0208411316536848, 0.0407997009135447]),
    # poisson.test(0, 80.5): a rate of 0 still has an upper bound
    (0, 80.5, [0, 0, 0.0458245894920986]),
])
def test_poisson_rate_matches_poisson_test(count, exposure, expected):
    got = rates.poisson_rate(count, exposure)
    assert [got["rate"], got["lower"], got["upper"]] == pytest.approx(expected, rel=REL)


@pytest.mark.parametrize("args, expected", [
    # poisson.test(c(37, 300), c(1250, 8000)): $estimate, $conf.int, $p.value
    ((37, 1250, 300, 8000), [0.789333333333333, 0.545132871244266, 1.11305321272424, 0.201780317836392]),
    # poisson.test(c(5, 0), c(100, 400)): no events in the reference
    ((5, 100, 0, 400), [math.inf, 3.66542342926184, math.inf, 0.00032]),
    # poisson.test(c(0, 12), c(50.5, 700.25))
    ((0, 50.5, 12, 700.25), [0, 0, 4.99040882288544, 1]),
])
def test_rate_ratio_matches_poisson_test(args, expected):
    row = rates.poisson_rate_ratio(*args).iloc[0]
    assert [row["estimate"], row["ci_low"], row["ci_high"], row["p_val"]] == pytest.approx(expected, rel=REL)


def test_no_events_on_either_side_has_no_ratio():
    row = rates.poisson_rate_ratio(0, 10, 0, 20).iloc[0]
    assert math.isnan(row["estimate"]) and math.isnan(row["p_val"])


@pytest.mark.parametrize("count, exposure, message", [(-1, 10, "count"), (1.5, 10, "count"), (3, 0, "exposure")])
def test_bad_counts_and_exposures_are_named(count, exposure, message):
    with pytest.raises(ValueError, match=message):
        rates.poisson_rate(count, exposure)
