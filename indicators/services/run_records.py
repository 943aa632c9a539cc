"""Bookkeeping of Run rows: log lines, finished stages (timings and progress), failure, the Celery task id.

Every writer of a run (the services, the reaper in run_guard, the Celery tasks) records through these
functions, which depend on the models only, so none of those modules needs another to note what happened.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from indicators.models import Indicator, Run

logger = logging.getLogger(__name__)

# Share of one indicator's progress reached at the end of each stage.
STAGE_SHARE = {"load": 0.25, "compute": 0.8, "write": 1.0}
LOG_TAIL_LINES = 30


def run_log(run_id: int, line: str) -> None:
    """Append a timestamped line to the run's log (also a heartbeat)."""
    with transaction.atomic():
        run = Run.objects.select_for_update().get(pk=run_id)
        run.log += f"{timezone.now():%H:%M:%S} {line}\n"
        run.heartbeat_at = timezone.now()
        run.save(update_fields=["log", "heartbeat_at"])


def run_stage(run_id: int, indicator: Indicator, stage: str, seconds: float, *, detail=None, message=None,
              facts=None) -> None:
    """Record a finished stage: timings, progress (0..1 over all indicators) and a log line, atomically."""
    with transaction.atomic():
        run = Run.objects.select_for_update().get(pk=run_id)
        timings = run.timings or {}
        per = timings.setdefault("indicators", {}).setdefault(indicator.code, {})
        per[stage] = round(seconds, 3)
        if detail:
            per.update({f"compute.{k}": v for k, v in detail.items()})
        if facts:  # counts, not seconds (e.g. the cells each disclosure rule withheld)
            per.update(facts)
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


def run_fail_with(run_id: int, exc: BaseException) -> None:
    """The run failed because of ``exc``: one wording whether a worker or this process executed it."""
    run_fail(run_id, f"{type(exc).__name__}: {exc}")


def log_tail(run: Run, lines: int = LOG_TAIL_LINES) -> list[str]:
    return run.log.splitlines()[-lines:]


PUBLIC_LOG_LINES = 20
PUBLIC_LINE_CHARS = 200
_DUMP_MARKER = "; class breaks"


def public_log_tail(run: Run, lines: int = PUBLIC_LOG_LINES) -> list[str]:
    """The tail the public API shows: progress lines without the per-map class-break dumps (tens of KB per
    indicator), each line cut to PUBLIC_LINE_CHARS."""
    tail = []
    for line in run.log.splitlines()[-lines:]:
        line = line.split(_DUMP_MARKER, 1)[0]
        tail.append(line if len(line) <= PUBLIC_LINE_CHARS else line[:PUBLIC_LINE_CHARS - 1] + "…")
    return tail


def celery_task_id_set(run_id: int, task_id: str) -> None:
    Run.objects.filter(pk=run_id).update(celery_task_id=task_id)
