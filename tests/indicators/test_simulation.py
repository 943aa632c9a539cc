"""The simulated commune deaths (simulation-deces): seeded Poisson draws, labelled simulated wherever they go."""

import json

import numpy as np
import pandas as pd
import pytest

from indicators.importing.insee_deaths import INSEE_DEATHS, read_insee_deaths
from indicators.importing.insee_population import INSEE_POPULATION, read_insee_population
from indicators.importing.simulation import SEED, annual_national_deaths, simulate_deaths
from indicators.models import Dataset, Indicator, Observation, Value
from indicators.selectors import indicator_is_simulated, indicator_simulated_ids
from indicators.services import runs
from indicators.services.reference import COG_COMMUNES, reference_data_import

from .engdata_cast import cast  # noqa: F401

SIMULATED = ["simulation-population", "simulation-deces"]


@pytest.fixture(scope="module")
def inputs(data_dir):
    entries = [c for c in json.loads((data_dir / COG_COMMUNES).read_text()) if c["type"] == "commune-actuelle"
               and c["zone"] != "com"]
    communes = pd.DataFrame({"code": [c["code"] for c in entries], "department": [c["departement"] for c in entries],
                             "population": [c.get("population") or 0 for c in entries]})
    population = read_insee_population(data_dir / INSEE_POPULATION)
    deaths, _ = read_insee_deaths(data_dir / INSEE_DEATHS)
    return communes, population[population["period"] == "2021"], annual_national_deaths(deaths)


def test_the_same_seed_draws_the_same_deaths_and_another_seed_others(inputs):
    first, _ = simulate_deaths(*inputs)
    again, _ = simulate_deaths(*inputs)
    other, _ = simulate_deaths(*inputs, seed=SEED + 1)
    assert first.equals(again)
    assert not first["value"].equals(other["value"])
    # One year alone draws what it draws among all years (a stream per year).
    communes, population, national = inputs
    alone, _ = simulate_deaths(communes, population, {2019: national[2019]})
    assert alone["value"].tolist() == first.loc[first["period"] == "2019", "value"].tolist()


def test_france_s_simulated_deaths_match_insee_s_yearly_total_within_poisson_noise(inputs):
    deaths, _ = simulate_deaths(*inputs)
    totals = deaths.assign(value=deaths["value"].astype(int)).groupby("period")["value"].sum()
    for year, expected in inputs[2].items():
        assert abs(totals[str(year)] - expected) < 5 * np.sqrt(expected), year  # 5 sd of a Poisson sum


def test_commune_populations_add_up_to_the_cog_s_populations_legales(inputs):
    communes = inputs[0]
    _, people = simulate_deaths(*inputs)
    year = people[people["period"] == "2019"].assign(value=lambda f: f["value"].astype(int))
    assert year["value"].sum() == communes["population"].sum() == 68_350_798
    brest = year[year["area_code"] == "29019"]
    assert set(brest["sex"]) == {"M", "F"}
    assert brest["value"].sum() == int(communes.loc[communes["code"] == "29019", "population"].iloc[0])


def test_brest_gets_a_plausible_crude_death_rate(inputs):
    deaths, people = simulate_deaths(*inputs)
    brest = lambda f: f.query("area_code == '29019' and period == '2019'")["value"].astype(int).sum()  # noqa: E731
    assert 0.006 < brest(deaths) / brest(people) < 0.014  # France: about 0.9 % a year


@pytest.fixture
def simulated(cast, data_dir):
    outcomes = reference_data_import(data_dir, codes=SIMULATED)
    assert all(o.result.ok for o in outcomes), [o.result.report for o in outcomes]
    return outcomes


def test_the_simulated_datasets_are_flagged_and_say_donnees_simulees(simulated):
    for code in SIMULATED:
        dataset = Dataset.objects.get(code=code)
        assert dataset.simulated and dataset.level == "commune"
        assert "données simulées" in dataset.description
    deaths = Observation.objects.filter(dataset__code="simulation-deces")
    assert set(deaths.values_list("area__code", flat=True)) == {"29019", "29042", "2A004", "75056", "01004"}
    assert set(deaths.values_list("period", flat=True)) == {2018, 2019, 2020}
    assert any("collectivités d'outre-mer" in s["reason"] for s in simulated[0].skipped)


def test_an_indicator_of_simulated_data_is_simulated_in_the_model_and_the_admin(simulated, admin_client):
    indicator = Indicator.objects.create(
        code="mortalite-simulee", label_fr="Mortalité (simulée)", method="crude_rate", multiplier=100_000,
        numerator_dataset=Dataset.objects.get(code="simulation-deces"),
        denominator_dataset=Dataset.objects.get(code="simulation-population"))
    real = Indicator.objects.create(code="reel", label_fr="Réel", method="count",
                                    numerator_dataset=Dataset.objects.create(code="reel", name="Réel"))
    assert indicator.is_simulated and indicator_is_simulated(indicator)
    assert not real.is_simulated and not indicator_is_simulated(real)
    assert indicator_simulated_ids() == {indicator.pk}
    run = runs.run_execute(runs.run_create(codes=[indicator.code]).pk)
    assert run.status == "succeeded", run.error
    brest = Value.objects.get(indicator=indicator, area__code="29019", period="2019", sex="T")
    assert brest.value > 0 and brest.numerator > 0
    assert Value.objects.filter(indicator=indicator, area__level="department", area__code="29").exists()
    page = admin_client.get("/admin/indicators/dataset/?simulated__exact=1").content.decode()
    assert "simulation-deces" in page and "Données simulées" in page
    page = admin_client.get(f"/admin/indicators/indicator/{indicator.pk}/change/").content.decode()
    assert "Données simulées" in page
