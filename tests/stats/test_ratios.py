"""Ratio to a reference with exact Poisson limits: checked against published exact Poisson limits
(Breslow & Day 1987, vol. II, table of 95% limits; Garwood 1936) and against the rate's exact branch."""

import numpy as np
import pytest

from indicators.stats import StatsInputError, crude_rate, ratio_to_reference

# Exact 95% limits of a Poisson count as tabulated (Breslow & Day 1987, appendix; 4 decimals).
TABLE_95 = {0: (0.0, 3.6889), 1: (0.0253, 5.5716), 5: (1.6235, 11.6683), 10: (4.7954, 18.3904),
            20: (12.2165, 30.8884)}


@pytest.mark.parametrize("observed", sorted(TABLE_95))
def test_the_limits_are_the_tabulated_exact_poisson_limits_over_the_reference(observed):
    result = ratio_to_reference(np.array([observed]), np.array([8.0]))
    lower, upper = TABLE_95[observed]
    assert result["value"].iloc[0] == pytest.approx(observed / 8)
    assert result["lower_95"].iloc[0] == pytest.approx(lower / 8, abs=1e-4 / 8)
    assert result["upper_95"].iloc[0] == pytest.approx(upper / 8, abs=1e-4 / 8)


def test_the_limits_stay_exact_above_10_events_where_the_crude_rate_switches_to_byar():
    ratio = ratio_to_reference(np.array([20.0]), np.array([1.0]), confidence=(0.95, 0.998))
    rate = crude_rate(np.array([20.0]), np.array([1.0]), multiplier=1)
    assert ratio["method"].iloc[0] == "Exact" and rate["method"].iloc[0] == "Byars"
    assert ratio["lower_95"].iloc[0] == pytest.approx(12.2165, abs=1e-4)
    assert ratio["lower_95"].iloc[0] != pytest.approx(rate["lower_95"].iloc[0], abs=1e-4)
    assert ratio["lower_99_8"].iloc[0] < ratio["lower_95"].iloc[0] < 20 < ratio["upper_95"].iloc[0]


def test_the_multiplier_scales_value_and_limits():
    one = ratio_to_reference([447649.0], [407746.5])
    hundred = ratio_to_reference([447649.0], [407746.5], multiplier=100)
    assert hundred.iloc[0][["value", "lower_95", "upper_95"]].tolist() == pytest.approx(
        (one.iloc[0][["value", "lower_95", "upper_95"]] * 100).tolist())


@pytest.mark.parametrize(("o", "e", "message"), [([-1.0], [5.0], "negative"), ([3.0], [0.0], "e"),
                                                 ([np.inf], [5.0], "o")])
def test_it_refuses_negative_counts_and_a_zero_reference(o, e, message):
    with pytest.raises(StatsInputError, match=message):
        ratio_to_reference(o, e)


def test_a_missing_count_gives_a_missing_ratio_as_the_other_methods_do():
    result = ratio_to_reference([np.nan, 4.0], [5.0, 5.0])
    assert np.isnan(result["value"].iloc[0]) and np.isnan(result["upper_95"].iloc[0])
    assert result["value"].iloc[1] == pytest.approx(0.8)
