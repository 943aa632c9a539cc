"""Atlas Santé settings: everything that varies between machines comes from the environment.

See .env.example and the README's configuration table for every variable.
"""

import re
import sys
from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import database_from_url, env_bool, env_float, env_int, env_list, env_str, redis_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

TESTING = "pytest" in sys.modules or sys.argv[1:2] == ["test"]
DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if DEBUG or TESTING:
        SECRET_KEY = "insecure-dev-only-key-never-used-in-production-0123456789abcdef"
    else:
        raise ImproperlyConfigured("SECRET_KEY is required when DEBUG is off (see .env.example).")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Reference data (COG, boundaries, INSEE populations...) is read from here, never from the repository.
DATA_DIR = Path(env_str("DATA_DIR", str(BASE_DIR.parent / "shared" / "data"))).resolve()
# A mirror holding DATA_DIR's layout; `manage.py fetch_data` then downloads from it instead of the publishers.
DATA_BASE_URL = env_str("ATLAS_DATA_BASE_URL", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    # Tokens for programs (admin "Tokens" page or `manage.py drf_create_token <user>`).
    "rest_framework.authtoken",
    "corsheaders",
    "axes",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "geo",
    "indicators",
    "atlas",
]

MIDDLEWARE = [
    # First: a cached API GET is answered here, with the headers the whole stack gave it the first time.
    "config.api_fastcache.ApiFastCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before anything that decodes the URL into the database: a NUL byte is a 400, not a 500.
    "config.api_middleware.RefuseNulBytesMiddleware",
    # First after security so every response, static files and errors included, carries the policy.
    "config.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "config.api_middleware.ApiLastModifiedMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Last, so a locked-out login is turned into the lockout page whatever the view returned.
    "axes.middleware.AxesMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

# --- Database: SQLite file under var/ by default (the embedded demo), PostgreSQL with DATABASE_URL.
_database_url = env_str("DATABASE_URL")
if _database_url:
    DATABASES = {"default": database_from_url(_database_url)}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "atlas.sqlite3",
            # WAL lets the web process read while a compute job writes.
            "OPTIONS": {"timeout": 30, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: Celery broker/result backend and cache when set; in-process tasks and local memory otherwise.
REDIS_URL = redis_url()
# Every Redis connection (broker, result backend, cache) gives up after these many seconds: a Redis that
# accepts connections but never answers must fail requests and commands in seconds, never hang them
# (docs/adr/0007-broker-down-fail-fast.md). The socket timeout must stay above the worker's 1 s BRPOP poll.
REDIS_CONNECT_TIMEOUT = env_float("REDIS_CONNECT_TIMEOUT", 2.0, minimum=0.1)
REDIS_SOCKET_TIMEOUT = env_float("REDIS_SOCKET_TIMEOUT", 3.0, minimum=2.0)
if REDIS_URL:
    # Tolerant: a Redis outage turns cache reads into misses instead of errors (config/cache.py). Tighter
    # timeouts than the broker's: every page read pays them while Redis hangs.
    CACHES = {
        "default": {
            "BACKEND": "config.cache.TolerantRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": min(REDIS_CONNECT_TIMEOUT, 0.5),
                        "socket_timeout": min(REDIS_SOCKET_TIMEOUT, 1.0)},
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = "cache+memory://"
    CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 3600)
CELERY_TASK_SOFT_TIME_LIMIT = max(CELERY_TASK_TIME_LIMIT - 60, 30)
# A run whose lock is free and whose last heartbeat is older than this (seconds) is reported failed
# ("worker lost"); a run still queued (pending) gets the longer delay (docs/adr/0011-orphaned-runs.md).
ATLAS_RUN_LOST_AFTER = env_int("ATLAS_RUN_LOST_AFTER", 120)
ATLAS_RUN_PENDING_LOST_AFTER = env_int("ATLAS_RUN_PENDING_LOST_AFTER", 3600)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Fail fast when the broker is down or hangs: a user starting a run gets an error in seconds, not a hang.
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_CONNECT_TIMEOUT
_FAIL_FAST = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **_FAIL_FAST,
    "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
    "socket_timeout": REDIS_SOCKET_TIMEOUT,
}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = REDIS_CONNECT_TIMEOUT
CELERY_REDIS_SOCKET_TIMEOUT = REDIS_SOCKET_TIMEOUT
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"retry_policy": _FAIL_FAST}
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 24 * 3600

