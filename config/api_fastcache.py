"""Whole API responses served from the cache before Django's middleware stack and DRF run.

A cached API GET used to cost ~8 ms of CPU even when its body came from Redis: sessions, locale, CSRF,
authentication and DRF's dispatch (negotiation, throttling, parameter parsing) all ran before the cache was
read, and a query on two tables computed the data version. This middleware sits first in MIDDLEWARE and keeps
the *finished* response (status, every header the stack added, body) of each cacheable API GET; a later
identical request is answered from one Redis round trip. It is a micro-cache in front of the application,
as nginx's proxy_cache or Varnish would be, kept inside so that the embedded default needs no proxy.

What decides that two requests are identical (the entry's key): the path, the query string's pairs sorted,
the language LocaleMiddleware would choose, the Accept header, whether the client takes gzip and whether it
sent an Origin (CORS headers). Only requests that can be safely shared take this path: anonymous (no
session cookie, no Authorization header), GET, a known Accept header, and only parameter names the API
recognises, so junk parameters never create entries. A response is kept only when a view marked it
cacheable (``config.api_cache`` does, for bodies that are a function of the data version), with status
200, no cookie set and a body under ``MAX_BYTES``: errors, 400s for junk values and streamed bodies are
never kept. A large body already kept on disk (config/api_files.py) is kept as its path and sent as a file.

Freshness: each entry holds the data version it was built on, and a hit is served only while that version
is current. The current version lives in the cache for ``VERSION_SECONDS`` (read in the same round trip as
the entry), is recomputed from the database when it expires, and is dropped at once when a release is
published, the catalog is loaded or the geography imported (``api_version_forget``): publication is visible
immediately, and any other change to what the version covers (an admin edit) within ``VERSION_SECONDS``.

Anonymous throttling still applies: a hit counts against the client's rate exactly as DRF's
AnonRateThrottle would, and a throttled client falls through to DRF, which answers 429.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from pathlib import Path
from urllib.parse import parse_qsl

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.http import FileResponse, HttpResponse
from django.utils import translation
from django.utils.cache import get_conditional_response
from django.utils.http import parse_http_date_safe

PREFIX = "/api/v1/"
VERSION_KEY = "api:v1:fast-version"
VERSION_SECONDS = 2
ENTRY_SECONDS = 600
MAX_BYTES = 2 << 20
LOCAL_BYTES = 32 << 20  # per process
ACCEPTS = frozenset({"", "*/*", "application/json", "text/csv", "application/geo+json"})
# Every query parameter of a GET operation in the schema (a test checks this set against the schema).
KNOWN_PARAMETERS = frozenset({
    "area", "detail", "dialect", "format", "indicator", "insets", "level", "limit", "offset", "parent",
    "parent_level", "period", "q", "release", "sex", "theme",
})
# Headers of the finished response that belong to one exchange, not to the body.
_NOT_KEPT = frozenset({"set-cookie", "date"})
_MARK = "_atlas_fast_cacheable"


def mark_cacheable(response, file: Path | None = None) -> None:
    """Called by views whose body depends only on what the entry key holds and the data version; ``file``:
    the body is that file (a large body kept on disk), and the entry holds its path, not its bytes."""
    setattr(response, _MARK, str(file) if file else True)


def _size(entry) -> int:
    return len(entry[3]) if isinstance(entry[3], bytes) else 0


def api_version_forget() -> None:
    """Drop the cached data version: the next request reads it from the database (after a publication)."""
    cache.delete(VERSION_KEY)


def _current_version() -> str:
    from indicators.selectors.releases import api_data_version

    token = api_data_version().token
    cache.set(VERSION_KEY, token, VERSION_SECONDS)
    return token


def entry_key(request) -> str | None:
    """The entry's key, or None when this request must go through the whole stack."""
    meta = request.META
    if request.method != "GET" or not request.path.startswith(PREFIX) or "HTTP_AUTHORIZATION" in meta:
        return None
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        return None
    accept = meta.get("HTTP_ACCEPT", "").strip()
    if accept not in ACCEPTS:
        return None
    pairs = parse_qsl(meta.get("QUERY_STRING", ""), keep_blank_values=True)
    if any(name not in KNOWN_PARAMETERS for name, _value in pairs):
        return None
    language = translation.get_language_from_request(request, check_path=False)
    gzip = "gzip" in meta.get("HTTP_ACCEPT_ENCODING", "")
    raw = repr((request.path, sorted(pairs), language, accept, gzip, "HTTP_ORIGIN" in meta))
    return "api:v1:fast:" + hashlib.sha256(raw.encode()).hexdigest()[:40]


