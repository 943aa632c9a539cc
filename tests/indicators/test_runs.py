"""Runs on the database (both backends): manage.py compute --sync, publication, idempotence, locks, failures."""

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from indicators.models import IndicatorPublication, Run, Value
from indicators.selectors import indicator_value_list
from indicators.services import runs
from tests.indicators.compute_cast import build_engine_cast, locked_by_another_process


@pytest.fixture
def engine(db):
    return build_engine_cast()


def _published(indicator):
    return {(v.area.code, v.period, v.sex): v for v in indicator_value_list(indicator)}


def test_compute_sync_publishes_every_level_period_and_sex(engine, capsys):
    call_command("compute", engine.indicator.code, "--sync")
    assert "succeeded" in capsys.readouterr().out
    run = Run.objects.get()
    assert run.status == Run.Status.SUCCEEDED and run.progress == 1.0
    assert IndicatorPublication.objects.get(indicator=engine.indicator).release_id == run.release_id
    values = _published(engine.indicator)
    # 9 areas x 3 years x 3 sexes
    assert len(values) == 9 * 3 * 3
    quimper = values[("29232", "2019", "T")]
    assert quimper.numerator == 115 and quimper.suppression == ""
    assert quimper.value == pytest.approx(115 / quimper.denominator * 100000)
    vannes = values[("56260", "2019", "F")]
    assert vannes.suppressed and vannes.numerator is None and vannes.suppression == "primary"
    # Brest and Vannes are the only two communes of Bretagne outside Quimper: Brest's 230 would give
    # Vannes back (Bretagne - Quimper - Brest), so Brest goes too, by complementary suppression.
    brest = values[("29019", "2019", "T")]
    assert brest.suppressed and brest.numerator is None and brest.suppression == "complementary"
    assert values[("53", "2019", "T")].numerator == 391 and not values[("53", "2019", "T")].suppressed


def test_a_new_run_flips_the_publication_and_leaves_the_old_release_intact(engine):
    first = runs.run_execute(runs.run_create(codes=[engine.indicator.code]).pk)
    old = sorted(Value.objects.filter(release_id=first.release_id).values_list("area_id", "period", "sex", "value"))
    second = runs.run_execute(runs.run_create(codes=[engine.indicator.code]).pk)
    assert second.release_id != first.release_id
    assert IndicatorPublication.objects.get(indicator=engine.indicator).release_id == second.release_id
    again = sorted(Value.objects.filter(release_id=first.release_id).values_list("area_id", "period", "sex", "value"))
    assert again == old


def test_recomputing_an_indicator_into_the_same_release_replaces_its_values(engine):
    run = runs.run_create(codes=[engine.indicator.code])
    runs.run_begin(run.pk)
    first = runs.indicator_compute(run.pk, engine.indicator.pk)
    second = runs.indicator_compute(run.pk, engine.indicator.pk)
    assert first == second == Value.objects.filter(release_id=run.release_id).count()


def test_progress_timings_and_log_are_recorded_per_stage(engine):
    run = runs.run_execute(runs.run_create(codes=[engine.indicator.code]).pk)
    per = run.timings["indicators"][engine.indicator.code]
    assert {"load", "compute", "write"} <= set(per)
    assert set(run.timings["stages"]) == {"load", "compute", "write"}
    assert "class breaks" in run.log and "published release" in run.log


def test_unknown_codes_are_refused_by_name(engine):
    with pytest.raises(CommandError, match="unknown indicator code.*nope"):
        call_command("compute", "nope", "--sync")
    assert not Run.objects.exists()


def test_a_run_on_an_indicator_being_computed_is_refused(engine):
    with locked_by_another_process(engine.indicator.pk):
        with pytest.raises(runs.IndicatorLocked, match=engine.indicator.code):
            runs.run_create(codes=[engine.indicator.code])
    assert runs.run_create(codes=[engine.indicator.code]).status == Run.Status.PENDING


def test_a_failing_indicator_fails_the_run_and_keeps_the_published_release(engine):
    runs.run_execute(runs.run_create(codes=[engine.indicator.code]).pk)
    published = IndicatorPublication.objects.get(indicator=engine.indicator).release_id
    engine.indicator.method = "dsr"  # no age bands in the data
    engine.indicator.standard_population = "esp2013"
    engine.indicator.save()
    with pytest.raises(CommandError, match="no age bands"):
        call_command("compute", engine.indicator.code, "--sync")
    failed = Run.objects.order_by("-pk").first()
    assert failed.status == Run.Status.FAILED and "no age bands" in failed.error
    assert IndicatorPublication.objects.get(indicator=engine.indicator).release_id == published


