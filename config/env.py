"""Small, loud readers of environment variables.

Each helper raises ImproperlyConfigured naming the variable and the bad value,
so a typo in deployment fails at start-up rather than as odd behaviour later.
No Django import beyond the exception, so settings can use them before setup.
"""

import os
from urllib.parse import parse_qs, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured

_REQUESTED: dict[str, None] = {}  # every name asked for, in order (the docs test checks each is documented)
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def requested_names() -> list[str]:
    """The variables the helpers were asked for so far (settings read them all at start-up)."""
    return list(_REQUESTED)


def _get(name: str) -> str | None:
    _REQUESTED[name] = None
    return os.environ.get(name)


def env_str(name: str, default: str | None = None, *, required: bool = False) -> str | None:
    value = _get(name)
    if value is None or value == "":
        if required:
            raise ImproperlyConfigured(f"Environment variable {name} is required but not set.")
        return default
    return value


def env_bool(name: str, default: bool = False) -> bool:
    raw = _get(name)
    if raw is None:
        return default
    low = raw.strip().lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"Environment variable {name}={raw!r} is not a boolean (use one of: 1/0, true/false, yes/no, on/off)."
    )


def env_int(name: str, default: int) -> int:
    raw = _get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"Environment variable {name}={raw!r} is not an integer.") from None


def env_float(name: str, default: float, *, minimum: float | None = None) -> float:
    raw = _get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"Environment variable {name}={raw!r} is not a number.") from None
    if value != value or (minimum is not None and value < minimum):  # NaN, or below the floor
        raise ImproperlyConfigured(f"Environment variable {name}={raw!r} must be a number >= {minimum}.")
    return value


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = _get(name)
    if raw is None:
        return list(default or [])
    items = [item.strip() for item in raw.split(",")]
    if any(not item for item in items):
        raise ImproperlyConfigured(f"Environment variable {name}={raw!r} has an empty item in its comma-separated list.")
    return items


def database_from_url(url: str, *, name: str = "DATABASE_URL") -> dict:
    """Django DATABASES entry from postgres://user:pass@host:port/db?options or sqlite:///path."""
    parsed = urlparse(url)
    scheme = parsed.scheme.lower()
    if scheme in ("postgres", "postgresql", "pgsql"):
        dbname = unquote(parsed.path.lstrip("/"))
        if not dbname:
            raise ImproperlyConfigured(f"{name}={url!r} names no database (expected postgres://user@host:5432/dbname).")
        options = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
        try:
            port = parsed.port
        except ValueError:
            raise ImproperlyConfigured(f"{name}={url!r} has an invalid port.") from None
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": dbname,
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(port or ""),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": options,
        }
    if scheme == "sqlite":
        path = unquote(parsed.path)
        if parsed.netloc:  # sqlite://relative/path is a common mistake
            raise ImproperlyConfigured(f"{name}={url!r}: use sqlite:///absolute/path (three slashes).")
        if not path:
            raise ImproperlyConfigured(f"{name}={url!r} names no file.")
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": path}
    raise ImproperlyConfigured(f"{name}={url!r}: unsupported scheme {scheme!r} (use postgres:// or sqlite:///).")


def redis_url(name: str = "REDIS_URL") -> str | None:
    url = env_str(name)
    if url is None:
        return None
    if urlparse(url).scheme not in ("redis", "rediss", "unix"):
        raise ImproperlyConfigured(f"{name}={url!r} is not a redis:// URL.")
    return url
