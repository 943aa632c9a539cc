"""Diff a plan against the database and write only what changed, in bulk (one query per level, never per row).

Every function returns a ``Counts`` so the command can print created/updated/unchanged per table.
Run inside the caller's transaction (services.geography_import).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from geo.models import LEVEL_ORDER, Area, AreaGeometry, CommuneAlias, CommuneMembership, Detail
from geo.text import normalize_name

BATCH = 1000


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0

    def __str__(self):
        text = f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"
        return text + (f", {self.deleted} deleted" if self.deleted else "")


def _clean(value):
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def _upsert(model, existing: dict, wanted_rows, counts: Counts) -> None:
    """Bulk-create the rows whose key is new, bulk-update those whose wanted fields differ.

    ``wanted_rows`` yields (key, identity kwargs for a new row, wanted field values).
    """
    to_create, to_update, fields = [], [], None
    for key, identity, wanted in wanted_rows:
        fields = fields or list(wanted)
        current = existing.get(key)
        if current is None:
            to_create.append(model(**identity, **wanted))
        elif any(getattr(current, k) != v for k, v in wanted.items()):
            for name, value in wanted.items():
                setattr(current, name, value)
            to_update.append(current)
        else:
            counts.unchanged += 1
    model.objects.bulk_create(to_create, batch_size=BATCH)
    if to_update:
        model.objects.bulk_update(to_update, fields, batch_size=BATCH)
    counts.created += len(to_create)
    counts.updated += len(to_update)


def _area_wanted(row, ids: dict) -> dict:
    return {
        "name": row.name,
        "search_name": normalize_name(row.name),
        "parent_id": ids.get((row.parent_level, row.parent_code)),
        "population": _clean(row.population),
        "area_km2": _clean(row.area_km2),
        "is_overseas": bool(row.is_overseas),
        "has_geometry": bool(row.has_geometry),
    }


def sync_areas(areas: pd.DataFrame) -> tuple[Counts, dict]:
    """Create/update the administrative areas level by level (parents first); return {(level, code): id}."""
    counts, ids = Counts(), {}
    for level in LEVEL_ORDER:
        rows = areas[areas["level"] == level.value]
        if rows.empty:
            continue
        existing = {a.code: a for a in Area.objects.filter(level=level, territory_set__isnull=True)}
        _upsert(Area, existing, ((row.code, {"level": level, "code": row.code}, _area_wanted(row, ids))
                                 for row in rows.itertuples(index=False)), counts)
        codes = set(rows["code"])
        ids.update({(level.value, code): pk for code, pk in
                    Area.objects.filter(level=level, territory_set__isnull=True).values_list("code", "pk")
                    if code in codes})
    return counts, ids


def sync_memberships(memberships: pd.DataFrame, ids: dict) -> Counts:
    """The administrative memberships of the imported communes; territory memberships are left alone."""
    wanted = {
        (ids[("commune", c)], ids[(level, a)], level)
        for c, level, a in memberships[["commune", "level", "area"]].itertuples(index=False)
    }
    commune_ids = {c for c, _, _ in wanted}
    existing = {}
    rows = CommuneMembership.objects.exclude(level="territory").values_list("pk", "commune_id", "area_id", "level")
    for pk, commune_id, area_id, level in rows.iterator(chunk_size=10000):
        if commune_id in commune_ids:
            existing[(commune_id, area_id, level)] = pk
    stale = [pk for key, pk in existing.items() if key not in wanted]
    new = [CommuneMembership(commune_id=c, area_id=a, level=lv) for c, a, lv in sorted(wanted - existing.keys())]
    for start in range(0, len(stale), BATCH):
        CommuneMembership.objects.filter(pk__in=stale[start:start + BATCH]).delete()
    CommuneMembership.objects.bulk_create(new, batch_size=BATCH)
    return Counts(created=len(new), deleted=len(stale), unchanged=len(wanted) - len(new))


def sync_geometries(rows: list[tuple[int, str, str, str]]) -> Counts:
    """rows: (area_id, detail, geojson, inset_geojson)."""
    area_ids = {r[0] for r in rows}
    existing = {}
    query = AreaGeometry.objects.values_list("pk", "area_id", "detail", "geojson", "inset_geojson")
    for pk, area_id, detail, geojson, inset in query.iterator(chunk_size=2000):
        if area_id in area_ids:
            existing[(area_id, detail)] = (pk, geojson, inset)
    counts, to_create, to_update = Counts(), [], []
    for area_id, detail, geojson, inset in rows:
        current = existing.get((area_id, detail))
        if current is None:
            to_create.append(AreaGeometry(area_id=area_id, detail=detail, geojson=geojson, inset_geojson=inset))
        elif current[1:] != (geojson, inset):
            to_update.append(AreaGeometry(pk=current[0], area_id=area_id, detail=detail, geojson=geojson,
                                          inset_geojson=inset))
        else:
            counts.unchanged += 1
    AreaGeometry.objects.bulk_create(to_create, batch_size=BATCH)
    AreaGeometry.objects.bulk_update(to_update, ["geojson", "inset_geojson"], batch_size=BATCH)
    counts.created, counts.updated = len(to_create), len(to_update)
    return counts


def geometry_rows(plan, ids: dict) -> list[tuple[int, str, str, str]]:
    rows = []
    for level, built in plan.geometries.items():
        for detail in (Detail.NATIONAL, Detail.ZOOMED):
            for code, geojson, inset in zip(built.codes, built.web[detail.value], built.inset[detail.value]):
                if geojson:
                    rows.append((ids[(level, code)], detail.value, geojson, inset))
    return rows


def sync_aliases(aliases: pd.DataFrame, ids: dict) -> Counts:
    codes = set(aliases["code"])
    existing = {a.code: a for a in CommuneAlias.objects.all() if a.code in codes}
    counts = Counts()
    rows = aliases[["code", "commune", "kind", "name"]].itertuples(index=False)
    _upsert(CommuneAlias, existing, ((code, {"code": code},
                                      {"commune_id": ids[("commune", commune)], "kind": kind, "name": name or ""})
                                     for code, commune, kind, name in rows), counts)
    return counts
