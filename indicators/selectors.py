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


def observation_frame(dataset_id: int, category: str | None = None) -> pd.DataFrame:
    """Observations of a dataset as a DataFrame: COPY on PostgreSQL, a values_list iterator elsewhere.

    ``category`` keeps that category only (filtered in SQL); without it the column is not transferred,
    since the pipeline then sums every category (a third less text to parse for 14 M rows).
    """
    columns = [c for c in OBSERVATION_COLUMNS if c != "category"]
    dtypes = {k: v for k, v in _OBS_DTYPES.items() if k != "category"}
    # order_by(): the model's default ordering would JOIN datasets and areas and sort 14 M rows.
    queryset = Observation.objects.filter(dataset_id=dataset_id).order_by()
    if category is not None:
        queryset = queryset.filter(category=category)
    if connection.vendor == "postgresql":
        sql, params = queryset.values_list(*columns).query.sql_with_params()
        with connection.cursor() as cursor:
            copy_sql = cursor.mogrify(f"COPY ({sql}) TO STDOUT (FORMAT csv)", params)
            copy_sql = copy_sql.decode() if isinstance(copy_sql, bytes) else copy_sql
            buffer = io.BytesIO()
            with cursor.cursor.copy(copy_sql) as copy:
                for chunk in copy:
                    buffer.write(chunk)
        buffer.seek(0)
        frame = pd.read_csv(buffer, names=columns, dtype=dtypes, keep_default_na=False)
    else:
        rows = queryset.values_list(*columns).iterator(chunk_size=50_000)
        frame = pd.DataFrame.from_records(list(rows), columns=columns).astype(dtypes)
    if category is not None:
        frame["category"] = category
    return frame


def geography_frame() -> Geography:
    """Every area (id, level, parent_id, area_km2, territory_set_id) and every commune membership."""
    areas = pd.DataFrame.from_records(
        list(Area.objects.order_by().values_list("id", "level", "parent_id", "area_km2", "territory_set_id").iterator(
            chunk_size=50_000)),
        columns=["id", "level", "parent_id", "area_km2", "territory_set_id"],
    )
    members = pd.DataFrame.from_records(
        list(CommuneMembership.objects.order_by().values_list("commune_id", "area_id").iterator(
            chunk_size=100_000)),
        columns=["commune_id", "area_id"],
    )
    return Geography(areas, members)
