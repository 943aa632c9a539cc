"""manage.py demo_data end to end on the real files: Finistère 29, Guadeloupe 971 (whose 1990s INSEE estimates
stop at a single 90+ band) and Mayotte 976; every shipped indicator computed and published, then a second run
on unchanged files and definitions that writes nothing (content hashes)."""

from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

from django.db.models import Max

from geo.models import Area
from indicators.models import (
    Dataset, Indicator, IndicatorPublication, IndicatorStamp, Observation, Release, Run, SourceStamp, Upload, Value,
)
from indicators.services.reference import SOURCES
from indicators.selectors import indicator_value_list
from tests.geo.test_import_geography import wipe_geography

DEPARTMENTS = ["29", "971", "976"]
CATALOG = Path(__file__).resolve().parents[2] / "indicators" / "catalog" / "definitions"


def _shipped_codes() -> set[str]:
    return {i["code"] for path in CATALOG.glob("*.yaml") for i in yaml.safe_load(path.read_text())["indicators"]}


def _wipe_engine():
    for model in (Value, IndicatorPublication, IndicatorStamp, SourceStamp, Run, Release, Observation, Upload,
                  Indicator, Dataset):
        model.objects.all().delete()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, data_dir):
    with django_db_blocker.unblock():
        _wipe_engine()
        wipe_geography()
        outputs = []
        for _ in range(2):  # the second run must succeed too, and write nothing (idempotent demo)
            out, err = StringIO(), StringIO()
            call_command("demo_data", "--departments", ",".join(DEPARTMENTS), stdout=out, stderr=err)
            outputs.append((out.getvalue(), err.getvalue(), _snapshot()))
        yield outputs
        _wipe_engine()
        wipe_geography()


def _snapshot() -> dict:
    """Row counts and highest ids: a run that writes nothing leaves both as they were."""
    return {model.__name__: (model.objects.count(), model.objects.aggregate(Max("id"))["id__max"])
            for model in (Area, Dataset, Observation, Indicator, Run, Release, Value, IndicatorStamp)}


@pytest.fixture
def demo_db(demo, db):
    return demo


def _published(code, level="department", period="2020", sex="T"):
    indicator = Indicator.objects.get(code=code)
    return {v.area.code: v for v in indicator_value_list(indicator, level=level, period=period, sex=sex)}


def test_demo_data_publishes_every_shipped_indicator(demo_db):
    (first, _, _), (second, _, _) = demo_db
    assert "succeeded" in first and "nothing to compute" in second
    run = Run.objects.get()
    assert run.status == "succeeded"
    shipped = _shipped_codes()
    assert len(shipped) >= 50
    assert set(run.indicators.values_list("code", flat=True)) == shipped
    for code in shipped:
        publication = IndicatorPublication.objects.get(indicator__code=code)
        assert publication.release_id == run.release_id
        assert Value.objects.filter(indicator__code=code, release_id=publication.release_id,
                                    not_computable=False).exists(), code


def test_off_a_terminal_each_step_prints_one_line_when_done(demo_db):
    for _, stderr, _ in demo_db:
        lines = stderr.splitlines()
        steps = [line for line in lines if line.startswith("demo_data: ")]
        assert [s.split(" done in ")[0] for s in steps] == [
            "demo_data: step 1/4 geography", "demo_data: step 2/4 reference data", "demo_data: step 3/4 catalog",
            "demo_data: step 4/4 compute"]
        files = [line.split(" done in ")[0] for line in lines if line.startswith("import_reference_data: ")]
        assert files == [f"import_reference_data: step {i}/{len(SOURCES)} {name}"
                         for i, name in enumerate(SOURCES, start=1)]
        assert all(line.endswith(" s") for line in steps) and "\r" not in stderr


def test_the_second_run_on_unchanged_files_writes_nothing(demo_db):
    (_, _, after_first), (second, _, after_second) = demo_db
    assert after_first == after_second
    assert after_first["Observation"][0] > 10_000 and after_first["Value"][0] > 1000
    assert "geography: unchanged" in second
    assert second.count("unchanged since its last import (same sha256), skipped") == len(SOURCES) + 1  # + geography


def test_the_simulated_indicator_reaches_communes_and_epcis_and_says_so(demo_db):
    indicator = Indicator.objects.get(code="mortalite-simulee-communes")
    assert indicator.is_simulated
    levels = set(indicator_value_list(indicator, period="2019").values_list("area__level", flat=True))
    assert {"commune", "epci", "department", "region", "country"} <= levels
    assert not Indicator.objects.get(code="densite-medecins").is_simulated


def test_finistere_doctor_density_in_2020_is_plausible_with_its_interval(demo_db):
    finistere = _published("densite-medecins")["29"]
    assert 250 < finistere.value < 500  # France: ~340 doctors (all specialties) per 100,000
    assert finistere.lower_95 < finistere.value < finistere.upper_95
    assert finistere.lower_99_8 < finistere.lower_95
    assert finistere.numerator > 3000 and 850_000 < finistere.denominator < 950_000


def test_mayotte_is_published_with_fewer_doctors_and_a_dense_population(demo_db):
    doctors, density = _published("densite-medecins"), _published("densite-population")
    assert 0 < doctors["976"].value < doctors["29"].value
    assert 500 < density["976"].value < 1000  # ~290,000 inhabitants on 376 km²
    assert {"29", "971", "976"} <= set(density)


def test_guadeloupe_s_1990s_90_plus_band_is_counted_once(demo_db):
    share = _published("part-75-ans-et-plus", period="1995")["971"]
    population = Observation.objects.get(dataset__code="insee-population", area__code="971", period=1995, sex="T",
                                         age_band="all").value
    assert not share.not_computable
    assert share.denominator == population
    assert 2 < share.value < 6
    run = Run.objects.order_by("pk").last()
    assert "band sets differ" in run.log and "90+" in run.log
