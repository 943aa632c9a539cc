"""Cached, conditional GET responses for the API.

A body is a pure function of (data version, path, the *recognised* parameters once parsed, format,
language): the cache key holds exactly these, so junk parameters neither create entries nor change the key,
and a new publication (which changes the data version) invalidates every entry at once. The ETag is that
key's hash, so a matching ``If-None-Match`` is answered 304 before anything is read or built. Bodies never
hold the request's Host (links are relative or under ATLAS_PUBLIC_BASE_URL).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import datetime

from django.core.cache import cache
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date
from django.utils.translation import get_language

from config import api_files
from config.api_fastcache import mark_cacheable

CACHE_SECONDS = 600
MAX_CACHED_BYTES = 8 << 20  # larger bodies are rebuilt each time rather than filling Redis
MAX_AGE = 60


def response_key(version: str, request, params: dict, fmt: str) -> str:
    canonical = repr(sorted((k, v) for k, v in params.items() if v not in (None, "", [])))
    raw = f"{version}|{request.path}|{canonical}|{fmt}|{get_language()}"
    return "api:v1:" + hashlib.sha256(raw.encode()).hexdigest()[:40]


def _finish(response, etag: str, last_modified: datetime | None):
    response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified.timestamp())
    patch_cache_control(response, public=True, max_age=MAX_AGE)
    patch_vary_headers(response, ["Accept", "Accept-Language"])
    return response


def cached_response(request, key: str, last_modified: datetime | None, build: Callable[[], bytes],
                    content_type: str, *, headers: dict | None = None) -> HttpResponse:
    """304 when the client holds this body; else the body from the cache, or built and cached."""
    etag = f'"{key[-32:]}"'
    not_modified = get_conditional_response(
        request, etag=etag, last_modified=last_modified.timestamp() if last_modified else None)
    if not_modified is not None:
        return _finish(not_modified, etag, last_modified)
    content = cache.get(key)
    if content is None:
        content = build()
        if len(content) <= MAX_CACHED_BYTES:
            cache.set(key, content, CACHE_SECONDS)
    response = HttpResponse(content, content_type=content_type)
    for name, value in (headers or {}).items():
        response[name] = value
    mark_cacheable(response)
    return _finish(response, etag, last_modified)


def streamed_response(request, version: str, key: str, last_modified: datetime | None,
                      chunks: Callable[[], Iterable[bytes]], content_type: str, *, headers: dict | None = None):
    """The same validators for a body too large for the cache: streamed the first time and kept on disk,
    then sent as a file (config/api_files.py)."""
    etag = f'"{key[-32:]}"'
    not_modified = get_conditional_response(
        request, etag=etag, last_modified=last_modified.timestamp() if last_modified else None)
    if not_modified is not None:
        return _finish(not_modified, etag, last_modified)
    path = api_files.cached_file(version, key)
    if path is not None:
        response = FileResponse(path.open("rb"), content_type=content_type)
        mark_cacheable(response, file=path)
    else:
        response = StreamingHttpResponse(api_files.tee_to_file(version, key, chunks()), content_type=content_type)
    for name, value in (headers or {}).items():
        response[name] = value
    return _finish(response, etag, last_modified)
