"""A Redis cache that degrades to "always miss" when Redis is down, so reads keep working.

Django's RedisCache raises redis ConnectionError/TimeoutError from every call when the server is gone;
pages and API reads would then fail although the database is fine. This subclass logs (at most once a
minute) and answers as an empty cache: get -> default, set/add/delete -> no-op.
"""

import logging
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
DOWN = (RedisConnectionError, RedisTimeoutError, OSError)
_LOG_EVERY = 60.0


class TolerantRedisCache(RedisCache):
    _last_warning = 0.0

    def _down(self, operation: str, exc: Exception) -> None:
        now = time.monotonic()
        if now - TolerantRedisCache._last_warning > _LOG_EVERY:
            TolerantRedisCache._last_warning = now
            logger.warning("cache %s skipped, Redis unreachable: %s", operation, exc)

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except DOWN as exc:
            self._down("get", exc)
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except DOWN as exc:
            self._down("get_many", exc)
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except DOWN as exc:
            self._down("has_key", exc)
            return False

    def set(self, key, value, timeout=None, version=None):  # noqa: A003
        try:
            return super().set(key, value, timeout, version)
        except DOWN as exc:
            self._down("set", exc)

    def add(self, key, value, timeout=None, version=None):
        try:
            return super().add(key, value, timeout, version)
        except DOWN as exc:
            self._down("add", exc)
            return False

    def set_many(self, data, timeout=None, version=None):
        try:
            return super().set_many(data, timeout, version)
        except DOWN as exc:
            self._down("set_many", exc)
            return list(data)

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except DOWN as exc:
            self._down("delete", exc)
            return False

    def delete_many(self, keys, version=None):
        try:
            return super().delete_many(keys, version)
        except DOWN as exc:
            self._down("delete_many", exc)

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except DOWN as exc:
            self._down("incr", exc)
            raise ValueError(f"Key '{key}' not found (cache unreachable)") from exc

    def touch(self, key, timeout=None, version=None):
        try:
            return super().touch(key, timeout, version)
        except DOWN as exc:
            self._down("touch", exc)
            return False

    def clear(self):
        try:
            return super().clear()
        except DOWN as exc:
            self._down("clear", exc)
            return False
