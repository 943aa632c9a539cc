"""A broker that hangs or is gone never hangs a request or a command (PostgreSQL + Redis pass).

The "silent" Redis accepts TCP connections and never answers: without socket timeouts every publish waits
forever. The web process and the command run as subprocesses so the configured Celery app is the real one.
"""

import subprocess
import sys
import time

import pytest

from indicators.models import Run
from tests.conftest import ROOT
from tests.indicators.compute_cast import build_engine_cast, run_operator
from tests.integration.conftest import closed_port_url, http, server_env, session_headers

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
HANG_GUARD = 15  # seconds; a guard against hangs, not a performance target


def test_with_a_silent_redis_starting_a_run_answers_503_at_once_and_blocks_nothing(silent_redis, web_server):
    engine = build_engine_cast()
    headers = session_headers(run_operator())
    base = web_server(silent_redis)

    for attempt in range(2):  # the failed run must not block the next one (no 409)
        started = time.monotonic()
        status, body = http("POST", f"{base}/api/v1/runs/", {"indicators": [engine.indicator.code]},
                            headers=headers, timeout=60)
        assert time.monotonic() - started < HANG_GUARD
        assert status == 503, (attempt, status, body)
        assert "Redis" in body["detail"] and "not started" in body["detail"]
        run = Run.objects.order_by("-pk").first()
        assert run.status == Run.Status.FAILED and "Redis" in run.error and run.finished_at
        assert not run.release.published_at
    assert Run.objects.count() == 2


def test_with_a_silent_redis_compute_exits_non_zero_within_seconds(silent_redis):
    engine = build_engine_cast()
    started = time.monotonic()
    command = subprocess.run([sys.executable, "manage.py", "compute", engine.indicator.code], cwd=ROOT,
                             env=server_env(silent_redis), capture_output=True, text=True, timeout=120)
    assert time.monotonic() - started < HANG_GUARD, command.stderr
    assert command.returncode == 1, (command.stdout, command.stderr)
    assert "Redis" in command.stderr and "not started" in command.stderr
    run = Run.objects.get()
    assert run.status == Run.Status.FAILED and "Redis" in run.error
    assert not Run.objects.filter(status__in=[Run.Status.PENDING, Run.Status.RUNNING]).exists()


@pytest.mark.parametrize("redis", ["silent", "refused"])
def test_healthz_reports_redis_down_as_broker_and_cache_down_with_a_503(redis, silent_redis, web_server):
    base = web_server(silent_redis if redis == "silent" else closed_port_url())
    started = time.monotonic()
    status, body = http("GET", f"{base}/healthz", timeout=60)
    assert time.monotonic() - started < HANG_GUARD
    assert status == 503, body
    assert body == {"status": "down", "database": "up", "broker": "down", "cache": "down"}


def test_healthz_follows_redis_from_up_to_down(private_redis, web_server):
    base = web_server(private_redis.url)
    status, body = http("GET", f"{base}/healthz")
    assert status == 200 and body == {"status": "ok", "database": "up", "broker": "up", "cache": "up"}
    private_redis.stop()  # the same web process: the cache must not keep saying "up"
    status, body = http("GET", f"{base}/healthz", timeout=60)
    assert status == 503 and body == {"status": "down", "database": "up", "broker": "down", "cache": "down"}
