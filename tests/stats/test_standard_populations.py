"""Standard populations: ESP 2013 constants, and the French reference population the statistics get as a
Series from the one reader of INSEE's xlsx (indicators.importing.insee_population)."""

import pandas as pd
import pytest

from indicators.importing.insee_population import (
    PopulationFileError, insee_population_row, insee_reference_population,
)
from indicators.stats import BandError, esp2013, population_weights
from indicators.stats.standard_populations import ESP2013_19_BANDS, INSEE_BANDS, LIFE_TABLE_BANDS
from tests.stats import oracle

XLSX = "population/estim-pop-dep-sexe-aq-1975-2021.xlsx"


def french_reference_population(path, year=2018, area="france", bands=None):
    """The France row of one year (the reader), each sex re-banded by the statistics when asked."""
    france = insee_reference_population(path, year, area)
    if bands is None:
        return france
    return pd.DataFrame({sex: population_weights(france[sex], bands) for sex in france.columns})


def test_esp2013_has_21_bands_summing_to_100000():
    esp = esp2013()
    assert len(esp) == 21 and esp.sum() == 100_000
    assert esp["0"] == 1000 and esp["1-4"] == 4000 and esp["90-94"] == 800 and esp["95+"] == 200


def test_esp2013_in_19_bands_is_the_r_package_esp2013_used_by_the_oracle(oracle_dir):
    dsr_rows = oracle.load(oracle_dir, "dsr.csv")
    r_esp2013 = next(r["standard_populations"] for r in dsr_rows if len(r["standard_populations"]) == 19)
    assert list(esp2013(ESP2013_19_BANDS)) == list(r_esp2013)


def test_esp2013_in_life_table_bands_merges_only_the_top_two():
    esp = esp2013(LIFE_TABLE_BANDS)
    assert esp["90+"] == 1000 and esp["0"] == 1000 and len(esp) == 20


@pytest.fixture(scope="module")
def france_2021(data_dir):
    return french_reference_population(data_dir / XLSX, 2021)


def test_france_2021_total_is_the_published_67407241(france_2021):
    assert france_2021["both"].sum() == 67_407_241
    assert list(france_2021.index) == list(INSEE_BANDS)


def test_the_2021_ditto_header_is_read_as_5_to_9(france_2021):
    assert "5-9" in france_2021.index and france_2021.loc["5-9", "both"] == 4_069_407


def test_sexes_add_up_to_both(france_2021):
    pd.testing.assert_series_equal(france_2021["male"] + france_2021["female"], france_2021["both"],
                                   check_names=False)


def test_default_year_2018_matches_the_france_row_total(data_dir):
    france = french_reference_population(data_dir / XLSX)
    assert france["both"].sum() == 66_992_159
    assert france["male"].sum() == 32_397_758 and france["female"].sum() == 34_594_401


def test_metropolitan_france_is_the_other_subtotal_row(data_dir):
    metro = french_reference_population(data_dir / XLSX, 2021, area="metropole")
    assert metro["both"].sum() == 67_407_241 - 2_171_398


def test_it_rebands_the_french_population_to_esp_19_bands(data_dir, france_2021):
    france19 = french_reference_population(data_dir / XLSX, 2021, bands=ESP2013_19_BANDS)
    assert france19.loc["90+", "both"] == france_2021.loc[["90-94", "95+"], "both"].sum()
    assert france19["both"].sum() == 67_407_241


def test_1990s_sheets_with_a_90_plus_top_band_are_read_from_their_own_header(data_dir):
    france = french_reference_population(data_dir / XLSX, 1995)
    assert list(france.index)[-1] == "90+"


def test_it_refuses_a_year_the_file_does_not_have(data_dir):
    with pytest.raises(PopulationFileError, match="no sheet for year 2030"):
        french_reference_population(data_dir / XLSX, 2030)


def test_it_refuses_a_row_label_that_is_not_there(data_dir):
    with pytest.raises(PopulationFileError, match="no row labelled 'Atlantis'"):
        insee_population_row(data_dir / XLSX, 2021, "Atlantis")


def test_population_weights_put_bands_in_age_order_and_reband_them():
    shuffled = pd.Series({"10+": 30.0, "0-4": 10.0, "5-9": 20.0})
    assert list(population_weights(shuffled)) == [10.0, 20.0, 30.0]
    assert population_weights(shuffled, ["0-9", "10+"]).to_dict() == {"0-9": 30.0, "10+": 30.0}


@pytest.mark.parametrize("population", [pd.Series({"0-4": 10.0, "10+": 5.0}),
                                        pd.Series({"0-4": -1.0, "5+": 5.0}),
                                        pd.Series({"0-4": float("nan"), "5+": 5.0})])
def test_population_weights_refuse_gaps_and_counts_that_are_not_counts(population):
    with pytest.raises(BandError):
        population_weights(population, name="test")
