"""Compute runs: create, dispatch, compute one indicator into the run's release, fail, and progress.

A run owns an unpublished Release created with it. Each indicator is computed by its own task (a Celery
chord in server mode, a loop in ``compute --sync``) which replaces that indicator's values in the release;
the chord's callback publishes (indicators.services.releases.release_publish). Two runs never compute the
same indicator at once: see ``indicator_lock`` and docs/adr/0004-indicator-lock.md.
"""

from __future__ import annotations

import logging
import os
import time
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from indicators.compute import ComputeError, DataFilter, IndicatorSpec, compute_indicator
from indicators.models import Indicator, Release, Run
from indicators.selectors import geography_frame, observation_frames
from indicators.services.releases import release_publish, release_values_replace
from indicators.services.run_guard import active_runs_on, run_alive
from indicators.services.standard_populations import standard_weights

logger = logging.getLogger(__name__)

LOCK_NAMESPACE = 7_340_001  # pg advisory lock key space of indicator locks (first int of the pair)
LOCAL_LOCK_TTL = 6 * 3600
# Share of one indicator's progress reached at the end of each stage.
STAGE_SHARE = {"load": 0.25, "compute": 0.8, "write": 1.0}
LOG_TAIL_LINES = 30


class RunError(Exception):
    """A run cannot be started; the message is for the user."""


class IndicatorLocked(RunError):
    """An indicator is being computed, or is in another pending/running run (API 409, command exit 1)."""


class BrokerUnavailable(RunError):
    pass


def indicator_spec(indicator: Indicator) -> IndicatorSpec:
    return IndicatorSpec(
        code=indicator.code,
        method=indicator.method,
        numerator_level=indicator.numerator_dataset.level,
        numerator_filter=DataFilter.from_dict(indicator.numerator_filter),
        denominator_level=indicator.denominator_dataset.level if indicator.denominator_dataset_id else None,
        denominator_filter=DataFilter.from_dict(indicator.denominator_filter),
        multiplier=indicator.multiplier,
        standard_weights=standard_weights(indicator.standard_population),
        pooling=indicator.pooling,
        polarity=indicator.polarity,
        disclosure_threshold=indicator.disclosure_threshold,
        unreliable_below=indicator.unreliable_below,
        numerator_dataset=indicator.numerator_dataset.code,
        denominator_dataset=indicator.denominator_dataset.code if indicator.denominator_dataset_id else "",
    )


def _indicators_for(codes: list[str] | None, all_active: bool) -> list[Indicator]:
    if all_active:
        indicators = list(Indicator.objects.filter(is_active=True).order_by("code"))
        if not indicators:
            raise RunError("no active indicator to compute")
        return indicators
    codes = list(dict.fromkeys(codes or []))
    if not codes:
        raise RunError("name at least one indicator code, or ask for all of them")
    found = {i.code: i for i in Indicator.objects.filter(code__in=codes)}
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise RunError(f"unknown indicator code(s): {', '.join(unknown)}")
    return [found[c] for c in codes]


@contextmanager
def indicator_lock(indicator_ids: list[int]):
    """Hold the compute lock of these indicators, or raise IndicatorLocked at once (never waits).

    PostgreSQL: session advisory locks, released explicitly and by the server if the worker dies
    (a SIGKILLed worker never leaves a stale lock). Elsewhere (embedded mode, one process): cache.add.
    """
    held = []
    try:
        for indicator_id in sorted(indicator_ids):
            if not _try_lock(indicator_id):
                code = Indicator.objects.filter(pk=indicator_id).values_list("code", flat=True).first()
                raise IndicatorLocked(f"indicator {code} is being computed by another run; try again when it ends")
            held.append(indicator_id)
        yield
    finally:
        for indicator_id in held:
            _unlock(indicator_id)


def _try_lock(indicator_id: int) -> bool:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_NAMESPACE, indicator_id])
            return bool(cursor.fetchone()[0])
    return cache.add(f"atlas:indicator-lock:{indicator_id}", os.getpid(), LOCAL_LOCK_TTL)


def _unlock(indicator_id: int) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, indicator_id])
    else:
        cache.delete(f"atlas:indicator-lock:{indicator_id}")


