"""Reads of the indicator engine: published values, runs, and the bulk frames the compute pipeline eats."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
from django.db import connection
from django.db.models import Q, QuerySet

from geo.models import Area, CommuneMembership
from indicators.compute import Geography
from indicators.models import Indicator, IndicatorPublication, Observation, Run, Value

PG_CHUNKS = 64
OBSERVATION_COLUMNS = ["area_id", "period", "sex", "age_band", "category", "value", "masked"]
_OBS_DTYPES = {"area_id": np.int64, "period": np.int64, "sex": "category", "age_band": "category",
               "category": "category", "value": np.float64, "masked": bool}
# SQL of each column in the CSV text: a masked figure's NULL value stays an empty field (concat_ws would
# skip it and shift the columns), masked as 0/1.
_OBS_SQL = {"value": "coalesce(value::text, '')", "masked": "masked::int"}


def indicator_list() -> QuerySet[Indicator]:
    return Indicator.objects.filter(is_active=True).select_related("publication").order_by("theme", "code")


_SIMULATED = Q(numerator_dataset__simulated=True) | Q(denominator_dataset__simulated=True)


def indicator_simulated_ids() -> set[int]:
    """Ids of the indicators computed from simulated data (numerator or denominator dataset simulated)."""
    return set(Indicator.objects.filter(_SIMULATED).values_list("pk", flat=True))


def indicator_is_simulated(indicator: Indicator) -> bool:
    """Whether ``indicator``'s values come from simulated data (its sheet, API values and exports say so)."""
    return Indicator.objects.filter(_SIMULATED, pk=indicator.pk).exists()


def indicator_sheet(indicator: Indicator) -> dict:
    """The indicator's complete metadata sheet, as a reader sees it (docs/catalog.md).

    The YAML's sheet (numerator, denominator, population used, levels, periods, limits, source, method and
    CI method, standard population) plus the definition, method, unit, and the date of the last computation:
    when the indicator's published values were published (None while it has never been computed).
    """
    publication = IndicatorPublication.objects.filter(indicator=indicator).first()
    simulated = indicator_is_simulated(indicator)
    return {
        "code": indicator.code, "label_fr": indicator.label_fr, "label_en": indicator.label_en,
        "theme": indicator.theme, "definition": indicator.definition, "method": indicator.method,
        "unit": indicator.unit, "multiplier": indicator.multiplier, **indicator.sheet,
        "simulated": simulated,
        "last_computed_at": publication.published_at if publication else None,
    }


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


def release_cell_frame(indicator: Indicator, release_id: int) -> pd.DataFrame:
    """The counts a release publishes for an indicator, as the disclosure audit reads them: area_id, period,
    sex, numerator (NaN where withheld), withheld, suppressed."""
    rows = (Value.objects.filter(indicator=indicator, release_id=release_id).order_by()
            .values_list("area_id", "period", "sex", "numerator", "suppressed").iterator(chunk_size=100_000))
    frame = pd.DataFrame.from_records(list(rows), columns=["area_id", "period", "sex", "numerator", "suppressed"])
    frame["numerator"] = frame["numerator"].astype(float)
    frame["suppressed"] = frame["suppressed"].astype(bool)
    frame["withheld"] = frame["numerator"].isna()
    return frame


def run_detail(run_id: int) -> Run:
    return Run.objects.prefetch_related("indicators").get(pk=run_id)


def observation_frame(dataset_id: int, category: str | None = None) -> pd.DataFrame:
    """Observations of a dataset as a DataFrame (area_id, period, sex, age_band, value, masked[, category]).

    ``value`` is NaN exactly where ``masked`` (a figure the publisher masked: never a number).

    PostgreSQL: the server renders CSV text in ``PG_CHUNKS`` large strings (string_agg), because a
    COPY TO delivers one message per row and iterating 14 M messages in Python costs ~25 s; pandas then
    parses the text in C. Elsewhere: a values_list iterator. ``category`` keeps that category only
    (filtered in SQL); without it the column is not transferred, since the pipeline sums categories.
    """
    columns = [c for c in OBSERVATION_COLUMNS if c != "category"]
    dtypes = {k: v for k, v in _OBS_DTYPES.items() if k != "category"}
    # order_by(): the model's default ordering would JOIN datasets and areas and sort 14 M rows.
    queryset = Observation.objects.filter(dataset_id=dataset_id).order_by()
    if category is not None:
        queryset = queryset.filter(category=category)
    if connection.vendor == "postgresql":
        table = Observation._meta.db_table
        where, params = "dataset_id = %s", [dataset_id]
        if category is not None:
            where, params = where + " AND category = %s", params + [category]
        fields = ", ".join(_OBS_SQL.get(c, c) for c in columns)
        sql = (f"SELECT string_agg(concat_ws(',', {fields}), E'\\n') FROM {table} "
               f"WHERE {where} GROUP BY area_id %% {PG_CHUNKS}")
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            # Bytes, never one big str: io.StringIO would hold 4 bytes per character (1.1 GB for 14 M rows).
            chunks = [row[0].encode() for row in cursor]
        data = b"\n".join(chunks)
        del chunks
        if data:
            frame = pd.read_csv(io.BytesIO(data), names=columns, dtype={**dtypes, "masked": np.int8},
                                keep_default_na=False, na_values={"value": [""]})
            frame["masked"] = frame["masked"].astype(bool)
        else:
            frame = pd.DataFrame({c: pd.Series(dtype=dtypes[c]) for c in columns})
        del data
    else:
        rows = queryset.values_list(*columns).iterator(chunk_size=50_000)
        frame = pd.DataFrame.from_records(list(rows), columns=columns).astype(dtypes)
    if category is not None:
        frame["category"] = category
    return frame


def observation_frames(requests: list[tuple[int, str | None]]) -> list[pd.DataFrame]:
    """Several datasets at once; on PostgreSQL each in its own connection, in parallel.

    Inside a transaction (e.g. a test's), other connections could not see its rows: load serially.
    """
    if connection.vendor != "postgresql" or len(requests) < 2 or connection.in_atomic_block:
        return [observation_frame(d, c) for d, c in requests]

    def load(request):
        try:
            return observation_frame(*request)
        finally:
            connection.close()  # the thread's own connection

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(load, requests))


def geography_frame() -> Geography:
    """Every area (id, level, parent_id, area_km2, territory_set_id, code) and every commune membership."""
    columns = ["id", "level", "parent_id", "area_km2", "territory_set_id", "code"]
    areas = pd.DataFrame.from_records(
        list(Area.objects.order_by().values_list(*columns).iterator(chunk_size=50_000)), columns=columns,
    )
    members = pd.DataFrame.from_records(
        list(CommuneMembership.objects.order_by().values_list("commune_id", "area_id").iterator(
            chunk_size=100_000)),
        columns=["commune_id", "area_id"],
    )
    return Geography(areas, members)

