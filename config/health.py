"""GET /healthz: the real state of each dependency, for load balancers and ops.

Each of ``database``, ``broker`` and ``cache`` is "up" or "down" (the broker is "in-process" in embedded
mode: tasks run in the web process, there is none). The answer is 503 with ``"status": "down"`` when a
required dependency (the database, the broker when there is one) is down; a cache that is down alone only
slows reads (config/cache.py answers misses) and gives 200 with ``"status": "degraded"``.
"""

import logging
import uuid

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse

logger = logging.getLogger(__name__)
UP, DOWN, IN_PROCESS = "up", "down", "in-process"


def _database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return UP
    except Exception as exc:  # noqa: BLE001 - any failure means "down"
        logger.warning("healthz: database down: %s", exc)
        return DOWN


def _broker_state() -> str:
    """Connect as the Celery app would (its URL, timeouts and retry options) and open a channel."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return IN_PROCESS
    try:
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=0)
            conn.default_channel  # noqa: B018 - the Redis channel pings the server when it is created
        return UP
    except Exception as exc:  # noqa: BLE001 - kombu and redis raise many kinds; any failure means "down"
        logger.warning("healthz: broker down: %s", exc)
        return DOWN


def _cache_state() -> str:
    """A write then a read: the tolerant Redis cache swallows errors, so only a round trip tells the truth."""
    key, token = "atlas:healthz", uuid.uuid4().hex
    try:
        cache.set(key, token, 30)
        return UP if cache.get(key) == token else DOWN
    except Exception as exc:  # noqa: BLE001 - a non-tolerant cache backend may raise anything
        logger.warning("healthz: cache down: %s", exc)
        return DOWN


def healthz(request):
    states = {"database": _database_state(), "broker": _broker_state(), "cache": _cache_state()}
    if DOWN in (states["database"], states["broker"]):
        status, code = "down", 503
    else:
        status, code = ("degraded" if states["cache"] == DOWN else "ok"), 200
    return JsonResponse({"status": status, **states}, status=code)
