"""The shipped catalog: 50+ real indicators over six themes, each with a complete metadata sheet that says
which population it uses; sheets are validated field by field; the declared levels and periods are the
ones the pipeline actually produces from the real files."""

import textwrap

import pytest
from django.utils import timezone

from indicators.catalog.loader import read_catalog
from indicators.catalog.sheets import SHEET_FIELDS, SOURCE_FIELDS, complete_sheet
from indicators.models import Dataset, Indicator, IndicatorPublication, Release
from indicators.selectors import indicator_sheet
from indicators.services.catalog import catalog_load
from indicators.services.reference import SOURCES
from indicators.services.reference_datasets import DATASETS

from . import real_frames as rf

THEMES = {"population", "mortalite", "ald", "offre-de-soins", "covid-hopital", "vaccination"}
REQUIRED = {
    "densite-medecins": "crude_rate", "densite-infirmiers": "crude_rate", "densite-dentistes": "crude_rate",
    "ald-prevalence-diabete": "crude_rate", "covid-taux-hospitalisation": "crude_rate",
    "covid-tsa-hospitalisation-region": "dsr", "covid-tsi-hospitalisation-region": "isr", "couverture-vaccinale-complete": "proportion",
    "surmortalite-2020": "ratio",
}


def shipped():
    entries, errors = read_catalog(None, set(SOURCES), ["esp2013"], "esp2013")
    assert not errors, "\n".join(map(str, errors))
    return entries


def test_the_catalog_holds_at_least_50_indicators_over_the_six_themes_with_unique_codes():
    entries = shipped()
    codes = [e["code"] for e in entries]
    assert len(codes) >= 50 and len(set(codes)) == len(codes)
    themes = {e["theme"] for e in entries}
    assert themes >= THEMES
    assert all(sum(e["theme"] == t for e in entries) >= 5 for t in THEMES)


def test_the_codes_outside_checks_read_exist_with_their_method():
    by_code = {e["code"]: e for e in shipped()}
    assert {code: by_code[code]["method"] for code in REQUIRED} == REQUIRED
    assert by_code["ald-prevalence-diabete"]["numerator"] == {"dataset": "cnam-ald", "category": "ALD8"}
    assert by_code["covid-tsa-hospitalisation-region"]["standard_population"] == "esp2013"
    assert by_code["surmortalite-2020"]["denominator"]["reference_periods"] == [2018, 2019]
    assert {e["method"] for e in by_code.values()} >= {"count", "crude_rate", "proportion", "dsr", "smr", "isr",
                                                       "ratio", "density", "published"}


@pytest.mark.parametrize("entry", shipped(), ids=lambda e: e["code"])
def test_every_sheet_field_is_present_and_not_empty(entry):
    sheet = complete_sheet(entry)
    for field in SHEET_FIELDS:
        assert sheet.get(field), f"{entry['code']}: sheet.{field} is empty"
    for field in SOURCE_FIELDS:
        assert str(sheet["source"].get(field) or "").strip(), f"{entry['code']}: sheet.source.{field} is empty"
    assert sheet["source"]["url"].startswith("https://")


@pytest.mark.parametrize("entry", shipped(), ids=lambda e: e["code"])
def test_every_sheet_says_which_population_the_figure_uses(entry):
    population = complete_sheet(entry)["population"]
    uses_insee = (entry.get("denominator") or {}).get("dataset") == "insee-population" or \
        entry["numerator"]["dataset"] == "insee-population"
    if uses_insee:
        assert "Estimations de population de l'Insee" in population and "populations légales du COG" in population
        assert "19 971,3" in population and "20 336,7" in population  # Paris on the home map vs the estimates
    else:
        assert population.startswith(("Aucune", "Population de référence publiée par Santé publique France",
                                       "Population protégée du régime général")) or (
            entry["numerator"]["dataset"].startswith("simulation-") and "populations légales" in population.lower())


SIMULATED = {code for code, meta in DATASETS.items() if meta.get("simulated")}


def test_every_indicator_built_on_simulated_data_says_so_in_its_labels_and_sheet():
    entries = [e for e in shipped() if {e["numerator"]["dataset"], (e.get("denominator") or {}).get("dataset")}
               & SIMULATED]
    assert {e["code"] for e in entries} == {"deces-simules-communes", "mortalite-simulee-communes"}
    for entry in entries:
        assert "(données simulées)" in entry["label_fr"] and "(simulated data)" in entry["label_en"]
        assert entry["definition"].startswith("Données simulées, non observées")
        assert entry["sheet"]["limits"].startswith("DONNÉES SIMULÉES : aucun de ces décès n'a été constaté")
        assert {"commune", "epci"} <= set(entry["sheet"]["levels"])
    others = [e for e in shipped() if e not in entries]
    assert not any("simul" in (e["label_fr"] + e["sheet"]["limits"]).lower() for e in others)


