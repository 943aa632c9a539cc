"""Liveness of runs: a run lock held by whoever executes it, the reaper of orphaned runs, active-run conflicts.

A worker killed mid-run (SIGKILL, OOM) cannot record its death, so "running" is only believed while the
run's lock is held: PostgreSQL: a *shared* session advisory lock (RUN_NAMESPACE, run id) taken by every
task of the run (two indicator tasks of one run may execute at once in two workers), released by the
server when the worker's connection dies; elsewhere (embedded mode, one process): a cache counter.
A pending/running run whose lock is free and whose heartbeat is older than ATLAS_RUN_LOST_AFTER
(ATLAS_RUN_PENDING_LOST_AFTER while still queued) is marked failed: "worker lost (no heartbeat since ...)".
See docs/adr/0011-orphaned-runs.md.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from indicators.models import Run
from indicators.services.run_records import run_fail

RUN_NAMESPACE = 7_340_002  # pg advisory lock key space of run locks (indicator locks use 7_340_001)
LOCAL_TTL = 6 * 3600
ACTIVE = (Run.Status.PENDING, Run.Status.RUNNING)


def _cache_key(run_id: int) -> str:
    return f"atlas:run-alive:{run_id}"


def heartbeat(run_id: int) -> None:
    Run.objects.filter(pk=run_id).update(heartbeat_at=timezone.now())


@contextmanager
def run_alive(run_id: int):
    """Hold the run's liveness lock while executing any part of it (re-entrant, never waits)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock_shared(%s, %s)", [RUN_NAMESPACE, run_id])
    else:
        cache.add(_cache_key(run_id), 0, LOCAL_TTL)
        cache.incr(_cache_key(run_id))
    heartbeat(run_id)
    try:
        yield
    finally:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock_shared(%s, %s)", [RUN_NAMESPACE, run_id])
        else:
            try:
                cache.decr(_cache_key(run_id))
            except ValueError:  # evicted: nothing to release
                pass


def run_lock_held(run_id: int) -> bool:
    """True while some process executes the run (it holds the shared lock)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [RUN_NAMESPACE, run_id])
            free = bool(cursor.fetchone()[0])
            if free:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [RUN_NAMESPACE, run_id])
        return not free
    return (cache.get(_cache_key(run_id)) or 0) > 0


def runs_reap(run_ids=None) -> list[int]:
    """Mark failed the pending/running runs (all, or those of ``run_ids``) whose worker is gone."""
    now = timezone.now()
    running_before = now - timedelta(seconds=settings.ATLAS_RUN_LOST_AFTER)
    pending_before = now - timedelta(seconds=max(settings.ATLAS_RUN_PENDING_LOST_AFTER, settings.ATLAS_RUN_LOST_AFTER))
    # Runs created before heartbeats existed are judged on their creation time.
    stale = Run.objects.filter(
        Q(status=Run.Status.RUNNING, heartbeat_at__lt=running_before)
        | Q(status=Run.Status.PENDING, heartbeat_at__lt=pending_before)
        | Q(status__in=ACTIVE, heartbeat_at__isnull=True, created_at__lt=running_before)
    )
    if run_ids is not None:
        stale = stale.filter(pk__in=list(run_ids))
    reaped = []
    for run_id, seen, created in stale.values_list("pk", "heartbeat_at", "created_at"):  # a few at most
        if run_lock_held(run_id):
            continue
        if _fail_if_still_stale(run_id, seen, seen or created):
            reaped.append(run_id)
    return reaped


def _fail_if_still_stale(run_id: int, seen, since) -> bool:
    with transaction.atomic():
        run = Run.objects.select_for_update().get(pk=run_id)
        if run.status not in ACTIVE or run.heartbeat_at != seen:  # it moved meanwhile
            return False
    run_fail(run_id, f"worker lost (no heartbeat since {since.isoformat(timespec='seconds')})")
    return True


def active_runs_on(indicator_ids, *, exclude_run: int | None = None):
    """Pending or running runs (orphans reaped first) computing any of these indicators."""
    runs_reap()
    active = Run.objects.filter(status__in=ACTIVE, indicators__in=list(indicator_ids)).distinct()
    if exclude_run is not None:
        active = active.exclude(pk=exclude_run)
    return active.order_by("pk")
