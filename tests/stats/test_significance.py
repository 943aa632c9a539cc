"""CI-overlap comparison with a comparator (Fingertips 'compared with benchmark') and polarity."""

import numpy as np
import pandas as pd
import pytest

from indicators.stats import compare_with_comparator
from indicators.stats._validation import StatsInputError
from indicators.stats.significance import ci_direction, judge


@pytest.fixture
def results():
    # Finistère, Bretagne, Mayotte, Corse-du-Sud against France = 100
    return pd.DataFrame({
        "value": [112.0, 101.0, 96.0, np.nan],
        "lower_95": [104.0, 99.0, 90.0, np.nan], "upper_95": [120.0, 103.0, 99.5, np.nan],
        "lower_99_8": [99.0, 97.5, 88.0, np.nan], "upper_99_8": [125.0, 104.5, 100.0, np.nan],
    }, index=["29", "53", "976", "2A"])


def test_a_comparator_outside_the_ci_is_significant_and_inside_or_on_a_limit_is_similar(results):
    out = compare_with_comparator(results, 100.0)
    assert list(out["compared_95"]) == ["higher", "similar", "lower", "not compared"]
    # at 99.8% Finistère's CI now holds 100, and Mayotte's upper limit equals it exactly
    assert list(out["compared_99_8"]) == ["similar", "similar", "similar", "not compared"]


@pytest.mark.parametrize(("polarity", "expected"), [
    ("high_is_good", ["better", "similar", "worse", "not compared"]),
    ("low_is_good", ["worse", "similar", "better", "not compared"]),
    (None, ["higher", "similar", "lower", "not compared"]),
])
def test_polarity_decides_whether_higher_is_better(results, polarity, expected):
    assert list(compare_with_comparator(results, 100.0, 0.95, polarity)["compared_95"]) == expected


def test_each_row_can_have_its_own_comparator(results):
    out = compare_with_comparator(results, [121.0, 100.0, 80.0, 100.0], confidence=0.95)
    assert list(out["direction_95"][:3]) == [-1.0, 0.0, 1.0]


def test_it_refuses_a_level_whose_limits_were_not_computed(results):
    with pytest.raises(StatsInputError, match="lower_90"):
        compare_with_comparator(results, 100.0, confidence=0.9)


def test_it_refuses_an_unknown_polarity():
    with pytest.raises(StatsInputError, match="polarity"):
        judge([1.0], "up_is_good")


def test_a_missing_comparator_is_not_compared():
    assert np.isnan(ci_direction([1.0], [2.0], [np.nan])[0])
