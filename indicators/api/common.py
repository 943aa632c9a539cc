"""Helpers shared by the indicator API views: cached, conditional JSON and CSV bodies on the data version."""

from __future__ import annotations

from collections.abc import Callable

from rest_framework.utils.encoders import JSONEncoder

from config.api_cache import cached_response, response_key
from indicators.selectors.releases import api_data_version

_encoder = JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def json_bytes(data) -> bytes:
    return _encoder.encode(data).encode()


def cached_json(request, params: dict, build: Callable[[], object]):
    """``build()``'s JSON, cached on the data version and ``params`` (the parsed, recognised parameters)."""
    version = api_data_version()
    key = response_key(version.token, request, params, "json")
    return cached_response(request, key, version.last_modified, lambda: json_bytes(build()), "application/json")


def cached_csv(request, params: dict, build: Callable[[], bytes], filename: str):
    version = api_data_version()
    key = response_key(version.token, request, params, "csv")
    return cached_response(request, key, version.last_modified, build, "text/csv; charset=utf-8",
                           headers={"Content-Disposition": f'attachment; filename="{filename}"'})


__all__ = ["cached_csv", "cached_json", "json_bytes"]
