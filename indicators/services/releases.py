"""Writes of releases: an indicator's values into the run's unpublished release, and publication.

Publishing flips every IndicatorPublication pointer of the run in ONE transaction, so a reader sees
either the old release or the new one for all of the run's indicators, never a mix.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.utils import timezone

from indicators.compute import VALUE_COLUMNS
from indicators.models import IndicatorPublication, Release, Run, Value

_FLOAT_COLUMNS = ["value", "lower_95", "upper_95", "lower_99_8", "upper_99_8", "numerator", "denominator"]
_TEXT_NOT_NULL = ["cmp_parent", "cmp_france"]
SQLITE_BATCH = 2000


def release_values_replace(release_id: int, indicator_id: int, values: pd.DataFrame) -> int:
    """Replace the indicator's values in the release (idempotent: a retried task rewrites them)."""
    with transaction.atomic():
        Value.objects.filter(release_id=release_id, indicator_id=indicator_id).delete()
        if connection.vendor == "postgresql":
            _copy_values(release_id, indicator_id, values)
        else:
            _bulk_create_values(release_id, indicator_id, values)
    return len(values)


def _copy_values(release_id: int, indicator_id: int, values: pd.DataFrame) -> None:
    frame = values[VALUE_COLUMNS].copy()
    frame.insert(0, "indicator_id", indicator_id)
    frame.insert(0, "release_id", release_id)
    for col in ("suppressed", "unreliable", "not_computable"):
        frame[col] = np.where(frame[col].to_numpy(dtype=bool), "t", "f")
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, header=False, na_rep="", float_format="%.17g")
    columns = ", ".join(frame.columns)
    sql = (f"COPY {Value._meta.db_table} ({columns}) FROM STDIN "
           f"(FORMAT csv, FORCE_NOT_NULL ({', '.join(_TEXT_NOT_NULL)}))")
    data = buffer.getvalue().encode()
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        step = 8 << 20
        for start in range(0, len(data), step):
            copy.write(data[start:start + step])


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
    return release
