"""factory_boy factories for the geography, shared by every test package.

Kept deliberately small and stable: AreaFactory(level=..., code=..., name=..., parent=...) and friends.
``search_name`` follows ``name`` as the importer computes it.
"""

import factory

from geo.models import Area, AreaGeometry, CommuneAlias, CommuneMembership, Detail, Level, TerritorySet
from geo.text import normalize_name


class TerritorySetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TerritorySet
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"set-{n}")
    name = factory.LazyAttribute(lambda o: f"Territoires {o.code}")


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area

    level = Level.COMMUNE
    code = factory.Sequence(lambda n: f"{29000 + n:05d}")
    name = factory.LazyAttribute(lambda o: f"{o.level} {o.code}")
    search_name = factory.LazyAttribute(lambda o: normalize_name(o.name))
    parent = None
    population = 1000
    area_km2 = 10.0
    is_overseas = False
    has_geometry = False


class CommuneMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommuneMembership

    commune = factory.SubFactory(AreaFactory)
    area = factory.SelfAttribute("commune")
    level = factory.LazyAttribute(lambda o: o.area.level)


class AreaGeometryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AreaGeometry

    area = factory.SubFactory(AreaFactory, has_geometry=True)
    detail = Detail.ZOOMED
    geojson = '{"type":"Polygon","coordinates":[[[-4.1,48.0],[-4.0,48.0],[-4.0,48.1],[-4.1,48.1],[-4.1,48.0]]]}'
    inset_geojson = ""


class CommuneAliasFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommuneAlias

    code = factory.Sequence(lambda n: f"{75101 + n}")
    commune = factory.SubFactory(AreaFactory)
    kind = "arrondissement-municipal"
    name = ""
