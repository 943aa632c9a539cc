"""API authentication: session (with CSRF) for staff pages, tokens for programs, never Basic auth."""

import base64

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import get_hasher
from django.contrib.auth.models import Permission
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from indicators.models import Run
from tests.indicators.compute_cast import build_engine_cast

PASSWORD = "mot-de-passe-solide-1"


@pytest.fixture
def engine(db):
    return build_engine_cast()


@pytest.fixture
def staff(db):
    user = get_user_model().objects.create_user("analyste", password=PASSWORD, is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="add_run", content_type__app_label="indicators"))
    return user


@pytest.fixture
def hashing_calls(monkeypatch):
    """Every password hash computed or checked during the test (a spy: the real hasher still runs)."""
    calls = []
    hasher = type(get_hasher())
    for name in ("encode", "verify"):
        real = getattr(hasher, name)

        def spy(self, *args, _real=real, _name=name, **kwargs):
            calls.append(_name)
            return _real(self, *args, **kwargs)

        monkeypatch.setattr(hasher, name, spy)
    return calls


def test_a_basic_auth_header_with_the_right_password_is_refused_without_hashing(engine, staff, hashing_calls):
    credentials = base64.b64encode(f"analyste:{PASSWORD}".encode()).decode()
    client = APIClient(HTTP_AUTHORIZATION=f"Basic {credentials}")
    response = client.post("/api/v1/runs/", {"indicators": [engine.indicator.code]}, format="json")
    assert response.status_code in (401, 403), response.content
    assert hashing_calls == []
    assert not Run.objects.exists()


def test_a_wrong_basic_auth_password_costs_no_hashing_either(engine, staff, hashing_calls):
    credentials = base64.b64encode(b"analyste:devine").decode()
    response = APIClient(HTTP_AUTHORIZATION=f"Basic {credentials}").post(
        "/api/v1/runs/", {"indicators": [engine.indicator.code]}, format="json")
    assert response.status_code in (401, 403)
    assert hashing_calls == []


def test_a_token_starts_a_run(engine, staff):
    token = Token.objects.create(user=staff)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = client.post("/api/v1/runs/", {"indicators": [engine.indicator.code]}, format="json")
    assert response.status_code == 201, response.content
    assert Run.objects.get().requested_by == staff


def test_an_unknown_token_is_refused(engine, staff):
    response = APIClient(HTTP_AUTHORIZATION="Token " + "0" * 40).post(
        "/api/v1/runs/", {"indicators": [engine.indicator.code]}, format="json")
    assert response.status_code in (401, 403)
    assert not Run.objects.exists()


def test_a_session_without_its_csrf_token_is_refused_on_post(engine, staff):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(staff)
    response = client.post("/api/v1/runs/", {"indicators": [engine.indicator.code]}, format="json")
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]
    assert not Run.objects.exists()


def test_a_staff_user_can_create_a_token_in_the_admin(staff, client):
    admin = get_user_model().objects.create_superuser("chef", "chef@example.org", PASSWORD)
    client.force_login(admin)
    response = client.post("/admin/authtoken/tokenproxy/add/", {"user": staff.pk})
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert Token.objects.filter(user=staff).exists()
