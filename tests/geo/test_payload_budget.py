"""Payload budgets on the whole of France (one full import; the benchmark checks every department).

All departments with insets at national detail <= 150 KB gzipped; the communes of one department
<= 250 KB gzipped, checked here on the departments with the most communes.
"""

import json

import pytest
from django.core.cache import cache
from django.db.models import Count
from django.utils.text import compress_string
from rest_framework.test import APIClient

from geo.models import Area, Level
from geo.services import geography_import
from tests.geo.test_api_real_import import wipe_geography

pytestmark = pytest.mark.slow
KB = 1024


@pytest.fixture(scope="module")
def france(django_db_setup, django_db_blocker, data_dir):
    with django_db_blocker.unblock():
        wipe_geography()
        cache.clear()
        yield geography_import(data_dir, None)
        wipe_geography()


@pytest.fixture
def api(france, db):
    return APIClient()


def test_all_departments_with_insets_fit_in_150_kb_gzipped(api):
    response = api.get("/api/v1/geojson/department/", {"detail": "national"})
    features = json.loads(response.content)["features"]
    assert len(features) == 101
    assert len(compress_string(response.content)) <= 150 * KB


def test_the_communes_of_the_departments_with_most_communes_fit_in_250_kb_gzipped(api):
    largest = (Area.objects.filter(level=Level.COMMUNE).values("parent__code").annotate(n=Count("id"))
               .order_by("-n").values_list("parent__code", flat=True)[:3])
    assert "62" in largest  # Pas-de-Calais, the department with the most communes
    for code in largest:
        for detail in ("national", "zoomed"):
            response = api.get("/api/v1/geojson/commune/", {"parent": code, "parent_level": "department", "detail": detail})
            size = len(compress_string(response.content))
            assert size <= 250 * KB, f"communes of {code} ({detail}): {size / KB:.0f} KB gzipped"
