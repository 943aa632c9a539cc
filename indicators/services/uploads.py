"""Admin uploads as jobs: store the file and enqueue its import once committed, import it (in a worker, or
in-process when embedded) with progress, and make sure every upload ends with a status, a report and no
orphan file.

The import is enqueued by task name (``indicators.upload_import``) so this module never imports
indicators.tasks. ``send_task`` ignores CELERY_TASK_ALWAYS_EAGER and the web process does not register the
tasks module, so in embedded mode (no REDIS_URL) the plain function runs in-process from on_commit.

Stored files: a refused, invalid or failed upload's file is removed (its report stays); an imported
upload keeps its file, so the bytes behind published observations can be audited or re-imported.
"""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from indicators.models import Upload
from indicators.services.datasets import dataset_import
from indicators.services.queue import BROKER_ERRORS, PUBLISH_RETRY_POLICY

logger = logging.getLogger(__name__)

UPLOAD_TASK = "indicators.upload_import"
UPLOAD_NAMESPACE = 7_340_003  # pg advisory lock key space of upload locks (runs use 7_340_001/2)
LOCAL_TTL = 6 * 3600
ACTIVE = (Upload.Status.PENDING, Upload.Status.VALIDATING, Upload.Status.IMPORTING)
PROGRESS_EVERY_S = 1.0


def _failure_report(reason: str) -> dict:
    return {"errors": [{"line": 0, "column": "", "value": "", "reason": reason}], "error_count": 1,
            "truncated": False}


def upload_create(*, dataset, file, user=None, upload: Upload | None = None) -> Upload:
    """A pending upload holding the stored file; its import is enqueued once the transaction commits.

    ``upload`` lets the admin fill its own form instance. A broker that cannot be reached fails the upload
    at once (see upload_dispatch): callers read the row's status after the commit.
    """
    upload = upload or Upload()
    upload.dataset, upload.file = dataset, file
    upload.original_name = Path(file.name).name[:255]
    upload.created_by = user if getattr(user, "is_authenticated", False) else None
    upload.status, upload.heartbeat_at = Upload.Status.PENDING, timezone.now()
    try:
        upload.save()
    except BaseException:
        _remove_file(upload)  # the storage wrote the file before the INSERT failed
        raise
    upload_id = upload.pk
    transaction.on_commit(lambda: upload_dispatch(upload_id))
    return upload


def upload_dispatch(upload_id: int) -> None:
    """Enqueue the import (embedded: run it now). Never raises for a broker fault: the upload fails."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        upload_import(upload_id)
        return
    try:
        current_app.send_task(UPLOAD_TASK, args=[upload_id], retry=True, retry_policy=PUBLISH_RETRY_POLICY,
                              ignore_result=True)
    except BROKER_ERRORS as exc:
        upload_fail(upload_id, f"the task queue (Redis) is unreachable, the file was not imported: {exc}")


@contextmanager
def upload_alive(upload_id: int):
    """Hold the upload's exclusive liveness lock while importing it; yields False if another process has it."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [UPLOAD_NAMESPACE, upload_id])
            held = bool(cursor.fetchone()[0])
    else:
        held = cache.add(f"atlas:upload-alive:{upload_id}", 1, LOCAL_TTL)
    try:
        yield held
    finally:
        if held and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [UPLOAD_NAMESPACE, upload_id])
        elif held:
            cache.delete(f"atlas:upload-alive:{upload_id}")


def upload_lock_held(upload_id: int) -> bool:
    if connection.vendor == "postgresql":
        with upload_alive(upload_id) as free:
            return not free
    return cache.get(f"atlas:upload-alive:{upload_id}") is not None


def upload_import(upload_id: int) -> Upload | None:
    """Import a pending upload's stored file; any outcome ends in imported, invalid or failed."""
    with upload_alive(upload_id) as held:
        if not held:  # a duplicate delivery while another process imports it
            return Upload.objects.filter(pk=upload_id).first()
        upload = upload_execute(upload_id)
    return upload


