"""The Celery app. Without REDIS_URL, tasks run in-process (eager), so the demo needs no server."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("atlas")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="atlas.health_check")
def health_check() -> dict:
    """Proves a worker reaches the database it is configured with (used by ops and the integration tests)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"database": connection.settings_dict["NAME"] and str(connection.settings_dict["NAME"]), "vendor": connection.vendor}
