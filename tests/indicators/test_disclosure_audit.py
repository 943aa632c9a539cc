"""The disclosure audit (indicators.compute.audit): feasible intervals of withheld counts by linear programming.

Areas are named after the shared cast (ids are plain integers: the audit needs no database).
"""

import numpy as np
import pandas as pd
import pytest

from indicators.compute.audit import feasible_intervals, period_years

FRANCE, BRETAGNE, FINISTERE, COTES_ARMOR, MORBIHAN, MAYOTTE = 1, 53, 29, 22, 56, 976


def cells(rows):
    frame = pd.DataFrame(rows, columns=["area_id", "period", "sex", "numerator"])
    frame["withheld"] = frame["numerator"].isna()
    return frame


def sources(pairs):
    return pd.DataFrame(pairs, columns=["target", "source"])


DEPARTMENTS = [FINISTERE, COTES_ARMOR, MORBIHAN, MAYOTTE]
# France sums the four departments; Bretagne sums three of them.
TREE = sources([(FRANCE, d) for d in DEPARTMENTS] + [(BRETAGNE, d) for d in DEPARTMENTS[:3]])


def interval(result, area, period=2015, sex="T"):
    row = result.intervals.set_index(["area_id", "period", "sex"]).loc[(area, period, sex)]
    return row["lower"], row["upper"]


def test_it_recovers_a_department_withheld_alone_from_france_minus_the_others():
    result = feasible_intervals(cells([
        (FRANCE, 2015, "T", 1000), (BRETAGNE, 2015, "T", 700),
        (FINISTERE, 2015, "T", 300), (COTES_ARMOR, 2015, "T", 200), (MORBIHAN, 2015, "T", 200),
        (MAYOTTE, 2015, "T", np.nan),
    ]), TREE, threshold=10)
    assert interval(result, MAYOTTE) == pytest.approx((300, 300))
    assert not result.ok
    assert list(result.recoverable["area_id"]) == [MAYOTTE]


def test_two_withheld_siblings_are_protected_by_the_sum_they_hide():
    result = feasible_intervals(cells([
        (FRANCE, 2015, "T", 1000), (BRETAGNE, 2015, "T", 700),
        (FINISTERE, 2015, "T", 300), (COTES_ARMOR, 2015, "T", np.nan), (MORBIHAN, 2015, "T", 400),
        (MAYOTTE, 2015, "T", np.nan),
    ]), TREE, threshold=10)
    # Côtes-d'Armor = Bretagne - 300 - 400 = 0 exactly: Bretagne is a second channel.
    assert interval(result, COTES_ARMOR) == pytest.approx((0, 0))
    assert interval(result, MAYOTTE) == pytest.approx((300, 300))


def test_withheld_cells_whose_relations_each_hide_enough_are_protected():
    result = feasible_intervals(cells([
        (FRANCE, 2015, "T", 1000), (BRETAGNE, 2015, "T", np.nan),
        (FINISTERE, 2015, "T", 300), (COTES_ARMOR, 2015, "T", np.nan), (MORBIHAN, 2015, "T", np.nan),
        (MAYOTTE, 2015, "T", 300),
    ]), TREE, threshold=10)
    assert interval(result, COTES_ARMOR) == pytest.approx((0, 400))
    assert interval(result, BRETAGNE) == pytest.approx((700, 700))  # France - Mayotte
    assert result.narrowest["area_id"] == BRETAGNE


def test_an_area_with_no_published_row_is_an_unknown_too():
    result = feasible_intervals(cells([
        (FRANCE, 2012, "T", 41_285), (FINISTERE, 2012, "T", 20_000), (COTES_ARMOR, 2012, "T", 10_000),
        (MORBIHAN, 2012, "T", 11_277), (BRETAGNE, 2012, "T", np.nan),
    ]), TREE, threshold=10)
    # Mayotte has no row, so Bretagne is only bounded through it: 41,277 exactly from its own departments.
    assert interval(result, BRETAGNE, 2012) == pytest.approx((41_277, 41_277))


def test_it_recovers_one_sex_from_both_sexes_minus_the_other():
    result = feasible_intervals(cells([
        (FINISTERE, 2015, "T", 30), (FINISTERE, 2015, "M", np.nan), (FINISTERE, 2015, "F", 26),
    ]), sources([]), threshold=10)
    assert interval(result, FINISTERE, sex="M") == pytest.approx((4, 4))


def test_both_sexes_withheld_leave_each_one_the_whole_total():
    result = feasible_intervals(cells([
        (FINISTERE, 2015, "T", 30), (FINISTERE, 2015, "M", np.nan), (FINISTERE, 2015, "F", np.nan),
    ]), sources([]), threshold=10)
    assert interval(result, FINISTERE, sex="M") == pytest.approx((0, 30))
    assert result.ok


def test_it_recovers_a_single_year_from_a_pooled_period_minus_the_other_years():
    result = feasible_intervals(cells([
        (MAYOTTE, "2017-2019", "T", 40), (MAYOTTE, 2017, "T", 15), (MAYOTTE, 2018, "T", 17),
        (MAYOTTE, 2019, "T", np.nan),
    ]), sources([]), threshold=10)
    assert interval(result, MAYOTTE, 2019) == pytest.approx((8, 8))


