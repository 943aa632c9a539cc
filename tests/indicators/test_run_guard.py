"""Orphaned runs are reaped as failed, redelivered tasks of finished runs do nothing, and two runs on the same
indicator are never both accepted (both backends; the real SIGKILL case is in tests/integration)."""

import threading
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from indicators import tasks
from indicators.models import IndicatorPublication, Run, Value
from indicators.services import run_guard, runs
from tests.indicators.compute_cast import build_engine_cast, run_operator


@pytest.fixture
def engine(db):
    return build_engine_cast()


def _orphan(engine, seconds_ago=600) -> Run:
    """A run a worker began, then died without a word: heartbeat old, lock free."""
    run = runs.run_create(codes=[engine.indicator.code])
    runs.run_begin(run.pk)
    Run.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - timedelta(seconds=seconds_ago))
    return Run.objects.get(pk=run.pk)


@contextmanager
def executed_by_another_process(run_id):
    """The run lock as a live worker holds it (PostgreSQL: another session's shared lock)."""
    if connection.vendor != "postgresql":
        with run_guard.run_alive(run_id):
            yield
        return
    import psycopg

    settings = connection.settings_dict
    with psycopg.connect(host=settings["HOST"], port=settings["PORT"] or 5432, user=settings["USER"],
                         dbname=settings["NAME"], autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock_shared(%s, %s)", [run_guard.RUN_NAMESPACE, run_id])
        yield


def test_reading_an_orphaned_run_reports_it_failed_with_worker_lost(engine):
    run = _orphan(engine)
    body = APIClient().get(f"/api/v1/runs/{run.pk}/").json()
    assert body["status"] == "failed"
    assert body["error"].startswith("worker lost (no heartbeat since ")
    assert body["error"].endswith(f"{run.heartbeat_at.isoformat(timespec='seconds')})")
    assert not body["release_published"]


def test_a_run_whose_lock_is_held_or_heartbeat_recent_is_left_running(engine, settings):
    run = _orphan(engine)
    with executed_by_another_process(run.pk):
        Run.objects.filter(pk=run.pk).update(heartbeat_at=run.heartbeat_at)  # a long stage: no recent beat
        assert run_guard.runs_reap() == []
        assert Run.objects.get(pk=run.pk).status == Run.Status.RUNNING
    settings.ATLAS_RUN_LOST_AFTER = 3600
    assert run_guard.runs_reap() == []
    settings.ATLAS_RUN_LOST_AFTER = 60
    assert run_guard.runs_reap() == [run.pk]


def test_a_queued_run_gets_the_longer_pending_delay(engine, settings):
    run = runs.run_create(codes=[engine.indicator.code])
    Run.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - timedelta(seconds=600))
    settings.ATLAS_RUN_LOST_AFTER, settings.ATLAS_RUN_PENDING_LOST_AFTER = 60, 3600
    assert run_guard.runs_reap() == []
    settings.ATLAS_RUN_PENDING_LOST_AFTER = 300
    assert run_guard.runs_reap() == [run.pk]
    assert Run.objects.get(pk=run.pk).error.startswith("worker lost")


def test_the_admin_list_reaps_orphaned_runs(engine, admin_client):
    run = _orphan(engine)
    assert admin_client.get("/admin/indicators/run/").status_code == 200
    assert Run.objects.get(pk=run.pk).status == Run.Status.FAILED


def test_redelivered_tasks_of_a_reaped_run_do_nothing(engine):
    run = _orphan(engine)
    run_guard.runs_reap()
    tasks.run_execute_task.apply(args=[run.pk])
    assert tasks.indicator_compute_task.apply(args=[run.pk, engine.indicator.pk]).get() == 0
    run.refresh_from_db()
    assert run.status == Run.Status.FAILED and run.error.startswith("worker lost")
    assert not Value.objects.filter(release_id=run.release_id).exists()
    assert not IndicatorPublication.objects.exists()


def test_a_redelivered_task_of_a_succeeded_run_changes_nothing(engine):
    run = runs.run_execute(runs.run_create(codes=[engine.indicator.code]).pk)
    values = Value.objects.filter(release_id=run.release_id).count()
    tasks.run_execute_task.apply(args=[run.pk])
    assert tasks.indicator_compute_task.apply(args=[run.pk, engine.indicator.pk]).get() == 0
    assert tasks.run_publish_task.apply(args=[run.pk]).get() == run.release_id
    after = Run.objects.get(pk=run.pk)
    assert after.status == Run.Status.SUCCEEDED and after.log == run.log
    assert Value.objects.filter(release_id=run.release_id).count() == values


def test_a_second_run_on_an_indicator_already_queued_is_refused(engine):
    first = runs.run_create(codes=[engine.indicator.code])
    with pytest.raises(runs.IndicatorLocked, match=rf"{engine.indicator.code} is already in run {first.pk} \(pending\)"):
        runs.run_create(codes=[engine.indicator.code])
    with pytest.raises(CommandError, match=f"already in run {first.pk}"):
        call_command("compute", engine.indicator.code, "--sync")
    client = APIClient()
    client.force_authenticate(run_operator())
    response = client.post("/api/v1/runs/", {"indicators": [engine.indicator.code]}, format="json")
    assert response.status_code == 409 and f"run {first.pk}" in response.json()["detail"]
    assert Run.objects.count() == 1


def test_an_orphaned_run_does_not_block_a_new_one(engine):
    orphan = _orphan(engine)
    run = runs.run_create(codes=[engine.indicator.code])
    assert run.status == Run.Status.PENDING
    assert Run.objects.get(pk=orphan.pk).error.startswith("worker lost")


def test_two_concurrent_creations_accept_exactly_one_run(transactional_db):
    engine = build_engine_cast()
    outcomes = []
    if connection.vendor != "postgresql":  # SQLite serialises writers: one after the other
        for _ in range(2):
            try:
                outcomes.append(runs.run_create(codes=[engine.indicator.code]).pk)
            except runs.IndicatorLocked as exc:
                outcomes.append(exc)
    else:
        barrier = threading.Barrier(2)

        def create():
            try:
                barrier.wait(timeout=10)
                outcomes.append(runs.run_create(codes=[engine.indicator.code]).pk)
            except runs.IndicatorLocked as exc:
                outcomes.append(exc)
            finally:
                connection.close()  # this thread's own connection

        threads = [threading.Thread(target=create) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    accepted = [o for o in outcomes if isinstance(o, int)]
    refused = [o for o in outcomes if isinstance(o, runs.IndicatorLocked)]
    assert len(accepted) == 1 and len(refused) == 1, outcomes
    assert list(Run.objects.values_list("pk", flat=True)) == accepted
