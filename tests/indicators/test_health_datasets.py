"""The real health files of DATA_DIR imported as datasets (CNAM ALD, SPF COVID-19, INSEE deaths) for the cast.

Through the same validated import as every dataset: the COM rows (977, 978) come back as skipped rows, CNAM's
"<10" stays masked (value NULL, never a number), a damaged file is refused naming file, line and field with
nothing written, and a second import of unchanged files writes nothing.
"""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Max

from indicators.importing.cnam_ald import CNAM_ALD, read_cnam_ald
from indicators.importing.insee_deaths import INSEE_DEATHS
from indicators.importing.spf_covid import SPF_FILES
from indicators.models import Dataset, Observation
from indicators.services.reference import SOURCES, reference_data_import, skipped_summary

from .engdata_cast import cast  # noqa: F401
from .source_copies import line_of

HEALTH = ["cnam-ald", "cnam-ald-taux", "spf-covid-hopital", "spf-covid-admissions-age", "spf-covid-vaccination",
          "insee-deces"]


def _by_code(outcomes):
    return {o.dataset: o for o in outcomes}


@pytest.fixture
def imported(cast, data_dir):
    return _by_code(reference_data_import(data_dir, codes=HEALTH))


def _mirror(data_dir, tmp_path, damaged: dict):
    """A DATA_DIR of symbolic links to the real files, with ``damaged`` {relative path: bytes} written instead."""
    for code in HEALTH:
        for relative in SOURCES[code][0]:
            target = tmp_path / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            if relative in damaged:
                target.write_bytes(damaged[relative])
            elif not target.exists():
                target.symlink_to(data_dir / relative)
    return tmp_path


def test_every_health_source_becomes_its_dataset_with_publisher_licence_vintage_and_page(imported):
    assert all(imported[code].result.ok for code in HEALTH), {c: o.result.report for c, o in imported.items()}
    for code in HEALTH:
        dataset = Dataset.objects.get(code=code)
        assert dataset.publisher and dataset.vintage and dataset.description, code
        assert dataset.licence == "Licence Ouverte / Etalab 2.0" and dataset.url.startswith("https://"), code
        assert not dataset.simulated and len(dataset.source_hash) == 64, code
    assert Dataset.objects.get(code="spf-covid-admissions-age").level == "region"
    assert Dataset.objects.get(code="cnam-ald").publisher == "Assurance Maladie (CNAM)"


def test_cnam_counts_keep_the_published_figure_and_the_masked_ones_stay_null(imported, data_dir):
    raw, _ = read_cnam_ald(data_dir / CNAM_ALD, "counts")
    diabetes = raw.query("area_code == '29' and category == 'ALD8'")["value"].iloc[0]
    stored = Observation.objects.get(dataset__code="cnam-ald", area__code="29", category="ALD8")
    assert stored.value == float(diabetes) and not stored.masked and stored.period == 2019
    masked_raw = raw[raw["masked"] & raw["area_code"].isin(["29", "2A", "976", "75", "01"])]
    masked = Observation.objects.filter(dataset__code="cnam-ald", masked=True)
    assert masked.count() == len(masked_raw) > 0
    assert not masked.filter(value__isnull=False).exists()
    assert Observation.objects.filter(dataset__code="cnam-ald", value__isnull=True).count() == masked.count()
    assert set(masked.values_list("area__code", "category")) == set(zip(masked_raw["area_code"],
                                                                       masked_raw["category"]))


def test_cnam_standardised_rates_are_stored_as_published(imported, data_dir):
    raw, _ = read_cnam_ald(data_dir / CNAM_ALD, "rates")
    published = float(raw.query("area_code == '2A' and category == 'ALD8'")["value"].iloc[0])
    assert Observation.objects.get(dataset__code="cnam-ald-taux", area__code="2A", category="ALD8").value == published
    assert not Observation.objects.filter(dataset__code="cnam-ald-taux", masked=True).exists()


