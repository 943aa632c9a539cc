"""A superuser uploads files through the Django admin: a bad file shows its report and writes nothing,
a good file's rows appear."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from indicators.models import Observation, Upload

from .engdata_cast import cast, department_dataset  # noqa: F401


@pytest.fixture
def admin_client_logged(client, django_user_model, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}}}
    django_user_model.objects.create_superuser("analyste", "a@example.org", "mot-de-passe-solide")
    client.force_login(django_user_model.objects.get(username="analyste"))
    return client


def post_upload(client, dataset, name, text):
    upload = SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")
    return client.post("/admin/indicators/upload/add/", {"dataset": dataset.pk, "file": upload}, follow=True)


def test_a_bad_upload_shows_the_report_and_writes_nothing(admin_client_logged, department_dataset, cast):
    text = "area_code;period;sex;age_band;value\n29;2019;T;all;10\n99;2019;T;all;-1\n"
    response = post_upload(admin_client_logged, department_dataset, "mauvais.csv", text)
    page = response.content.decode()
    assert response.status_code == 200
    assert "rien n&#x27;a été importé" in page or "rien n'a été importé" in page
    assert "<td>3</td><td>area_code</td><td>99</td><td>unknown department code</td>" in page
    assert "<td>3</td><td>value</td><td>-1</td><td>negative value</td>" in page
    upload = Upload.objects.get()
    assert upload.status == Upload.Status.INVALID and upload.original_name == "mauvais.csv"
    assert upload.created_by.username == "analyste"
    assert not Observation.objects.exists()


def test_a_good_upload_imports_its_rows(admin_client_logged, department_dataset, cast):
    text = "area_code;period;sex;age_band;value\n29;2019;T;all;10,5\n976;2019;F;0-4;3\n"
    response = post_upload(admin_client_logged, department_dataset, "bon.csv", text)
    assert "2 observation(s) importée(s)" in response.content.decode()
    assert sorted(Observation.objects.values_list("area__code", "value")) == [("29", 10.5), ("976", 3.0)]
    listing = admin_client_logged.get("/admin/indicators/observation/")
    assert listing.status_code == 200 and "Finistère" in listing.content.decode()


def test_the_admin_lists_indicator_engine_models(admin_client_logged):
    for name in ("dataset", "upload", "observation", "indicator", "run", "release", "value"):
        assert admin_client_logged.get(f"/admin/indicators/{name}/").status_code == 200
    assert admin_client_logged.get("/admin/indicators/observation/add/").status_code == 403