def test_overlapping_pooled_windows_leak_the_difference_of_their_end_years():
    # 2016-2018 and 2017-2019 published, single years withheld: 2019 - 2016 = 3, but each year is free.
    result = feasible_intervals(cells([
        (MAYOTTE, "2016-2018", "T", 30), (MAYOTTE, "2017-2019", "T", 33),
        (MAYOTTE, 2016, "T", np.nan), (MAYOTTE, 2019, "T", np.nan),
    ]), sources([]), threshold=10)
    assert interval(result, MAYOTTE, 2016) == pytest.approx((0, 30))
    assert interval(result, MAYOTTE, 2019) == pytest.approx((3, 33))


def test_an_epci_across_a_department_border_opens_a_channel_the_departments_alone_do_not():
    # Communes 1..4: Finistère holds 1, 2; Morbihan holds 3, 4; an EPCI (id 900) holds 2 and 3.
    epci = 900
    pairs = [(FINISTERE, 1), (FINISTERE, 2), (MORBIHAN, 3), (MORBIHAN, 4), (epci, 2), (epci, 3)]
    rows = [(FINISTERE, 2015, "T", 50), (MORBIHAN, 2015, "T", 60), (1, 2015, "T", np.nan),
            (2, 2015, "T", np.nan), (3, 2015, "T", np.nan), (4, 2015, "T", np.nan)]
    without_epci = feasible_intervals(cells(rows), sources(pairs[:4]), threshold=10)
    assert without_epci.ok
    with_epci = feasible_intervals(cells(rows + [(epci, 2015, "T", 55)]), sources(pairs), threshold=10)
    assert interval(with_epci, 1) == pytest.approx((0, 50))  # still wide: 1 = 50 - c2, c2 in [0, 50]
    assert with_epci.ok
    published_commune = feasible_intervals(cells(rows[:2] + [(1, 2015, "T", 45), (2, 2015, "T", np.nan),
                                                             (3, 2015, "T", np.nan), (4, 2015, "T", 10),
                                                             (epci, 2015, "T", 55)]),
                                           sources(pairs), threshold=10)
    # c2 = Finistère - c1 = 5; then c3 = EPCI - c2 = 50 and Morbihan checks out.
    assert interval(published_commune, 2) == pytest.approx((5, 5))
    assert interval(published_commune, 3) == pytest.approx((50, 50))


def test_a_cell_bound_by_nothing_published_is_unbounded_above():
    result = feasible_intervals(cells([(MAYOTTE, 2015, "T", np.nan)]), sources([]), threshold=10)
    assert interval(result, MAYOTTE) == (0, np.inf)
    assert result.ok


def test_published_counts_that_contradict_each_other_are_reported():
    result = feasible_intervals(cells([
        (FRANCE, 2015, "T", 10), (FINISTERE, 2015, "T", 300), (COTES_ARMOR, 2015, "T", np.nan),
    ]), TREE, threshold=10)
    assert result.inconsistent
    assert not result.ok


def test_period_labels_give_their_years():
    assert period_years(2019) == (2019,)
    assert period_years("2017-2019") == (2017, 2018, 2019)


def _random_communes(seed, n_communes=400, share_withheld=0.3):
    """Communes in four departments of one region, two years, both sexes; a random share withheld."""
    rng = np.random.default_rng(seed)
    communes = np.arange(10_000, 10_000 + n_communes)
    department = np.array(DEPARTMENTS)[np.arange(n_communes) % 4]
    counts = rng.poisson(12, size=(n_communes, 2, 2)).astype(float)  # commune x year x (M, F)
    rows = []
    for y, year in enumerate((2018, 2019)):
        for s, sex in enumerate("MF"):
            for i, c in enumerate(communes):
                rows.append((c, year, sex, counts[i, y, s]))
            for d in DEPARTMENTS:
                rows.append((d, year, sex, counts[department == d, y, s].sum()))
            rows.append((FRANCE, year, sex, counts[:, y, s].sum()))
        for i, c in enumerate(communes):
            rows.append((c, year, "T", counts[i, y].sum()))
    frame = cells(rows)
    small = frame["area_id"].ge(10_000) & (rng.random(len(frame)) < share_withheld)
    frame.loc[small, "numerator"] = np.nan
    frame["withheld"] = frame["numerator"].isna()
    pairs = [(d, c) for c, d in zip(communes, department)] + [(FRANCE, c) for c in communes]
    return frame, sources(pairs)


def test_shortcut_intervals_lie_inside_the_exact_ones():
    frame, pairs = _random_communes(seed=7, n_communes=60)
    exact = feasible_intervals(frame, pairs, threshold=1e12)  # nothing certified: 2 programs per cell
    quick = feasible_intervals(frame, pairs, threshold=10)
    assert exact.intervals["exact"].all()
    assert not quick.intervals["exact"].all()  # the shortcut was taken
    both = exact.intervals.merge(quick.intervals, on=["area_id", "period", "sex"], suffixes=("_x", "_q"))
    assert (both["lower_q"] >= both["lower_x"] - 1e-6).all()
    assert (both["upper_q"] <= both["upper_x"] + 1e-6).all()
    assert (both["protected_q"] == (both["width_x"] >= 10 - 1e-6)).all()


def test_the_audit_is_deterministic():
    frame, pairs = _random_communes(seed=3, n_communes=120)
    first = feasible_intervals(frame, pairs, threshold=10).intervals
    second = feasible_intervals(frame.sample(frac=1, random_state=1), pairs, threshold=10).intervals
    key = ["area_id", "period", "sex"]
    pd.testing.assert_frame_equal(first.sort_values(key).reset_index(drop=True)[key + ["protected"]],
                                  second.sort_values(key).reset_index(drop=True)[key + ["protected"]])
