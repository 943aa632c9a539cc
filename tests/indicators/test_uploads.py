"""Upload jobs as plain functions (no broker): every outcome ends with a status and a report, and only an
imported upload keeps its stored file."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from config.celery import app
from indicators import tasks
from indicators.models import Observation, Upload
from indicators.services import uploads

from .engdata_cast import cast, department_dataset  # noqa: F401

GOOD = "area_code;period;sex;age_band;value\n29;2019;T;all;10,5\n2A;2019;F;0-4;3\n"
BAD = "area_code;period;sex;age_band;value\n99;2019;T;all;1\n"


@pytest.fixture
def media(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}}}
    return tmp_path


def stored(dataset, text, name="f.csv") -> Upload:
    upload = Upload(dataset=dataset, original_name=name)
    upload.file.save(name, ContentFile(text.encode()), save=True)
    return upload


def test_a_good_file_is_imported_with_complete_progress_and_its_file_kept(department_dataset, cast, media):
    upload = uploads.upload_import(stored(department_dataset, GOOD).pk)
    assert upload.status == Upload.Status.IMPORTED and upload.progress == 1.0
    assert upload.started_at and upload.finished_at and upload.report["rows"] == 2
    assert upload.file and (media / upload.file.name).exists()
    assert Observation.objects.filter(upload=upload).count() == 2


def test_an_invalid_file_ends_invalid_with_its_report_and_its_file_removed(department_dataset, cast, media):
    upload = uploads.upload_import(stored(department_dataset, BAD).pk)
    assert upload.status == Upload.Status.INVALID and upload.report["errors"][0]["value"] == "99"
    assert not upload.file and list(media.rglob("*.csv")) == []


def test_a_missing_file_ends_the_upload_failed_not_pending(department_dataset, cast, media):
    upload = stored(department_dataset, GOOD, "disparu.csv")
    (media / upload.file.name).unlink()
    upload = uploads.upload_import(upload.pk)
    assert upload.status == Upload.Status.FAILED
    reason = upload.report["errors"][0]["reason"]
    assert "disparu.csv" in reason and "missing" in reason


def test_an_exception_inside_the_import_ends_the_upload_failed_with_it(department_dataset, cast, media, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(uploads, "dataset_import", explode)
    upload = uploads.upload_import(stored(department_dataset, GOOD).pk)
    assert upload.status == Upload.Status.FAILED and "disk on fire" in upload.report["errors"][0]["reason"]
    assert list(media.rglob("*.csv")) == []


def test_a_redelivered_import_of_an_upload_whose_worker_died_fails_it(department_dataset, media):
    upload = stored(department_dataset, GOOD)
    Upload.objects.filter(pk=upload.pk).update(status=Upload.Status.VALIDATING)
    upload = uploads.upload_import(upload.pk)
    assert upload.status == Upload.Status.FAILED and "worker lost" in upload.report["errors"][0]["reason"]
    assert list(media.rglob("*.csv")) == []


def test_a_finished_upload_is_not_imported_twice(department_dataset, cast, media):
    upload = uploads.upload_import(stored(department_dataset, GOOD).pk)
    again = uploads.upload_import(upload.pk)
    assert again.status == Upload.Status.IMPORTED and again.finished_at == upload.finished_at


def test_an_upload_whose_importer_is_gone_is_reaped_as_failed(department_dataset, media, settings):
    settings.ATLAS_RUN_LOST_AFTER = 60
    settings.ATLAS_RUN_PENDING_LOST_AFTER = 600
    old = timezone.now() - timedelta(seconds=700)
    stuck = stored(department_dataset, GOOD, "stuck.csv")
    queued = stored(department_dataset, GOOD, "queued.csv")
    fresh = stored(department_dataset, GOOD, "fresh.csv")
    Upload.objects.filter(pk=stuck.pk).update(status=Upload.Status.VALIDATING, heartbeat_at=old)
    Upload.objects.filter(pk=queued.pk).update(heartbeat_at=old)
    Upload.objects.filter(pk=fresh.pk).update(heartbeat_at=timezone.now())
    assert sorted(uploads.uploads_reap()) == sorted([stuck.pk, queued.pk])
    assert Upload.objects.get(pk=fresh.pk).status == Upload.Status.PENDING
    assert sorted(p.name for p in media.rglob("*.csv")) == [Upload.objects.get(pk=fresh.pk).file.name.split("/")[-1]]


def test_a_held_upload_lock_protects_an_import_from_the_reaper(department_dataset, media, settings):
    settings.ATLAS_RUN_LOST_AFTER = 1
    upload = stored(department_dataset, GOOD)
    Upload.objects.filter(pk=upload.pk).update(status=Upload.Status.VALIDATING,
                                               heartbeat_at=timezone.now() - timedelta(seconds=30))
    with uploads.upload_alive(upload.pk) as held:
        assert held
        if connection.vendor == "postgresql":  # advisory locks are re-entrant in their own session: ask another
            other = connection.copy()
            try:
                with other.cursor() as cursor:
                    cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [uploads.UPLOAD_NAMESPACE, upload.pk])
                    assert cursor.fetchone()[0] is False
            finally:
                other.close()
        else:
            assert uploads.uploads_reap() == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_progress_is_visible_to_other_sessions_while_the_import_transaction_is_open(department_dataset):
    upload = Upload.objects.create(dataset=department_dataset)
    recorder = uploads.ProgressRecorder(upload.pk)
    observer = connection.copy()
    try:
        with transaction.atomic():  # as the import's own transaction
            recorder(250, 1000)
            with observer.cursor() as cursor:
                cursor.execute("SELECT progress, heartbeat_at FROM indicators_upload WHERE id = %s", [upload.pk])
                progress, heartbeat = cursor.fetchone()
        assert progress == 0.25 and heartbeat is not None
    finally:
        recorder.close()
        observer.close()


def test_the_import_task_is_the_one_services_enqueue_by_name():
    assert uploads.UPLOAD_TASK in app.tasks
    assert tasks.upload_import_task.name == uploads.UPLOAD_TASK
    assert tasks.upload_import_task.acks_late


def test_the_import_command_records_its_upload_like_the_admin(department_dataset, cast, tmp_path):
    path = tmp_path / "bon.csv"
    path.write_text(GOOD)
    call_command("import_dataset", "deces", str(path), "--no-progress")
    upload = Upload.objects.get()
    assert upload.status == Upload.Status.IMPORTED and upload.progress == 1.0 and upload.started_at
    assert path.exists()  # the user's own file is never removed


def test_the_import_command_reports_a_missing_file_as_a_failed_upload(department_dataset, cast, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("import_dataset", "deces", str(tmp_path / "absent.csv"), "--no-progress")
    upload = Upload.objects.get()
    assert upload.status == Upload.Status.FAILED and "absent.csv" in upload.report["errors"][0]["reason"]
