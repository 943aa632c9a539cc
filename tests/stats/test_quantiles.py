"""Quantiles against every row of the oracle's quantile.csv, plus the rules the R package documents."""

import numpy as np
import pandas as pd
import pytest

from indicators.stats import quantiles
from indicators.stats._validation import StatsInputError
from tests.stats import oracle

FILE = "quantile.csv"
_ROWS = oracle.load(oracle.collection_dir(), FILE) if (oracle.collection_dir() / FILE).exists() else []
ROW_IDS = [f"{r['case_id']}-{r['group']}-{r['area_code']}" for r in _ROWS]


@pytest.fixture(scope="module")
def frame(oracle_dir):
    rows = oracle.load(oracle_dir, FILE)
    df = pd.DataFrame(rows)
    df["invert"] = df["invert"].map({"true": True, "false": False}).astype(bool)
    return df


@pytest.fixture(scope="module")
def results(frame):
    """Each (case, nquantiles) in one grouped call; ``invert`` read from a column as a polarity field."""
    parts = []
    for nq, part in frame.groupby("nquantiles"):
        parts.append(quantiles(part, "value", ["case_id", "group"], nquantiles=int(nq), invert="invert"))
    return pd.concat(parts).reindex(frame.index)


@pytest.mark.parametrize("position", range(len(ROW_IDS)), ids=ROW_IDS)
def test_it_reproduces_the_oracle_row(position, frame, results):
    expected = frame.loc[position, "expected_quantile"]
    got = results.loc[position, "quantile"]
    if np.isnan(expected):
        assert got is pd.NA
    else:
        assert got == int(expected)


def test_every_row_of_the_file_is_tested(oracle_dir, results):
    with open(oracle_dir / FILE, encoding="utf-8") as fh:
        n_lines = sum(1 for _ in fh) - 1
    assert len(ROW_IDS) == n_lines == len(results) == 1134


def test_deciles_of_twenty_distinct_values_hold_two_each_and_invert_reverses_them():
    df = pd.DataFrame({"value": np.arange(20.0)})
    plain = quantiles(df, nquantiles=10)["quantile"].to_numpy()
    inverted = quantiles(df, nquantiles=10, invert=True)["quantile"].to_numpy()
    assert list(plain) == [q for q in range(1, 11) for _ in range(2)]
    assert list(inverted) == list(plain[::-1])


def test_ties_share_the_lowest_rank_quantile():
    df = pd.DataFrame({"value": [1.0, 2.0, 2.0, 2.0, 3.0]})
    got = quantiles(df, nquantiles=5)["quantile"].tolist()
    assert got[1] == got[2] == got[3]


def test_a_group_with_fewer_values_than_quantiles_gets_none():
    df = pd.DataFrame({"dep": ["29"] * 5 + ["976"] * 3, "value": [5.0, 1, 4, 2, 3, 7, np.nan, 9]})
    out = quantiles(df, "value", ["dep"], nquantiles=4)
    assert out.loc[df["dep"] == "976", "quantile"].isna().all()
    assert out.loc[df["dep"] == "29", "quantile"].notna().all()
    assert out.loc[df["dep"] == "976", "n_values"].eq(2).all()


def test_missing_values_keep_a_missing_quantile_and_do_not_count():
    df = pd.DataFrame({"value": [1.0, np.nan, 2.0, 3.0, 4.0]})
    out = quantiles(df, nquantiles=2)
    assert out["quantile"].isna().tolist() == [False, True, False, False, False]
    assert out["n_values"].iloc[0] == 4


def test_it_refuses_an_invert_column_that_mixes_values_within_a_group():
    df = pd.DataFrame({"dep": ["29", "29", "2A"], "value": [1.0, 2.0, 3.0], "inv": [True, False, True]})
    with pytest.raises(StatsInputError, match="invert: .* group '29' mixes"):
        quantiles(df, "value", ["dep"], nquantiles=1, invert="inv")


def test_it_refuses_text_values():
    df = pd.DataFrame({"value": ["a", "b"]})
    with pytest.raises(StatsInputError, match="value"):
        quantiles(df, nquantiles=2)


@pytest.mark.parametrize("nq", [0, 2.5, True])
def test_it_refuses_a_bad_number_of_quantiles(nq):
    with pytest.raises(StatsInputError, match="nquantiles"):
        quantiles(pd.DataFrame({"value": [1.0, 2.0]}), nquantiles=nq)
