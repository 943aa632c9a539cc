"""Proportion with Wilson limits: every case of oracle proportion.csv."""

import math

import numpy as np
import pandas as pd
import pytest

from indicators.stats import StatsInputError, ci_tag, proportion

from . import oracle

IDS = oracle.case_ids("proportion.csv")


@pytest.fixture(scope="module")
def rows(oracle_dir):
    return oracle.by_id(oracle_dir, "proportion.csv")


@pytest.fixture(scope="module")
def results(rows):
    out = {}
    frame = pd.DataFrame(rows.values()).set_index("case_id")
    without_ci = frame["confidence"].isna()
    for (multiplier, no_ci), part in frame.groupby([frame["multiplier"], without_ci]):
        confidence = None if no_ci else (0.95, 0.998)
        res = proportion(part["x"], part["n"], multiplier=multiplier, confidence=confidence)
        out.update({case: res.loc[case] for case in part.index})
    return out


def test_every_proportion_row_is_tested(oracle_dir):
    oracle.assert_all_rows_tested(oracle_dir, "proportion.csv", IDS)


@pytest.mark.parametrize("case_id", IDS)
def test_proportion_matches_the_oracle(rows, results, case_id):
    row, res = rows[case_id], results[case_id]
    oracle.assert_matches(res["value"], row["value"], row, "value")
    assert res["statistic"] == row["statistic"]
    if math.isnan(row["confidence"]):  # R's confidence = NA: no limit columns at all
        assert not [k for k in res.index if k.startswith(("lower", "upper"))]
        return
    tag = ci_tag(row["confidence"])
    oracle.assert_matches(res[f"lower_{tag}"], row["lowercl"], row, "lowercl")
    oracle.assert_matches(res[f"upper_{tag}"], row["uppercl"], row, "uppercl")
    assert res["method"] == row["method"]


def test_grouped_rows_are_summed_per_group(rows):
    grouped = [r for r in rows.values() if r["case_id"].startswith("PG")]
    assert len(grouped) == 11
    long = pd.DataFrame({
        "area": [r["area"] for r in grouped for _ in range(2)],
        "x": [v for r in grouped for v in (r["x"] / 2, r["x"] / 2)],
        "n": [v for r in grouped for v in (r["n"] / 2, r["n"] / 2)],
    })
    res = proportion("x", "n", data=long, group_cols=["area"])
    for r in grouped:
        for field, col in (("value", "value"), ("lowercl", "lower_95"), ("uppercl", "upper_95")):
            oracle.assert_matches(res.loc[r["area"], col], r[field], r, field)


def test_percentages_are_proportions_times_one_hundred():
    x, n = np.array([0.0, 7, 50]), np.array([50.0, 50, 50])
    frac, pct = proportion(x, n, confidence=0.998), proportion(x, n, multiplier=100, confidence=0.998)
    np.testing.assert_allclose(pct["upper_99_8"], frac["upper_99_8"] * 100, rtol=1e-12)
    assert frac["lower_99_8"][0] == 0 and frac["upper_99_8"][2] == pytest.approx(1.0)


def test_a_numerator_above_its_denominator_is_refused_naming_the_group():
    with pytest.raises(StatsInputError, match=r"x: greater than n .* 101 in group 'Finistère'"):
        proportion(pd.Series([5.0, 101.0], index=["Bretagne", "Finistère"]),
                   pd.Series([100.0, 100.0], index=["Bretagne", "Finistère"]))
