"""Disclosure control inside the pure pipeline: what a computed table publishes lets no outsider pin down a
withheld count (the exact audit, from the published cells only), withheld values carry nothing else that
would give them away, and the same inputs withhold the same cells."""

import numpy as np
import pandas as pd
import pytest

from indicators.compute import IndicatorSpec, compute_indicator
from indicators.compute.audit import feasible_intervals
from indicators.compute.pipeline import _sources
from tests.indicators.compute_fixtures import BREST, FINISTERE, QUIMPER, VANNES, geography, observations

COMMUNES = (BREST, QUIMPER, VANNES)


def _inputs(rng, years=(2018, 2019)):
    num = observations([(c, y, s, "all", int(rng.integers(0, 30))) for c in COMMUNES for y in years for s in "MF"])
    den = observations([(c, y, s, "all", 10_000) for c in COMMUNES for y in years for s in "MF"])
    return num, den


def _spec(**kw):
    return IndicatorSpec("r", "crude_rate", "commune", denominator_level="commune", multiplier=100_000, **kw)


def _outsider_audit(values):
    """The exact audit from what is published: withheld numerators are unknowns."""
    cells = values[["area_id", "period", "sex", "numerator"]].assign(withheld=values["suppressed"].to_numpy())
    return feasible_intervals(cells, _sources(geography(), "commune", np.array(COMMUNES)), 10)


@pytest.mark.parametrize("seed", range(25))
def test_no_withheld_count_of_a_computed_table_can_be_pinned_down_from_what_it_publishes(seed):
    num, den = _inputs(np.random.default_rng(seed))
    values = compute_indicator(_spec(), geography(), num, den).values
    audit = _outsider_audit(values)
    assert audit.ok, audit.recoverable
    assert set(values.loc[values.suppressed, "suppression"]) <= {"primary", "complementary"}
    assert (values.loc[~values.suppressed, "suppression"] == "").all()


def test_a_withheld_value_carries_no_class_quantile_or_comparison_and_nothing_is_compared_with_it():
    rng = np.random.default_rng(7)
    num, den = _inputs(rng)
    values = compute_indicator(_spec(), geography(), num, den).values
    withheld = values[values.suppressed]
    assert len(withheld) and (withheld.suppression == "complementary").any()
    assert withheld[["value", "lower_95", "upper_95", "lower_99_8", "upper_99_8", "numerator",
                     "denominator"]].isna().all().all()
    assert withheld["quantile"].isna().all() and withheld["map_class"].isna().all()
    assert set(withheld["cmp_parent"]) <= {"", "not_compared"} and set(withheld["cmp_france"]) <= {"", "not_compared"}
    # A published commune under a withheld department is not compared with it (that would bound it).
    parent = {BREST: FINISTERE, QUIMPER: FINISTERE}
    hidden = set(map(tuple, withheld[["area_id", "period", "sex"]].to_numpy()))
    for row in values[~values.suppressed & values.area_id.isin(parent)].itertuples():
        if (parent[row.area_id], row.period, row.sex) in hidden:
            assert row.cmp_parent in {"", "not_compared"}


def test_the_same_inputs_withhold_the_same_cells_in_any_row_order():
    num, den = _inputs(np.random.default_rng(3))
    first = compute_indicator(_spec(), geography(), num, den).values
    shuffled = compute_indicator(_spec(), geography(), num.sample(frac=1, random_state=1),
                                 den.sample(frac=1, random_state=2)).values
    key = ["area_id", "period", "sex"]
    assert (first.set_index(key).sort_index()["suppression"]
            .equals(shuffled.set_index(key).sort_index()["suppression"]))


def test_the_run_summary_counts_the_cells_each_rule_withholds():
    num, den = _inputs(np.random.default_rng(7))
    result = compute_indicator(_spec(), geography(), num, den)
    summary = result.disclosure
    assert summary["primary"] == int((result.values.suppression == "primary").sum()) > 0
    assert summary["complementary"] == int((result.values.suppression == "complementary").sum())
    assert summary["published"] == int((~result.values.suppressed).sum())
    assert pd.Series(summary).drop("threshold").sum() - summary["rounds"] == len(result.values)
