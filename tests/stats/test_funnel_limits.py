"""Funnel-plot control limits against every row of the oracle's funnel_limits_expected.csv.

The oracle gives each case's inputs as a recipe (its ``spec``); the inputs are the peer's own test data:
F_prop and F_ratio rows of funnel_significance.csv, and funnel_limits_inputs.csv.
"""

import json

import numpy as np
import pandas as pd
import pytest

from indicators.stats import funnel_limits
from indicators.stats._validation import StatsInputError
from indicators.stats.funnels import _r_nchar, poisson_funnel
from tests.stats import oracle

FILE = "funnel_limits_expected.csv"
_ROWS = oracle.load(oracle.collection_dir(), FILE) if (oracle.collection_dir() / FILE).exists() else []
ROW_IDS = [f"{r['case_id']}-{int(r['row'])}" for r in _ROWS]


@pytest.fixture(scope="module")
def inputs(oracle_dir):
    significance = pd.read_csv(oracle_dir / "funnel_significance.csv")
    pick = lambda case: significance[significance["case_id"] == case][["numerator", "denominator"]]  # noqa: E731
    rates = pd.read_csv(oracle_dir / "funnel_limits_inputs.csv")
    return {"prop": pick("F_prop").reset_index(drop=True), "ratio": pick("F_ratio").reset_index(drop=True),
            "rates": rates[rates["case_id"] == "FL_rate"].reset_index(drop=True)}


def _ratio_both(ratio: pd.DataFrame) -> pd.DataFrame:
    """The oracle stores the count and ISR variants side by side as *_count and *_isr."""
    count = funnel_limits(ratio, "numerator", "denominator", statistic="ratio", multiplier=100, ratio_type="count")
    isr = funnel_limits(ratio, "numerator", "denominator", statistic="ratio", multiplier=100, ratio_type="isr")
    out = count.rename(columns=lambda c: c.replace("_limit", "_count"))
    for column in isr.columns[isr.columns.str.endswith("_limit")]:
        out[column.replace("_limit", "_isr")] = isr[column]
    return out


def _zero_events_with_denominator(rates: pd.DataFrame) -> pd.DataFrame:
    frame = rates.assign(pop=1e5 * rates["ev"] / rates["rate"])
    busiest = frame["ev"].idxmax()
    frame.loc[busiest, ["ev", "rate"]] = 0
    return frame[frame["pop"] > frame["pop"].max() / 2]


def _fewer_than_ten(rates: pd.DataFrame) -> pd.DataFrame:
    frame = rates.copy()
    frame.loc[frame["ev"].idxmax(), "ev"] = 5
    return frame


RATE = {"statistic": "rate", "rate": "rate", "multiplier": 1e5, "years_of_data": 3}
CASES = {
    "FL_prop": lambda i: funnel_limits(i["prop"], "numerator", "denominator", statistic="proportion",
                                       multiplier=100, full=False),
    "FL_prop_axis": lambda i: funnel_limits(i["prop"][i["prop"]["denominator"] < 31000], "numerator",
                                            "denominator", statistic="proportion", multiplier=100),
    "FL_ratio": lambda i: _ratio_both(i["ratio"]),
    "FL_rate_dsr": lambda i: funnel_limits(i["rates"], "ev", rate_type="dsr", **RATE),
    "FL_rate_crude_lt10": lambda i: funnel_limits(_fewer_than_ten(i["rates"]), "ev", rate_type="crude", **RATE),
    "FL_rate_crude_0_denom": lambda i: funnel_limits(_zero_events_with_denominator(i["rates"]), "ev", "pop",
                                                     rate_type="crude", **RATE),
}


@pytest.fixture(scope="module")
def computed(inputs):
    return {case: build(inputs) for case, build in CASES.items()}


@pytest.mark.parametrize("position", range(len(ROW_IDS)), ids=ROW_IDS)
def test_it_reproduces_the_oracle_row(position, computed):
    row = _ROWS[position]
    got = computed[row["case_id"]].iloc[int(row["row"]) - 1]
    expected = json.loads(row["columns"])
    for column, value in expected.items():
        if isinstance(value, str):
            assert got[column] == value, column
        else:
            assert got[column] == pytest.approx(value, rel=1e-6, abs=0), column


def test_every_row_and_case_of_the_file_is_tested(oracle_dir, computed):
    with open(oracle_dir / FILE, encoding="utf-8") as fh:
        n_lines = sum(1 for _ in fh) - 1
    assert len(ROW_IDS) == n_lines == 600
    assert {r["case_id"] for r in _ROWS} == set(CASES)
    assert all(len(frame) == 100 for frame in computed.values())


def test_the_limits_close_in_on_the_baseline_as_the_population_grows(inputs):
    limits = funnel_limits(inputs["prop"], "numerator", "denominator", statistic="proportion", multiplier=100)
    width = limits["upper_3s_limit"] - limits["lower_3s_limit"]
    assert (np.diff(width) <= 1e-12).all() and (limits["lower_2s_limit"] >= limits["lower_3s_limit"]).all()
    assert (limits["lower_3s_limit"] < limits["baseline"]).all()
    assert (limits["baseline"] < limits["upper_3s_limit"]).all()
    assert limits["Population"].is_monotonic_increasing and limits["Population"].iloc[-1] == 110000


def test_poisson_funnel_brackets_the_observed_count():
    observed = np.array([1.0, 10.0, 100.0, 1000.0])
    assert (poisson_funnel(observed, 0.025, "low") < observed).all()
    assert (poisson_funnel(observed, 0.025, "high") > observed).all()


def test_whole_numbers_are_counted_like_r_prints_them():
    # R prints 100000 as "1e+05" and 120000 as "120000": the axis rounding counts those characters.
    assert [_r_nchar(v) for v in (9, 10, 100000, 120000, 1000000, 1234567)] == [1, 2, 5, 6, 5, 7]


@pytest.mark.parametrize("kwargs, message", [
    ({"statistic": "median", "multiplier": 100}, "statistic: must be 'proportion', 'ratio' or 'rate'"),
    ({"statistic": "proportion", "multiplier": 0}, "multiplier: must be greater than 0"),
    ({"statistic": "ratio", "multiplier": 100}, "ratio_type: ratios need 'count' or 'isr'"),
    ({"statistic": "rate", "multiplier": 1e5, "rate": "d", "rate_type": "dsr"}, "years_of_data: rates need"),
    ({"statistic": "proportion", "multiplier": 100, "points": 1}, "points: must be an integer of 2 or more"),
])
def test_it_refuses_incomplete_options(kwargs, message):
    frame = pd.DataFrame({"x": [5.0, 8.0], "d": [50.0, 90.0]})
    with pytest.raises(StatsInputError, match=message):
        funnel_limits(frame, "x", "d", **kwargs)


def test_it_refuses_negative_counts_naming_the_row():
    frame = pd.DataFrame({"x": [5.0, -1.0], "d": [50.0, 90.0]})
    with pytest.raises(StatsInputError, match="x.*negative"):
        funnel_limits(frame, "x", "d", statistic="proportion", multiplier=100)


def test_it_refuses_an_empty_table():
    with pytest.raises(StatsInputError, match="no rows"):
        funnel_limits(pd.DataFrame({"x": [], "d": []}), "x", "d", statistic="proportion", multiplier=100)
