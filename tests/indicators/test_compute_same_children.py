"""A parent's numerator and denominator are summed over the same children: those with a denominator for that
(period, sex) (docs/adr/0013-parents-sum-same-children.md)."""

import json

import numpy as np
import pandas as pd
import pytest

from indicators.catalog.loader import read_catalog
from indicators.compute import DataFilter, Geography, IndicatorSpec, compute_indicator
from indicators.importing.reference import DREES_FILES, INSEE_POPULATION, read_drees, read_insee_population
from tests.indicators.compute_fixtures import (
    BRETAGNE, BREST, FINISTERE, FR, MORBIHAN, QUIMPER, VANNES, geography, observations,
)


def _row(values, area, period, sex="T"):
    row = values[(values.area_id == area) & (values.period == period) & (values.sex == sex)]
    assert len(row) == 1, f"expected one row for {area} {period} {sex}"
    return row.iloc[0]


def _spec(level="department", den_level="department"):
    return IndicatorSpec("r", "crude_rate", level, denominator_level=den_level, multiplier=100_000,
                         disclosure_threshold=0, unreliable_below=0)


def test_a_parent_leaves_out_the_numerator_of_a_child_without_denominator():
    # Morbihan has its count for 2012 but no population: Bretagne 2012 is Finistère's alone, on both sides.
    num = observations([(FINISTERE, 2012, "T", "all", 100), (MORBIHAN, 2012, "T", "all", 50),
                        (FINISTERE, 2014, "T", "all", 110), (MORBIHAN, 2014, "T", "all", 60)])
    den = observations([(FINISTERE, 2012, "T", "all", 1_000_000), (FINISTERE, 2014, "T", "all", 1_000_000),
                        (MORBIHAN, 2014, "T", "all", 800_000)])
    result = compute_indicator(_spec(), geography(), num, den)
    values = result.values
    for parent in (BRETAGNE, FR):
        row = _row(values, parent, "2012")
        assert (row.numerator, row.denominator, row.value) == (100, 1_000_000, 10.0)
        row = _row(values, parent, "2014")
        assert (row.numerator, row.denominator) == (170, 1_800_000)
    assert values[(values.area_id == MORBIHAN) & (values.period == "2012")].empty
    assert any("left out of its parents' sums" in note and "2012" in note for note in result.notes)


def test_a_child_with_a_denominator_and_no_numerator_row_counts_zero_events():
    num = observations([(FINISTERE, 2019, "T", "all", 100)])
    den = observations([(FINISTERE, 2019, "T", "all", 1_000_000), (MORBIHAN, 2019, "T", "all", 1_000_000)])
    values = compute_indicator(_spec(), geography(), num, den).values
    row = _row(values, BRETAGNE, "2019")
    assert (row.numerator, row.denominator, row.value) == (100, 2_000_000, 5.0)


def test_the_rule_holds_per_sex():
    # Finistère's population is given for women only in 2019: its men's count stays out of Bretagne's men.
    num = observations([(d, 2019, s, "all", n) for d, n in ((FINISTERE, 30), (MORBIHAN, 20)) for s in "MF"])
    den = observations([(FINISTERE, 2019, "F", "all", 500_000),
                        *[(MORBIHAN, 2019, s, "all", 400_000) for s in "MF"]])
    values = compute_indicator(_spec(), geography(), num, den).values
    men, women = _row(values, BRETAGNE, "2019", "M"), _row(values, BRETAGNE, "2019", "F")
    assert (men.numerator, men.denominator) == (20, 400_000)
    assert (women.numerator, women.denominator) == (50, 900_000)


def test_commune_counts_over_department_population_sum_the_departments_that_have_both():
    # Vannes (Morbihan) has deaths but Morbihan no population: Bretagne is Brest + Quimper over Finistère.
    num = observations([(BREST, 2019, "T", "all", 12), (QUIMPER, 2019, "T", "all", 30),
                        (VANNES, 2019, "T", "all", 40)])
    den = observations([(FINISTERE, 2019, "T", "all", 100_000)])
    values = compute_indicator(_spec("commune", "department"), geography(), num, den).values
    assert _row(values, FINISTERE, "2019").numerator == 42
    row = _row(values, BRETAGNE, "2019")
    assert (row.numerator, row.denominator) == (42, 100_000)


