"""Writes of releases: an indicator's values into the run's unpublished release, and publication.

Publishing flips every IndicatorPublication pointer of the run in ONE transaction, so a reader sees
either the old release or the new one for all of the run's indicators, never a mix.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.utils import timezone

from config.api_fastcache import api_version_forget
from indicators.compute import VALUE_COLUMNS
from indicators.compute.pgcopy import binary_copy_payload
from indicators.models import IndicatorPublication, Release, Run, Value

_FLOAT_COLUMNS = ["value", "lower_95", "upper_95", "lower_99_8", "upper_99_8", "numerator", "denominator"]
_COPY_TYPES = {
    "release_id": "int8", "indicator_id": "int8", "area_id": "int8", "period": "text", "sex": "text",
    **{c: "float8" for c in _FLOAT_COLUMNS},
    "suppressed": "bool", "suppression": "text", "unreliable": "bool", "not_computable": "bool",
    "cmp_parent": "text", "cmp_france": "text", "quantile": "int2", "map_class": "int2",
}
SQLITE_BATCH = 2000
COPY_WORKERS = 2
PARALLEL_FROM = 100_000


def release_values_replace(release_id: int, indicator_id: int, values: pd.DataFrame) -> int:
    """Replace the indicator's values in the (unpublished) release; a retried task rewrites them.

    SQLite: one transaction. PostgreSQL: the old rows are deleted and committed first, then the new ones
    are written by ``COPY_WORKERS`` binary COPYs in parallel connections, because the server-side cost
    (index maintenance and the three deferred foreign-key checks per row at commit) is per row and
    single-threaded per connection. Partial rows can only exist in an unpublished release, and the next
    attempt deletes them first (docs/adr/0008-engine-bulk-io-postgresql.md, docs/adr/0006-release-publication.md).
    """
    if connection.vendor != "postgresql":
        with transaction.atomic():
            Value.objects.filter(release_id=release_id, indicator_id=indicator_id).delete()
            _bulk_create_values(release_id, indicator_id, values)
        return len(values)
    Value.objects.filter(release_id=release_id, indicator_id=indicator_id).delete()
    frame = values[VALUE_COLUMNS].copy()
    frame.insert(0, "indicator_id", indicator_id)
    frame.insert(0, "release_id", release_id)
    # Inside a caller's transaction other connections would not see its rows: one connection then.
    parallel = len(frame) >= PARALLEL_FROM and not connection.in_atomic_block
    parts = np.array_split(np.arange(len(frame)), COPY_WORKERS) if parallel else [None]
    payloads = [binary_copy_payload(frame if rows is None else frame.iloc[rows], _COPY_TYPES) for rows in parts]
    del frame
    if len(payloads) == 1:
        _copy_binary(payloads[0])
    else:
        with ThreadPoolExecutor(max_workers=len(payloads)) as pool:
            list(pool.map(_copy_in_thread, payloads))
    return len(values)


def _copy_binary(payload: bytes) -> None:
    sql = f"COPY {Value._meta.db_table} ({', '.join(_COPY_TYPES)}) FROM STDIN (FORMAT binary)"
    with transaction.atomic(), connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        step = 16 << 20
        for start in range(0, len(payload), step):
            copy.write(payload[start:start + step])


def _copy_in_thread(payload: bytes) -> None:
    try:
        _copy_binary(payload)
    finally:
        connection.close()  # this thread's own connection


def _bulk_create_values(release_id: int, indicator_id: int, values: pd.DataFrame) -> None:
    frame = values[VALUE_COLUMNS].astype(object).where(values[VALUE_COLUMNS].notna(), None)
    objects = (
        Value(release_id=release_id, indicator_id=indicator_id, **row)
        for row in frame.to_dict("records")
    )
    Value.objects.bulk_create(objects, batch_size=SQLITE_BATCH)


def release_publish(run_id: int) -> Release:
    """Point every indicator of the run at the run's release, atomically; mark the run succeeded."""
    with transaction.atomic():
        run = Run.objects.select_for_update().get(pk=run_id)
        if run.status == Run.Status.SUCCEEDED:  # a redelivered publish task: already done
            return Release.objects.get(pk=run.release_id)
        if run.status == Run.Status.FAILED:
            raise RuntimeError(f"run {run_id} failed; its release {run.release_id} is not published")
        now = timezone.now()
        release = Release.objects.select_for_update().get(pk=run.release_id)
        for indicator in run.indicators.all():  # a handful of pointers, one statement each
            IndicatorPublication.objects.update_or_create(
                indicator=indicator, defaults={"release": release, "published_at": now}
            )
        release.published_at = now
        release.save(update_fields=["published_at"])
        run.status, run.progress, run.finished_at = Run.Status.SUCCEEDED, 1.0, now
        run.log += f"{now:%H:%M:%S} published release {release.pk}\n"
        run.save(update_fields=["status", "progress", "finished_at", "log"])
        # The API's response cache holds the data version for a second or two: published means visible now.
        api_version_forget()  # and again once committed: a request in between re-read the old one
        transaction.on_commit(api_version_forget)
    return release


@dataclass(frozen=True)
class PruneResult:
    releases: list[int]  # the deleted (or, in a dry run, deletable) releases
    values: int  # their values


def release_prune(*, keep: int = 1, dry_run: bool = False) -> PruneResult:
    """Delete the releases no reader can reach, keeping the ``keep`` most recently published superseded ones.

    Every France-scale run writes about a million values and the API serves only the releases that
    IndicatorPublication points at, so superseded releases are dead weight once nobody needs the previous
    figures. Never deleted: a release some indicator is published in, and the release of a pending or
    running run (it is about to be published). An unpublished release of a finished run (the run failed,
    or was reaped) can never be published and always goes.
    """
    if keep < 0:
        raise ValueError("keep must be 0 or more")
    with transaction.atomic():
        # Locking the releases first makes a concurrent publication wait, so the protected set stays true.
        list(Release.objects.select_for_update().order_by("pk").values_list("pk", flat=True))
        live = set(IndicatorPublication.objects.values_list("release_id", flat=True))
        busy = set(Run.objects.filter(status__in=[Run.Status.PENDING, Run.Status.RUNNING])
                   .exclude(release=None).values_list("release_id", flat=True))
        candidates = Release.objects.exclude(pk__in=live | busy)
        superseded = list(candidates.filter(published_at__isnull=False)
                          .order_by("-published_at", "-pk").values_list("pk", flat=True))
        never = list(candidates.filter(published_at__isnull=True).values_list("pk", flat=True))
        doomed = sorted(superseded[keep:] + never)
        values = Value.objects.filter(release_id__in=doomed)
        count = values.count() if dry_run else values.delete()[0]
        if not dry_run:
            Release.objects.filter(pk__in=doomed).delete()  # runs keep their history; their release is unset
    return PruneResult(releases=doomed, values=count)
