"""characteristics.percentile: scipy.stats.percentileofscore(kind="mean") without importing scipy.stats."""

import math

import pytest
from scipy import stats

from hairmeta.evidence.synthesis.characteristics import percentile

CASES = [
    (3, [1, 2, 3, 4, 5]),
    (2.5, [1, 2, 2.5, 2.5, 9]),
    (0, [1, 2]),
    (10, [1, 2]),
    (5, [5]),
    (5, [5, 5, 5, 1]),
    (7.25, [1, 2.5, 7.25, 7.25, 8, 8, 9]),
]


@pytest.mark.parametrize("value, others", CASES)
def test_equals_scipy_kind_mean(value, others):
    assert percentile(value, others) == float(stats.percentileofscore(others, value, kind="mean"))


def test_missing_values_are_left_out_and_nothing_to_rank_is_nan():
    assert percentile(3, [1, float("nan"), 5]) == 50.0
    assert math.isnan(percentile(3, [])) and math.isnan(percentile(float("nan"), [1, 2]))
