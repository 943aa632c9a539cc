"""Directly standardised rates (Dobson): every case of oracle dsr.csv and dsr_nonindependent.csv."""

import numpy as np
import pandas as pd
import pytest

from indicators.stats import StatsInputError, ci_tag, dsr

from . import oracle

IDS = oracle.case_ids("dsr.csv")
NI_IDS = oracle.case_ids("dsr_nonindependent.csv")
NI_COLUMNS = dict(independent_events=False, eventfreq="freq", ageband="ageband")


@pytest.fixture(scope="module")
def rows(oracle_dir):
    return oracle.by_id(oracle_dir, "dsr.csv")


@pytest.fixture(scope="module")
def results(rows):
    """One long table of all cases (group = case number), one grouped call per multiplier."""
    out = {}
    cases = {}
    for r in rows.values():
        cases.setdefault(r["case_id"].split("_")[0], r)
    for multiplier in sorted({r["multiplier"] for r in cases.values()}):
        chosen = {k: r for k, r in cases.items() if r["multiplier"] == multiplier}
        long = pd.DataFrame({
            "case": np.concatenate([[k] * len(r["counts"]) for k, r in chosen.items()]),
            "x": np.concatenate([r["counts"] for r in chosen.values()]),
            "n": np.concatenate([r["populations"] for r in chosen.values()]),
            "w": np.concatenate([r["standard_populations"] for r in chosen.values()]),
        })
        res = dsr(long, "x", "n", "w", ["case"], multiplier=multiplier, confidence=(0.95, 0.998))
        out.update({k: res.loc[k] for k in chosen})
    return out


def test_every_dsr_row_is_tested(oracle_dir):
    oracle.assert_all_rows_tested(oracle_dir, "dsr.csv", IDS)


@pytest.mark.parametrize("case_id", IDS)
def test_dsr_matches_the_oracle(rows, results, case_id):
    row = rows[case_id]
    res = results[case_id.split("_")[0]]
    tag = ci_tag(row["confidence"])
    for field, col in (("value", "value"), ("lowercl", f"lower_{tag}"), ("uppercl", f"upper_{tag}"),
                       ("total_count", "total_count"), ("total_pop", "total_pop")):
        oracle.assert_matches(res[col], row[field], row, field)
    assert (res["statistic"], res["method"]) == (row["statistic"], row["method"])


@pytest.fixture(scope="module")
def ni_results(oracle_dir):
    inputs = pd.read_csv(oracle_dir / "dsr_nonindependent_inputs.csv")
    return dsr(inputs, "persons", "pop", "stdpop", ["area"], multiplier=100_000, confidence=(0.95, 0.998),
               **NI_COLUMNS)


def test_every_non_independent_dsr_row_is_tested(oracle_dir):
    oracle.assert_all_rows_tested(oracle_dir, "dsr_nonindependent.csv", NI_IDS)


@pytest.mark.parametrize("case_id", NI_IDS)
def test_non_independent_dsr_matches_the_oracle(oracle_dir, ni_results, case_id):
    row = oracle.by_id(oracle_dir, "dsr_nonindependent.csv")[case_id]
    res = ni_results.loc[row["area"]]
    tag = ci_tag(row["confidence"])
    for field, col in (("value", "value"), ("lowercl", f"lower_{tag}"), ("uppercl", f"upper_{tag}"),
                       ("total_count", "total_count"), ("total_pop", "total_pop")):
        oracle.assert_matches(res[col], row[field], row, field)
    assert (res["statistic"], res["method"]) == (row["statistic"], row["method"])


def _bands(total_counts, seed=53):
    """19 age bands per group with the given total counts (spread over the bands)."""
    rng = np.random.default_rng(seed)
    frames = []
    for g, total in enumerate(total_counts):
        x = rng.multinomial(total, np.full(19, 1 / 19)).astype(float)
        frames.append(pd.DataFrame({"g": g, "x": x, "n": rng.integers(500, 5000, 19).astype(float),
                                    "w": np.arange(1, 20) * 500.0}))
    return pd.concat(frames, ignore_index=True)


def test_dsr_is_withheld_below_ten_events_and_computed_from_ten():
    res = dsr(_bands([9, 10]), "x", "n", "w", ["g"])
    assert np.isnan(res.loc[0, ["value", "lower_95", "upper_95"]].astype(float)).all()
    assert res.loc[0, "statistic"] == "dsr NA for total count < 10"
    assert res.loc[1, "value"] > 0 and res.loc[1, "lower_95"] < res.loc[1, "value"] < res.loc[1, "upper_95"]
    assert res.loc[1, "statistic"] == "dsr per 100000"


def test_vectorised_dsr_equals_a_plain_per_group_computation():
    data = _bands([15, 120, 3000, 40])
    res = dsr(data, "x", "n", "w", ["g"], confidence=0.998)
    for g, part in data.groupby("g"):  # reference written out per group, straight from Dobson et al.
        w, x, n = part.w.to_numpy(), part.x.to_numpy(), part.n.to_numpy()
        value = (x * w / n).sum() / w.sum()
        var = (x * (w / n) ** 2).sum() / w.sum() ** 2
        o, z = x.sum(), 3.090232306167813
        byar_up = (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * np.sqrt(o + 1))) ** 3
        assert res.loc[g, "value"] == pytest.approx(value * 1e5, rel=1e-12)
        assert res.loc[g, "upper_99_8"] == pytest.approx((value + np.sqrt(var / o) * (byar_up - o)) * 1e5,
                                                         rel=1e-9)


def test_missing_counts_are_zero_but_missing_populations_are_refused():
    data = _bands([50])
    with_nan = data.assign(x=data.x.where(data.index != 3))
    zeroed = data.assign(x=data.x.where(data.index != 3, 0.0))
    pd.testing.assert_frame_equal(dsr(with_nan, "x", "n", "w", ["g"]), dsr(zeroed, "x", "n", "w", ["g"]))
    with pytest.raises(StatsInputError, match=r"n: missing value nan in group 0 \(row 5\)"):
        dsr(data.assign(n=data.n.where(data.index != 5)), "x", "n", "w", ["g"])


def test_non_independent_rows_must_share_population_within_an_age_band(oracle_dir):
    inputs = pd.read_csv(oracle_dir / "dsr_nonindependent_inputs.csv")
    row = inputs.index[(inputs.freq == 2) & (inputs.area == "testdata_nonind_small")][0]
    inputs.loc[row, "pop"] += 1
    with pytest.raises(StatsInputError, match="pop: differs between event frequencies.*testdata_nonind_small"):
        dsr(inputs, "persons", "pop", "stdpop", ["area"], **NI_COLUMNS)


def test_non_independent_events_all_of_frequency_one_equal_the_independent_dsr():
    data = _bands([80, 300]).assign(freq=1, ageband=lambda d: d.index % 19)
    independent = dsr(data, "x", "n", "w", ["g"])
    adjusted = dsr(data, "x", "n", "w", ["g"], **NI_COLUMNS)
    pd.testing.assert_frame_equal(independent.drop(columns="method"), adjusted.drop(columns="method"))