def test_spf_and_insee_datasets_hold_the_readers_categories_for_the_cast(imported):
    hospital = Observation.objects.filter(dataset__code="spf-covid-hopital")
    assert set(hospital.values_list("category", flat=True)) == {
        "hospitalisations", "reanimations", "deces-hopital", "retours-domicile"}
    assert set(hospital.values_list("period", flat=True)) == {2020, 2021, 2022, 2023}
    ages = Observation.objects.filter(dataset__code="spf-covid-admissions-age", area__code="53")
    assert {"0-9", "80-89", "90+", "all"} <= set(ages.values_list("age_band", flat=True))
    vaccination = Observation.objects.filter(dataset__code="spf-covid-vaccination", area__code="29")
    assert set(vaccination.filter(age_band="all").values_list("sex", flat=True)) == {"T", "M", "F"}
    assert vaccination.filter(category="population-spf", age_band="80+").exists()
    deaths = Observation.objects.filter(dataset__code="insee-deces", area__code="29", period=2020)
    months = sum(deaths.exclude(category="mars-novembre").values_list("value", flat=True))
    assert months == deaths.get(category="mars-novembre").value


def test_the_com_rows_are_reported_as_skipped_not_silently_dropped(imported, data_dir):
    hospital = skipped_summary(imported["spf-covid-hopital"].skipped)
    saint_martin = [r for r in hospital if r["value"] == "978"]
    first = line_of(data_dir / SPF_FILES["hospital_daily"], b'"978"')
    assert len(saint_martin) == 1 and saint_martin[0]["first"] == first and saint_martin[0]["rows"] > 1000
    assert "Saint-Martin" in saint_martin[0]["reason"]
    vaccination = {(r["file"], r["value"]) for r in skipped_summary(imported["spf-covid-vaccination"].skipped)}
    for name in (SPF_FILES["vaccination_age"].name, SPF_FILES["vaccination_sex"].name):
        assert {(name, "977"), (name, "978")} <= vaccination
    assert not Observation.objects.filter(area__code__in=["977", "978"]).exists()


def test_the_command_prints_the_skipped_com_lines(cast, data_dir):
    out = StringIO()
    call_command("import_reference_data", "--only", "spf-covid-hopital", stdout=out, stderr=StringIO())
    text = out.getvalue()
    assert "spf-covid-hopital: " in text
    assert "skipped lines " in text and "'978' (collectivité d'outre-mer (Saint-Martin)" in text


def test_a_second_import_of_unchanged_files_writes_nothing(imported, data_dir):
    before = (Observation.objects.count(), Observation.objects.aggregate(Max("id"))["id__max"])
    again = reference_data_import(data_dir, codes=HEALTH)
    assert all(o.unchanged and o.result.ok for o in again)
    assert (Observation.objects.count(), Observation.objects.aggregate(Max("id"))["id__max"]) == before


def _refused(outcome, name: str, line: int, field: str):
    assert not outcome.result.ok
    error = outcome.result.report["errors"][0]
    assert outcome.result.report["file"] == name
    assert (error["line"], error["column"]) == (line, field), error
    assert name in error["reason"] and f"line {line}" in error["reason"] and f"field {field}" in error["reason"]