SHEET = """
indicators:
  - code: taux-test
    label_fr: Taux de test
    label_en: Test rate
    theme: test
    definition: Un taux.
    method: crude_rate
    numerator: {dataset: drees-medecins, sex: T}
    denominator: {dataset: insee-population, sex: T}
    polarity: none
    unit: "%"
    source: DREES
    sheet:
      numerator: Médecins
      denominator: Population
      population: Estimations Insee
      levels: [department]
      periods: "2020"
      limits: Aucune connue.
      source: {publisher: DREES, dataset: RPPS, licence: LO, vintage: "2020", url: "https://drees.fr/"}
"""


def errors_of(tmp_path, text):
    path = tmp_path / "cat.yaml"
    path.write_text(textwrap.dedent(text))
    _, errors = read_catalog(path, set(SOURCES), ["esp2013"], "esp2013")
    return {(e.key, e.reason) for e in errors}


def test_a_complete_sheet_passes(tmp_path):
    assert errors_of(tmp_path, SHEET) == set()


@pytest.mark.parametrize(("old", "new", "key", "reason"), [
    ("      limits: Aucune connue.\n", "", "taux-test.sheet.limits", "missing or empty"),
    ("limits: Aucune connue.", "limits: ''", "taux-test.sheet.limits", "missing or empty"),
    ("levels: [department]", "levels: []", "taux-test.sheet.levels", "missing or empty"),
    ("levels: [department]", "levels: [canton]", "taux-test.sheet.levels", "unknown level 'canton' (one of"),
    ("vintage: \"2020\", ", "", "taux-test.sheet.source.vintage", "missing or empty"),
    ("https://drees.fr/", "http://drees.fr/", "taux-test.sheet.source.url", "not an https URL"),
    ("      population: Estimations Insee\n", "", "taux-test.sheet.population", "missing or empty"),
    ("      periods: \"2020\"\n", "      periods: \"2020\"\n      colour: red\n", "taux-test.sheet.colour",
     "unknown key"),
    ("sex: T}\n    polarity", "sex: T, reference_periods: 2018}\n    polarity", "taux-test.denominator.reference_periods",
     "must be a non-empty list of years"),
    ("{dataset: drees-medecins, sex: T}", "{dataset: drees-medecins, carry_forward: true}",
     "taux-test.numerator.carry_forward", "unknown key"),
    ("sex: T}\n    polarity", "sex: T, carry_forward: yes please}\n    polarity", "taux-test.denominator.carry_forward",
     "must be true or false"),
])
def test_an_incomplete_sheet_or_a_bad_period_key_is_named(tmp_path, old, new, key, reason):
    assert old in SHEET
    found = errors_of(tmp_path, SHEET.replace(old, new))
    assert any(k == key and r.startswith(reason) for k, r in found), found


def test_an_entry_without_a_sheet_is_refused(tmp_path):
    found = errors_of(tmp_path, SHEET.split("    sheet:")[0])
    assert any(k == "taux-test.sheet" for k, _ in found), found


SAMPLE = ["densite-medecins", "part-75-ans-et-plus", "surmortalite-2020", "ald-prevalence-diabete",
          "ald-taux-standardise-cancers", "covid-taux-hospitalisation", "covid-hospitalisations",
          "covid-tsa-hospitalisation-region", "covid-icm-hospitalisation-region", "couverture-vaccinale-complete-12-17",
          "mortalite-simulee-communes"]


@pytest.mark.parametrize("code", SAMPLE)
def test_the_declared_levels_and_periods_are_those_computed_from_the_real_files(code):
    entry = next(e for e in shipped() if e["code"] == code)
    values = rf.compute_entry(entry)
    published = values[values["value"].notna()]
    assert set(published["level"]) == set(entry["sheet"]["levels"])
    periods = sorted(published["period"].unique())
    declared = entry["sheet"]["periods"]
    assert periods[0] in declared and periods[-1] in declared, (periods, declared)


@pytest.fixture
def loaded(db):
    for code, meta in DATASETS.items():
        Dataset.objects.create(code=code, name=code, level=meta.get("level", "department"),
                               simulated=meta.get("simulated", False))
    catalog_load()


def test_the_loaded_sheet_is_stored_and_read_with_the_date_of_last_computation(loaded):
    indicator = Indicator.objects.get(code="surmortalite-2020")
    sheet = indicator_sheet(indicator)
    assert sheet["ci_method"].startswith("Limites de Poisson exactes")
    assert sheet["source"]["url"] == "https://www.insee.fr/fr/statistiques/4487988"
    assert sheet["last_computed_at"] is None and sheet["simulated"] is False
    assert indicator_sheet(Indicator.objects.get(code="deces-simules-communes"))["simulated"] is True
    assert "lieu de décès, non au domicile" in sheet["limits"]
    published_at = timezone.now()
    IndicatorPublication.objects.create(indicator=indicator, release=Release.objects.create(published_at=published_at),
                                        published_at=published_at)
    assert indicator_sheet(indicator)["last_computed_at"] == published_at
    assert Indicator.objects.count() == len(shipped())
    assert Indicator.objects.get(code="covid-taux-hospitalisation").denominator_filter["carry_forward"] is True
