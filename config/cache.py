"""A Redis cache that degrades to "always miss" when Redis is down, so reads keep working.

Django's RedisCache raises redis ConnectionError/TimeoutError from every call when the server is gone;
pages and API reads would then fail although the database is fine. This subclass logs (at most once a
minute) and answers as an empty cache: get -> default, set/add/delete -> no-op.

A Redis that accepts connections and never answers costs a socket timeout per call (and redis-py retries),
and one API request makes several calls: after a failure, the cache is skipped outright for
``SKIP_SECONDS`` (a circuit breaker), so a hung Redis costs one timeout every few seconds, not every call.
"""

import logging
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
DOWN = (RedisConnectionError, RedisTimeoutError, OSError)  # and _Skipped, below
_LOG_EVERY = 60.0
SKIP_SECONDS = 5.0


class _Skipped(Exception):
    """Raised inside the cache while the breaker is open: handled like a Redis failure, without a call."""


class TolerantRedisCache(RedisCache):
    _last_warning = 0.0
    _skip_until: dict = {}  # by server location: one hung Redis does not silence another

    def _guard(self) -> None:
        if time.monotonic() < TolerantRedisCache._skip_until.get(str(self._servers), 0.0):
            raise _Skipped()

    def _down(self, operation: str, exc: Exception) -> None:
        now = time.monotonic()
        if isinstance(exc, _Skipped):
            return
        TolerantRedisCache._skip_until[str(self._servers)] = now + SKIP_SECONDS
        if now - TolerantRedisCache._last_warning > _LOG_EVERY:
            TolerantRedisCache._last_warning = now
            logger.warning("cache %s skipped, Redis unreachable: %s", operation, exc)

    def get(self, key, default=None, version=None):
        try:
            self._guard()
            return super().get(key, default, version)
        except (*DOWN, _Skipped) as exc:
            self._down("get", exc)
            return default

    def get_many(self, keys, version=None):
        try:
            self._guard()
            return super().get_many(keys, version)
        except (*DOWN, _Skipped) as exc:
            self._down("get_many", exc)
            return {}

    def has_key(self, key, version=None):
        try:
            self._guard()
            return super().has_key(key, version)
        except (*DOWN, _Skipped) as exc:
            self._down("has_key", exc)
            return False

    def set(self, key, value, timeout=None, version=None):  # noqa: A003
        try:
            self._guard()
            return super().set(key, value, timeout, version)
        except (*DOWN, _Skipped) as exc:
            self._down("set", exc)

    def add(self, key, value, timeout=None, version=None):
        try:
            self._guard()
            return super().add(key, value, timeout, version)
        except (*DOWN, _Skipped) as exc:
            self._down("add", exc)
            return False

    def set_many(self, data, timeout=None, version=None):
        try:
            self._guard()
            return super().set_many(data, timeout, version)
        except (*DOWN, _Skipped) as exc:
            self._down("set_many", exc)
            return list(data)

    def delete(self, key, version=None):
        try:
            self._guard()
            return super().delete(key, version)
        except (*DOWN, _Skipped) as exc:
            self._down("delete", exc)
            return False

    def delete_many(self, keys, version=None):
        try:
            self._guard()
            return super().delete_many(keys, version)
        except (*DOWN, _Skipped) as exc:
            self._down("delete_many", exc)

    def incr(self, key, delta=1, version=None):
        try:
            self._guard()
            return super().incr(key, delta, version)
        except (*DOWN, _Skipped) as exc:
            self._down("incr", exc)
            raise ValueError(f"Key '{key}' not found (cache unreachable)") from exc

    def touch(self, key, timeout=None, version=None):
        try:
            self._guard()
            return super().touch(key, timeout, version)
        except (*DOWN, _Skipped) as exc:
            self._down("touch", exc)
            return False

    def clear(self):
        try:
            self._guard()
            return super().clear()
        except (*DOWN, _Skipped) as exc:
            self._down("clear", exc)
            return False
