"""GET /healthz: is the database reachable, is the cache/broker reachable. For load balancers and ops."""

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:  # noqa: BLE001 - any failure means "not healthy"
        return False


def _broker_ok() -> bool | None:
    if not settings.REDIS_URL:
        return None  # embedded mode: tasks run in-process, there is no broker
    import redis

    try:
        return bool(redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1).ping())
    except redis.RedisError:
        return False


def healthz(request):
    database = _database_ok()
    broker = _broker_ok()
    try:
        cache.get("healthz")
        cache_ok = True
    except Exception:  # noqa: BLE001
        cache_ok = False
    healthy = database and broker is not False
    body = {"status": "ok" if healthy else "degraded", "database": database, "broker": broker, "cache": cache_ok}
    return JsonResponse(body, status=200 if healthy else 503)
