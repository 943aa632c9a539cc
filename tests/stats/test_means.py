"""Mean with Student t limits: every case of oracle mean.csv."""

import numpy as np
import pandas as pd
import pytest

from indicators.stats import ci_tag, mean

from . import oracle

IDS = oracle.case_ids("mean.csv")


@pytest.fixture(scope="module")
def rows(oracle_dir):
    return oracle.by_id(oracle_dir, "mean.csv")


@pytest.fixture(scope="module")
def results(rows):
    """Grouped areas in one long-table call; the "No grouping" case as one plain array."""
    groups = {r["group"]: r["values"] for r in rows.values()}
    long = pd.DataFrame({
        "area": [g for g, v in groups.items() if g != "No grouping" for _ in v],
        "x": np.concatenate([v for g, v in groups.items() if g != "No grouping"]),
    })
    grouped = mean("x", data=long, group_cols=["area"], confidence=(0.95, 0.998))
    whole = mean(groups["No grouping"], confidence=(0.95, 0.998))
    return {g: (whole.iloc[0] if g == "No grouping" else grouped.loc[g]) for g in groups}


def test_every_mean_row_is_tested(oracle_dir):
    oracle.assert_all_rows_tested(oracle_dir, "mean.csv", IDS)


@pytest.mark.parametrize("case_id", IDS)
def test_mean_matches_the_oracle(rows, results, case_id):
    row = rows[case_id]
    res = results[row["group"]]
    tag = ci_tag(row["confidence"])
    for field, col in (("value_sum", "value_sum"), ("value_count", "value_count"), ("stdev", "stdev"),
                       ("value", "value"), ("lowercl", f"lower_{tag}"), ("uppercl", f"upper_{tag}")):
        oracle.assert_matches(res[col], row[field], row, field)


def test_a_single_value_has_a_mean_but_no_limits():
    res = mean("x", data=pd.DataFrame({"dep": ["29", "29", "976"], "x": [1.0, 3.0, 5.0]}), group_cols=["dep"])
    assert res.loc["976", "value"] == 5.0
    assert np.isnan(res.loc["976", "lower_95"]) and np.isnan(res.loc["976", "upper_95"])
    assert res.loc["29", "lower_95"] < 2.0 < res.loc["29", "upper_95"]


def test_the_standard_deviation_stays_exact_for_large_values():
    values = 1e9 + np.array([1.0, 2.0, 3.0, 4.0])
    assert mean(values)["stdev"][0] == pytest.approx(np.std([1.0, 2, 3, 4], ddof=1), rel=1e-9)


def test_a_missing_value_makes_its_group_missing_as_in_r():
    res = mean("x", data=pd.DataFrame({"g": [1, 1, 2, 2], "x": [1.0, np.nan, 2.0, 4.0]}), group_cols=["g"])
    assert np.isnan(res.loc[1, "value"]) and res.loc[2, "value"] == 3.0
