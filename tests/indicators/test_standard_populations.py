"""The one list of standard populations: the catalog accepts exactly the codes compute can weight by."""

import pytest

from indicators.compute import ComputeError
from indicators.importing.insee_population import INSEE_POPULATION, insee_reference_population
from indicators.services import standard_populations as sp


def test_the_codes_are_esp2013_and_france_for_every_year_of_the_insee_file():
    codes = sp.standard_population_codes()
    assert codes == ["esp2013", *(f"france-{year}" for year in range(1975, 2022))]
    assert "france" not in codes


def test_the_accepted_forms_name_the_years_of_the_file():
    assert sp.accepted_forms() == "esp2013 or france-<year> (<year> from 1975 to 2021)"


def test_france_weights_are_the_insee_france_row_of_that_year(data_dir):
    weights = sp.standard_weights("france-2021")
    assert weights.sum() == 67_407_241 and weights.index[0] == "0-4" and weights.index[-1] == "95+"
    expected = insee_reference_population(data_dir / INSEE_POPULATION, 2021)["both"]
    assert list(weights) == list(expected)


def test_before_1990_france_is_the_metropolitan_row_the_file_holds():
    # The 1975-1989 sheets have no overseas department and no "France métropolitaine et DOM" row.
    assert sp.standard_weights("france-1975").sum() == 52_600_000


@pytest.mark.parametrize("code", ["france", "france-2030", "esp"])
def test_compute_refuses_an_unknown_code_with_the_accepted_forms(code):
    with pytest.raises(ComputeError, match=r"unknown standard population .* \(use esp2013 or france-<year> "
                                           r"\(<year> from 1975 to 2021\)\)"):
        sp.standard_weights(code)


def test_without_the_insee_file_only_esp2013_is_offered(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    assert sp.standard_population_codes() == ["esp2013"]
    assert "needs the INSEE population file" in sp.accepted_forms()
    with pytest.raises(ComputeError, match="unknown standard population 'france-2018'"):
        sp.standard_weights("france-2018")
