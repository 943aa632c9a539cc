"""Life expectancy (Chiang II + Silcocks) against every row of the oracle's life_expectancy.csv."""

import math

import numpy as np
import pandas as pd
import pytest

from indicators.stats import life_expectancy
from indicators.stats._validation import StatsInputError
from tests.stats import oracle

FILE = "life_expectancy.csv"
ROW_IDS = [f"{r['case_id']}-{int(r['startage'])}" for r in oracle.load(oracle.collection_dir(), FILE)] \
    if (oracle.collection_dir() / FILE).exists() else []


@pytest.fixture(scope="module")
def rows(oracle_dir):
    return oracle.load(oracle_dir, FILE)


@pytest.fixture(scope="module")
def results(rows):
    """All oracle cases in ONE call, each case a group: this also exercises the vectorised path."""
    frame = pd.DataFrame({
        "case_id": [r["case_id"] for r in rows],
        "startage": [r["startage"] for r in rows],
        "deaths": [r["deaths"] for r in rows],
        "pop": [r["pop"] for r in rows],
    })
    return life_expectancy(frame, ["case_id"], confidence=0.95)


@pytest.mark.parametrize("position", range(len(ROW_IDS)), ids=ROW_IDS)
def test_it_reproduces_the_oracle_row(position, rows, results):
    row = rows[position]
    got = results.loc[(row["case_id"], int(row["startage"]))]
    oracle.assert_matches(float(got["value"]), row["value"], row, "value")
    oracle.assert_matches(float(got["lower_95"]), row["lowercl"], row, "lowercl")
    oracle.assert_matches(float(got["upper_95"]), row["uppercl"], row, "uppercl")
    for field in ("pops_used", "dths_used"):
        if not math.isnan(row[field]):  # only df1 carries the R cumulative columns
            assert float(got[field]) == row[field]


def test_every_row_of_the_file_is_tested(oracle_dir, results):
    with open(oracle_dir / FILE, encoding="utf-8") as fh:
        n_lines = sum(1 for _ in fh) - 1
    assert len(ROW_IDS) == n_lines == len(results) == 179


def _df1(rows, case="LE1"):
    return pd.DataFrame([r for r in rows if r["case_id"] == case])[["startage", "deaths", "pop"]]


@pytest.mark.parametrize(("case", "reason"), [
    ("LE5", "negative deaths"),
    ("LE6", "population <= 0 in an age band"),
    ("LE7", "deaths greater than population in an age band"),
    ("LE8", "total population <= 5000"),
    ("LE9", "age bands missing (20 required)"),
])
def test_it_explains_why_a_whole_group_is_missing(case, reason, results):
    group = results.loc[case]
    assert group["value"].isna().all() and group["lower_95"].isna().all()
    assert set(group["reason"]) == {reason}


def test_it_suppresses_the_value_but_keeps_the_limits_when_the_ci_is_wider_than_20_years(results):
    area2 = results.loc["LE3"]
    wide = area2["upper_95"] - area2["lower_95"] > 20
    assert wide.any() and area2.loc[wide, "value"].isna().all()
    assert area2.loc[wide, "lower_95"].notna().all()
    assert (area2.loc[wide, "reason"] == "95% confidence interval wider than 20 years").all()
    assert area2.loc[~wide, "value"].notna().all()


def test_row_order_does_not_matter(rows):
    df1 = _df1(rows)
    shuffled = df1.sample(frac=1, random_state=3)
    pd.testing.assert_frame_equal(life_expectancy(shuffled), life_expectancy(df1))


def test_many_groups_at_once_equal_each_group_alone(rows):
    df1 = _df1(rows)
    rng = np.random.default_rng(29)
    parts = []
    for area in ("29", "2A", "976", "53"):
        part = df1.copy()
        part["deaths"] = rng.poisson(part["deaths"].to_numpy())
        part["area"] = area
        parts.append(part)
    together = life_expectancy(pd.concat(parts), ["area"])
    for part in parts:
        alone = life_expectancy(part.drop(columns="area"))
        np.testing.assert_allclose(together.loc[part["area"].iloc[0]]["value"].to_numpy(),
                                   alone["value"].to_numpy(), rtol=1e-12)


def test_it_gives_one_pair_of_limit_columns_per_confidence_level(rows):
    out = life_expectancy(_df1(rows), confidence=(0.95, 0.998), le_age=[0, 65])
    assert list(out.index) == [0, 65]
    assert out.loc[0, "lower_99_8"] < out.loc[0, "lower_95"] < out.loc[0, "value"] < out.loc[0, "upper_95"]
    assert out.loc[0, "upper_99_8"] > out.loc[0, "upper_95"]


def test_it_returns_missing_with_a_reason_when_nobody_dies_in_the_open_band(rows):
    df1 = _df1(rows)
    df1.loc[df1["startage"] == 90, "deaths"] = 0
    out = life_expectancy(df1)
    assert out["value"].isna().all()
    assert set(out["reason"]) == {"no deaths in the open age band"}


def test_it_refuses_a_start_age_outside_the_life_table_bands_naming_the_group(rows):
    df1 = _df1(rows).assign(area="29")
    df1.loc[df1["startage"] == 5, "startage"] = 6
    with pytest.raises(StatsInputError, match=r"startage: start age 6 in group '29'"):
        life_expectancy(df1, ["area"])


def test_it_refuses_a_band_given_twice_for_one_group(rows):
    df1 = _df1(rows).assign(area="2A")
    with pytest.raises(StatsInputError, match=r"start age 65 appears more than once in group '2A'"):
        life_expectancy(pd.concat([df1, df1[df1["startage"] == 65]]), ["area"])


@pytest.mark.parametrize("confidence", [0.8, 101, "0.95"])
def test_it_refuses_a_confidence_level_outside_the_allowed_range(confidence, rows):
    with pytest.raises(StatsInputError, match="confidence"):
        life_expectancy(_df1(rows), confidence=confidence)


def test_it_refuses_a_start_age_list_that_does_not_begin_at_zero(rows):
    with pytest.raises(StatsInputError, match="age_contents"):
        life_expectancy(_df1(rows), age_contents=(1, 5, 10))


def test_it_refuses_text_deaths(rows):
    df1 = _df1(rows).astype({"deaths": object})
    df1.iloc[3, 1] = "n/a"
    with pytest.raises(StatsInputError, match="deaths"):
        life_expectancy(df1)
