"""Uploads through the Django admin are jobs: the request stores the file and queues the import (run here
in-process, as in embedded mode, on both backends); the upload's page follows it to its report."""

import socket

import pytest
from django.contrib.auth import get_user_model
from celery import Celery
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from indicators.models import Observation, Upload
from indicators.services import uploads

from .engdata_cast import cast, department_dataset  # noqa: F401

PASSWORD = "mot-de-passe-solide"
GOOD = "area_code;period;sex;age_band;value\n29;2019;T;all;10,5\n976;2019;F;0-4;3\n"
BAD = "area_code;period;sex;age_band;value\n29;2019;T;all;10\n99;2019;T;all;-1\n"


@pytest.fixture
def media(settings, tmp_path, transactional_db):
    # transactional_db: the import is queued with transaction.on_commit, which a test transaction never runs.
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}}}
    return tmp_path


@pytest.fixture
def admin_client_logged(client, django_user_model, media):
    django_user_model.objects.create_superuser("analyste", "a@example.org", PASSWORD)
    client.force_login(get_user_model().objects.get(username="analyste"))
    return client


def stored_files(media):
    return sorted(p.name for p in media.rglob("*") if p.is_file())


def post_upload(client, dataset, name, text, follow=True):
    upload = SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")
    data = {"file": upload} if dataset is None else {"dataset": dataset.pk, "file": upload}
    return client.post("/admin/indicators/upload/add/", data, follow=follow)


def test_a_bad_upload_shows_the_report_writes_nothing_and_removes_its_file(
        admin_client_logged, department_dataset, cast, media):
    response = post_upload(admin_client_logged, department_dataset, "mauvais.csv", BAD)
    page = response.content.decode()
    assert response.status_code == 200
    assert response.redirect_chain[-1][0].endswith(f"/admin/indicators/upload/{Upload.objects.get().pk}/change/")
    assert "rien n&#x27;a été importé" in page or "rien n'a été importé" in page
    assert "<td>3</td><td>area_code</td><td>99</td><td>unknown department code</td>" in page
    assert "<td>3</td><td>value</td><td>-1</td><td>negative value</td>" in page
    upload = Upload.objects.get()
    assert upload.status == Upload.Status.INVALID and upload.original_name == "mauvais.csv"
    assert upload.created_by.username == "analyste"
    assert not Observation.objects.exists()
    assert stored_files(media) == [] and not upload.file
    assert 'http-equiv="refresh"' not in page


def test_a_good_upload_imports_its_rows_and_keeps_its_file(admin_client_logged, department_dataset, cast, media):
    response = post_upload(admin_client_logged, department_dataset, "bon.csv", GOOD)
    page = response.content.decode()
    assert "2 observation(s) importée(s)" in page and "100%" in page
    assert sorted(Observation.objects.values_list("area__code", "value")) == [("29", 10.5), ("976", 3.0)]
    upload = Upload.objects.get()
    assert upload.status == Upload.Status.IMPORTED and upload.progress == 1.0 and upload.started_at
    assert stored_files(media) == [upload.file.name.rsplit("/", 1)[-1]]
    listing = admin_client_logged.get("/admin/indicators/upload/").content.decode()
    assert "Importé" in listing and "100%" in listing
    observations = admin_client_logged.get("/admin/indicators/observation/")
    assert observations.status_code == 200 and "Finistère" in observations.content.decode()


def test_deleting_an_upload_removes_its_file(admin_client_logged, department_dataset, cast, media):
    post_upload(admin_client_logged, department_dataset, "bon.csv", GOOD)
    upload = Upload.objects.get()
    response = admin_client_logged.post(f"/admin/indicators/upload/{upload.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Upload.objects.exists() and stored_files(media) == []


def test_a_refused_form_stores_no_file(admin_client_logged, department_dataset, media):
    response = post_upload(admin_client_logged, None, "bon.csv", GOOD)
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert not Upload.objects.exists() and stored_files(media) == []


def test_a_pending_upload_page_reloads_itself_until_the_job_ends(admin_client_logged, department_dataset):
    upload = Upload.objects.create(dataset=department_dataset, original_name="x.csv")
    page = admin_client_logged.get(f"/admin/indicators/upload/{upload.pk}/change/").content.decode()
    assert '<meta http-equiv="refresh" content="3">' in page and "En attente" in page and "0%" in page


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_broker_fails_the_upload_at_once_with_a_message(
        admin_client_logged, department_dataset, cast, media, settings, monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    dead = Celery("dead-broker", broker=f"redis://127.0.0.1:{_closed_port()}/0", set_as_current=False)
    dead.conf.broker_transport_options = {"max_retries": 0}
    dead.conf.broker_connection_timeout = 0.5
    monkeypatch.setattr(uploads, "current_app", dead)
    response = post_upload(admin_client_logged, department_dataset, "bon.csv", GOOD)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Échec de l&#x27;import" in page and "the task queue (Redis) is unreachable" in page
    upload = Upload.objects.get()
    assert upload.status == Upload.Status.FAILED and "unreachable" in upload.report["errors"][0]["reason"]
    assert stored_files(media) == [] and not Observation.objects.exists()


def test_the_admin_lists_indicator_engine_models(admin_client_logged):
    for name in ("dataset", "upload", "observation", "indicator", "run", "release", "value"):
        assert admin_client_logged.get(f"/admin/indicators/{name}/").status_code == 200
    assert admin_client_logged.get("/admin/indicators/observation/add/").status_code == 403


# Who may upload: staff with indicators.add_upload, nobody else.

def test_an_anonymous_upload_is_sent_to_the_login_page(client, department_dataset, media):
    response = post_upload(client, department_dataset, "bon.csv", GOOD, follow=False)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert not Upload.objects.exists() and stored_files(media) == []


def test_a_logged_in_user_without_staff_status_cannot_upload(client, django_user_model, department_dataset, media):
    user = django_user_model.objects.create_user("curieux", password=PASSWORD)
    user.user_permissions.add(Permission.objects.get(codename="add_upload"))
    client.force_login(get_user_model().objects.get(username="curieux"))
    response = post_upload(client, department_dataset, "bon.csv", GOOD, follow=False)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert not Upload.objects.exists() and stored_files(media) == []


def test_staff_without_the_upload_permission_is_refused(client, django_user_model, department_dataset, media):
    django_user_model.objects.create_user("stagiaire", password=PASSWORD, is_staff=True)
    client.force_login(get_user_model().objects.get(username="stagiaire"))
    response = post_upload(client, department_dataset, "bon.csv", GOOD, follow=False)
    assert response.status_code == 403
    assert not Upload.objects.exists() and stored_files(media) == []


def test_staff_with_the_upload_permission_uploads_and_follows_the_job(
        client, django_user_model, department_dataset, cast, media):
    user = django_user_model.objects.create_user("analyste", password=PASSWORD, is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="add_upload"))
    client.force_login(get_user_model().objects.get(username="analyste"))
    response = post_upload(client, department_dataset, "bon.csv", GOOD)
    assert response.status_code == 200 and "2 observation(s) importée(s)" in response.content.decode()
    assert Upload.objects.get().status == Upload.Status.IMPORTED
