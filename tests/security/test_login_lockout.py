"""Failed admin logins are throttled per username and per client IP (django-axes)."""

import pytest
from django.contrib.auth import get_user_model

PASSWORD = "mot-de-passe-solide-1"
pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_user("analyste", password=PASSWORD, is_staff=True)


def login(client, username, password, ip="203.0.113.7", prefix=""):
    return client.post(f"{prefix}/admin/login/", {"username": username, "password": password},
                       REMOTE_ADDR=ip)


def test_the_sixth_attempt_is_refused_even_with_the_right_password(client, staff):
    statuses = [login(client, "analyste", "devine").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]  # the fifth failure locks the account
    response = login(client, "analyste", PASSWORD)
    assert response.status_code == 429
    assert "Connexion bloquée" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_failures_spread_over_many_usernames_lock_the_ip(client, staff):
    for n in range(5):
        login(client, f"inconnu{n}", "devine")
    assert login(client, "analyste", PASSWORD).status_code == 429


def test_another_ip_and_another_user_are_not_affected(client, staff):
    get_user_model().objects.create_user("autre", password=PASSWORD, is_staff=True)
    for _ in range(5):
        login(client, "analyste", "devine")
    assert login(client, "autre", PASSWORD, ip="198.51.100.9").status_code == 302


def test_the_lockout_page_speaks_english_under_en(client, staff):
    for _ in range(5):
        login(client, "analyste", "devine", prefix="/en")
    response = login(client, "analyste", PASSWORD, prefix="/en")
    assert response.status_code == 429
    assert "Login blocked" in response.content.decode()


def test_behind_a_trusted_proxy_the_client_is_read_from_x_forwarded_for(client, staff, settings):
    settings.ATLAS_TRUSTED_PROXY_COUNT = 1
    for n in range(5):
        client.post("/admin/login/", {"username": "analyste", "password": "devine"}, REMOTE_ADDR="10.0.0.1",
                    HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.7")
    other = client.post("/admin/login/", {"username": "x", "password": "y"}, REMOTE_ADDR="10.0.0.1",
                        HTTP_X_FORWARDED_FOR="198.51.100.9")
    assert other.status_code == 200  # a different client behind the same proxy is not locked out
