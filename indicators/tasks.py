"""Celery tasks of the indicator engine: thin wrappers taking ids (the work is in indicators.services.runs).

The services enqueue ``indicators.run_execute`` by name; no module imports this one. A run fans out as a
chord: one ``indicator_compute_task`` per indicator writing into the run's unpublished release, then
``run_publish_task`` flipping the publication pointers in one transaction. Tasks are acks_late (a task lost
with its worker is redelivered), idempotent (an indicator task replaces its values), retried with
exponential backoff on transient database/broker errors, and time-limited. A failure that is not retried
(or no longer) is recorded by the same function as in-process execution (run_records.run_fail_with); it
lives in on_failure rather than in the task body so that a retried transient error does not fail the run.
"""

from __future__ import annotations

import redis.exceptions
from celery import Task, chord, shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerOperationalError

from indicators.services import runs, uploads
from indicators.services.releases import release_publish
from indicators.services.run_guard import run_alive
from indicators.services.run_records import run_fail_with

TRANSIENT = (OperationalError, InterfaceError, BrokerOperationalError, redis.exceptions.ConnectionError)
COMMON = {
    "bind": True,
    "acks_late": True,
    "autoretry_for": TRANSIENT,
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 3,
    "soft_time_limit": settings.CELERY_TASK_SOFT_TIME_LIMIT,
    "time_limit": settings.CELERY_TASK_TIME_LIMIT,
}


class RunTask(Task):
    """Any failure that is not retried (or no longer) marks the run failed with the error."""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        run_fail_with(args[0] if args else kwargs["run_id"], exc)


@shared_task(base=RunTask, name=runs.RUN_TASK, ignore_result=True, **COMMON)
def run_execute_task(self, run_id: int) -> None:
    with run_alive(run_id):
        indicator_ids = runs.run_begin(run_id)
    if not indicator_ids:  # a redelivery of a finished (or reaped) run: nothing to do
        return
    header = [indicator_compute_task.si(run_id, indicator_id) for indicator_id in indicator_ids]
    chord(header)(run_publish_task.si(run_id))


@shared_task(base=RunTask, name="indicators.indicator_compute", **COMMON)
def indicator_compute_task(self, run_id: int, indicator_id: int) -> int:
    return runs.indicator_compute(run_id, indicator_id)


@shared_task(base=RunTask, name="indicators.run_publish", **COMMON)
def run_publish_task(self, run_id: int) -> int:
    with run_alive(run_id):
        return release_publish(run_id).pk


class UploadTask(Task):
    """Last resort: a failure escaping the import (or a time limit) still ends the upload failed."""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        uploads.upload_fail(args[0] if args else kwargs["upload_id"], f"{type(exc).__name__}: {exc}")


# Not retried: a half-read file is rolled back, and re-running a refused file would only refuse it again.
@shared_task(base=UploadTask, name=uploads.UPLOAD_TASK, bind=True, acks_late=True, ignore_result=True,
             soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT, time_limit=settings.CELERY_TASK_TIME_LIMIT)
def upload_import_task(self, upload_id: int) -> None:
    uploads.upload_import(upload_id)
