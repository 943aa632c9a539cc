"""Reads of the indicator engine: published values, runs, and the bulk frames the compute pipeline eats."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from django.db import connection
from django.db.models import QuerySet

from geo.models import Area, CommuneMembership
from indicators.compute import Geography
from indicators.models import Indicator, IndicatorPublication, Observation, Run, Value

OBSERVATION_COLUMNS = ["area_id", "period", "sex", "age_band", "category", "value"]
_OBS_DTYPES = {"area_id": np.int64, "period": np.int64, "sex": "category", "age_band": "category",
               "category": "category", "value": np.float64}


def indicator_list() -> QuerySet[Indicator]:
    return Indicator.objects.filter(is_active=True).select_related("publication").order_by("theme", "code")


def indicator_value_list(indicator: Indicator, *, level: str | None = None, period: str | None = None,
                         sex: str | None = None) -> QuerySet[Value]:
    """The published values of ``indicator`` (those of its publication's release), filtered."""
    publication = IndicatorPublication.objects.filter(indicator=indicator).first()
    if publication is None:
        return Value.objects.none()
    values = Value.objects.filter(indicator=indicator, release_id=publication.release_id)
    if level:
        values = values.filter(area__level=level)
    if period:
        values = values.filter(period=period)
    if sex:
        values = values.filter(sex=sex)
    return values.select_related("area").order_by("period", "sex", "area__level", "area__code")


def run_detail(run_id: int) -> Run:
    return Run.objects.prefetch_related("indicators").get(pk=run_id)


def observation_frame(dataset_id: int) -> pd.DataFrame:
    """All observations of a dataset as a DataFrame: COPY on PostgreSQL, a values_list iterator elsewhere."""
    table = Observation._meta.db_table
    if connection.vendor == "postgresql":
        buffer = io.BytesIO()
        sql = (f"COPY (SELECT {', '.join(OBSERVATION_COLUMNS)} FROM {table} WHERE dataset_id = {int(dataset_id)}) "
               "TO STDOUT (FORMAT csv)")
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for chunk in copy:
                buffer.write(chunk)
        buffer.seek(0)
        frame = pd.read_csv(buffer, names=OBSERVATION_COLUMNS, dtype=_OBS_DTYPES, keep_default_na=False,
                            na_values={"value": [""]})
        return frame
    rows = Observation.objects.filter(dataset_id=dataset_id).values_list(*OBSERVATION_COLUMNS).iterator(
        chunk_size=50_000)
    frame = pd.DataFrame.from_records(list(rows), columns=OBSERVATION_COLUMNS)
    return frame.astype({k: v for k, v in _OBS_DTYPES.items() if k in frame})


def geography_frame() -> Geography:
    """Every area (id, level, parent_id, area_km2, territory_set_id) and every commune membership."""
    areas = pd.DataFrame.from_records(
        list(Area.objects.values_list("id", "level", "parent_id", "area_km2", "territory_set_id").iterator(
            chunk_size=50_000)),
        columns=["id", "level", "parent_id", "area_km2", "territory_set_id"],
    )
    members = pd.DataFrame.from_records(
        list(CommuneMembership.objects.values_list("commune_id", "area_id").iterator(chunk_size=100_000)),
        columns=["commune_id", "area_id"],
    )
    return Geography(areas, members)