def upload_execute(upload_id: int, path=None, *, progress: bool = False) -> Upload | None:
    """Claim the upload and import ``path`` (default: its stored file), recording progress and the report.

    ``manage.py import_dataset`` calls this directly with the user's own file (never removed).
    """
    now = timezone.now()
    claimed = Upload.objects.filter(pk=upload_id, status=Upload.Status.PENDING).update(
        status=Upload.Status.VALIDATING, started_at=now, heartbeat_at=now, progress=0.0)
    upload = Upload.objects.select_related("dataset").filter(pk=upload_id).first()
    if upload is None:
        logger.warning("upload %s no longer exists: nothing to import", upload_id)
        return None
    if not claimed:
        if upload.status in ACTIVE:  # redelivered after its worker died mid-import
            upload_fail(upload_id, "worker lost during the import; upload the file again")
        return Upload.objects.get(pk=upload_id)
    recorder = ProgressRecorder(upload_id)
    try:
        if path is None:
            path = _stored_path(upload)
        dataset_import(upload.dataset, path, upload=upload, progress=progress, on_progress=recorder)
    except Exception as exc:  # the job's boundary: whatever happened is the upload's report, not a traceback
        logger.exception("upload %s failed", upload_id)
        upload_fail(upload_id, f"import failed: {type(exc).__name__}: {exc}")
    finally:
        recorder.close()
    Upload.objects.filter(pk=upload_id, status__in=[Upload.Status.IMPORTED, Upload.Status.INVALID]).update(
        progress=1.0)
    upload = Upload.objects.get(pk=upload_id)
    if upload.status != Upload.Status.IMPORTED:
        _remove_file(upload)
    return upload


def _stored_path(upload: Upload) -> str:
    if not upload.file or not upload.file.storage.exists(upload.file.name):
        raise FileNotFoundError(f"{upload.original_name}: the stored file {upload.file.name or '(none)'} is missing")
    return upload.file.path


class ProgressRecorder:
    """``on_progress`` of an upload's import: writes progress and heartbeat at most once a second.

    The import runs inside one long transaction, so on PostgreSQL the row is updated through a second
    connection (autocommit) and the admin sees it at once. SQLite allows one writer: there (embedded mode,
    the import runs in the request) progress jumps from 0 to 1 at the end.
    """

    def __init__(self, upload_id: int):
        self.upload_id = upload_id
        self._conn = connection.copy() if connection.vendor == "postgresql" else None
        self._last = float("-inf")

    def __call__(self, done: int, total: int | None) -> None:
        if self._conn is None or not total or time.monotonic() - self._last < PROGRESS_EVERY_S:
            return
        self._last = time.monotonic()
        try:
            with self._conn.cursor() as cursor:
                cursor.execute(f"UPDATE {Upload._meta.db_table} SET progress = %s, heartbeat_at = %s WHERE id = %s",
                               [round(min(done / total, 0.99), 4), timezone.now(), self.upload_id])
        except DatabaseError as exc:  # progress is advisory: never fail an import for it
            logger.warning("upload %s: progress not recorded: %s", self.upload_id, exc)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()


def upload_fail(upload_id: int, reason: str) -> None:
    """End an upload failed with ``reason`` as its report (a first recorded failure stays) and remove its file."""
    logger.error("upload %s failed: %s", upload_id, reason)
    with transaction.atomic():
        upload = Upload.objects.select_for_update().filter(pk=upload_id).first()
        if upload is None or upload.status in (Upload.Status.IMPORTED, Upload.Status.INVALID):
            return
        if upload.status != Upload.Status.FAILED or not upload.report.get("errors"):
            upload.status, upload.report = Upload.Status.FAILED, _failure_report(reason[:2000])
        upload.finished_at = upload.finished_at or timezone.now()
        upload.save(update_fields=["status", "report", "finished_at"])
    _remove_file(upload)


def _remove_file(upload: Upload) -> None:
    """Delete the stored file (a failed, invalid or deleted upload keeps only its report)."""
    if not upload.file:
        return
    upload.file.storage.delete(upload.file.name)
    if upload.pk is not None:
        Upload.objects.filter(pk=upload.pk).update(file="")
    upload.file.name = ""


def upload_delete(upload: Upload) -> None:
    _remove_file(upload)
    upload.delete()


def uploads_reap() -> list[int]:
    """Fail the active uploads whose importer is gone (lock free, heartbeat older than the runs' limits)."""
    now = timezone.now()
    running_before = now - timedelta(seconds=settings.ATLAS_RUN_LOST_AFTER)
    pending_before = now - timedelta(seconds=max(settings.ATLAS_RUN_PENDING_LOST_AFTER,
                                                 settings.ATLAS_RUN_LOST_AFTER))
    stale = Upload.objects.filter(
        Q(status__in=[Upload.Status.VALIDATING, Upload.Status.IMPORTING], heartbeat_at__lt=running_before)
        | Q(status=Upload.Status.PENDING, heartbeat_at__lt=pending_before)
        | Q(status__in=ACTIVE, heartbeat_at__isnull=True, created_at__lt=running_before)
    )
    reaped = []
    for upload_id, seen in stale.values_list("pk", "heartbeat_at"):  # a few at most
        if upload_lock_held(upload_id):
            continue
        since = seen.isoformat(timespec="seconds") if seen else "its creation"
        upload_fail(upload_id, f"worker lost (no heartbeat since {since}); upload the file again")
        reaped.append(upload_id)
    return reaped
