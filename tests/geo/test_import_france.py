"""Whole-France import, once per test session (module fixture): counts, sums and size budgets."""

import gzip
import json

import pytest
from django.db.models import Count, Sum

from geo.models import Area, AreaGeometry, CommuneAlias, CommuneMembership, Detail, Level
from geo.services import geography_import

from .test_import_geography import wipe_geography

pytestmark = pytest.mark.slow

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


def _gzipped_kb(rows) -> float:
    features = [{"type": "Feature", "properties": {"code": c, "name": n}, "geometry": json.loads(g)}
                for c, n, g in rows]
    text = json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":"))
    return len(gzip.compress(text.encode())) / 1024


def test_national_departments_with_insets_and_the_communes_of_a_department_fit_their_budgets(geo_db):
    national = AreaGeometry.objects.filter(area__level=Level.DEPARTMENT, detail=Detail.NATIONAL)
    rows = [(g.area.code, g.area.name, g.inset_geojson or g.geojson) for g in national.select_related("area")]
    assert len(rows) == 101 and _gzipped_kb(rows) <= 150
    for code in ("62", "02", "973"):  # the most communes, and the largest department
        zoomed = AreaGeometry.objects.filter(area__level=Level.COMMUNE, area__parent__code=code,
                                             detail=Detail.ZOOMED).select_related("area")
        assert _gzipped_kb([(g.area.code, g.area.name, g.geojson) for g in zoomed]) <= 250, code
