"""Celery tasks of the engine (thin wrappers) and the Redis-tolerant cache."""

import socket
import time

import pytest
from django.conf import settings
from django.db import OperationalError

from config.cache import TolerantRedisCache
from indicators import tasks
from indicators.models import IndicatorPublication, Run
from indicators.services import run_records, runs
from tests.indicators.compute_cast import build_engine_cast

eager_only = pytest.mark.skipif(not settings.CELERY_TASK_ALWAYS_EAGER,
                                reason="in-process chord: the server pass runs it in tests/integration")


@pytest.fixture
def engine(db):
    return build_engine_cast()


@eager_only
def test_the_run_task_fans_out_per_indicator_and_publishes_in_process(engine):
    run = runs.run_create(codes=[engine.indicator.code])
    tasks.run_execute_task.apply(args=[run.pk])
    run.refresh_from_db()
    assert run.status == Run.Status.SUCCEEDED, run.error
    assert IndicatorPublication.objects.get(indicator=engine.indicator).release_id == run.release_id


@eager_only
def test_starting_a_run_without_redis_computes_it_in_process(transactional_db):
    engine = build_engine_cast()
    run = runs.run_start(codes=[engine.indicator.code])
    assert run.status == Run.Status.SUCCEEDED
    assert run.progress == 1.0


def test_a_failing_indicator_task_marks_its_run_failed_with_the_error(engine):
    engine.indicator.method = "life_expectancy"
    engine.indicator.save()
    run = runs.run_create(codes=[engine.indicator.code])
    result = tasks.indicator_compute_task.apply(args=[run.pk, engine.indicator.pk], throw=False)
    assert result.failed()
    run.refresh_from_db()
    assert run.status == Run.Status.FAILED
    assert "no age bands" in run.error and engine.indicator.code in run.error
    assert not IndicatorPublication.objects.exists()


def test_tasks_are_late_acked_retried_on_transient_errors_and_time_limited():
    for task in (tasks.run_execute_task, tasks.indicator_compute_task, tasks.run_publish_task):
        assert task.acks_late
        assert OperationalError in task.autoretry_for
        assert task.max_retries == 3 and task.retry_backoff
        assert 0 < task.soft_time_limit < task.time_limit


def test_publishing_a_failed_run_is_refused(engine):
    run = runs.run_create(codes=[engine.indicator.code])
    run_records.run_fail(run.pk, "boom")
    result = tasks.run_publish_task.apply(args=[run.pk], throw=False)
    assert result.failed()
    assert not IndicatorPublication.objects.exists()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_cache_answers_misses_quickly_when_redis_is_unreachable():
    cache = TolerantRedisCache(f"redis://127.0.0.1:{_closed_port()}/0",
                               {"OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}})
    started = time.monotonic()
    cache.set("k", "v")
    assert cache.get("k", "missing") == "missing"
    assert cache.add("k", "v") is False
    assert cache.get_many(["k"]) == {}
    assert time.monotonic() - started < 5


def test_after_one_timeout_a_hung_redis_is_skipped_without_waiting_on_every_call():
    with socket.socket() as listener:  # accepts connections, never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        cache = TolerantRedisCache(f"redis://127.0.0.1:{listener.getsockname()[1]}/0",
                                   {"OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}})
        cache.get("first")  # pays the timeout (and redis-py's retries) once
        started = time.monotonic()
        for i in range(20):
            assert cache.get(f"k{i}", "missing") == "missing"
            cache.set(f"k{i}", "v")
        assert time.monotonic() - started < 0.5  # 40 calls without a socket wait