# django-axes refuses logins after too many failures, per username and per client IP (database handler:
# works the same on SQLite and PostgreSQL).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env_int("ATLAS_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("ATLAS_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
# Behind N trusted reverse proxies, the client is the N-th address from the right of X-Forwarded-For.
ATLAS_TRUSTED_PROXY_COUNT = env_int("ATLAS_TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "config.client_ip.client_ip"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- i18n: French first, English through Django's translation machinery.
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# collectstatic's target; created up front because WhiteNoise warns on every request when it is missing.
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
# plotly.js ships inside the plotly Python package: serve that copy, never a CDN.
try:
    import plotly as _plotly

    STATICFILES_DIRS.append(("vendor/plotly", str(Path(_plotly.__file__).parent / "package_data")))
except ImportError:  # pragma: no cover - plotly is a hard dependency
    pass
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": VAR_DIR / "media"}},
    # Served files carry a hash of their content in their name (css/atlas.3f2a....css) and WhiteNoise sends
    # them with a ten-year immutable Cache-Control: a repeat visit downloads no asset. That needs
    # `collectstatic` (the manifest), so DEBUG and the tests serve the source files by their plain names.
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage" if DEBUG or TESTING
                    else "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"

# Anonymous API requests allowed per client IP, "<n>/<second|minute|hour|day>"; "off": no limit.
ATLAS_API_ANON_RATE = env_str("ATLAS_API_ANON_RATE", "off" if TESTING else "1200/minute")
ATLAS_API_ANON_RATE = None if ATLAS_API_ANON_RATE.lower() == "off" else ATLAS_API_ANON_RATE
if ATLAS_API_ANON_RATE and not re.fullmatch(r"[0-9]+/(s|sec|second|m|min|minute|h|hour|d|day)", ATLAS_API_ANON_RATE):
    raise ImproperlyConfigured(f"ATLAS_API_ANON_RATE={ATLAS_API_ANON_RATE!r} is not <number>/<second|minute|hour|day>.")
# Links in API bodies (pagination, endpoint list) are relative unless this is set (https://atlas.example.fr):
# never built from the request's Host, which a client controls and a cached body would serve to everyone.
ATLAS_PUBLIC_BASE_URL = env_str("ATLAS_PUBLIC_BASE_URL", "")
# Large API bodies (bulk CSV) are kept on disk once streamed, per data version, up to this many megabytes.
ATLAS_EXPORT_CACHE_MB = env_int("ATLAS_EXPORT_CACHE_MB", 4096)
ATLAS_EXPORT_CACHE_DIR = VAR_DIR / "cache" / "api"
# Reads are open to any origin (public data); writes stay same-origin (session + CSRF, or a token).
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_ALLOW_CREDENTIALS = False
CORS_EXPOSE_HEADERS = ["ETag", "Last-Modified", "Content-Disposition"]

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    # An unknown ?format= is a 400 naming the accepted formats (DRF's default: a 404).
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "config.api_renderers.StrictContentNegotiation",
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": ATLAS_API_ANON_RATE},
    "NUM_PROXIES": ATLAS_TRUSTED_PROXY_COUNT,
    # No Basic auth: every guessed password cost ~0.6 s of server CPU. Staff pages use the session (with
    # CSRF on writes), programs send `Authorization: Token <key>` (a lookup, no password hashing).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Atlas Santé API",
    "DESCRIPTION": "Territorial public-health indicators for France: geography, indicators, values, runs.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and ReDoc assets are served by the project (no CDN).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Swagger UI would otherwise send the schema to validator.swagger.io from the browser.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "ENUM_NAME_OVERRIDES": {"LevelEnum": "geo.models.Level", "DetailEnum": "geo.models.Detail",
                            "SexEnum": "indicators.models.choices.Sex",
                            "ComparisonEnum": "indicators.api.schemas.CMP_CHOICES",
                            "SuppressionEnum": "indicators.api.schemas.SUPPRESSION_CHOICES"},
}

# --- Security: HTTPS hardening on unless DEBUG, or switched off for a plain-HTTP local demo.
ATLAS_HTTPS = env_bool("ATLAS_HTTPS", not (DEBUG or TESTING))
SECURE_SSL_REDIRECT = ATLAS_HTTPS
SESSION_COOKIE_SECURE = ATLAS_HTTPS
CSRF_COOKIE_SECURE = ATLAS_HTTPS
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if ATLAS_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = ATLAS_HTTPS
SECURE_HSTS_PRELOAD = ATLAS_HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_HTTPS_PROXY", False) else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}
