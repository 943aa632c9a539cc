"""The two backends and the worker process are real: these tests prove the plumbing itself."""

import pytest
from django.conf import settings
from django.db import connection

from tests.conftest import ON_SERVER_BACKEND


@pytest.mark.django_db
def test_the_suite_runs_on_the_backend_the_environment_names():
    expected = "postgresql" if ON_SERVER_BACKEND else "sqlite"
    assert connection.vendor == expected
    assert settings.CELERY_TASK_ALWAYS_EAGER is (not ON_SERVER_BACKEND)


@pytest.mark.django_db
def test_healthz_reports_the_state_of_each_dependency(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    # Embedded mode has no broker: tasks run in-process. Redis down is tested in tests/integration.
    broker = "up" if ON_SERVER_BACKEND else "in-process"
    assert response.json() == {"status": "ok", "database": "up", "broker": broker, "cache": "up"}


def test_in_process_tasks_run_without_a_broker_in_embedded_mode(db):
    if ON_SERVER_BACKEND:
        pytest.skip("embedded backend only")
    from config.celery import health_check

    assert health_check.delay().get(timeout=5)["vendor"] == "sqlite"


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_process_runs_a_task_against_the_test_database(celery_worker_process):
    from config.celery import health_check

    result = health_check.delay().get(timeout=30)
    assert result == {"database": connection.settings_dict["NAME"], "vendor": "postgresql"}
