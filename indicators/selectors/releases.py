"""Reads of releases: the data version the API caches on, the list of published releases, one release's
indicators, and what changed in a release against the previous one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from datetime import timezone as dt_timezone

from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from geo.selectors import geography_generation
from indicators.models import Indicator, IndicatorPublication, Release, Value


@dataclass(frozen=True)
class DataVersion:
    token: str
    last_modified: datetime | None


def _aware(stamp):
    """PostgreSQL returns aware datetimes, SQLite text in UTC."""
    if isinstance(stamp, str):
        stamp = parse_datetime(stamp)
    if stamp is not None and timezone.is_naive(stamp):
        stamp = timezone.make_aware(stamp, dt_timezone.utc)
    return stamp


def api_data_version() -> DataVersion:
    """A token that changes with every publication, catalog edit or geography change, and the time of the
    latest such change (the Last-Modified of every value response). It runs on every cached GET: one round
    trip of aggregates over two small tables (the ORM's two aggregate() calls cost 5 ms of a 10 ms cached
    request) and the geography's cache generation (bumped by every geography import)."""
    publications, indicators = IndicatorPublication._meta.db_table, Indicator._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT (SELECT COUNT(*) FROM {publications}), (SELECT MAX(published_at) FROM {publications}),"
                       f" (SELECT MAX(release_id) FROM {publications}), (SELECT COUNT(*) FROM {indicators}),"
                       f" (SELECT MAX(updated_at) FROM {indicators})")
        n_pub, last_pub, top, n_ind, last_ind = cursor.fetchone()
    last_pub, last_ind = _aware(last_pub), _aware(last_ind)
    token = f"{n_pub}-{top}-{last_pub}-{n_ind}-{last_ind}-{geography_generation()}"
    stamps = [t for t in (last_pub, last_ind) if t is not None]
    return DataVersion(token=token, last_modified=max(stamps) if stamps else None)


COVERAGE_SECONDS = 24 * 3600


def release_list() -> list[Release]:
    return list(Release.objects.filter(published_at__isnull=False).order_by("-published_at", "-pk"))


def release_get(release_id: int) -> Release:
    """A published release; raises Release.DoesNotExist."""
    return Release.objects.get(pk=release_id, published_at__isnull=False)


def release_indicator_codes(release_id: int) -> list[str]:
    """Codes of the indicators holding values in a release (cached: a published release never changes)."""
    from django.core.cache import cache

    key = f"releases:indicators:{release_id}"
    codes = cache.get(key)
    if codes is None:
        ids = Value.objects.filter(release_id=release_id).order_by().values_list("indicator_id", flat=True).distinct()
        codes = sorted(Indicator.objects.filter(pk__in=list(ids)).values_list("code", flat=True))
        cache.set(key, codes, COVERAGE_SECONDS)
    return codes


def release_previous(release: Release) -> Release | None:
    return (Release.objects.filter(published_at__isnull=False)
            .filter(Q(published_at__lt=release.published_at) | Q(published_at=release.published_at, pk__lt=release.pk))
            .order_by("-published_at", "-pk").first())


_CHANGED_SQL = """
SELECT a.indicator_id,
       SUM(CASE WHEN b.id IS NULL THEN 1 ELSE 0 END),
       SUM(CASE WHEN b.id IS NULL THEN 0
                WHEN (a.value = b.value OR (a.value IS NULL AND b.value IS NULL)) AND a.suppressed = b.suppressed
                     AND a.suppression = b.suppression THEN 0
                ELSE 1 END)
FROM {table} a LEFT JOIN {table} b
  ON b.release_id = %s AND b.indicator_id = a.indicator_id AND b.area_id = a.area_id AND b.period = a.period
     AND b.sex = a.sex
WHERE a.release_id = %s AND a.indicator_id IN ({ids})
GROUP BY a.indicator_id
"""


def _compare(newer: int, older: int, ids: list[int]) -> dict[int, tuple[int, int]]:
    """Per indicator, values of ``newer`` without a counterpart in ``older``, and values that differ."""
    from django.db import connection

    sql = _CHANGED_SQL.format(table=Value._meta.db_table, ids=",".join(["%s"] * len(ids)))
    with connection.cursor() as cursor:
        cursor.execute(sql, [older, newer, *ids])
        return {row[0]: (int(row[1] or 0), int(row[2] or 0)) for row in cursor.fetchall()}


def release_changes(release: Release) -> dict:
    """What a release changed against the previous published one: indicators added and removed, and per
    common indicator how many values are new, differ (value or withholding) or disappeared."""
    previous = release_previous(release)
    now = set(release_indicator_codes(release.pk))
    before = set(release_indicator_codes(previous.pk)) if previous else set()
    ids = dict(Indicator.objects.filter(code__in=now & before).values_list("pk", "code"))
    per_indicator = []
    if ids:
        forward, backward = _compare(release.pk, previous.pk, list(ids)), _compare(previous.pk, release.pk, list(ids))
        for pk, code in sorted(ids.items(), key=lambda item: item[1]):
            added, differ = forward.get(pk, (0, 0))
            removed = backward.get(pk, (0, 0))[0]
            per_indicator.append({"indicator": code, "added_values": added, "changed_values": differ,
                                  "removed_values": removed})
    total = sum(c["added_values"] + c["changed_values"] + c["removed_values"] for c in per_indicator)
    return {"release": release.pk, "previous": previous.pk if previous else None,
            "indicators_added": sorted(now - before), "indicators_removed": sorted(before - now),
            "indicators_changed": [c["indicator"] for c in per_indicator
                                   if c["added_values"] or c["changed_values"] or c["removed_values"]],
            "values_changed": total, "per_indicator": per_indicator}