def run_create(*, codes: list[str] | None = None, all_active: bool = False, user=None) -> Run:
    """A pending run and its unpublished release; refused while another run covers one of its indicators.

    The indicator rows are locked (select_for_update) while checking for active runs and creating this
    one, so of two concurrent requests on the same indicator exactly one is accepted (ADR 0004).
    """
    indicators = _indicators_for(codes, all_active)
    with indicator_lock([i.pk for i in indicators]):  # a probe: refuse now rather than fail later
        pass
    with transaction.atomic():
        ids = list(Indicator.objects.select_for_update().filter(pk__in=[i.pk for i in indicators])
                   .order_by("pk").values_list("pk", flat=True))
        _refuse_overlap(ids)
        release = Release.objects.create(note="")
        run = Run.objects.create(requested_by=user if getattr(user, "is_authenticated", False) else None,
                                 release=release, heartbeat_at=timezone.now())
        run.indicators.set(indicators)
        release.note = f"run {run.pk}: {', '.join(i.code for i in indicators)}"
        release.save(update_fields=["note"])
    return run


def _refuse_overlap(indicator_ids: list[int]) -> None:
    other = active_runs_on(indicator_ids).first()
    if other is not None:
        shared = other.indicators.filter(pk__in=indicator_ids).order_by("code").values_list("code", flat=True)
        raise IndicatorLocked(f"indicator {', '.join(shared)} is already in run {other.pk} ({other.status}); "
                              "try again when it ends")


def run_start(*, codes: list[str] | None = None, all_active: bool = False, user=None) -> Run:
    """Create a run and enqueue it once committed; a broker failure fails the run and raises at once."""
    from indicators.tasks import BROKER_ERRORS, run_dispatch  # tasks import this module

    run = run_create(codes=codes, all_active=all_active, user=user)
    try:
        with transaction.atomic():
            transaction.on_commit(lambda: run_dispatch(run.pk))
    except BROKER_ERRORS as exc:
        message = f"the task queue (Redis) is unreachable, the run was not started: {exc}"
        run_fail(run.pk, message)
        raise BrokerUnavailable(message) from exc
    except Exception as exc:  # noqa: BLE001
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            raise
        # Embedded mode runs the tasks inside on_commit: their failure is already on the run row.
        logger.info("run %s failed in-process: %s", run.pk, exc)
    run.refresh_from_db()
    return run


def run_begin(run_id: int) -> list[int]:
    """Mark the run running; return its indicator ids (none for a finished run: a redelivery does nothing)."""
    now = timezone.now()
    started = Run.objects.filter(pk=run_id, status__in=[Run.Status.PENDING, Run.Status.RUNNING]).update(
        status=Run.Status.RUNNING, started_at=now, progress=0.0, heartbeat_at=now)
    if not started:
        logger.info("run %s already finished: nothing to do", run_id)
        return []
    _log(run_id, "started")
    return list(Run.objects.get(pk=run_id).indicators.order_by("code").values_list("pk", flat=True))


def run_execute_sync(run_id: int) -> Run:
    """The whole run in this process (``manage.py compute --sync``): no broker involved."""
    try:
        with run_alive(run_id):
            indicator_ids = run_begin(run_id)
            for indicator_id in indicator_ids:
                indicator_compute(run_id, indicator_id)
            if indicator_ids:
                release_publish(run_id)
    except Exception as exc:
        run_fail(run_id, str(exc))
        raise
    return Run.objects.get(pk=run_id)


def _test_delay() -> None:
    """Test-only pause (seconds) so integration tests can kill a worker mid-run; unset in production."""
    delay = os.environ.get("ATLAS_TEST_TASK_DELAY")
    if delay:
        time.sleep(float(delay))


