"""Whole-France import, once per test session (module fixture): counts, sums and the payload budgets of the
served GeoJSON (all departments with insets <= 150 KB gzipped; the communes of one department <= 250 KB,
checked here on the departments with the most communes; the benchmark checks all 101)."""

import json

import pytest
from django.core.cache import cache
from django.db.models import Count, Sum
from django.utils.text import compress_string

from geo.models import Area, CommuneAlias, CommuneMembership, Level
from geo.services import geography_import

from tests.geo.importing import wipe_geography

pytestmark = pytest.mark.slow

KB = 1024
WITHOUT_GEOMETRY = ["14666", "15031", "15035", "15047", "15171", "85165", "85212"]  # data README section 3


@pytest.fixture(scope="module")
def france(django_db_setup, django_db_blocker, data_dir):
    with django_db_blocker.unblock():
        wipe_geography()
        result = geography_import(data_dir)
        yield result
        wipe_geography()


@pytest.fixture
def geo_db(france, db):
    return france


def test_it_imports_every_level_of_france_without_the_com(geo_db):
    counts = dict(Area.objects.values_list("level").annotate(n=Count("id")).values_list("level", "n"))
    assert counts == {"country": 1, "region": 18, "department": 101, "epci": 1255, "commune": 34875}
    assert geo_db.skipped_com == 94
    assert not Area.objects.filter(code__in=["975", "977", "978", "984", "986", "987", "988", "989"]).exists()
    assert CommuneAlias.objects.filter(kind="arrondissement-municipal").count() == 45


def test_seven_communes_have_no_geometry_and_are_reported(geo_db):
    assert geo_db.without_geometry == WITHOUT_GEOMETRY
    assert sorted(Area.objects.filter(has_geometry=False).values_list("code", flat=True)) == WITHOUT_GEOMETRY


def test_populations_add_up_from_communes_to_france(geo_db):
    france = Area.objects.get(level=Level.COUNTRY)
    assert france.population == 68_350_798
    assert Area.objects.filter(level=Level.COMMUNE).aggregate(s=Sum("population"))["s"] == france.population
    for level in (Level.REGION, Level.DEPARTMENT, Level.EPCI):
        sums = dict(CommuneMembership.objects.filter(level=level).values_list("area_id")
                    .annotate(s=Sum("commune__population")).values_list("area_id", "s"))
        stored = dict(Area.objects.filter(level=level).values_list("id", "population"))
        assert stored == sums, level
    assert Area.objects.filter(level=Level.REGION).aggregate(s=Sum("population"))["s"] == france.population


def test_every_commune_has_one_department_one_region_and_at_most_one_epci(geo_db):
    per_level = dict(CommuneMembership.objects.values_list("level").annotate(n=Count("id"))
                     .values_list("level", "n"))
    assert per_level == {"commune": 34875, "department": 34875, "region": 34875, "country": 34875, "epci": 34871}
    assert not (CommuneMembership.objects.values("commune_id", "level").annotate(n=Count("id"))
                .filter(n__gt=1).exists())


def test_all_departments_with_insets_fit_in_150_kb_gzipped(geo_db, client):
    cache.clear()
    response = client.get("/api/v1/geojson/department/", {"detail": "national"})
    features = json.loads(response.content)["features"]
    assert len(features) == 101
    assert len(compress_string(response.content)) <= 150 * KB


def test_the_communes_of_the_departments_with_most_communes_fit_in_250_kb_gzipped(geo_db, client):
    largest = (Area.objects.filter(level=Level.COMMUNE).values("parent__code").annotate(n=Count("id"))
               .order_by("-n").values_list("parent__code", flat=True)[:3])
    assert "62" in largest  # Pas-de-Calais, the department with the most communes
    for code in [*largest, "973"]:  # and Guyane, the largest by area
        for detail in ("national", "zoomed"):
            response = client.get("/api/v1/geojson/commune/",
                                  {"parent": code, "parent_level": "department", "detail": detail})
            size = len(compress_string(response.content))
            assert size <= 250 * KB, f"communes of {code} ({detail}): {size / KB:.0f} KB gzipped"
