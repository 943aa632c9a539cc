"""Recent trend (chi-square test for trend) against published values and independent computations."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from indicators.stats import recent_trend
from indicators.stats._validation import StatsInputError


def _frame(x, n, **extra):
    return pd.DataFrame({"year": np.arange(2015, 2015 + len(x)), "x": x, "n": n, **extra})


def _agresti_z2(x, n):
    """Cochran-Armitage written the other textbook way (Agresti, Categorical Data Analysis, 2002, 5.3.5)."""
    t = list(range(len(x)))
    big_n = sum(n)
    p = sum(x) / big_n
    num = sum(ti * (xi - ni * p) for ti, xi, ni in zip(t, x, n))
    var = p * (1 - p) * (sum(ni * ti * ti for ti, ni in zip(t, n)) - sum(ni * ti for ti, ni in zip(t, n)) ** 2 / big_n)
    return num * num / var


def test_it_matches_r_prop_trend_test_on_its_documented_smokers_example():
    # ?prop.trend.test: smokers c(83, 90, 129, 70) of patients c(86, 93, 136, 82): X-squared = 8.2249
    out = recent_trend(_frame([83, 90, 129, 70], [86, 93, 136, 82]), "year", "x", "n", n_points=4,
                       confidence=0.95)
    assert out["statistic"].iloc[0] == pytest.approx(8.2249, abs=5e-5)
    assert out["p_value"].iloc[0] == pytest.approx(0.004132, abs=5e-7)
    assert out["trend"].iloc[0] == "decreasing"


def test_it_matches_armitage_1955_tonsil_size_example():
    # Streptococcus pyogenes carriers by tonsil size: 19/516, 29/589, 24/293; chi-square for trend 7.19
    out = recent_trend(_frame([19, 29, 24], [516, 589, 293]), "year", "x", "n", n_points=3, confidence=0.95)
    assert out["statistic"].iloc[0] == pytest.approx(7.19, abs=5e-3)


def test_proportions_agree_with_the_independently_written_formula():
    x, n = [120, 131, 150, 162, 171], [1000, 1010, 1003, 998, 1001]
    out = recent_trend(_frame(x, n), "year", "x", "n")
    assert out["statistic"].iloc[0] == pytest.approx(_agresti_z2(x, n), rel=1e-12)
    assert out["p_value"].iloc[0] == pytest.approx(sps.chi2.sf(_agresti_z2(x, n), 1), rel=1e-9)
    assert out["trend"].iloc[0] == "increasing"


def test_poisson_trend_worked_by_hand():
    # t_bar = 3, U = 10(-2) + 15(-1) + 25(1) + 30(2) = 50, E_i = 20, sum E (t - 3)^2 = 200: chi2 = 12.5
    out = recent_trend(_frame([10, 15, 20, 25, 30], [1000] * 5), "year", "x", "n", statistic="rate")
    assert out["statistic"].iloc[0] == pytest.approx(12.5, rel=1e-12)
    assert out["p_value"].iloc[0] == pytest.approx(sps.chi2.sf(12.5, 1), rel=1e-12)
    assert out["trend"].iloc[0] == "increasing"  # p = 0.0004 < 0.002


def test_the_poisson_test_is_the_limit_of_the_binomial_one_for_rare_events():
    x, n = [30, 41, 35, 52, 58], [1e9] * 5
    rate = recent_trend(_frame(x, n), "year", "x", "n", statistic="rate")["statistic"].iloc[0]
    prop = recent_trend(_frame(x, n), "year", "x", "n", statistic="proportion")["statistic"].iloc[0]
    assert rate == pytest.approx(prop, rel=1e-6)


def test_only_the_last_five_periods_count():
    recent = _frame([10, 15, 20, 25, 30], [1000] * 5)
    older = pd.DataFrame({"year": [2010, 2011, 2012], "x": [500, 1, 90], "n": [1000] * 3})
    both = recent_trend(pd.concat([older, recent]), "year", "x", "n", statistic="rate")
    assert both["statistic"].iloc[0] == pytest.approx(12.5)
    assert both["n_points"].iloc[0] == 5


def test_many_groups_at_once_equal_each_group_alone():
    rng = np.random.default_rng(976)
    parts = []
    for dep in ("29", "2A", "976", "35", "56"):
        n = rng.integers(5000, 9000, 6).astype(float)
        parts.append(_frame(rng.binomial(n.astype(int), 0.1), n, dep=dep))
    data = pd.concat(parts).sample(frac=1, random_state=1)
    together = recent_trend(data, "year", "x", "n", ["dep"])
    for part in parts:
        alone = recent_trend(part, "year", "x", "n")
        assert together.loc[part["dep"].iloc[0], "statistic"] == pytest.approx(alone["statistic"].iloc[0])


def test_a_group_with_too_few_or_missing_points_cannot_be_calculated():
    short = _frame([10, 12, 14], [100] * 3, dep="976")
    gap = _frame([10, np.nan, 14, 15, 16], [100] * 5, dep="2A")
    out = recent_trend(pd.concat([short, gap]), "year", "x", "n", ["dep"])
    assert list(out["trend"]) == ["cannot be calculated"] * 2
    assert out.loc["976", "reason"] == "fewer points than required"
    assert out.loc["2A", "reason"] == "missing numerator or denominator among the points"


@pytest.mark.parametrize(("polarity", "rising", "falling"), [
    ("high_is_good", "increasing and getting better", "decreasing and getting worse"),
    ("low_is_good", "increasing and getting worse", "decreasing and getting better"),
])
def test_polarity_says_whether_the_trend_is_getting_better(polarity, rising, falling):
    data = pd.concat([_frame([10, 15, 20, 25, 30], [1000] * 5, dep="29"),
                      _frame([30, 25, 20, 15, 10], [1000] * 5, dep="53"),
                      _frame([20, 21, 19, 20, 20], [1000] * 5, dep="35")])
    out = recent_trend(data, "year", "x", "n", ["dep"], statistic="rate", polarity=polarity)
    assert list(out["trend"]) == [rising, "no significant change", falling]


def test_it_refuses_a_period_given_twice_for_a_group():
    data = pd.concat([_frame([1, 2], [10, 10], dep="29")] * 2)
    with pytest.raises(StatsInputError, match="year: period 2015 appears twice in group \\['29'\\]"):
        recent_trend(data, "year", "x", "n", ["dep"])


def test_it_refuses_a_proportion_above_one_and_a_zero_denominator():
    with pytest.raises(StatsInputError, match="x: greater than n"):
        recent_trend(_frame([5, 12], [10, 10]), "year", "x", "n")
    with pytest.raises(StatsInputError, match="n: value must be greater than 0"):
        recent_trend(_frame([5, 2], [10, 0]), "year", "x", "n", statistic="rate")