def indicator_compute(run_id: int, indicator_id: int) -> int:
    """Compute one indicator into the run's release (replacing any partial values). Returns the row count."""
    run = Run.objects.get(pk=run_id)
    indicator = Indicator.objects.select_related("numerator_dataset", "denominator_dataset").get(pk=indicator_id)
    if run.status in (Run.Status.FAILED, Run.Status.SUCCEEDED):  # a redelivered task of a finished run
        return 0
    with run_alive(run_id), indicator_lock([indicator_id]):
        started = time.perf_counter()
        spec = indicator_spec(indicator)
        requests = [(indicator.numerator_dataset_id, spec.numerator_filter.category)]
        if indicator.denominator_dataset_id:
            requests.append((indicator.denominator_dataset_id, spec.denominator_filter.category))
        frames = observation_frames(requests)
        geography = geography_frame()
        _stage(run_id, indicator, "load", time.perf_counter() - started)
        started = time.perf_counter()
        try:
            # Handing the frames over (no reference kept here) lets the pipeline free them once cubed.
            result = compute_indicator(spec, geography, frames.pop(0), frames.pop() if frames else None)
        except ComputeError as exc:
            raise ComputeError(f"{indicator.code}: {exc}") from exc
        _stage(run_id, indicator, "compute", time.perf_counter() - started, detail=result.timings,
               message="\n".join(f"{indicator.code}: note: {note}" for note in result.notes) or None)
        _test_delay()
        started = time.perf_counter()
        count = release_values_replace(run.release_id, indicator_id, result.values)
        _stage(run_id, indicator, "write", time.perf_counter() - started,
               message=f"{indicator.code}: {count} values; class breaks {_breaks_summary(result.breaks)}")
    return count


def _breaks_summary(breaks: dict) -> str:
    import json

    return json.dumps(breaks, separators=(",", ":"))


def _stage(run_id: int, indicator: Indicator, stage: str, seconds: float, *, detail=None, message=None) -> None:
    """Record a finished stage: timings, progress (0..1 over all indicators) and a log line, atomically."""
    with transaction.atomic():
        run = Run.objects.select_for_update().get(pk=run_id)
        timings = run.timings or {}
        per = timings.setdefault("indicators", {}).setdefault(indicator.code, {})
        per[stage] = round(seconds, 3)
        if detail:
            per.update({f"compute.{k}": v for k, v in detail.items()})
        per["done"] = STAGE_SHARE[stage]
        stages = timings.setdefault("stages", {})
        stages[stage] = round(stages.get(stage, 0.0) + seconds, 3)
        total = run.indicators.count() or 1
        run.progress = round(min(sum(v.get("done", 0) for v in timings["indicators"].values()) / total, 0.99), 4)
        run.timings = timings
        run.log += f"{timezone.now():%H:%M:%S} {indicator.code} {stage} {seconds:.2f}s\n"
        if message:
            run.log += f"{timezone.now():%H:%M:%S} {message}\n"
        run.heartbeat_at = timezone.now()
        run.save(update_fields=["timings", "progress", "log", "heartbeat_at"])


def _log(run_id: int, line: str) -> None:
    with transaction.atomic():
        run = Run.objects.select_for_update().get(pk=run_id)
        run.log += f"{timezone.now():%H:%M:%S} {line}\n"
        run.heartbeat_at = timezone.now()
        run.save(update_fields=["log", "heartbeat_at"])


def run_fail(run_id: int, error: str) -> None:
    """Mark the run failed with ``error``; its release stays unpublished (readers keep the old one)."""
    logger.error("run %s failed: %s", run_id, error)
    with transaction.atomic():
        run = Run.objects.select_for_update().get(pk=run_id)
        if run.status == Run.Status.SUCCEEDED:
            return
        if run.status == Run.Status.FAILED and run.error:
            return  # the first cause stays (e.g. "worker lost"), not a later task's consequence
        run.status, run.error, run.finished_at = Run.Status.FAILED, error[:5000], timezone.now()
        run.log += f"{run.finished_at:%H:%M:%S} failed: {error[:500]}\n"
        run.save(update_fields=["status", "error", "finished_at", "log"])


def log_tail(run: Run, lines: int = LOG_TAIL_LINES) -> list[str]:
    return run.log.splitlines()[-lines:]


def celery_task_id_set(run_id: int, task_id: str) -> None:
    Run.objects.filter(pk=run_id).update(celery_task_id=task_id)


def run_time_limit() -> int:
    return settings.CELERY_TASK_TIME_LIMIT
