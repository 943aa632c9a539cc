"""Funnel-plot significance against every row of the oracle's funnel_significance.csv."""

import numpy as np
import pandas as pd
import pytest

from indicators.stats import funnel_significance
from indicators.stats._validation import StatsInputError
from tests.stats import oracle

FILE = "funnel_significance.csv"
_ROWS = oracle.load(oracle.collection_dir(), FILE) if (oracle.collection_dir() / FILE).exists() else []
ROW_IDS = [f"{r['case_id']}-{int(r['row'])}" for r in _ROWS]


@pytest.fixture(scope="module")
def frame(oracle_dir):
    return pd.DataFrame(oracle.load(oracle_dir, FILE))


@pytest.fixture(scope="module")
def results(frame):
    """One call per oracle case: each case is its own funnel (its own average)."""
    parts = []
    for _, part in frame.groupby("case_id", sort=False):
        kwargs = {"statistic": part["statistic"].iloc[0]}
        if kwargs["statistic"] == "rate":
            kwargs.update(rate="rate", rate_type=part["rate_type"].iloc[0],
                          multiplier=float(part["multiplier"].iloc[0]))
        parts.append(funnel_significance(part, "numerator", "denominator", **kwargs))
    return pd.concat(parts).reindex(frame.index)


@pytest.mark.parametrize("position", range(len(ROW_IDS)), ids=ROW_IDS)
def test_it_reproduces_the_oracle_row(position, frame, results):
    assert results.loc[position, "significance"] == frame.loc[position, "expected_significance"]


def test_every_row_of_the_file_is_tested(oracle_dir, results):
    with open(oracle_dir / FILE, encoding="utf-8") as fh:
        n_lines = sum(1 for _ in fh) - 1
    assert len(ROW_IDS) == n_lines == len(results) == 879


def test_grouping_gives_each_group_its_own_funnel(frame):
    prop = frame[frame["case_id"] == "F_prop"]
    both = pd.concat([prop.assign(dep="29"), prop.assign(dep="53", numerator=prop["numerator"] * 0.5)])
    grouped = funnel_significance(both.reset_index(drop=True), "numerator", "denominator",
                                  statistic="proportion", group_cols=["dep"])
    alone29 = funnel_significance(prop, "numerator", "denominator", statistic="proportion")
    alone53 = funnel_significance(prop.assign(numerator=prop["numerator"] * 0.5), "numerator", "denominator",
                                  statistic="proportion")
    assert list(grouped["significance"][: len(prop)]) == list(alone29["significance"])
    assert list(grouped["significance"][len(prop):]) == list(alone53["significance"])


def test_polarity_turns_high_outliers_into_better_or_worse():
    df = pd.DataFrame({"o": [40.0, 5.0, 20.0], "e": [20.0, 20.0, 20.0]})
    good = funnel_significance(df, "o", "e", statistic="ratio", polarity="high_is_good")
    bad = funnel_significance(df, "o", "e", statistic="ratio", polarity="low_is_good")
    neutral = funnel_significance(df, "o", "e", statistic="ratio")
    assert list(good["significance"]) == ["High (0.001)", "Low (0.001)", "Not significant"]
    assert list(good["compared_99_8"]) == ["better", "worse", "similar"]
    assert list(bad["compared_99_8"]) == ["worse", "better", "similar"]
    assert list(neutral["compared_95"]) == ["higher", "lower", "similar"]


def test_a_dsr_below_10_events_is_not_compared():
    df = pd.DataFrame({"ev": [5.0, 500, 600], "rate": [10.0, 900, 1000], "pop": [50000.0, 60000, 60000]})
    out = funnel_significance(df, "ev", "pop", statistic="rate", rate="rate", rate_type="dsr",
                              multiplier=100000)
    assert out.loc[0, "significance"] == "Not applicable for events less than 10 for dsrs"
    assert out.loc[0, "compared_95"] == "not compared"


def test_it_refuses_a_proportion_numerator_above_its_denominator_naming_the_group():
    df = pd.DataFrame({"dep": ["29", "2A"], "x": [5.0, 80.0], "n": [10.0, 50.0]})
    with pytest.raises(StatsInputError, match=r"x: greater than n .* group '2A'"):
        funnel_significance(df, "x", "n", statistic="proportion", group_cols=["dep"])


def test_it_refuses_a_missing_proportion_numerator():
    df = pd.DataFrame({"x": [5.0, np.nan], "n": [10.0, 50.0]})
    with pytest.raises(StatsInputError, match="x: missing value"):
        funnel_significance(df, "x", "n", statistic="proportion")


def test_it_refuses_zero_rate_events_without_a_denominator():
    df = pd.DataFrame({"ev": [0.0, 50.0], "rate": [0.0, 30.0]})
    with pytest.raises(StatsInputError, match="denominator: needed where there are 0 events"):
        funnel_significance(df, "ev", statistic="rate", rate="rate", rate_type="crude", multiplier=1e5)


def test_it_refuses_negative_counts_and_unknown_statistics():
    df = pd.DataFrame({"x": [-1.0, 3.0], "n": [10.0, 10.0]})
    with pytest.raises(StatsInputError, match="x: negative value -1 in row 0"):
        funnel_significance(df, "x", "n", statistic="ratio")
    with pytest.raises(StatsInputError, match="statistic"):
        funnel_significance(df.abs(), "x", "n", statistic="mean")
