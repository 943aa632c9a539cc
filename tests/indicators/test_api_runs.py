"""The runs and values API."""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from indicators.models import Value, Run
from indicators.services import runs
from tests.indicators.compute_cast import build_engine_cast, locked_by_another_process, run_operator

RUN_KEYS = {"id", "status", "progress", "indicators", "release", "release_published", "created_at", "started_at",
            "finished_at", "timings", "log_tail", "error"}


@pytest.fixture
def engine(db):
    return build_engine_cast()


@pytest.fixture
def analyst(db):
    client = APIClient()
    client.force_authenticate(run_operator())
    return client


def _post_as(user, engine):
    client = APIClient()
    if user is not None:
        client.force_login(user)  # a session, as staff pages use (CSRF is not enforced by the test client)
    return client.post("/api/v1/runs/", {"indicators": [engine.indicator.code]}, format="json")


def test_starting_a_run_needs_an_authenticated_user(engine):
    assert _post_as(None, engine).status_code in (401, 403)
    assert not Run.objects.exists()


def test_a_logged_in_user_who_is_not_staff_cannot_start_a_run_even_with_the_permission(engine):
    response = _post_as(run_operator("lectrice", staff=False), engine)
    assert response.status_code == 403
    assert not Run.objects.exists()


def test_staff_without_the_add_run_permission_cannot_start_a_run(engine):
    response = _post_as(run_operator("stagiaire", can_start_runs=False), engine)
    assert response.status_code == 403
    assert not Run.objects.exists()


def test_staff_with_the_add_run_permission_starts_a_run(engine, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = _post_as(run_operator(), engine)
    assert response.status_code == 201, response.content
    assert Run.objects.get().requested_by.username == "operatrice"


def test_a_superuser_starts_a_run(engine):
    superuser = get_user_model().objects.create_superuser("admin", password="x-long-password-1")
    assert _post_as(superuser, engine).status_code == 201


def test_reading_a_run_stays_public(engine):
    run = runs.run_create(codes=[engine.indicator.code])
    response = APIClient().get(f"/api/v1/runs/{run.pk}/")
    assert response.status_code == 200 and response.json()["status"] == "pending"


def test_unknown_indicator_codes_are_a_400_naming_them(engine, analyst):
    response = analyst.post("/api/v1/runs/", {"indicators": ["inconnu"]}, format="json")
    assert response.status_code == 400
    assert "inconnu" in response.json()["detail"]


def test_an_empty_request_is_a_400(engine, analyst):
    assert analyst.post("/api/v1/runs/", {}, format="json").status_code == 400


def test_posting_a_run_returns_it_and_get_follows_it(engine, analyst, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = analyst.post("/api/v1/runs/", {"indicators": [engine.indicator.code]}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == RUN_KEYS
    assert body["indicators"] == [engine.indicator.code]
    detail = APIClient().get(f"/api/v1/runs/{body['id']}/").json()
    if settings.CELERY_TASK_ALWAYS_EAGER:
        assert detail["status"] == "succeeded" and detail["progress"] == 1.0
        assert detail["release_published"] and detail["log_tail"]
    else:  # no worker in this test: the run waits in the queue
        assert detail["status"] == "pending"


def test_a_run_on_an_indicator_being_computed_is_a_409(engine, analyst):
    with locked_by_another_process(engine.indicator.pk):
        response = analyst.post("/api/v1/runs/", {"indicators": [engine.indicator.code]}, format="json")
    assert response.status_code == 409 and engine.indicator.code in response.json()["detail"]


def test_published_values_are_read_by_level_period_and_sex(engine):
    runs.run_execute(runs.run_create(codes=[engine.indicator.code]).pk)
    client = APIClient()
    response = client.get(f"/api/v1/indicators/{engine.indicator.code}/values/",
                          {"level": "department", "period": "2019", "sex": "F"})
    assert response.status_code == 200
    body = response.json()
    rows = {r["area_code"]: r for r in body["results"]}
    assert set(rows) == {"29", "56"}
    assert rows["56"]["flags"]["suppressed"] and rows["56"]["numerator"] is None and rows["56"]["value"] is None
    assert rows["56"]["flags"]["suppression"] == "primary"
    # Bretagne has two departments: Finistère's 165 would give Morbihan's count by subtraction, so it goes
    # too (complementary suppression), and nothing about it is published.
    assert rows["29"]["flags"]["suppression"] == "complementary"
    assert rows["29"]["numerator"] is None and rows["29"]["compared_to_parent"] in {"", None}
    region = client.get(f"/api/v1/indicators/{engine.indicator.code}/values/",
                        {"level": "region", "period": "2019", "sex": "F"}).json()["results"]
    assert [(r["area_code"], r["numerator"], r["flags"]["suppressed"]) for r in region] == [("53", 171, False)]
    listing = client.get("/api/v1/indicators/").json()
    assert listing[0]["code"] == engine.indicator.code and listing[0]["release"] == rows["29"]["release"]


def test_values_of_an_unpublished_indicator_are_empty_and_unknown_ones_404(engine):
    client = APIClient()
    assert client.get(f"/api/v1/indicators/{engine.indicator.code}/values/").json()["count"] == 0
    assert client.get("/api/v1/indicators/nope/values/").status_code == 404


def test_the_schema_documents_the_run_and_value_endpoints(db):
    schema = APIClient().get("/api/v1/schema/", {"format": "json"}).json()
    assert {"/api/v1/runs/", "/api/v1/runs/{id}/", "/api/v1/indicators/{code}/values/"} <= set(schema["paths"])
