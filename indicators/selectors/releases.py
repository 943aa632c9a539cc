"""Reads of releases: the data version the API caches on, the list of published releases, one release's
indicators, and what changed in a release against the previous one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max, Q

from geo.selectors import geography_version
from indicators.models import Indicator, IndicatorPublication, Release, Value


@dataclass(frozen=True)
class DataVersion:
    token: str
    last_modified: datetime | None


def api_data_version() -> DataVersion:
    """A token that changes with every publication, catalog edit or geography change, and the time of the
    latest such change (the Last-Modified of every value response)."""
    pub = IndicatorPublication.objects.aggregate(n=Count("id"), last=Max("published_at"), top=Max("release_id"))
    ind = Indicator.objects.aggregate(n=Count("id"), last=Max("updated_at"))
    token = f"{pub['n']}-{pub['top']}-{pub['last']}-{ind['n']}-{ind['last']}-{geography_version()}"
    stamps = [t for t in (pub["last"], ind["last"]) if t is not None]
    return DataVersion(token=token, last_modified=max(stamps) if stamps else None)
