"""Admin uploads end to end on PostgreSQL + Redis: the request queues the import, a real ``celery worker``
imports it; a bad file ends invalid with its stored file removed."""

import time

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from indicators.models import Observation, Upload
from tests.indicators.engdata_cast import build_cast

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
PASSWORD = "integration-password-1"
GOOD = "area_code;period;sex;age_band;value\n29;2019;T;all;10,5\n976;2019;F;0-4;3\n2A;2019;M;all;7\n"
BAD = "area_code;period;sex;age_band;value\n29;2019;T;all;10\n99;2019;T;all;-1\n"


@pytest.fixture
def shared_media(settings, tmp_path):
    """The web side (this process) and the worker store and read uploads in the same directory."""
    media = tmp_path / "media"
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": media}}}
    return media


@pytest.fixture
def staff_client(client):
    get_user_model().objects.create_superuser("analyste", "a@example.org", PASSWORD)
    client.force_login(get_user_model().objects.get(username="analyste"))
    return client


def _post(client, dataset, name, text):
    upload = SimpleUploadedFile(name, text.encode(), content_type="text/csv")
    return client.post("/admin/indicators/upload/add/", {"dataset": dataset.pk, "file": upload}, follow=True)


def _wait_finished(upload_id, timeout=90.0) -> Upload:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        upload = Upload.objects.get(pk=upload_id)
        if upload.status in (Upload.Status.IMPORTED, Upload.Status.INVALID, Upload.Status.FAILED):
            return upload
        time.sleep(0.3)
    raise AssertionError(f"upload {upload_id} still {upload.status} after {timeout} s")


def test_an_admin_upload_is_queued_then_imported_by_the_worker(start_worker, shared_media, staff_client):
    from indicators.models import Dataset

    build_cast()
    dataset = Dataset.objects.create(code="deces", name="Décès", level="department")
    worker = start_worker(VAR_DIR=str(shared_media.parent))
    response = _post(staff_client, dataset, "bon.csv", GOOD)
    page = response.content.decode()
    assert response.status_code == 200
    upload_id = Upload.objects.get().pk
    if Upload.objects.get().status == Upload.Status.PENDING:  # usually: the worker has not picked it up yet
        assert "Import mis en file d&#x27;attente" in page and 'http-equiv="refresh"' in page
    upload = _wait_finished(upload_id)
    assert upload.status == Upload.Status.IMPORTED, (upload.report, worker.log_path)
    assert upload.progress == 1.0 and upload.started_at and upload.report["rows"] == 3
    assert Observation.objects.filter(upload=upload).count() == 3
    assert (shared_media / upload.file.name).exists()
    final = staff_client.get(f"/admin/indicators/upload/{upload_id}/change/").content.decode()
    assert "Importé" in final and "100%" in final and 'http-equiv="refresh"' not in final

    response = _post(staff_client, dataset, "mauvais.csv", BAD)
    bad = _wait_finished(Upload.objects.exclude(pk=upload_id).get().pk)
    assert bad.status == Upload.Status.INVALID
    assert {e["value"] for e in bad.report["errors"]} == {"99", "-1"}
    assert not bad.file and sorted(p.name for p in shared_media.rglob("*.csv")) == [upload.file.name.split("/")[-1]]
    assert Observation.objects.count() == 3
    page = staff_client.get(f"/admin/indicators/upload/{bad.pk}/change/").content.decode()
    assert "unknown department code" in page


def test_an_upload_whose_worker_is_killed_mid_import_ends_failed_without_its_file(
        start_worker, shared_media, staff_client, settings):
    from indicators.models import Dataset

    settings.ATLAS_RUN_LOST_AFTER = 2  # this process reaps; the worker's lock and heartbeat are the evidence
    build_cast()
    dataset = Dataset.objects.create(code="deces", name="Décès", level="department")
    lines = ["area_code;period;sex;age_band;category;value"]
    lines += [f"{area};{period};{sex};{age};c{cat};1" for area in ("29", "2A", "976", "75")
              for period in range(1900, 2027) for sex in "MFT" for age in range(100) for cat in range(8)]
    worker = start_worker(VAR_DIR=str(shared_media.parent))
    _post(staff_client, dataset, "gros.csv", "\n".join(lines) + "\n")
    upload_id = Upload.objects.get().pk
    deadline = time.monotonic() + 60
    while Upload.objects.get(pk=upload_id).status != Upload.Status.VALIDATING:
        assert time.monotonic() < deadline, Upload.objects.get(pk=upload_id).status
        time.sleep(0.02)
    worker.kill()
    time.sleep(3)
    listing = staff_client.get("/admin/indicators/upload/").content.decode()
    upload = Upload.objects.get(pk=upload_id)
    assert upload.status == Upload.Status.FAILED, upload.status
    assert "worker lost" in upload.report["errors"][0]["reason"] and "Échec" in listing
    assert not upload.file and list(shared_media.rglob("*.csv")) == []
    assert not Observation.objects.exists()
