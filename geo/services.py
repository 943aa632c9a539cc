"""Writes to the geography: the COG/IGN import and territory-set import.

Both read and validate every input file before opening the transaction, then write in one
``transaction.atomic()`` block with bulk queries: a failure leaves the database exactly as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction

from geo.importers import plan as plan_module
from geo.importers import sources, sync
from geo.importers.sync import Counts


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
