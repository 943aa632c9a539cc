"""The engine end to end on PostgreSQL + Redis with real ``celery worker`` processes.

Runs only in the server pass (make test-postgres). To kill a worker mid-run deterministically, the slow
worker runs the test-only Celery module tests/integration/slow_worker.py, whose indicator task pauses after
computing and before writing its values; production code has no such hook.
"""

import subprocess
import sys
import time

import pytest
from rest_framework.test import APIClient

from indicators.models import IndicatorPublication, Run, Value
from indicators.services import runs
from indicators.services.datasets import dataset_import
from tests.conftest import ROOT
from tests.indicators.compute_cast import build_engine_cast, run_operator, write_engine_csvs
from tests.integration.conftest import http, server_env, session_headers

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _analyst():
    user = run_operator()
    client = APIClient()
    client.force_authenticate(user)
    return client


def _wait_for_run(run_id, predicate, timeout=120.0) -> Run:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = Run.objects.get(pk=run_id)
        if predicate(run):
            return run
        time.sleep(0.3)
    raise AssertionError(f"run {run_id} did not reach the expected state in {timeout} s: {run.status} {run.log}")


def _snapshot(indicator):
    release = IndicatorPublication.objects.get(indicator=indicator).release_id
    rows = Value.objects.filter(indicator=indicator, release_id=release).values_list(
        "area__code", "period", "sex", "value", "lower_95", "upper_95", "suppressed", "cmp_france")
    return release, sorted(rows)


def test_an_imported_dataset_is_computed_by_the_worker_and_published(celery_worker_process, tmp_path):
    engine = build_engine_cast(observations=False)
    deaths_csv, population_csv = write_engine_csvs(tmp_path)
    assert dataset_import(engine.deaths, deaths_csv).ok
    assert dataset_import(engine.population, population_csv).ok
    client = _analyst()

    response = client.post("/api/v1/runs/", {"indicators": [engine.indicator.code]}, format="json")
    assert response.status_code == 201, response.content
    run = _wait_for_run(response.json()["id"], lambda r: r.status in ("succeeded", "failed"))
    assert run.status == "succeeded", run.error
    detail = client.get(f"/api/v1/runs/{run.pk}/").json()
    assert detail["progress"] == 1.0 and detail["release_published"]
    assert {"load", "compute", "write"} <= set(detail["timings"]["stages"])
    values = client.get(f"/api/v1/indicators/{engine.indicator.code}/values/",
                        {"level": "commune", "period": "2019", "sex": "T"}).json()
    # Vannes' women (6) are withheld; Brest and Vannes go with them (complementary suppression: Bretagne minus
    # Quimper gives their sum), Quimper stays.
    assert {r["area_code"]: (r["numerator"], r["flags"]["suppression"]) for r in values["results"]} == {
        "29019": (None, "complementary"), "29232": (115, None), "56260": (None, "complementary")}


def test_a_worker_killed_mid_run_is_reported_failed_and_leaves_the_published_release_intact(start_worker, settings):
    settings.ATLAS_RUN_LOST_AFTER = 3  # this process reaps; the worker's lock and heartbeat are the evidence
    engine = build_engine_cast()
    runs.run_execute(runs.run_create(codes=[engine.indicator.code]).pk)
    before = _snapshot(engine.indicator)
    client = _analyst()

    slow = start_worker("tests.integration.slow_worker")
    doomed = client.post("/api/v1/runs/", {"indicators": [engine.indicator.code]}, format="json").json()["id"]
    _wait_for_run(doomed, lambda r: f"{engine.indicator.code} compute" in r.log, timeout=90)
    time.sleep(4)  # alive past the threshold: the worker's lock alone keeps it "running"
    assert client.get(f"/api/v1/runs/{doomed}/").json()["status"] == "running"
    # A second run on the same indicator is refused while the first is alive.
    assert client.post("/api/v1/runs/", {"indicators": [engine.indicator.code]}, format="json").status_code == 409
    slow.kill()
    killed_at = time.monotonic()

    while True:
        detail = client.get(f"/api/v1/runs/{doomed}/").json()
        if detail["status"] != "running":
            break
        assert time.monotonic() - killed_at < 15, "the killed run is still reported running"
        time.sleep(0.3)
    assert detail["status"] == "failed" and detail["error"].startswith("worker lost (no heartbeat since "), detail
    assert not detail["release_published"]
    assert _snapshot(engine.indicator) == before
    assert not Run.objects.get(pk=doomed).release.published_at

    start_worker()
    response = client.post("/api/v1/runs/", {"indicators": [engine.indicator.code]}, format="json")
    assert response.status_code == 201, response.content  # the dead worker's lock died with its connection
    run = _wait_for_run(response.json()["id"], lambda r: r.status in ("succeeded", "failed"))
    assert run.status == "succeeded", run.error
    release, rows = _snapshot(engine.indicator)
    assert release == run.release_id != before[0]
    assert rows == before[1]
    # A redelivery of the killed task (acks_late; Redis redelivers after its visibility timeout) reaching a
    # live worker finds its run failed and does nothing.
    from indicators.tasks import indicator_compute_task

    redelivered = indicator_compute_task.apply_async(args=[doomed, engine.indicator.pk])
    assert redelivered.get(timeout=60) == 0
    lost = Run.objects.get(pk=doomed)
    assert lost.status == "failed" and lost.error.startswith("worker lost")
    assert not Value.objects.filter(release_id=lost.release_id).exists()


def test_with_redis_down_starting_a_run_fails_fast_while_reads_keep_working(private_redis, web_server):
    engine = build_engine_cast()
    runs.run_execute(runs.run_create(codes=[engine.indicator.code]).pk)
    headers = session_headers(run_operator())
    base = web_server(private_redis.url)
    values_url = f"{base}/api/v1/indicators/{engine.indicator.code}/values/?level=department"
    status, warm = http("GET", values_url)
    assert status == 200 and warm["count"] == 3 * 3 * 2, (status, warm)

    private_redis.stop()
    started = time.monotonic()
    status, body = http("POST", f"{base}/api/v1/runs/", {"indicators": [engine.indicator.code]}, headers=headers)
    assert time.monotonic() - started < 10
    assert status == 503 and "Redis" in body["detail"], (status, body)
    failed = Run.objects.order_by("-pk").first()
    assert failed.status == "failed" and "Redis" in failed.error

    status, read = http("GET", values_url)
    assert status == 200 and read["results"] == warm["results"]
    status, run = http("GET", f"{base}/api/v1/runs/{failed.pk}/")
    assert status == 200 and run["status"] == "failed" and "Redis" in run["error"]

    command = subprocess.run([sys.executable, "manage.py", "compute", engine.indicator.code], cwd=ROOT,
                             env=server_env(private_redis.url), capture_output=True, text=True, timeout=60)
    assert command.returncode != 0
    assert "Redis" in command.stderr
