"""Helpers for tests that run the real geography import into the test database."""

from geo.models import Area, AreaGeometry, CommuneAlias, CommuneMembership, Level


def wipe_geography():
    CommuneAlias.objects.all().delete()
    AreaGeometry.objects.all().delete()
    CommuneMembership.objects.all().delete()
    for level in reversed(Level.values):  # children before parents (Area.parent is PROTECT)
        Area.objects.filter(level=level).delete()
