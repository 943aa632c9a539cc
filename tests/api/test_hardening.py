"""The API tried as an attacker would: out-of-range numbers, NUL bytes, unknown codes, junk parameters and a
forged Host give 400s or harmless answers, never a 500, a poisoned cache or an unbounded page."""

import pytest
from django.core.cache import cache
from django.test import override_settings

from config import api_cache
from indicators.models import Run
from indicators.services import run_records

pytestmark = pytest.mark.django_db
BIG = "9223372036854775808"


@pytest.mark.parametrize("url", ["/api/v1/values/", "/api/v1/areas/"])
@pytest.mark.parametrize("param", ["limit", "offset"])
def test_an_out_of_range_page_number_is_a_400_naming_the_parameter(published, api, url, param):
    response = api.get(url, {param: BIG})
    assert response.status_code == 400
    assert param in response.json() and "9223372036854775808" in response.json()[param][0]


def test_a_page_larger_than_the_cap_is_refused_not_served(published, api):
    response = api.get("/api/v1/values/", {"limit": "100000000"})
    assert response.status_code == 400 and "5000" in response.json()["limit"][0]
    assert api.get("/api/v1/values/", {"limit": "5000"}).status_code == 200


@pytest.mark.parametrize("url", ["/api/v1/areas/department/%00/", "/api/v1/values/?area=%00",
                                 "/api/v1/indicators/%00/values/"])
def test_a_nul_byte_in_the_path_or_query_is_a_400(published, api, url):
    assert api.get(url).status_code == 400


@pytest.mark.parametrize(("param", "value", "accepted"), [
    ("indicator", "inconnu", "mortalite-generale"),
    ("level", "canton", "department"),
    ("sex", "X", "M, F, T"),
    ("period", "2019-20", "2015..2020"),
    ("release", "999", "Valeurs acceptées :"),
    ("release", "-1", ""),
    ("parent_level", "planet", "region"),
    ("format", "xml", "csv"),
    ("dialect", "excel-de", "excel-fr"),
])
def test_a_bad_filter_is_a_400_naming_the_parameter_and_the_accepted_values(published, api, param, value, accepted):
    response = api.get("/api/v1/values/", {param: value})
    assert response.status_code == 400, response.content
    (message,) = response.json()[param]
    assert value in message and accepted in message


def test_an_unknown_area_is_a_400_naming_it(published, api):
    response = api.get("/api/v1/values/", {"area": "29,99", "level": "department"})
    assert response.status_code == 400
    assert "99" in response.json()["area"][0] and "/api/v1/areas/" in response.json()["area"][0]


def test_errors_are_french_by_default_and_english_when_asked(published, api):
    french = api.get("/api/v1/values/", {"sex": "X"}).json()["sex"][0]
    english = api.get("/api/v1/values/", {"sex": "X"}, HTTP_ACCEPT_LANGUAGE="en").json()["sex"][0]
    assert "Valeurs acceptées : M, F, T." in french
    assert "Accepted values: M, F, T." in english


def test_junk_parameters_neither_change_the_key_nor_add_cache_entries(published, api, monkeypatch):
    first = api.get("/api/v1/values/", {"level": "department"})
    writes = []
    real_set = api_cache.cache.set
    monkeypatch.setattr(api_cache.cache, "set", lambda *a, **k: (writes.append(a[0]), real_set(*a, **k)))
    for n in range(5):
        junk = api.get("/api/v1/values/", {"level": "department", f"junk{n}": "x" * 5000})
        assert junk.status_code == 200 and junk["ETag"] == first["ETag"]
    assert writes == []


def test_a_forged_host_never_reaches_the_links_served_to_others(published, api):
    forged = api.get("/api/v1/values/", {"limit": 2}, HTTP_HOST="localhost:9999").json()
    assert forged["next"] == "/api/v1/values/?limit=2&offset=2"
    honest = api.get("/api/v1/values/", {"limit": 2}).json()
    assert honest["next"] == forged["next"]
    assert "9999" not in api.get("/api/v1/areas/", {"limit": 1}, HTTP_HOST="localhost:9999").json()["next"]


