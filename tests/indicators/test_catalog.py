"""The YAML catalog: the shipped definitions load on the reference datasets; bad definitions name file,
key and reason and load nothing; loading twice changes nothing."""

import textwrap

import pytest
from django.core.management import CommandError, call_command

from geo.models import Level
from indicators.catalog.loader import DEFINITIONS_DIR
from indicators.models import Dataset, Indicator
from indicators.services.reference_datasets import DATASETS
from indicators.services.catalog import CatalogInvalid, catalog_load

GOOD = """
indicators:
  - code: taux-test
    label_fr: Taux de test
    label_en: Test rate
    theme: test
    definition: Un taux.
    method: crude_rate
    numerator: {dataset: drees-medecins, sex: T}
    denominator: {dataset: insee-population, sex: T, age_min: 0, age_max: 74}
    multiplier: 100000
    polarity: high_is_good
    unit: pour 100 000
    source: DREES
    sheet:
      numerator: Médecins au 1er janvier
      denominator: Population de 0 à 74 ans
      population: Estimations Insee au 1er janvier
      levels: [department, region, country]
      periods: 2012-2020
      limits: Département d'inscription.
      source: {publisher: DREES, dataset: RPPS, licence: Licence Ouverte, vintage: "2020",
               url: "https://drees.solidarites-sante.gouv.fr/"}
"""


@pytest.fixture
def reference_datasets(db):
    for code, meta in DATASETS.items():
        Dataset.objects.create(code=code, name=code, level=meta.get("level", Level.DEPARTMENT))


def write(tmp_path, text, name="cat.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def test_the_shipped_catalog_loads_and_is_idempotent(reference_datasets):
    first = catalog_load()
    assert {i.code for i in first} >= {"densite-medecins", "densite-infirmiers", "densite-dentistes",
                                       "part-75-ans-et-plus", "part-moins-20-ans", "densite-population"}
    doctors = Indicator.objects.get(code="densite-medecins")
    assert (doctors.method, doctors.multiplier, doctors.polarity) == ("crude_rate", 100000.0, "high_is_good")
    assert doctors.numerator_dataset.code == "drees-medecins"
    assert doctors.denominator_filter == {"sex": "T", "age_min": None, "age_max": None, "category": None}
    assert doctors.catalog_file == "indicators/catalog/definitions/offre-de-soins.yaml"
    old = Indicator.objects.get(code="part-75-ans-et-plus")
    assert old.numerator_filter["age_min"] == 75 and old.label_en == "Share of people aged 75 and over"
    assert Indicator.objects.get(code="densite-population").denominator_dataset is None
    count, ids = Indicator.objects.count(), set(Indicator.objects.values_list("id", flat=True))
    catalog_load()
    assert Indicator.objects.count() == count and set(Indicator.objects.values_list("id", flat=True)) == ids


def test_loading_updates_an_edited_definition(reference_datasets, tmp_path):
    catalog_load(write(tmp_path, GOOD))
    catalog_load(write(tmp_path, GOOD.replace("multiplier: 100000", "multiplier: 1000")))
    assert Indicator.objects.get(code="taux-test").multiplier == 1000.0


@pytest.mark.parametrize(
    ("old", "new", "key", "reason"),
    [
        ("method: crude_rate", "method: magic", "taux-test.method", "unknown method 'magic'"),
        ("{dataset: drees-medecins, sex: T}", "{sex: T}", "taux-test.numerator.dataset", "missing dataset"),
        ("{dataset: drees-medecins, sex: T}", "{dataset: nope}", "taux-test.numerator.dataset", "unknown dataset 'nope'"),
        ("polarity: high_is_good", "polarity: up", "taux-test.polarity", "bad polarity 'up'"),
        ("multiplier: 100000", "multiplier: 0", "taux-test.multiplier", "multiplier must be a number > 0"),
        ("multiplier: 100000", "multiplier: -5", "taux-test.multiplier", "multiplier must be a number > 0"),
        ("method: crude_rate", "method: dsr", "taux-test.standard_population", "method dsr needs a standard population"),
        ("drees-medecins, sex: T}", "drees-medecins, sex: X}", "taux-test.numerator.sex", "unknown sex 'X'"),
        ("multiplier: 100000", "multiplier: 1\n    pooling: 2", "taux-test.pooling", "pooling must be 1, 3 or 5"),
        ("age_min: 0, age_max: 74", "age_min: 80, age_max: 74", "taux-test.denominator.age_max", "age_max 74 is below"),
        ("    unit: pour 100 000\n", "", "taux-test.unit", "missing"),
        ("theme: test", "theme: test\n    colour: red", "taux-test.colour", "unknown key"),
    ],
)
def test_a_bad_definition_names_file_key_and_reason(reference_datasets, tmp_path, old, new, key, reason):
    path = write(tmp_path, GOOD.replace(old, new), "bad.yaml")
    with pytest.raises(CatalogInvalid) as caught:
        catalog_load(path)
    errors = caught.value.errors
    assert any(e.file == str(path) and e.key == key and e.reason.startswith(reason) for e in errors), errors
    assert not Indicator.objects.exists()


def test_one_bad_file_blocks_the_whole_directory(reference_datasets, tmp_path):
    write(tmp_path, GOOD, "a.yaml")
    write(tmp_path, "indicators: [ {code: broken} ]", "b.yaml")
    with pytest.raises(CommandError, match="nothing loaded"):
        call_command("load_catalog", str(tmp_path))
    assert not Indicator.objects.exists()


def test_duplicate_codes_across_files_are_refused(reference_datasets, tmp_path):
    write(tmp_path, GOOD, "a.yaml")
    write(tmp_path, GOOD, "b.yaml")
    with pytest.raises(CatalogInvalid, match="duplicate code"):
        catalog_load(tmp_path)


def test_unreadable_yaml_is_reported(reference_datasets, tmp_path):
    with pytest.raises(CatalogInvalid, match="unreadable YAML"):
        catalog_load(write(tmp_path, "indicators: [ {code: x"))


def test_the_command_reports_success(reference_datasets, capsys):
    call_command("load_catalog", str(DEFINITIONS_DIR / "population.yaml"))
    assert "12 indicator(s) loaded" in capsys.readouterr().out


DSR = GOOD.replace("method: crude_rate", "method: dsr")


@pytest.mark.parametrize("code", ["france", "france-1974", "france-2022", "esp2010", "FRANCE-2018"])
def test_it_refuses_a_standard_population_compute_does_not_know_and_lists_the_accepted_forms(
        reference_datasets, tmp_path, code):
    path = write(tmp_path, DSR + f"    standard_population: {code}\n")
    with pytest.raises(CatalogInvalid) as caught:
        catalog_load(path)
    reasons = [e.reason for e in caught.value.errors if e.key == "taux-test.standard_population"]
    assert reasons == [f"unknown standard population {code!r} (use esp2013 or france-<year> "
                       "(<year> from 1975 to 2021))"]
    assert not Indicator.objects.exists()


@pytest.mark.parametrize("code", ["esp2013", "france-1975", "france-2013", "france-2021"])
def test_it_accepts_every_standard_population_compute_can_weight_by(reference_datasets, tmp_path, code):
    from indicators.services.runs import indicator_spec

    catalog_load(write(tmp_path, DSR + f"    standard_population: {code}\n"))
    indicator = Indicator.objects.select_related("numerator_dataset", "denominator_dataset").get(code="taux-test")
    weights = indicator_spec(indicator).standard_weights
    assert weights is not None and weights.name == code and weights.gt(0).all()
