"""A published indicator on the engine cast (Bretagne: Brest, Quimper in 29, Vannes in 56; Vannes' women
under 10 deaths a year, withheld), department geometries for GeoJSON, and a clean cache per test."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from geo.models import AreaGeometry, Detail
from indicators.services import runs
from tests.indicators.compute_cast import build_engine_cast

SQUARE = '{"type":"Polygon","coordinates":[[[%s,48.0],[%s,48.0],[%s,48.5],[%s,48.5],[%s,48.0]]]}'


def publish(*codes):
    return runs.run_execute(runs.run_create(codes=list(codes)).pk)


@pytest.fixture
def published(db):
    cache.clear()
    cast = build_engine_cast()
    for x, code in ((-4.5, "29"), (-3.0, "56")):
        AreaGeometry.objects.create(area=cast.areas[code], detail=Detail.NATIONAL,
                                    geojson=SQUARE % (x, x + 1, x + 1, x, x))
    publish(cast.indicator.code)
    yield cast
    cache.clear()


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def handmade(published):
    from indicators.models import Dataset
    from tests.api.handmade import build_handmade

    simulated = Dataset.objects.create(code="simule", name="Simulé", simulated=True)
    release, indicator, simulated_indicator = build_handmade(published.areas, published.population,
                                                             simulated_dataset=simulated)
    cache.clear()
    return release, indicator, simulated_indicator