def test_compute_all_runs_every_active_indicator(engine):
    other = build_engine_cast_second_indicator(engine)
    call_command("compute", "--all", "--sync")
    run = Run.objects.get()
    assert set(run.indicators.values_list("code", flat=True)) == {engine.indicator.code, other.code}
    assert IndicatorPublication.objects.filter(release_id=run.release_id).count() == 2


def build_engine_cast_second_indicator(engine):
    from indicators.models import Indicator

    return Indicator.objects.create(code="deces-effectif", label_fr="Décès", method="count",
                                    numerator_dataset=engine.deaths, pooling=3)


def test_a_category_filter_reads_only_that_category_from_the_database(engine):
    from indicators.models import Dataset, Indicator, Observation

    ald = Dataset.objects.create(code="ald", name="ALD", level="commune")
    brest = engine.areas["29019"]
    Observation.objects.bulk_create([
        Observation(dataset=ald, area=brest, period=2019, sex="T", age_band="all", category=c, value=v)
        for c, v in (("diabete", 4200), ("cancer", 3900))
    ])
    indicator = Indicator.objects.create(code="ald-diabete", label_fr="ALD diabète", method="count",
                                         numerator_dataset=ald, numerator_filter={"category": "diabete"})
    runs.run_execute(runs.run_create(codes=[indicator.code]).pk)
    assert _published(indicator)[("29019", "2019", "T")].value == 4200
    assert _published(indicator)[("FR", "2019", "T")].value == 4200


def test_values_written_by_parallel_copies_are_all_published(transactional_db, monkeypatch):
    from django.db import connection

    from indicators.services import releases

    if connection.vendor != "postgresql":
        pytest.skip("parallel binary COPY: PostgreSQL only")
    monkeypatch.setattr(releases, "PARALLEL_FROM", 1)
    engine = build_engine_cast()
    run = runs.run_execute(runs.run_create(codes=[engine.indicator.code]).pk)
    values = _published(engine.indicator)
    assert len(values) == 9 * 3 * 3 == Value.objects.filter(release_id=run.release_id).count()
    assert values[("29232", "2019", "T")].numerator == 115 and values[("29232", "2019", "T")].suppression == ""
    vannes, brest = values[("56260", "2019", "F")], values[("29019", "2019", "T")]
    assert vannes.suppressed and vannes.value is None and vannes.suppression == "primary"
    assert brest.suppressed and brest.numerator is None and brest.suppression == "complementary"


def _make_dsr_without_bands(indicator):
    indicator.method = "dsr"  # the cast's data has no age bands: compute raises
    indicator.standard_population = "esp2013"
    indicator.save()


@pytest.mark.skipif(not settings.CELERY_TASK_ALWAYS_EAGER, reason="embedded mode: tasks run in-process")
def test_in_process_a_failing_indicator_fails_the_run_like_a_worker_and_the_command_exits_1(transactional_db,
                                                                                            capsys):
    engine = build_engine_cast()
    runs.run_execute(runs.run_create(codes=[engine.indicator.code]).pk)
    published = IndicatorPublication.objects.get(indicator=engine.indicator).release_id
    _make_dsr_without_bands(engine.indicator)

    with pytest.raises(CommandError, match="failed: .*no age bands"):  # CommandError: exit status 1
        call_command("compute", engine.indicator.code)
    assert "enqueued" not in capsys.readouterr().out
    failed = Run.objects.order_by("-pk").first()
    assert failed.status == Run.Status.FAILED and failed.finished_at
    assert failed.error.startswith("ComputeError: ") and "no age bands" in failed.error
    assert not failed.release.published_at
    assert IndicatorPublication.objects.get(indicator=engine.indicator).release_id == published


@pytest.mark.skipif(not settings.CELERY_TASK_ALWAYS_EAGER, reason="embedded mode: tasks run in-process")
def test_in_process_an_unknown_standard_population_fails_the_run_through_the_api(transactional_db):
    from rest_framework.test import APIClient

    from tests.indicators.compute_cast import run_operator

    engine = build_engine_cast(method="dsr", standard_population="france")
    client = APIClient()
    client.force_authenticate(run_operator())
    response = client.post("/api/v1/runs/", {"indicators": [engine.indicator.code]}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "failed" and "unknown standard population" in body["error"]
    assert not body["release_published"] and not IndicatorPublication.objects.exists()
    # Its indicator is not blocked: the next run is accepted (and fails the same way).
    assert client.post("/api/v1/runs/", {"indicators": [engine.indicator.code]}, format="json").status_code == 201


def test_the_in_process_run_records_a_failure_as_a_worker_does(engine):
    _make_dsr_without_bands(engine.indicator)
    run = runs.run_execute(runs.run_create(codes=[engine.indicator.code]).pk)
    assert run.status == Run.Status.FAILED
    assert run.error.startswith("ComputeError: ") and "no age bands" in run.error
    assert not IndicatorPublication.objects.exists()
