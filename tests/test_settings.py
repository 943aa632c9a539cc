import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import database_from_url, env_bool, env_float, env_int, env_list, redis_url


def test_it_reads_a_postgres_url_into_django_settings():
    db = database_from_url("postgres://atlas:s%40cret@db.example:6543/atlas?sslmode=require")
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["USER"], db["PASSWORD"], db["HOST"], db["PORT"], db["NAME"]) == ("atlas", "s@cret", "db.example", "6543", "atlas")
    assert db["OPTIONS"] == {"sslmode": "require"}


@pytest.mark.parametrize("url", ["mysql://x@y/z", "postgres://x@y:5432/", "sqlite://relative.db", "postgres://x@y:notaport/db"])
def test_it_refuses_a_malformed_database_url(url):
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        database_from_url(url)


def test_it_refuses_a_boolean_it_cannot_read(monkeypatch):
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="DEBUG='maybe'"):
        env_bool("DEBUG")


def test_it_reads_booleans_integers_and_lists(monkeypatch):
    monkeypatch.setenv("A", "Yes")
    monkeypatch.setenv("B", "42")
    monkeypatch.setenv("C", "a.fr, b.fr")
    assert env_bool("A") is True
    assert env_int("B", 0) == 42
    assert env_list("C") == ["a.fr", "b.fr"]
    monkeypatch.setenv("B", "4x2")
    with pytest.raises(ImproperlyConfigured, match="B='4x2'"):
        env_int("B", 0)
    monkeypatch.setenv("C", "a.fr,,b.fr")
    with pytest.raises(ImproperlyConfigured, match="empty item"):
        env_list("C")


def test_it_refuses_a_redis_url_of_another_scheme(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "http://127.0.0.1:6379")
    with pytest.raises(ImproperlyConfigured, match="REDIS_URL"):
        redis_url()


def test_debug_is_off_by_default_and_production_settings_pass_the_deploy_check(tmp_path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "PYTEST_CURRENT_TEST")}
    env.update({"SECRET_KEY": "x" * 60 + "-Production-Key-Atlas-Sante-42!", "ALLOWED_HOSTS": "atlas.example.fr"})
    out = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True, text=True, env=env, cwd=os.path.dirname(os.path.dirname(__file__)),
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "no issues" in out.stdout


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off():
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY")}
    out = subprocess.run(
        [sys.executable, "manage.py", "check"], capture_output=True, text=True, env=env,
        cwd=os.path.dirname(os.path.dirname(__file__)),
    )
    assert out.returncode != 0
    assert "SECRET_KEY is required" in out.stderr


def test_it_reads_a_timeout_and_refuses_one_below_its_floor(monkeypatch):
    monkeypatch.setenv("REDIS_SOCKET_TIMEOUT", "2.5")
    assert env_float("REDIS_SOCKET_TIMEOUT", 3.0, minimum=2.0) == 2.5
    monkeypatch.delenv("REDIS_SOCKET_TIMEOUT")
    assert env_float("REDIS_SOCKET_TIMEOUT", 3.0, minimum=2.0) == 3.0
    for bad in ("1", "nan", "trois"):
        monkeypatch.setenv("REDIS_SOCKET_TIMEOUT", bad)
        with pytest.raises(ImproperlyConfigured, match="REDIS_SOCKET_TIMEOUT"):
            env_float("REDIS_SOCKET_TIMEOUT", 3.0, minimum=2.0)


def test_every_redis_connection_has_connect_and_socket_timeouts(settings):
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    assert options["socket_timeout"] == settings.REDIS_SOCKET_TIMEOUT > 0
    assert options["socket_connect_timeout"] == settings.REDIS_CONNECT_TIMEOUT > 0
    assert settings.CELERY_BROKER_CONNECTION_TIMEOUT == settings.REDIS_CONNECT_TIMEOUT
    assert settings.CELERY_REDIS_SOCKET_TIMEOUT == settings.REDIS_SOCKET_TIMEOUT
    assert settings.CELERY_REDIS_SOCKET_CONNECT_TIMEOUT == settings.REDIS_CONNECT_TIMEOUT
    assert settings.CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS["retry_policy"]["max_retries"] == 1
