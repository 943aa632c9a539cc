"""The response cache in front of the API (config/api_fastcache.py) and the disk copies of large bodies
(config/api_files.py): same bytes and headers as the full stack, never shared where it must not be."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.http import FileResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from config import api_fastcache
from indicators.api import values as values_api
from tests.api.conftest import publish

KEPT_HEADERS = ("Content-Type", "ETag", "Last-Modified", "Cache-Control", "Vary", "Content-Security-Policy",
                "Content-Language", "X-Content-Type-Options")


def _query(cast, **extra):
    return {"indicator": cast.indicator.code, "level": "department", "period": "2019", "sex": "T", **extra}


def test_a_repeated_get_is_answered_from_the_cache_without_a_query_and_with_the_same_headers(published, api):
    first = api.get("/api/v1/values/", _query(published))
    with CaptureQueriesContext(connection) as queries:
        again = api.get("/api/v1/values/", _query(published))
    assert len(queries) == 0
    assert again.status_code == 200 and again.content == first.content
    for name in KEPT_HEADERS:
        assert again.get(name) == first.get(name), name


def test_the_entry_answers_if_none_match_and_if_modified_since_with_a_304(published, api):
    first = api.get("/api/v1/profiles/department/29/")
    api.get("/api/v1/profiles/department/29/")
    assert api.get("/api/v1/profiles/department/29/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    since = api.get("/api/v1/profiles/department/29/", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304 and since["ETag"] == first["ETag"]


def test_parameter_order_does_not_matter_but_language_and_format_do(published, api):
    api.get("/api/v1/values/", _query(published))
    with CaptureQueriesContext(connection) as queries:
        api.get("/api/v1/values/?sex=T&period=2019&level=department&indicator=" + published.indicator.code)
    assert len(queries) == 0
    english = api.get("/api/v1/values/", _query(published), HTTP_ACCEPT_LANGUAGE="en")
    assert english["Content-Language"] == "en"
    csv = api.get("/api/v1/values/", _query(published), HTTP_ACCEPT="text/csv")
    assert csv["Content-Type"].startswith("text/csv")


def test_junk_parameter_names_and_odd_accept_headers_never_make_an_entry():
    factory = RequestFactory()
    assert api_fastcache.entry_key(factory.get("/api/v1/values/", {"level": "department", "x": "1"})) is None
    assert api_fastcache.entry_key(factory.get("/api/v1/values/", HTTP_ACCEPT="text/html, */*")) is None
    assert api_fastcache.entry_key(factory.get("/api/v1/values/", {"level": "department"})) is not None
    assert api_fastcache.entry_key(factory.post("/api/v1/values/")) is None
    assert api_fastcache.entry_key(factory.get("/indicateurs/")) is None


def test_junk_parameter_values_are_400s_that_are_never_kept(published, api):
    assert api.get("/api/v1/values/", {"level": "nowhere"}).status_code == 400
    key = api_fastcache.entry_key(RequestFactory().get("/api/v1/values/", {"level": "nowhere"}))
    assert cache.get(key) is None


def test_signed_in_and_token_requests_go_through_the_whole_stack(published, api, django_user_model):
    user = django_user_model.objects.create_user("lecteur", password="x-long-enough-1")
    token = Token.objects.create(user=user)
    factory = RequestFactory()
    assert api_fastcache.entry_key(factory.get("/api/v1/values/", HTTP_AUTHORIZATION=f"Token {token.key}")) is None
    signed_in = factory.get("/api/v1/values/")
    signed_in.COOKIES["sessionid"] = "abc"
    assert api_fastcache.entry_key(signed_in) is None


def test_a_publication_is_served_at_once_although_the_version_is_cached(published, api):
    before = api.get("/api/v1/values/", _query(published))
    api.get("/api/v1/values/", _query(published))  # the entry and the cached version are both there
    publish(published.indicator.code)
    after = api.get("/api/v1/values/", _query(published))
    assert after["ETag"] != before["ETag"]


def test_an_entry_of_an_older_version_is_never_served(published, api):
    before = api.get("/api/v1/values/", _query(published))
    cache.set(api_fastcache.VERSION_KEY, "a-newer-version", 60)
    with CaptureQueriesContext(connection) as queries:
        again = api.get("/api/v1/values/", _query(published))
    assert len(queries) > 0 and again.content == before.content  # rebuilt through the view


def test_a_throttled_client_gets_its_429_on_a_cached_response(published, api):
    from rest_framework.settings import api_settings
    from rest_framework.throttling import AnonRateThrottle

    cache.clear()
    original = AnonRateThrottle.THROTTLE_RATES
    AnonRateThrottle.THROTTLE_RATES = {**api_settings.DEFAULT_THROTTLE_RATES, "anon": "3/minute"}
    try:
        codes = [api.get("/api/v1/values/", _query(published)).status_code for _ in range(5)]
    finally:
        AnonRateThrottle.THROTTLE_RATES = original
    assert codes == [200, 200, 200, 429, 429]


def test_every_query_parameter_of_the_schema_is_known_to_the_cache(published, api):
    schema = api.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    names = {p["name"] for path in schema["paths"].values() for op in path.values() if isinstance(op, dict)
             for p in op.get("parameters", []) if p["in"] == "query"}
    assert names - {"format"} <= api_fastcache.KNOWN_PARAMETERS
    assert api_fastcache.KNOWN_PARAMETERS - names <= {"format"}


# --- large bodies on disk ------------------------------------------------------------------------------------

@pytest.fixture
def small_streams(monkeypatch):
    monkeypatch.setattr(values_api, "STREAM_FROM_ROWS", 1)


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_a_large_csv_is_streamed_once_then_sent_as_a_file(published, api, small_streams, settings):
    query = {"indicator": published.indicator.code, "format": "csv"}
    first = api.get("/api/v1/values/", query)
    body = _body(first)
    kept = [p for p in settings.ATLAS_EXPORT_CACHE_DIR.rglob("*") if p.is_file()]
    assert len(kept) == 1 and kept[0].read_bytes() == body
    again = api.get("/api/v1/values/", query)
    assert isinstance(again, FileResponse)  # sent with sendfile by the WSGI server
    assert _body(again) == body and again["ETag"] == first["ETag"]
    assert again["Content-Disposition"] == first["Content-Disposition"]


def test_a_client_that_leaves_mid_body_leaves_no_file(published, api, small_streams, settings):
    response = api.get("/api/v1/values/", {"indicator": published.indicator.code, "format": "csv"})
    stream = iter(response.streaming_content)
    next(stream)
    response.close()  # what the WSGI server does when the client disconnects
    assert [p for p in settings.ATLAS_EXPORT_CACHE_DIR.rglob("*") if p.is_file()] == []


def test_a_publication_removes_the_files_of_the_older_version(published, api, small_streams, settings):
    query = {"indicator": published.indicator.code, "format": "csv"}
    _body(api.get("/api/v1/values/", query))
    old = [p for p in settings.ATLAS_EXPORT_CACHE_DIR.iterdir()]
    publish(published.indicator.code)
    _body(api.get("/api/v1/values/", query))
    now = [p for p in settings.ATLAS_EXPORT_CACHE_DIR.iterdir()]
    assert len(old) == len(now) == 1 and old != now


def test_no_file_is_kept_past_the_configured_size(published, api, small_streams, settings):
    settings.ATLAS_EXPORT_CACHE_MB = 0
    response = api.get("/api/v1/values/", {"indicator": published.indicator.code, "format": "csv"})
    assert _body(response).startswith(b"\xef\xbb\xbfindicator_code")
    assert [p for p in settings.ATLAS_EXPORT_CACHE_DIR.rglob("*") if p.is_file()] == []


def test_the_local_entries_keep_to_their_byte_budget():
    local = api_fastcache.LocalEntries(budget=10)
    local.put("a", ("v", 200, [], b"123456"))
    local.put("b", ("v", 200, [], b"1234"))
    local.get("a")  # a is now the most recently used
    local.put("c", ("v", 200, [], b"12345"))
    assert local.get("b") is None and local.get("a") is None and local.get("c") is not None
    assert local.used == 5


def test_a_large_csv_on_disk_is_then_sent_before_the_view_runs(published, api, small_streams, settings):
    query = {"indicator": published.indicator.code, "format": "csv"}
    body = _body(api.get("/api/v1/values/", query))
    _body(api.get("/api/v1/values/", query))  # from the file, through the view: the entry keeps its path
    with CaptureQueriesContext(connection) as queries:
        again = api.get("/api/v1/values/", query)
        assert isinstance(again, FileResponse) and _body(again) == body
    assert len(queries) == 0 and again["Content-Type"].startswith("text/csv")
    for kept in settings.ATLAS_EXPORT_CACHE_DIR.rglob("*"):  # the file gone (its version removed): rebuilt
        if kept.is_file():
            kept.unlink()
    assert _body(api.get("/api/v1/values/", query)) == body