class _ThrottleRequest:
    """What DRF's AnonRateThrottle reads of a request: the user and the client address."""

    user = AnonymousUser()

    def __init__(self, request):
        self.META, self.headers = request.META, request.headers


def _throttle_allows(request) -> bool:
    from rest_framework.throttling import AnonRateThrottle

    return AnonRateThrottle().allow_request(_ThrottleRequest(request), None)  # no rate: True, no cache call


def _replay(request, entry) -> HttpResponse | None:
    _token, status, headers, body = entry
    if isinstance(body, bytes):
        response = HttpResponse(body, status=status)
    else:  # a file of config/api_files.py, sent with sendfile
        try:
            response = FileResponse(open(body, "rb"), status=status)
        except OSError:  # removed with its version, or kept on another machine
            return None
    for name, value in headers:
        response[name] = value
    last_modified = parse_http_date_safe(response.get("Last-Modified", ""))
    conditional = get_conditional_response(request, etag=response.get("ETag"), last_modified=last_modified,
                                           response=response)
    return response if conditional is None else conditional


class LocalEntries:
    """The most recently used entries of this process, up to ``budget`` bytes of bodies: a hit then costs
    one small Redis read (the version) instead of moving the body out of Redis and unpickling it (a 328 KB
    GeoJSON ran at 38% of the static file's throughput that way). Safe because an entry is only served
    while its version is the current one."""

    def __init__(self, budget: int):
        self.budget, self.used, self._entries, self._lock = budget, 0, OrderedDict(), threading.Lock()

    def get(self, key: str):
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: str, entry) -> None:
        with self._lock:
            old = self._entries.pop(key, None)
            self.used += _size(entry) - (_size(old) if old else 0)
            self._entries[key] = entry
            while self.used > self.budget and self._entries:
                _key, dropped = self._entries.popitem(last=False)
                self.used -= _size(dropped)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.used = 0


local_entries = LocalEntries(LOCAL_BYTES)


def _keepable_body(response) -> bytes | str | None:
    """The body to keep (bytes, or the path of the file it is), or None when the response is not kept."""
    mark = getattr(response, _MARK, False)
    if not mark or response.status_code != 200 or response.cookies:
        return None
    if isinstance(mark, str):
        return mark
    if response.streaming or len(response.content) > MAX_BYTES:
        return None
    return response.content


class ApiFastCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = entry_key(request)
        if key is None:
            return self.get_response(request)
        entry = local_entries.get(key)
        if entry is not None:
            version = cache.get(VERSION_KEY) or _current_version()
        else:
            found = cache.get_many([key, VERSION_KEY])
            version, entry = found.get(VERSION_KEY), found.get(key)
            if entry is not None:
                version = version or _current_version()
                local_entries.put(key, entry)
        if entry is not None and entry[0] == version and _throttle_allows(request):
            response = _replay(request, entry)
            if response is not None:
                return response
        response = self.get_response(request)
        body = _keepable_body(response)
        if body is not None:
            headers = [(k, v) for k, v in response.items() if k.lower() not in _NOT_KEPT]
            # The version read before the view ran: if a publication came in between, the entry is merely
            # stale (never served), never newer data under an older version.
            entry = (version or _current_version(), 200, headers, body)
            cache.set(key, entry, ENTRY_SECONDS)
            local_entries.put(key, entry)
        return response