# --- the real densite-dentistes inputs: DREES counts Mayotte's dentists in 2012-2013, INSEE has no Mayotte
# population before 2014 ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def france(data_dir):
    """France, its 18 regions and 101 departments (COG 2026) as a compute Geography."""
    regions = json.loads((data_dir / "cog/regions.json").read_text(encoding="utf-8"))
    departments = json.loads((data_dir / "cog/departements.json").read_text(encoding="utf-8"))
    region_id = {r["code"]: 100 + i for i, r in enumerate(regions)}
    rows = [(1, "country", "FR", None)]
    rows += [(region_id[r["code"]], "region", r["code"], 1) for r in regions]
    rows += [(1000 + i, "department", d["code"], region_id[d["region"]]) for i, d in enumerate(departments)
             if d["region"] in region_id]
    areas = pd.DataFrame(rows, columns=["id", "level", "code", "parent_id"]).assign(area_km2=np.nan)
    return Geography(areas, pd.DataFrame(columns=["commune_id", "area_id"], dtype="int64"))


def _department_obs(long: pd.DataFrame, geo: Geography) -> pd.DataFrame:
    ids = geo.areas[geo.areas.level == "department"].set_index("code")["id"]
    return pd.DataFrame({"area_id": long["area_code"].map(ids).astype("int64"),
                         "period": long["period"].astype("int64"), "sex": long["sex"].astype(str),
                         "age_band": long["age_band"].astype(str), "value": long["value"].astype(float),
                         "category": ""})


def test_france_2012_densite_dentistes_leaves_mayotte_out_of_both_sums(data_dir, france):
    entry = next(e for e in read_catalog()[0] if e["code"] == "densite-dentistes")
    spec = IndicatorSpec(entry["code"], entry["method"], "department", denominator_level="department",
                         numerator_filter=DataFilter.from_dict(entry["numerator"]),
                         denominator_filter=DataFilter.from_dict(entry["denominator"]),
                         multiplier=entry["multiplier"], numerator_dataset="drees-dentistes",
                         denominator_dataset="insee-population")
    dentists = read_drees(data_dir / DREES_FILES["dentistes"])[0]
    population = read_insee_population(data_dir / INSEE_POPULATION)
    population = population[population.age_band.eq("all") & population.period.astype(int).between(2012, 2020)]
    assert dentists[dentists.area_code.eq("976") & dentists.period.isin(["2012", "2013"])].shape[0] == 2
    assert population[population.area_code.eq("976") & population.period.isin(["2012", "2013"])].empty

    result = compute_indicator(spec, france, _department_obs(dentists, france), _department_obs(population, france))
    values, counts = result.values, dentists.assign(value=dentists.value.astype(float))
    for period in ("2012", "2013", "2014"):
        with_population = set(population.loc[population.period.eq(period) & population.sex.eq("T"), "area_code"])
        expected_num = counts.loc[counts.period.eq(period) & counts.area_code.isin(with_population), "value"].sum()
        expected_den = population.loc[population.period.eq(period) & population.sex.eq("T"), "value"].astype(float).sum()
        row = _row(values, 1, period)
        assert (row.numerator, row.denominator) == (expected_num, expected_den)
        assert row.value == pytest.approx(expected_num / expected_den * 100_000)
    mayotte_2012 = counts.loc[counts.period.eq("2012") & counts.area_code.eq("976"), "value"].item()
    all_2012 = counts.loc[counts.period.eq("2012"), "value"].sum()
    assert _row(values, 1, "2012").numerator == all_2012 - mayotte_2012
    assert _row(values, 1, "2014").numerator == counts.loc[counts.period.eq("2014"), "value"].sum()
    assert any("976" in note and "left out" in note for note in result.notes)
