"""Indirect standardisation: every case of oracle isr.csv and smr.csv; ICM = SMR x 100."""

import numpy as np
import pandas as pd
import pytest

from indicators.stats import StatsInputError, ci_tag, icm, isr, smr

from . import oracle

ISR_IDS = oracle.case_ids("isr.csv")
SMR_IDS = oracle.case_ids("smr.csv")


def _long(rows: dict) -> pd.DataFrame:
    """All oracle cases in one long table, group = case number (I01, S07 ...)."""
    cases = {}
    for r in rows.values():
        cases.setdefault(r["case_id"].split("_")[0], r)
    return pd.DataFrame({
        "case": np.concatenate([[k] * len(r["counts"]) for k, r in cases.items()]),
        "x": np.concatenate([r["counts"] for r in cases.values()]),
        "n": np.concatenate([r["populations"] for r in cases.values()]),
        "x_ref": np.concatenate([r["ref_counts"] for r in cases.values()]),
        "n_ref": np.concatenate([r["ref_populations"] for r in cases.values()]),
    })


@pytest.fixture(scope="module")
def isr_rows(oracle_dir):
    return oracle.by_id(oracle_dir, "isr.csv")


@pytest.fixture(scope="module")
def smr_rows(oracle_dir):
    return oracle.by_id(oracle_dir, "smr.csv")


@pytest.fixture(scope="module")
def isr_results(isr_rows):
    return {m: isr(_long(isr_rows), "x", "n", "x_ref", "n_ref", ["case"], multiplier=m, confidence=(0.95, 0.998))
            for m in {r["multiplier"] for r in isr_rows.values()}}


@pytest.fixture(scope="module")
def smr_results(smr_rows):
    return {v: smr(_long(smr_rows), "x", "n", "x_ref", "n_ref", ["case"], refvalue=v, confidence=(0.95, 0.998))
            for v in {r["refvalue"] for r in smr_rows.values()}}


def test_every_isr_row_is_tested(oracle_dir):
    oracle.assert_all_rows_tested(oracle_dir, "isr.csv", ISR_IDS)


def test_every_smr_row_is_tested(oracle_dir):
    oracle.assert_all_rows_tested(oracle_dir, "smr.csv", SMR_IDS)


def _check(row, res, extra):
    tag = ci_tag(row["confidence"])
    for field, col in (("value", "value"), ("lowercl", f"lower_{tag}"), ("uppercl", f"upper_{tag}"),
                       ("observed", "observed"), ("expected", "expected"), *extra):
        oracle.assert_matches(res[col], row[field], row, field)
    assert (res["method"], res["statistic"]) == (row["method"], row["statistic"])


@pytest.mark.parametrize("case_id", ISR_IDS)
def test_isr_matches_the_oracle(isr_rows, isr_results, case_id):
    row = isr_rows[case_id]
    _check(row, isr_results[row["multiplier"]].loc[case_id.split("_")[0]], [("ref_rate", "ref_rate")])


@pytest.mark.parametrize("case_id", SMR_IDS)
def test_smr_matches_the_oracle(smr_rows, smr_results, case_id):
    row = smr_rows[case_id]
    _check(row, smr_results[row["refvalue"]].loc[case_id.split("_")[0]], [])


def test_icm_is_the_smr_times_one_hundred(smr_rows):
    data = _long(smr_rows)
    ratio = smr(data, "x", "n", "x_ref", "n_ref", ["case"], confidence=0.998)
    index = icm(data, "x", "n", "x_ref", "n_ref", ["case"], confidence=0.998)
    for col in ("value", "lower_99_8", "upper_99_8"):
        np.testing.assert_allclose(index[col], ratio[col] * 100, rtol=1e-12)
    assert set(index["statistic"]) == {"indirectly standardised ratio x 100"}


def test_supplied_observed_totals_replace_the_summed_counts(smr_rows):
    data = _long(smr_rows)
    summed = smr(data, "x", "n", "x_ref", "n_ref", ["case"])
    totals = data.groupby("case")["x"].transform("sum")
    supplied = smr(data.assign(obs=totals), None, "n", "x_ref", "n_ref", ["case"], observed="obs")
    pd.testing.assert_frame_equal(summed, supplied)
    bad = data.assign(obs=totals.where(data.index != 0, 1.0))
    with pytest.raises(StatsInputError, match="obs: must be the same on every row of a group"):
        smr(bad, None, "n", "x_ref", "n_ref", ["case"], observed="obs")


def test_a_group_without_population_is_refused_rather_than_dividing_by_zero():
    data = pd.DataFrame({"dep": ["29", "29", "976", "976"], "x": [3.0, 4, 0, 0], "n": [100.0, 200, 0, 0],
                         "x_ref": [10.0, 20, 10, 20], "n_ref": [1000.0, 1000, 1000, 1000]})
    with pytest.raises(StatsInputError, match="no expected events.*'976'"):
        isr(data, "x", "n", "x_ref", "n_ref", ["dep"])


def test_zero_observed_events_give_a_zero_lower_limit():
    data = pd.DataFrame({"x": [0.0, 0.0], "n": [500.0, 800.0], "x_ref": [10.0, 30.0], "n_ref": [1e4, 1e4]})
    res = smr(data, "x", "n", "x_ref", "n_ref")
    assert res["value"][0] == 0 and res["lower_95"][0] == 0 and res["upper_95"][0] > 0
    assert res["method"][0] == "Exact"
