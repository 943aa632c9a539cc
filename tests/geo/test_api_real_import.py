"""The read API and payload budgets on the real import of Finistère 29, Corse-du-Sud 2A and Mayotte 976.

The geography is imported once for the module (``geography_import``) and wiped afterwards. Expected
values come from the COG files, not from the importer.
"""

import json

import pytest
from django.core.cache import cache
from django.utils.text import compress_string
from rest_framework.test import APIClient

from geo.models import Area, Level
from geo.services import geography_import
from tests.geo.importing import wipe_geography

DEPARTMENTS = ["29", "2A", "976"]
COMMUNES_OF_ONE_DEPARTMENT_BUDGET = 250 * 1024


@pytest.fixture(scope="module")
def imported(django_db_setup, django_db_blocker, data_dir):
    with django_db_blocker.unblock():
        wipe_geography()
        cache.clear()
        yield geography_import(data_dir, DEPARTMENTS)
        wipe_geography()


@pytest.fixture(scope="module")
def cog_communes(data_dir):
    rows = json.loads((data_dir / "cog/communes.json").read_text(encoding="utf-8"))
    return {c["code"]: c for c in rows if c["type"] == "commune-actuelle" and c["departement"] in DEPARTMENTS}


@pytest.fixture
def api(imported, db):
    return APIClient()


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


@pytest.mark.parametrize("q", ["chateaulin", "CHÂTEAULIN"])
def test_chateaulin_is_found_in_the_real_finistere(api, q):
    rows = results(api.get("/api/v1/areas/", {"q": q, "level": "commune"}))
    assert [(r["code"], r["name"]) for r in rows] == [("29026", "Châteaulin")]


def test_code_29042_is_crozon(api):
    assert results(api.get("/api/v1/areas/", {"q": "29042"}))[0]["name"] == "Crozon"


@pytest.mark.parametrize("department", DEPARTMENTS)
def test_a_department_lists_exactly_its_cog_communes(api, cog_communes, department):
    expected = sorted(code for code, c in cog_communes.items() if c["departement"] == department)
    rows = results(api.get("/api/v1/areas/", {"level": "commune", "parent": department, "limit": 1000}))
    assert sorted(r["code"] for r in rows) == expected
    detail = api.get(f"/api/v1/areas/department/{department}/").json()
    assert sorted(c["code"] for c in detail["children"] if c["level"] == "commune") == expected
    assert detail["population"] == sum(cog_communes[code]["population"] for code in expected)


def test_corsica_codes_and_mayotte_parents(api, cog_communes):
    corse = results(api.get("/api/v1/areas/", {"q": "2A00", "level": "commune"}))
    assert [r["code"] for r in corse] == sorted(c for c in cog_communes if c.startswith("2A00"))
    mamoudzou = api.get("/api/v1/areas/commune/97611/").json()
    assert [(p["level"], p["code"]) for p in mamoudzou["parents"]][:3] == [
        ("country", "FR"), ("region", "06"), ("department", "976")]
    assert mamoudzou["is_overseas"] is True


def test_finistere_epcis_include_poher_which_crosses_into_cotes_d_armor(api):
    codes = [r["code"] for r in results(api.get("/api/v1/areas/", {"level": "epci", "parent": "29"}))]
    assert "242900744" in codes
    poher = api.get("/api/v1/areas/epci/242900744/").json()
    assert "29" in [p["code"] for p in poher["parents"] if p["level"] == "department"]


@pytest.mark.parametrize("department", DEPARTMENTS)
@pytest.mark.parametrize("detail", ["national", "zoomed"])
def test_the_communes_of_a_department_fit_the_payload_budget(api, cog_communes, department, detail):
    response = api.get("/api/v1/geojson/commune/", {"parent": department, "detail": detail})
    assert response.status_code == 200
    body = json.loads(response.content)
    with_geometry = Area.objects.filter(level=Level.COMMUNE, has_geometry=True, parent__code=department).count()
    assert len(body["features"]) == with_geometry > 0
    gzipped = len(compress_string(response.content))
    assert gzipped <= COMMUNES_OF_ONE_DEPARTMENT_BUDGET, f"{department} {detail}: {gzipped} bytes gzipped"


def test_mayotte_is_in_its_inset_on_the_national_department_map(api):
    def first_lon(params):
        features = json.loads(api.get("/api/v1/geojson/department/", params).content)["features"]
        geometry = next(f for f in features if f["id"] == "976")["geometry"]
        ring = geometry["coordinates"][0] if geometry["type"] == "Polygon" else geometry["coordinates"][0][0]
        return ring[0][0]

    assert first_lon({}) < 0 < 44 < first_lon({"insets": "false"})
