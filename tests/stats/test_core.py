"""Shared core: confidence levels, Poisson and Wilson limits (oracle byars_wilson.csv), group coding."""

import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from indicators.stats import StatsInputError
from indicators.stats._core import (
    byar_lower, byar_upper, ci_tag, confidence_levels, factorize_groups, poisson_limits, wilson_limits, z_value,
)

from . import oracle

BW_IDS = oracle.case_ids("byars_wilson.csv")


@pytest.fixture(scope="module")
def bw_rows(oracle_dir):
    return oracle.by_id(oracle_dir, "byars_wilson.csv")


def test_every_byars_wilson_row_is_tested(oracle_dir):
    oracle.assert_all_rows_tested(oracle_dir, "byars_wilson.csv", BW_IDS)


@pytest.mark.parametrize("case_id", BW_IDS)
def test_byar_and_wilson_limits_match_the_oracle(bw_rows, case_id):
    row = bw_rows[case_id]
    c = confidence_levels(row["confidence"])[0]
    if row["function"] == "byars":
        lower = byar_lower(np.array([row["x"]]), z_value(c))[0]
        upper = byar_upper(np.array([row["x"]]), z_value(c))[0]
    else:
        lower, upper = (a[0] for a in wilson_limits([row["x"]], [row["n"]], c))
    oracle.assert_matches(lower, row["lowercl"], row, "lowercl")
    oracle.assert_matches(upper, row["uppercl"], row, "uppercl")


def test_confidence_accepts_fractions_percentages_and_any_number_of_levels():
    assert confidence_levels(0.95) == (0.95,)
    assert confidence_levels(99.8) == pytest.approx((0.998,))
    assert confidence_levels((0.9, 0.95, 0.998, 1)) == (0.9, 0.95, 0.998, 1.0)
    assert confidence_levels(np.array([95, 99.8])) == pytest.approx((0.95, 0.998))


@pytest.mark.parametrize("bad", [0.89, 0.5, 1.01, 50, 89.9, 100.1, -1, math.nan, math.inf, "0.95", True, None, (),
                                 (0.95, 0.95), [0.95, "x"]])
def test_confidence_outside_the_range_or_not_a_number_is_refused(bad):
    with pytest.raises(StatsInputError, match="confidence"):
        confidence_levels(bad)


def test_ci_tags_name_the_output_columns():
    assert [ci_tag(c) for c in (0.95, 0.998, 0.9, 1.0, 0.975)] == ["95", "99_8", "90", "100", "97_5"]


def test_z_is_the_two_sided_normal_quantile():
    assert z_value(0.95) == pytest.approx(1.959963984540054, rel=1e-12)
    assert z_value(1.0) == math.inf


def test_poisson_limits_switch_from_exact_to_byar_at_ten_events():
    o = np.array([0.0, 9.0, 9.5, 10.0])
    lower, upper = poisson_limits(o, 0.95)
    exact_lower = sps.chi2.ppf(0.025, 2 * o[1:3]) / 2
    exact_upper = sps.chi2.ppf(0.975, 2 * o[:3] + 2) / 2
    assert lower[0] == 0.0  # zero events: exact lower limit 0 (Byar's would be NaN)
    assert lower[1:3] == pytest.approx(exact_lower, rel=1e-12)  # 9.5 is exact with df 19
    assert upper[:3] == pytest.approx(exact_upper, rel=1e-12)
    z = z_value(0.95)
    assert lower[3] == pytest.approx(byar_lower(np.array([10.0]), z)[0], rel=1e-12)
    assert upper[3] == pytest.approx(byar_upper(np.array([10.0]), z)[0], rel=1e-12)
    assert lower[3] != pytest.approx(sps.chi2.ppf(0.025, 20) / 2, rel=1e-6)


def test_exact_limits_from_the_lookup_table_equal_the_direct_computation():
    o = np.arange(10.0)
    table_lower, table_upper = poisson_limits(o, 0.998)
    direct_lower, direct_upper = poisson_limits(np.append(o, 0.5), 0.998)  # a non-integer: no table
    assert table_lower == pytest.approx(direct_lower[:10], rel=1e-12)
    assert table_upper == pytest.approx(direct_upper[:10], rel=1e-12)


def test_missing_counts_give_missing_limits():
    lower, upper = poisson_limits(np.array([np.nan, 3.0]), 0.95)
    assert np.isnan(lower[0]) and np.isnan(upper[0]) and lower[1] > 0


def test_wilson_zero_and_full_proportions_reach_the_bounds():
    lower, upper = wilson_limits(np.array([0.0, 50.0]), np.array([50.0, 50.0]), 0.95)
    assert lower[0] == 0.0 and upper[1] == pytest.approx(1.0, rel=1e-12)


def test_groups_are_coded_in_sorted_key_order_over_several_columns():
    df = pd.DataFrame({"dep": ["29", "2A", "29", "976"], "sex": [2, 1, 1, 2]})
    codes, keys, n = factorize_groups(df, ["dep", "sex"])
    assert n == 4
    assert list(keys) == [("29", 1), ("29", 2), ("2A", 1), ("976", 2)]
    assert [keys[c] for c in codes] == list(zip(df.dep, df.sex))


def test_sorted_integer_groups_take_the_fast_path_with_the_same_result():
    ids = np.repeat([3, 7, 8], [2, 3, 1])
    codes, keys, n = factorize_groups(pd.DataFrame({"g": ids}), ["g"])
    assert n == 3 and list(keys) == [3, 7, 8] and list(codes) == [0, 0, 1, 1, 1, 2]
    shuffled = pd.DataFrame({"g": ids[::-1]})
    codes2, keys2, _ = factorize_groups(shuffled, ["g"])
    assert list(keys2) == [3, 7, 8] and list(codes2) == [2, 1, 1, 1, 0, 0]


def test_the_package_imports_without_django():
    code = (
        "import sys; sys.modules['django'] = None\n"
        "import indicators.stats, indicators.stats.dsr, indicators.stats.indirect\n"
        "assert not any(m.startswith('django') and sys.modules[m] is not None for m in sys.modules)\n"
    )
    # indicators/__init__.py is empty, so importing the subpackage does not pull the Django app in.
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=oracle.ROOT)
    assert done.returncode == 0, done.stderr