def test_a_truncated_hospital_file_is_refused_and_the_dataset_keeps_its_rows(imported, data_dir, tmp_path):
    path = SPF_FILES["hospital_daily"]
    data = (data_dir / path).read_bytes()
    cut = data[: len(data) // 2]
    mirror = _mirror(data_dir, tmp_path, {path: cut})
    before = list(Observation.objects.filter(dataset__code="spf-covid-hopital").values_list("id", "value"))
    outcome = _by_code(reference_data_import(mirror, codes=["spf-covid-hopital"]))["spf-covid-hopital"]
    _refused(outcome, path.name, cut.count(b"\n") + 1, "incid_rad")
    assert list(Observation.objects.filter(dataset__code="spf-covid-hopital").values_list("id", "value")) == before


@pytest.mark.parametrize("encoding", ["utf-16", "double-utf-8"])
def test_a_re_encoded_deaths_file_is_refused_and_nothing_is_written(cast, data_dir, tmp_path, encoding):
    source = (data_dir / INSEE_DEATHS).read_bytes()
    if encoding == "utf-16":
        damaged, line, field = source.decode("latin-1").encode("utf-16"), 1, "(encoding)"
    else:  # the Latin-1 file decoded as Windows-1252 then saved as UTF-8 twice: "août" becomes "aoÃ»t"
        damaged = source.decode("latin-1").encode("utf-8").decode("latin-1").encode("utf-8")
        line, field = line_of(data_dir / INSEE_DEATHS, "01-août".encode("latin-1")), "Date_evenement"
    mirror = _mirror(data_dir, tmp_path, {INSEE_DEATHS: damaged})
    outcome = _by_code(reference_data_import(mirror, codes=["insee-deces"]))["insee-deces"]
    _refused(outcome, INSEE_DEATHS.name, line, field)
    assert not Observation.objects.filter(dataset__code="insee-deces").exists()


def test_a_changed_vaccination_header_is_refused_and_nothing_is_written(cast, data_dir, tmp_path):
    path = SPF_FILES["vaccination_sex"]
    data = (data_dir / path).read_bytes().replace(b"n_tot_complet", b"n_tot_complete", 1)
    mirror = _mirror(data_dir, tmp_path, {path: data})
    outcome = _by_code(reference_data_import(mirror, codes=["spf-covid-vaccination"]))["spf-covid-vaccination"]
    _refused(outcome, path.name, 1, "n_tot_complet")
    assert not Observation.objects.filter(dataset__code="spf-covid-vaccination").exists()


def test_a_cnam_workbook_saved_as_latin_1_text_is_refused(cast, data_dir, tmp_path):
    text = "Code département;Nom du département\n29;Finistère\n".encode("latin-1")
    mirror = _mirror(data_dir, tmp_path, {CNAM_ALD: text})
    outcomes = _by_code(reference_data_import(mirror, codes=["cnam-ald", "cnam-ald-taux"]))
    for code in ("cnam-ald", "cnam-ald-taux"):
        _refused(outcomes[code], CNAM_ALD.name, 1, "(workbook)")
    assert not Observation.objects.filter(dataset__code__in=["cnam-ald", "cnam-ald-taux"]).exists()


def test_the_command_names_the_refused_file_and_fails(cast, data_dir, tmp_path):
    path = SPF_FILES["admissions_age"]
    data = (data_dir / path).read_bytes().replace(b"NewAdmHospit", b"NewAdm", 1)
    mirror = _mirror(data_dir, tmp_path, {path: data})
    err = StringIO()
    with pytest.raises(Exception) as caught:
        call_command("import_reference_data", "--only", "spf-covid-admissions-age", "--data-dir", str(mirror),
                     stdout=StringIO(), stderr=err)
    assert "spf-covid-admissions-age" in str(caught.value)
    assert f"{path.name} line 1, field NewAdmHospit" in err.getvalue()
    assert not Observation.objects.filter(dataset__code="spf-covid-admissions-age").exists()


def test_an_edited_description_reaches_the_dataset_row_without_re_importing(imported, data_dir):
    Dataset.objects.filter(code="cnam-ald").update(url="https://example.org/old", description="old")
    before = Observation.objects.aggregate(Max("id"))["id__max"]
    outcome = _by_code(reference_data_import(data_dir, codes=["cnam-ald"]))["cnam-ald"]
    dataset = Dataset.objects.get(code="cnam-ald")
    assert outcome.unchanged and dataset.url.startswith("https://www.assurance-maladie.ameli.fr/")
    assert "masqués" in dataset.description
    assert Observation.objects.aggregate(Max("id"))["id__max"] == before
