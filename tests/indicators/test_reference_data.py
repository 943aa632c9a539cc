"""The real reference files of DATA_DIR converted into observations (Finistère, Corse-du-Sud, Mayotte)."""

import pandas as pd
import pytest
from django.core.management import call_command

from indicators.importing.reference import (
    DREES_FILES, INSEE_POPULATION, drees_code, read_drees, read_insee_population,
)
from indicators.models import Dataset, Observation

from .engdata_cast import cast  # noqa: F401


@pytest.fixture(scope="module")
def population(data_dir):
    return read_insee_population(data_dir / INSEE_POPULATION)


def test_the_2021_france_total_is_insee_s(population):
    total = population.query("period == '2021' and sex == 'T' and age_band == 'all'")
    assert len(total) == 101
    assert total["value"].astype(int).sum() == 67_407_241


def test_insee_bands_add_up_to_the_total_and_codes_stay_strings(population):
    finistere = population.query("period == '2021' and sex == 'F' and area_code == '29'")
    bands = finistere[finistere["age_band"] != "all"]["value"].astype(int).sum()
    assert bands == int(finistere.loc[finistere["age_band"] == "all", "value"].iloc[0])
    assert {"01", "2A", "2B", "976"} <= set(population["area_code"])
    assert not population["area_code"].isin(["France métropolitaine", "DOM", "1", "20"]).any()


def test_insee_open_top_band_of_the_1990s_overseas_is_90_plus(population):
    bands = set(population.query("period == '1995' and area_code == '971' and sex == 'T'")["age_band"])
    assert "90+" in bands and "95+" not in bands and "90-94" not in bands
    assert set(population.query("period == '1995' and area_code == '29'")["age_band"]) >= {"90-94", "95+"}


def test_mayotte_appears_in_2014(population):
    assert "976" not in set(population.query("period == '2013'")["area_code"])
    assert "976" in set(population.query("period == '2014'")["area_code"])


def test_drees_labels_become_department_codes():
    labels = pd.Series(["001 -Ain", "02A -Corse-du-Sud", "067- Bas-Rhin", "972 - Martinique", " Ensemble", "TRUE"])
    assert drees_code(labels).tolist()[:4] == ["01", "2A", "67", "972"]
    assert drees_code(labels).iloc[4:].isna().all()


def test_drees_thousands_are_parsed_and_footers_skipped(data_dir):
    doctors, skipped = read_drees(data_dir / DREES_FILES["medecins"])
    ain_2012 = doctors.query("area_code == '01' and period == '2012'")["value"].iloc[0]
    assert ain_2012 == "1194"
    assert doctors["area_code"].nunique() == 101 and len(doctors) == 101 * 9
    assert {s["value"].strip() for s in skipped} >= {"Ensemble", "TRUE"}
    dentists, skipped = read_drees(data_dir / DREES_FILES["dentistes"])
    assert "00" not in set(dentists["area_code"])
    assert any("COM ou Etranger" in s["value"] for s in skipped)


def test_the_command_imports_the_cast_departments(cast, data_dir, capsys):
    call_command("import_reference_data", "--departments", "29,2A,976")
    out = capsys.readouterr().out
    assert "insee-population:" in out and "drees-medecins: 27 observation(s), periods 2012-2020" in out
    population = Dataset.objects.get(code="insee-population")
    assert population.publisher == "Insee" and population.url.startswith("https://www.insee.fr")
    rows = Observation.objects.filter(dataset=population)
    assert set(rows.values_list("area__code", flat=True)) == {"29", "2A", "976"}
    assert not rows.filter(area__code="976", period__lt=2014).exists()
    brest_doctors = Observation.objects.get(dataset__code="drees-medecins", area__code="29", period=2020)
    assert brest_doctors.value > 2000 and brest_doctors.sex == "T" and brest_doctors.age_band == "all"
    before = Observation.objects.count()
    call_command("import_reference_data", "--departments", "29,2A,976")
    assert Observation.objects.count() == before
