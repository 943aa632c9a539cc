"""Writes to the geography: the COG/IGN import and territory-set import.

Both read and validate every input file before opening the transaction, then write in one
``transaction.atomic()`` block with bulk queries: a failure leaves the database exactly as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from django.conf import settings
from django.db import transaction

from geo import geometry
from geo.importers import ImportDataError
from geo.importers import plan as plan_module
from geo.importers import sources, sync
from geo.importers.sync import BATCH, Counts
from geo.importers.territories import build_territories, read_territory_csv
from geo.models import Area, AreaGeometry, CommuneAlias, CommuneMembership, Detail, Level, TerritorySet
from geo.selectors import geography_cache_invalidate
from geo.text import normalize_name


@dataclass
class GeographyImportResult:
    areas: Counts
    memberships: Counts
    geometries: Counts
    aliases: Counts
    without_geometry: list = field(default_factory=list)
    repaired: list = field(default_factory=list)
    skipped_com: int = 0
    levels: dict = field(default_factory=dict)  # level -> number of areas in this import

    @property
    def changed(self) -> bool:
        return any(c.created or c.updated or c.deleted for c in (self.areas, self.memberships, self.geometries,
                                                                 self.aliases))


def geography_import(data_dir: Path | None = None, departments: list[str] | None = None,
                     step=lambda name: None) -> GeographyImportResult:
    """Import (or refresh) regions, departments, EPCIs, communes, France and their geometries.

    ``departments`` restricts the import to those departments, their regions and the EPCIs with a commune
    in them. ``step(name)`` is called before each phase (progress reporting).
    Raises geo.importers.ImportDataError on missing or bad input, before anything is written.
    """
    paths = sources.resolve(Path(data_dir or settings.DATA_DIR))
    plan = plan_module.build_plan(paths, departments, step=step)
    with transaction.atomic():
        step("writing areas")
        area_counts, ids = sync.sync_areas(plan.areas)
        step("writing memberships")
        membership_counts = sync.sync_memberships(plan.memberships, ids)
        step("writing geometries")
        geometry_counts = sync.sync_geometries(sync.geometry_rows(plan, ids))
        step("writing aliases")
        alias_counts = sync.sync_aliases(plan.aliases, ids)
        # Built GeoJSON payloads are cached by geography version; in-place edits must drop them too.
        transaction.on_commit(geography_cache_invalidate)
    return GeographyImportResult(
        areas=area_counts,
        memberships=membership_counts,
        geometries=geometry_counts,
        aliases=alias_counts,
        without_geometry=plan.without_geometry,
        repaired=plan.repaired,
        skipped_com=plan.skipped_com,
        levels=plan.areas.groupby("level").size().to_dict(),
    )


@dataclass
class TerritorySetImportResult:
    territory_set: TerritorySet
    territories: int
    communes: int
    replaced: bool


def _commune_table() -> pd.DataFrame:
    """Every imported commune with what territories aggregate: population, area, department, zoomed geometry."""
    communes = pd.DataFrame(
        Area.objects.filter(level=Level.COMMUNE, territory_set__isnull=True).values_list(
            "id", "code", "population", "area_km2"),
        columns=["id", "code", "population", "area_km2"],
    ).astype({"code": object})
    department = dict(CommuneMembership.objects.filter(level=Level.DEPARTMENT).values_list("commune_id", "area__code"))
    geojson = dict(AreaGeometry.objects.filter(area__level=Level.COMMUNE, area__territory_set__isnull=True,
                                               detail=Detail.ZOOMED).values_list("area_id", "geojson").iterator())
    communes["department"] = communes["id"].map(department).astype(object)
    communes["geojson"] = communes["id"].map(geojson).fillna("").astype(object)
    communes["area_km2"] = communes["area_km2"].astype(float)
    communes["population"] = communes["population"].astype("Int64")
    return communes


def territory_set_import(path: Path, code: str, name: str, description: str = "",
                         step=lambda name: None) -> TerritorySetImportResult:
    """Create or replace the territory set ``code`` from a CSV of commune -> territory (see docs/geography.md).

    The whole file is validated against the imported communes first; the old set (if any) is replaced in
    the same transaction, so readers see either the old set or the new one.
    """
    step("reading communes")
    communes = _commune_table()
    if communes.empty:
        raise ImportDataError("No commune in the database: run `manage.py import_geography` first")
    aliases = dict(CommuneAlias.objects.values_list("code", "commune__code"))
    step("validating file")
    rows = read_territory_csv(Path(path), set(communes["code"]), aliases)
    step("dissolving geometries")
    territories = build_territories(rows, communes)
    step("writing")
    with transaction.atomic():
        replaced, _ = TerritorySet.objects.filter(code=code).delete()
        territory_set = TerritorySet.objects.create(code=code, name=name, description=description,
                                                    source_file=str(Path(path).name))
        _write_territories(territory_set, territories, rows, communes)
        transaction.on_commit(geography_cache_invalidate)
    return TerritorySetImportResult(territory_set, len(territories), len(rows), replaced=bool(replaced))


def _write_territories(territory_set, territories: pd.DataFrame, rows: pd.DataFrame, communes: pd.DataFrame):
    france = Area.objects.filter(level=Level.COUNTRY, territory_set__isnull=True).first()
    Area.objects.bulk_create([
        Area(level=Level.TERRITORY, code=t.code, name=t.name, search_name=normalize_name(t.name),
             territory_set=territory_set, parent=france, population=sync._clean(t.population),
             area_km2=sync._clean(t.area_km2), is_overseas=t.crs_department in geometry.OVERSEAS_DEPARTMENTS,
             has_geometry=bool(t.geojson_zoomed))
        for t in territories.itertuples(index=False)
    ], batch_size=BATCH)
    ids = dict(Area.objects.filter(territory_set=territory_set).values_list("code", "id"))
    commune_ids = dict(zip(communes["code"], communes["id"]))
    CommuneMembership.objects.bulk_create([
        CommuneMembership(commune_id=commune_ids[c], area_id=ids[t], level=Level.TERRITORY)
        for c, t in zip(rows["commune"], rows["territory"])
    ], batch_size=BATCH)
    AreaGeometry.objects.bulk_create([
        AreaGeometry(area_id=ids[t.code], detail=detail, geojson=getattr(t, f"geojson_{detail}"),
                     inset_geojson=getattr(t, f"inset_{detail}"))
        for t in territories.itertuples(index=False) if t.geojson_zoomed for detail in geometry.DETAILS
    ], batch_size=BATCH)
