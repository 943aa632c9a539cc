"""The levels, area list and area detail endpoints on a small hand-made geography."""

import pytest
from rest_framework.test import APIClient

from tests.geo.geoweb_geography import build_small_france

pytestmark = pytest.mark.django_db


@pytest.fixture
def geo():
    return build_small_france()


@pytest.fixture
def api():
    return APIClient()


def codes(response):
    assert response.status_code == 200, response.content
    return [row["code"] for row in response.json()["results"]]


def test_levels_come_largest_first_with_their_area_counts(api, geo):
    rows = api.get("/api/v1/levels/").json()
    assert [r["code"] for r in rows] == ["country", "region", "department", "epci", "commune", "territory"]
    counts = {r["code"]: r["area_count"] for r in rows}
    assert counts == {"country": 1, "region": 4, "department": 5, "epci": 6, "commune": 10, "territory": 1}
    assert rows[2]["label"] == "Département"


def test_levels_are_labelled_in_english_when_asked(api, geo):
    rows = api.get("/api/v1/levels/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert {r["code"]: r["label"] for r in rows}["department"] == "Department"
    assert {r["code"]: r["label"] for r in rows}["country"] == "Country"


def test_communes_of_finistere_are_listed_through_memberships(api, geo):
    assert codes(api.get("/api/v1/areas/", {"level": "commune", "parent": "29"})) == ["29024", "29026", "29042", "29222"]


def test_epcis_touching_a_department_include_those_crossing_its_border(api, geo):
    # CC Poher Communauté is attached to Finistère but also holds Plévin in Côtes-d'Armor.
    assert codes(api.get("/api/v1/areas/", {"level": "epci", "parent": "22"})) == ["242900744"]
    assert codes(api.get("/api/v1/areas/", {"level": "epci", "parent": "29"})) == ["200066868", "200067247", "242900744"]


def test_communes_of_a_region_and_of_an_epci(api, geo):
    assert codes(api.get("/api/v1/areas/", {"level": "commune", "parent": "242900744"})) == ["22202", "29024"]
    assert codes(api.get("/api/v1/areas/", {"level": "department", "parent": "53"})) == ["22", "29"]


def test_an_ambiguous_parent_code_means_the_closest_level_unless_parent_level_says_otherwise(api, geo):
    # 53 is both Bretagne (region) and Mayenne (department).
    assert codes(api.get("/api/v1/areas/", {"level": "commune", "parent": "53"})) == ["53130"]
    by_region = api.get("/api/v1/areas/", {"level": "commune", "parent": "53", "parent_level": "region"})
    assert codes(by_region) == ["22202", "29024", "29026", "29042", "29222"]


def test_list_rows_carry_population_density_and_parent(api, geo):
    row = api.get("/api/v1/areas/", {"level": "commune", "q": "29026"}).json()["results"][0]
    assert row == {"level": "commune", "code": "29026", "name": "Châteaulin", "population": 5085, "area_km2": 20.0,
                   "density": pytest.approx(254.25), "is_overseas": False, "parent_code": "29"}


def test_the_list_is_paginated_by_limit_and_offset(api, geo):
    page = api.get("/api/v1/areas/", {"level": "commune", "limit": 3, "offset": 3}).json()
    assert page["count"] == 10
    assert len(page["results"]) == 3
    assert "offset=6" in page["next"]


def test_unknown_parent_and_bad_level_are_refused_with_a_message(api, geo):
    unknown = api.get("/api/v1/areas/", {"level": "commune", "parent": "99"})
    assert unknown.status_code == 400
    assert "99" in unknown.json()["parent"][0]
    bad_level = api.get("/api/v1/areas/", {"level": "canton"})
    assert bad_level.status_code == 400
    assert "level" in bad_level.json()


def test_a_department_detail_has_its_parents_children_and_territories(api, geo):
    body = api.get("/api/v1/areas/department/29/").json()
    assert (body["code"], body["name"], body["population"], body["area_km2"]) == ("29", "Finistère", 919056, 6733.0)
    assert body["density"] == pytest.approx(919056 / 6733.0)
    assert [(p["level"], p["code"]) for p in body["parents"]] == [("country", "FR"), ("region", "53")]
    children = [(c["level"], c["code"]) for c in body["children"]]
    # By level, then name: CC Pleyben..., CC Poher... (crossing into Côtes-d'Armor), CC Presqu'île...
    assert children == [("epci", "200067247"), ("epci", "242900744"), ("epci", "200066868"),
                        ("commune", "29024"), ("commune", "29026"), ("commune", "29042"), ("commune", "29222")]
    assert [t["code"] for t in body["territories"]] == ["ts-bretagne:T1"]


def test_a_commune_detail_lists_every_level_above_it(api, geo):
    body = api.get("/api/v1/areas/commune/29026/").json()
    assert [(p["level"], p["code"]) for p in body["parents"]] == [
        ("country", "FR"), ("region", "53"), ("department", "29"), ("epci", "200067247")]
    assert body["children"] == []


def test_an_epci_crossing_a_border_has_both_departments_as_parents(api, geo):
    body = api.get("/api/v1/areas/epci/242900744/").json()
    assert [(p["level"], p["code"]) for p in body["parents"]] == [
        ("country", "FR"), ("region", "53"), ("department", "22"), ("department", "29")]


def test_corsica_and_mayotte_are_reachable_by_their_codes(api, geo):
    corse = api.get("/api/v1/areas/department/2A/").json()
    assert [c["code"] for c in corse["children"] if c["level"] == "commune"] == ["2A001", "2A004"]
    mayotte = api.get("/api/v1/areas/department/976/").json()
    assert mayotte["is_overseas"] is True
    assert [(p["level"], p["code"]) for p in mayotte["parents"]] == [("country", "FR"), ("region", "06")]


def test_a_region_has_its_departments_as_children(api, geo):
    body = api.get("/api/v1/areas/region/53/").json()
    assert [(c["level"], c["code"]) for c in body["children"]] == [("department", "22"), ("department", "29")]


def test_a_territory_is_addressed_by_set_and_code(api, geo):
    body = api.get("/api/v1/areas/territory/ts-bretagne:T1/").json()
    assert (body["territory_set"], body["code"]) == ("ts-bretagne", "T1")
    assert [c["code"] for c in body["children"]] == ["29026", "29042"]
    assert ("department", "29") in [(p["level"], p["code"]) for p in body["parents"]]


@pytest.mark.parametrize("url", ["/api/v1/areas/canton/29/", "/api/v1/areas/department/20/",
                                 "/api/v1/areas/territory/T1/", "/api/v1/areas/territory/nope:T1/"])
def test_unknown_levels_and_codes_are_not_found(api, geo, url):
    assert api.get(url).status_code == 404