@override_settings(ATLAS_PUBLIC_BASE_URL="https://atlas.example.fr")
def test_links_use_the_configured_public_base_url(published, api):
    assert api.get("/api/v1/values/", {"limit": 2}).json()["next"] == (
        "https://atlas.example.fr/api/v1/values/?limit=2&offset=2")


def test_the_api_root_lists_the_endpoints_and_the_old_schema_address_redirects(published, api):
    names = {e["name"]: e["url"] for e in api.get("/api/v1/").json()["endpoints"]}
    assert names["values"] == "/api/v1/values/" and names["schema"] == "/api/v1/schema/"
    redirect = api.get("/api/schema/?format=json")
    assert redirect.status_code == 301 and redirect["Location"] == "/api/v1/schema/?format=json"
    assert "/api/v1/values/" in api.get("/api/v1/schema/?format=json").json()["paths"]


def test_a_public_run_shows_progress_and_a_short_log_without_class_break_dumps(published, api):
    run = Run.objects.get()
    run_records.run_log(run.pk, "mortalite-generale: 42 values; class breaks " + "{'x': [1.0, 2.0]} " * 5000)
    body = api.get(f"/api/v1/runs/{run.pk}/").json()
    assert body["progress"] == 1.0
    assert len(body["log_tail"]) <= 20 and all(len(line) <= 200 for line in body["log_tail"])
    assert not any("class breaks" in line for line in body["log_tail"])
    assert body["log_tail"][-1].endswith("mortalite-generale: 42 values")


def test_every_get_has_validators_and_a_matching_request_is_a_304(published, api):
    response = api.get("/api/v1/values/", {"level": "department"})
    assert response["ETag"] and response["Last-Modified"]
    again = api.get("/api/v1/values/", {"level": "department"}, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304 and again.content == b""
    since = api.get("/api/v1/values/", {"level": "department"}, HTTP_IF_MODIFIED_SINCE=response["Last-Modified"])
    assert since.status_code == 304


def test_cors_is_open_for_reads_only(published, api):
    read = api.get("/api/v1/values/", HTTP_ORIGIN="https://ailleurs.example")
    assert read["Access-Control-Allow-Origin"] == "*"
    preflight = api.options("/api/v1/runs/", HTTP_ORIGIN="https://ailleurs.example",
                            HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    assert "POST" not in preflight.get("Access-Control-Allow-Methods", "")


def test_anonymous_clients_are_throttled_at_the_configured_rate(published, api):
    from rest_framework.settings import api_settings
    from rest_framework.throttling import AnonRateThrottle

    cache.clear()
    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "anon": "3/minute"}
    original = AnonRateThrottle.THROTTLE_RATES
    AnonRateThrottle.THROTTLE_RATES = rates
    try:
        codes = [api.get("/api/v1/levels/").status_code for _ in range(4)]
    finally:
        AnonRateThrottle.THROTTLE_RATES = original
    assert codes == [200, 200, 200, 429]


@pytest.mark.parametrize("url", ["/api/v1/", "/api/v1/levels/", "/api/v1/areas/", "/api/v1/areas/department/29/",
                                 "/api/v1/geojson/department/", "/api/v1/themes/", "/api/v1/indicators/",
                                 "/api/v1/indicators/mortalite-generale/", "/api/v1/profiles/department/29/",
                                 "/api/v1/releases/", "/api/v1/runs/", "/api/v1/values/?format=csv"])
def test_every_get_carries_etag_and_last_modified_and_answers_304(published, api, url):
    response = api.get(url)
    assert response.status_code == 200 and response["ETag"] and response["Last-Modified"], url
    assert api.get(url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    assert api.get(url, HTTP_IF_MODIFIED_SINCE=response["Last-Modified"]).status_code == 304
