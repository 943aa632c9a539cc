"""Compute runs: create, dispatch, compute one indicator into the run's release, and execute a whole run.

A run owns an unpublished Release created with it. In server mode ``run_start`` enqueues the task
``indicators.run_execute`` by name (this module never imports indicators.tasks); the worker fans it out as a
chord (one task per indicator replacing that indicator's values in the release, then publication, see
indicators/tasks.py). In embedded mode, and for ``compute --sync``, ``run_execute`` runs the same steps in
this process and records a failure exactly as a worker's task does (indicators.services.run_records).
Two runs never compute the same indicator at once: see ``indicator_lock`` and docs/adr/0004-indicator-lock.md.
"""

from __future__ import annotations

import json
import logging
import os
import time
from contextlib import contextmanager

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from indicators.compute import ComputeError, DataFilter, IndicatorSpec, compute_indicator
from indicators.models import Indicator, Release, Run
from indicators.selectors import geography_frame, observation_frames
from indicators.services.queue import BROKER_ERRORS, PUBLISH_RETRY_POLICY
from indicators.services.releases import release_publish, release_values_replace
from indicators.services.run_guard import active_runs_on, run_alive
from indicators.services.run_records import celery_task_id_set, run_fail, run_fail_with, run_log, run_stage
from indicators.services.standard_populations import standard_weights

logger = logging.getLogger(__name__)

LOCK_NAMESPACE = 7_340_001  # pg advisory lock key space of indicator locks (first int of the pair)
LOCAL_LOCK_TTL = 6 * 3600
RUN_TASK = "indicators.run_execute"


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
    """Create a run and dispatch it once committed; a broker failure fails the run and raises at once."""
    run = run_create(codes=codes, all_active=all_active, user=user)
    try:
        with transaction.atomic():
            transaction.on_commit(lambda: run_dispatch(run.pk))
    except BROKER_ERRORS as exc:
        message = f"the task queue (Redis) is unreachable, the run was not started: {exc}"
        run_fail(run.pk, message)
        raise BrokerUnavailable(message) from exc
    run.refresh_from_db()
    return run


def run_dispatch(run_id: int) -> None:
    """Hand the run to a worker by task name (raises when the broker is unreachable), or run it here.

    ``send_task`` ignores CELERY_TASK_ALWAYS_EAGER, so embedded mode calls ``run_execute`` itself: in-process
    execution then has the same failure handling as a worker's.
    """
    if settings.CELERY_TASK_ALWAYS_EAGER:
        run_execute(run_id)
        return
    # ignore_result: the Run row is the job's record; without it, sending would also subscribe to the
    # result backend, one more Redis connection to wait on when Redis is in trouble.
    result = current_app.send_task(RUN_TASK, args=[run_id], retry=True, retry_policy=PUBLISH_RETRY_POLICY,
                                   ignore_result=True)
    celery_task_id_set(run_id, result.id or "")


def run_begin(run_id: int) -> list[int]:
    """Mark the run running; return its indicator ids (none for a finished run: a redelivery does nothing)."""
    now = timezone.now()
    started = Run.objects.filter(pk=run_id, status__in=[Run.Status.PENDING, Run.Status.RUNNING]).update(
        status=Run.Status.RUNNING, started_at=now, progress=0.0, heartbeat_at=now)
    if not started:
        logger.info("run %s already finished: nothing to do", run_id)
        return []
    run_log(run_id, "started")
    return list(Run.objects.get(pk=run_id).indicators.order_by("code").values_list("pk", flat=True))


def run_execute(run_id: int) -> Run:
    """The whole run in this process (embedded mode, ``compute --sync``), no broker involved.

    Like a worker's task failure (RunTask.on_failure), any error marks the run failed with it and leaves the
    release unpublished; the run row, returned here, is the result.
    """
    try:
        with run_alive(run_id):
            indicator_ids = run_begin(run_id)
            for indicator_id in indicator_ids:
                indicator_compute(run_id, indicator_id)
            if indicator_ids:
                release_publish(run_id)
    except Exception as exc:  # noqa: BLE001 - the job's boundary, as a worker's: the error goes on the run
        logger.exception("run %s failed in this process", run_id)
        run_fail_with(run_id, exc)
    return Run.objects.get(pk=run_id)


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
        run_stage(run_id, indicator, "load", time.perf_counter() - started)
        started = time.perf_counter()
        try:
            # Handing the frames over (no reference kept here) lets the pipeline free them once cubed.
            result = compute_indicator(spec, geography, frames.pop(0), frames.pop() if frames else None)
        except ComputeError as exc:
            raise ComputeError(f"{indicator.code}: {exc}") from exc
        notes = [f"{indicator.code}: note: {note}" for note in result.notes]
        if result.disclosure:
            d = result.disclosure
            notes.append(f"{indicator.code}: disclosure control (threshold {d['threshold']}): {d['primary']} cells "
                         f"withheld by the primary rule, {d['complementary']} by complementary suppression, "
                         f"{d['masked_at_source']} masked at source, "
                         f"{d['published']} published")
        run_stage(run_id, indicator, "compute", time.perf_counter() - started, detail=result.timings,
                  message="\n".join(notes) or None, facts={"disclosure": result.disclosure})
        started = time.perf_counter()
        count = release_values_replace(run.release_id, indicator_id, result.values)
        run_stage(run_id, indicator, "write", time.perf_counter() - started,
               message=f"{indicator.code}: {count} values; class breaks {_breaks_summary(result.breaks)}")
    return count


def _breaks_summary(breaks: dict) -> str:
    return json.dumps(breaks, separators=(",", ":"))
