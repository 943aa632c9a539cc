"""Datasets whose age bands differ across areas and periods (the INSEE 1990s overseas 90+ band), pure pipeline."""

import numpy as np
import pandas as pd
import pytest

from indicators.compute import ComputeError, DataFilter, IndicatorSpec, compute_indicator
from indicators.stats.standard_populations import esp2013
from tests.indicators.compute_fixtures import BREST, FINISTERE, FR, QUIMPER, VANNES, geography, observations

LOW = [f"{a}-{a + 4}" for a in range(0, 90, 5)]
FINE = LOW + ["90-94", "95+"]  # most areas and years
COARSE = LOW + ["90+"]  # Vannes in 1995, like the overseas departments in 1990-1998


def _population(coarse_years=(1995,), years=(1995, 2020), per_band=1000.0, total_row=True):
    rows = []
    for year in years:
        for area in (BREST, QUIMPER, VANNES):
            bands = COARSE if area == VANNES and year in coarse_years else FINE
            for band in bands:
                value = per_band * (2 if band == "90+" else 1)  # 90+ holds what 90-94 and 95+ hold
                rows.append((area, year, "T", band, value))
            if total_row:
                rows.append((area, year, "T", "all", per_band * len(FINE)))
    return observations(rows)


def _value(values, area, period, column="value"):
    row = values[(values.area_id == area) & (values.period == period) & (values.sex == "T")]
    assert len(row) == 1
    return row.iloc[0][column]


def _share(flt):
    return IndicatorSpec("part", "proportion", "commune", numerator_filter=flt, denominator_level="commune",
                         multiplier=100, disclosure_threshold=0, numerator_dataset="insee-population",
                         denominator_dataset="insee-population")


def test_mixed_band_sets_count_the_90_plus_people_once_for_totals_and_open_ranges():
    pop = _population()
    result = compute_indicator(_share(DataFilter(age_min=75)), geography(), pop, pop.copy())
    values = result.values
    # 75-79, 80-84, 85-89 and 90+ (= 90-94 + 95+): 5 of 20 bands' worth, in every area and year.
    for area in (BREST, VANNES, FINISTERE, FR):
        assert _value(values, area, "1995") == pytest.approx(25.0)
        assert _value(values, area, "2020") == pytest.approx(25.0)
    assert _value(values, FR, "1995", "denominator") == 3 * 20 * 1000
    assert not values["not_computable"].any()
    assert any("90-94 95+ | 90+" in note or "90+ | 90-94 95+" in note for note in result.notes)


def test_an_age_range_a_coarse_band_cannot_give_leaves_those_groups_not_computable():
    pop = _population()
    result = compute_indicator(_share(DataFilter(age_min=90, age_max=94)), geography(), pop, pop.copy())
    values = result.values
    assert _value(values, BREST, "1995") == pytest.approx(5.0)
    assert _value(values, VANNES, "2020") == pytest.approx(5.0)
    # Vannes 1995 only has 90+; everything summed from it (its department, France) is not computable.
    for area in (VANNES, FR):
        assert _value(values, area, "1995", "not_computable")
        assert np.isnan(_value(values, area, "1995")) and np.isnan(_value(values, area, "1995", "numerator"))
    assert not _value(values, FINISTERE, "1995", "not_computable")
    note = " ".join(result.notes)
    assert "insee-population" in note and "90+ straddles the age range 90-94" in note
    assert f"area {VANNES} (1995)" in note


def test_a_band_the_range_cuts_everywhere_is_an_error_naming_dataset_band_and_areas():
    coarse = observations([(area, 1995, "T", band, 1000.0) for area in (BREST, VANNES) for band in COARSE])
    with pytest.raises(ComputeError, match=rf"numerator \(dataset insee-population\).*90\+ straddles the age "
                                           rf"range 90-94 for area {BREST} \(1995\), area {VANNES} \(1995\)"):
        compute_indicator(_share(DataFilter(age_min=90, age_max=94)), geography(), coarse, coarse.copy())


def test_overlapping_bands_within_one_area_and_year_are_refused_as_duplicated_data():
    pop = _population()
    rows = pd.concat([pop, observations([(BREST, 2020, "T", "90+", 2000.0)])], ignore_index=True)
    with pytest.raises(ComputeError, match=rf"overlap within the same area.*area {BREST} \(2020\)"):
        compute_indicator(_share(DataFilter(age_min=75)), geography(), rows, rows.copy())


def test_a_dsr_rebands_its_standard_population_to_the_common_90_plus_band():
    pop = _population(total_row=False)
    deaths = pop.assign(value=pop.value / 100)  # the same 1% rate in every band
    spec = IndicatorSpec("dsr", "dsr", "commune", denominator_level="commune", multiplier=100_000,
                         standard_weights=esp2013(), disclosure_threshold=0)
    values = compute_indicator(spec, geography(), deaths, pop).values
    for area in (BREST, VANNES, FR):
        assert _value(values, area, "1995") == pytest.approx(1000.0)
    assert not values["not_computable"].any()
