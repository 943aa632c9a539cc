"""Crude rate: every case of oracle rate.csv, computed in vectorised calls (one per multiplier)."""

import numpy as np
import pandas as pd
import pytest

from indicators.stats import StatsInputError, ci_tag, crude_rate

from . import oracle

IDS = oracle.case_ids("rate.csv")


@pytest.fixture(scope="module")
def rows(oracle_dir):
    return oracle.by_id(oracle_dir, "rate.csv")


@pytest.fixture(scope="module")
def results(rows):
    """All rows at once per multiplier, both levels in one call: {case_id: result row}."""
    out = {}
    frame = pd.DataFrame(rows.values()).set_index("case_id")
    for multiplier, part in frame.groupby("multiplier"):
        res = crude_rate(part["x"], part["n"], multiplier=multiplier, confidence=(0.95, 0.998))
        out.update({case: res.loc[case] for case in part.index})
    return out


def test_every_rate_row_is_tested(oracle_dir):
    oracle.assert_all_rows_tested(oracle_dir, "rate.csv", IDS)


@pytest.mark.parametrize("case_id", IDS)
def test_rate_matches_the_oracle(rows, results, case_id):
    row, res = rows[case_id], results[case_id]
    tag = ci_tag(row["confidence"])
    oracle.assert_matches(res["value"], row["value"], row, "value")
    oracle.assert_matches(res[f"lower_{tag}"], row["lowercl"], row, "lowercl")
    oracle.assert_matches(res[f"upper_{tag}"], row["uppercl"], row, "uppercl")
    assert (None if pd.isna(res["method"]) else res["method"]) == row["method"]
    assert res["statistic"] == row["statistic"]


def test_grouped_rows_are_summed_per_group_before_the_rate(rows):
    grouped = [r for r in rows.values() if r["case_id"].startswith("RG")]
    assert len(grouped) == 12
    # Each oracle total split over two rows (as the R test data holds two rows per area).
    long = pd.DataFrame({
        "area": [r["area"] for r in grouped for _ in range(2)],
        "x": [v for r in grouped for v in (r["x"] / 2, r["x"] / 2)],
        "n": [v for r in grouped for v in (r["n"] / 2, r["n"] / 2)],
    })
    res = crude_rate("x", "n", data=long, group_cols=["area"])
    for r in grouped:
        oracle.assert_matches(res.loc[r["area"], "value"], r["value"], r, "value")
        oracle.assert_matches(res.loc[r["area"], "lower_95"], r["lowercl"], r, "lowercl")
        oracle.assert_matches(res.loc[r["area"], "upper_95"], r["uppercl"], r, "uppercl")
    assert res.loc["Area1", "method"] == "Exact" and res.loc["Area2", "method"] == "Byars"


def test_two_levels_in_one_call_equal_two_single_level_calls():
    x, n = np.array([0, 3, 9, 10, 250.0]), np.array([10, 500, 900, 1000, 220.0])
    pair = crude_rate(x, n, confidence=(0.95, 0.998))
    for c in (0.95, 0.998):
        single = crude_rate(x, n, confidence=c)
        tag = ci_tag(c)
        np.testing.assert_array_equal(pair[f"lower_{tag}"], single[f"lower_{tag}"])
        np.testing.assert_array_equal(pair[f"upper_{tag}"], single[f"upper_{tag}"])


def test_any_tuple_of_levels_gives_nested_intervals():
    res = crude_rate([25.0], [1000.0], confidence=(0.9, 0.95, 0.99, 0.998))
    lowers = [res[f"lower_{ci_tag(c)}"][0] for c in (0.9, 0.95, 0.99, 0.998)]
    uppers = [res[f"upper_{ci_tag(c)}"][0] for c in (0.9, 0.95, 0.99, 0.998)]
    assert lowers == sorted(lowers, reverse=True) and uppers == sorted(uppers)


def test_zero_events_give_a_zero_lower_limit_and_an_exact_upper_limit():
    res = crude_rate([0.0], [1000.0])
    assert res["value"][0] == 0 and res["lower_95"][0] == 0
    assert res["upper_95"][0] == pytest.approx(3.688879454113936 / 1000 * 100_000, rel=1e-9)
    assert res["method"][0] == "Exact"


def test_a_series_input_keeps_its_index_as_group_labels():
    x = pd.Series([12.0, 30.0], index=["29", "2A"])
    res = crude_rate(x, pd.Series([905_000.0, 160_000.0], index=["29", "2A"]))
    assert list(res.index) == ["29", "2A"]
    with pytest.raises(StatsInputError, match=r"x: negative value -1 in group '976'"):
        crude_rate(pd.Series([-1.0], index=["976"]), pd.Series([300_000.0], index=["976"]))


def test_many_groups_are_computed_in_one_vectorised_call():
    rng = np.random.default_rng(29)
    n = rng.integers(100, 100_000, 10_000).astype(float)
    x = rng.poisson(n * 0.001).astype(float)
    res = crude_rate(x, n)
    i = int(np.argmax(x >= 10))
    one = crude_rate(x[i:i + 1], n[i:i + 1])
    assert len(res) == 10_000
    assert res["lower_95"][i] == one["lower_95"][0] and res["upper_95"][i] == one["upper_95"][0]
