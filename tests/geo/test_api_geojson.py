"""The GeoJSON endpoint: features, parent filter, insets, caching headers, conditional requests, errors."""

import gzip
import json

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from geo.models import AreaGeometry
from geo.selectors import area_geojson, geography_cache_invalidate
from tests.geo.geoweb_geography import build_small_france, square

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def geo():
    cache.clear()
    return build_small_france()


@pytest.fixture
def api():
    return APIClient()


def features(response):
    assert response.status_code == 200, response.content
    return json.loads(response.content)["features"]


def test_departments_come_as_a_geojson_feature_collection(api):
    response = api.get("/api/v1/geojson/department/")
    assert response["Content-Type"] == "application/geo+json"
    body = json.loads(response.content)
    assert body["type"] == "FeatureCollection"
    finistere = next(f for f in body["features"] if f["id"] == "29")
    assert finistere["type"] == "Feature"
    assert finistere["properties"] == {"code": "29", "name": "Finistère", "level": "department",
                                       "population": 919056, "area_km2": 6733.0}
    assert finistere["geometry"]["type"] == "Polygon"
    assert [f["id"] for f in body["features"]] == ["22", "29", "2A", "53", "976"]


def test_national_department_map_draws_mayotte_in_its_inset_by_default(api):
    mayotte = next(f for f in features(api.get("/api/v1/geojson/department/")) if f["id"] == "976")
    assert mayotte["geometry"]["coordinates"][0][0] == [-3.0, 43.0]
    true_place = next(f for f in features(api.get("/api/v1/geojson/department/", {"insets": "false"}))
                      if f["id"] == "976")
    assert true_place["geometry"]["coordinates"][0][0] == [45.1, -12.9]


def test_insets_are_off_by_default_with_a_parent_or_at_zoomed_detail(api):
    zoomed = next(f for f in features(api.get("/api/v1/geojson/department/", {"detail": "zoomed"})) if f["id"] == "976")
    assert zoomed["geometry"]["coordinates"][0][0] == [45.1, -12.9]
    in_region = features(api.get("/api/v1/geojson/department/", {"parent": "06"}))
    assert in_region[0]["geometry"]["coordinates"][0][0] == [45.1, -12.9]
    forced = features(api.get("/api/v1/geojson/department/", {"parent": "06", "insets": "true"}))
    assert forced[0]["geometry"]["coordinates"][0][0] == [-3.0, 43.0]


def test_the_communes_of_one_department_at_zoomed_detail(api):
    got = features(api.get("/api/v1/geojson/commune/", {"parent": "29", "detail": "zoomed"}))
    assert [f["properties"]["code"] for f in got] == ["29024", "29026", "29042", "29222"]
    assert {f["properties"]["level"] for f in got} == {"commune"}
    corse = features(api.get("/api/v1/geojson/commune/", {"parent": "2A"}))
    assert [f["id"] for f in corse] == ["2A001", "2A004"]
    mayotte = features(api.get("/api/v1/geojson/commune/", {"parent": "976"}))
    assert [f["id"] for f in mayotte] == ["97611"]


def test_geometries_are_served_at_the_requested_detail(api, geo):
    AreaGeometry.objects.filter(area=geo["d29"], detail="zoomed").update(geojson=square(-5.0, 48.0, 0.5))
    zoomed = next(f for f in features(api.get("/api/v1/geojson/department/", {"detail": "zoomed"})) if f["id"] == "29")
    national = next(f for f in features(api.get("/api/v1/geojson/department/")) if f["id"] == "29")
    assert zoomed["geometry"]["coordinates"][0][0] == [-5.0, 48.0]
    assert national["geometry"]["coordinates"][0][0] == [-4.6, 48.0]


def test_it_answers_with_an_etag_a_public_cache_lifetime_and_304_when_unchanged(api):
    first = api.get("/api/v1/geojson/department/")
    etag = first["ETag"]
    assert etag.startswith('"') and len(etag) > 10
    assert "public" in first["Cache-Control"] and "max-age=3600" in first["Cache-Control"]
    again = api.get("/api/v1/geojson/department/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    other = api.get("/api/v1/geojson/department/", HTTP_IF_NONE_MATCH='"something-else"')
    assert other.status_code == 200


def test_a_gzipped_answer_carries_a_weak_etag_that_still_gets_304(api):
    first = api.get("/api/v1/geojson/department/", HTTP_ACCEPT_ENCODING="gzip")
    assert first["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(first.content))["type"] == "FeatureCollection"
    assert first["ETag"].startswith('W/"')
    again = api.get("/api/v1/geojson/department/", HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


def test_the_payload_is_built_once_then_served_from_the_cache(geo):
    with CaptureQueriesContext(connection) as building:
        first = area_geojson("commune", parent=geo["d29"])
    with CaptureQueriesContext(connection) as cached:
        second = area_geojson("commune", parent=geo["d29"])
    assert second == first
    # Building costs a fixed number of queries whatever the number of features; a cached answer
    # only checks the geography version.
    assert len(building) == 3
    assert len(cached) == 2


def test_a_geography_change_gives_a_new_etag(api, geo):
    before = api.get("/api/v1/geojson/department/")["ETag"]
    AreaGeometry.objects.filter(area=geo["d29"], detail="national").update(geojson=square(-5.0, 48.0, 0.5))
    assert api.get("/api/v1/geojson/department/")["ETag"] == before  # edited in place: still cached
    geography_cache_invalidate()
    after = api.get("/api/v1/geojson/department/")
    assert after["ETag"] != before
    assert api.get("/api/v1/geojson/department/", HTTP_IF_NONE_MATCH=before).status_code == 200


def test_a_bad_detail_is_refused_with_a_message_naming_it(api):
    response = api.get("/api/v1/geojson/department/", {"detail": "foo"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    message = response.json()["detail"][0]
    assert "foo" in message and "national" in message and "zoomed" in message


def test_bad_insets_and_unknown_parent_are_refused(api):
    assert "insets" in api.get("/api/v1/geojson/department/", {"insets": "perhaps"}).json()
    unknown = api.get("/api/v1/geojson/commune/", {"parent": "99"})
    assert unknown.status_code == 400
    assert "99" in unknown.json()["parent"][0]


def test_an_unknown_level_is_not_found(api):
    assert api.get("/api/v1/geojson/canton/").status_code == 404
