"""Territories: the areas every indicator is computed for and drawn on maps.

Communes are the atoms. Every other area (region, department, EPCI, user-defined territory) is a set
of communes, recorded in ``CommuneMembership``; aggregating through that table is correct even for EPCIs
that cross department borders and for custom territory sets. Geometries are stored as GeoJSON text so the
same schema runs on SQLite and on PostgreSQL without PostGIS.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    COUNTRY = "country", _("Pays")
    REGION = "region", _("Région")
    DEPARTMENT = "department", _("Département")
    EPCI = "epci", _("EPCI")
    COMMUNE = "commune", _("Commune")
    TERRITORY = "territory", _("Territoire")


# From largest to smallest; territories hang off France and are listed last.
LEVEL_ORDER = [Level.COUNTRY, Level.REGION, Level.DEPARTMENT, Level.EPCI, Level.COMMUNE, Level.TERRITORY]


class TerritorySet(models.Model):
    """A user-defined grouping of communes (an ARS's health territories, CPTS...), loaded from a CSV."""

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    source_file = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return self.name


class Area(models.Model):
    level = models.CharField(max_length=16, choices=Level.choices, db_index=True)
    # Codes are strings: leading zeros ("01"), Corsica ("2A"), overseas ("976"), SIREN for EPCIs.
    code = models.CharField(max_length=20)
    name = models.CharField(max_length=200)
    # Lower-case, accent-free name for portable accent-insensitive search ("chateaulin" finds "Châteaulin").
    search_name = models.CharField(max_length=200, db_index=True)
    territory_set = models.ForeignKey(TerritorySet, null=True, blank=True, on_delete=models.CASCADE, related_name="areas")
    # The administrative parent one level up (commune -> department, department -> region, region -> France;
    # an EPCI -> the department holding most of its population; a territory -> France).
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    population = models.BigIntegerField(null=True, blank=True)
    area_km2 = models.FloatField(null=True, blank=True)
    cog_vintage = models.PositiveSmallIntegerField(default=2026)
    is_overseas = models.BooleanField(default=False)
    has_geometry = models.BooleanField(default=False)

    class Meta:
        ordering = ["level", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["level", "code"], condition=models.Q(territory_set__isnull=True), name="area_unique_level_code"
            ),
            models.UniqueConstraint(
                fields=["territory_set", "code"],
                condition=models.Q(territory_set__isnull=False),
                name="area_unique_set_code",
            ),
        ]
        indexes = [models.Index(fields=["level", "parent"])]

    def __str__(self):
        return f"{self.name} ({self.code})"


class CommuneMembership(models.Model):
    """commune -> every area containing it (itself included), one row per (commune, area).

    The single source of truth for aggregation from communes to any level.
    """

    commune = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="memberships")
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="member_communes")
    level = models.CharField(max_length=16, choices=Level.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["commune", "area"], name="membership_unique")]
        indexes = [models.Index(fields=["area"]), models.Index(fields=["level", "commune"])]


class Detail(models.TextChoices):
    NATIONAL = "national", _("Vue nationale")
    ZOOMED = "zoomed", _("Vue rapprochée")


class AreaGeometry(models.Model):
    """Web geometries (WGS84 GeoJSON geometry objects) per area and level of detail.

    ``inset`` holds the display geometry for national maps, where the overseas departments are moved
    into insets beside metropolitan France; ``geojson`` is always the true position.
    """

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="geometries")
    detail = models.CharField(max_length=16, choices=Detail.choices)
    geojson = models.TextField()
    inset_geojson = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["area", "detail"], name="geometry_unique_area_detail")]


class CommuneAlias(models.Model):
    """Other codes that denote a commune: arrondissements municipaux (751xx, 6938x, 132xx) and former
    codes of merged communes, so data keyed on them lands on the current commune."""

    code = models.CharField(max_length=10, unique=True)
    commune = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="aliases")
    kind = models.CharField(max_length=32)  # "arrondissement-municipal" | "ancien-code"
    name = models.CharField(max_length=200, blank=True)
