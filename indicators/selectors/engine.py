"""Reads of the indicator engine: published values, runs, and the bulk frames the compute pipeline eats."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
from django.db import connection
from django.core.cache import cache
from django.db.models import QuerySet, Sum

from geo.models import Area, CommuneMembership
from indicators.compute import Geography
from indicators.models import Indicator, IndicatorPublication, Observation, Run, Value

PG_CHUNKS = 64
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
    """Observations of a dataset as a DataFrame (area_id, period, sex, age_band, value[, category]).

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
        sql = (f"SELECT string_agg(concat_ws(',', {', '.join(columns)}), E'\\n') FROM {table} "
               f"WHERE {where} GROUP BY area_id %% {PG_CHUNKS}")
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            # Bytes, never one big str: io.StringIO would hold 4 bytes per character (1.1 GB for 14 M rows).
            chunks = [row[0].encode() for row in cursor]
        data = b"\n".join(chunks)
        del chunks
        if data:
            frame = pd.read_csv(io.BytesIO(data), names=columns, dtype=dtypes, keep_default_na=False)
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


# --- Reads for the atlas pages (atlas/): themes, choices, map rows, series, area profiles ------------------

# Withheld (disclosure control) values leave the server with every number and every derived class blank.
WITHHELD_BLANKS = ("value", "lower_95", "upper_95", "lower_99_8", "upper_99_8", "numerator", "denominator",
                   "quantile", "map_class", "cmp_parent", "cmp_france")
PAGE_VALUE_FIELDS = ["area_id", "area__level", "area__code", "area__name", "area__territory_set__code",
                     "period", "sex", "value", "lower_95", "upper_95", "numerator", "denominator", "suppressed",
                     "suppression", "unreliable", "not_computable", "cmp_parent", "cmp_france"]


def indicator_published_list() -> list[Indicator]:
    """Active indicators that have a published release, theme then code, with their publication."""
    return list(indicator_list().filter(publication__isnull=False)
                .select_related("numerator_dataset", "denominator_dataset"))


def indicator_theme_list() -> list[tuple[str, list[Indicator]]]:
    """Published indicators grouped by theme, in catalog order."""
    themes: dict[str, list[Indicator]] = {}
    for indicator in indicator_published_list():
        themes.setdefault(indicator.theme, []).append(indicator)
    return list(themes.items())


def release_current_date():
    """When the most recent indicator publication happened (None before any)."""
    return IndicatorPublication.objects.order_by("-published_at").values_list("published_at", flat=True).first()


def indicator_get(code: str) -> Indicator:
    """One published active indicator with its datasets; Indicator.DoesNotExist otherwise."""
    return (Indicator.objects.select_related("publication", "numerator_dataset", "denominator_dataset")
            .get(code=code, is_active=True, publication__isnull=False))


def indicator_is_simulated(indicator: Indicator) -> bool:
    datasets = [indicator.numerator_dataset, indicator.denominator_dataset]
    return any(d is not None and d.simulated for d in datasets)


def _period_sort_key(period: str) -> tuple[int, int]:
    first, _sep, last = period.partition("-")
    return (int(last or first), int(first)) if first.isdigit() and (last or first).isdigit() else (0, 0)


def indicator_choice_map(indicator: Indicator) -> dict:
    """What the published release of ``indicator`` holds: {level: {"periods": [...], "sexes": [...]}},
    periods oldest first. Cached per release: a published release never changes."""
    release_id = indicator.publication.release_id
    key = f"atlas:choices:{indicator.pk}:{release_id}"
    choices = cache.get(key)
    if choices is None:
        rows = (Value.objects.filter(indicator=indicator, release_id=release_id).order_by()
                .values_list("area__level", "period", "sex").distinct())
        choices = {}
        for level, period, sex in rows:
            entry = choices.setdefault(level, {"periods": set(), "sexes": set()})
            entry["periods"].add(period)
            entry["sexes"].add(sex)
        choices = {level: {"periods": sorted(e["periods"], key=_period_sort_key), "sexes": sorted(e["sexes"])}
                   for level, e in choices.items()}
        cache.set(key, choices, 24 * 3600)
    return choices


def _public_value(row: dict) -> dict:
    set_code = row.pop("area__territory_set__code")
    row["level"], row["code"], row["name"] = row.pop("area__level"), row.pop("area__code"), row.pop("area__name")
    if set_code:
        row["code"] = f"{set_code}:{row['code']}"
    if row["suppressed"] or row["suppression"]:
        row["suppressed"] = True
        for name in WITHHELD_BLANKS:
            if name in row:
                row[name] = None if name not in ("cmp_parent", "cmp_france") else ""
    return row


def indicator_page_values(indicator: Indicator, *, level: str, period: str, sex: str,
                          parent: Area | None = None) -> list[dict]:
    """The published values of one level, period and sex (within ``parent`` if given), as plain dicts with
    disclosure control applied (a withheld value carries no number, class or comparison)."""
    values = indicator_value_list(indicator, level=level, period=period, sex=sex)
    if parent is not None:
        from geo.selectors import area_ids_within

        values = values.filter(area_id__in=area_ids_within(parent, level))
    return [_public_value(row) for row in values.values(*PAGE_VALUE_FIELDS)]


def indicator_area_values(indicator: Indicator, area_ids: list[int], *, sex: str,
                          period: str | None = None) -> list[dict]:
    """Values of a few areas (every period unless one is given), oldest period first."""
    values = indicator_value_list(indicator, sex=sex, period=period).filter(area_id__in=area_ids)
    rows = [_public_value(row) for row in values.values(*PAGE_VALUE_FIELDS)]
    return sorted(rows, key=lambda r: _period_sort_key(r["period"]))


def area_profile_rows(area: Area, references: list[Area]) -> list[dict]:
    """For each published indicator: the area's value in its latest period (both sexes when published,
    else the first sex), the same period's values of ``references`` (region, France) and the area's
    earlier periods for the trend. Indicators without a value for the area are left out."""
    rows = []
    for indicator in indicator_published_list():
        own = (indicator_value_list(indicator).filter(area=area)
               .values(*PAGE_VALUE_FIELDS))
        own = [_public_value(r) for r in own]
        if not own:
            continue
        sexes = {r["sex"] for r in own}
        sex = "T" if "T" in sexes else sorted(sexes)[0]
        series = sorted((r for r in own if r["sex"] == sex), key=lambda r: _period_sort_key(r["period"]))
        latest = series[-1]
        refs = indicator_area_values(indicator, [a.pk for a in references], sex=sex, period=latest["period"])
        by_area = {r["area_id"]: r for r in refs}
        rows.append({"indicator": indicator, "sex": sex, "latest": latest, "series": series,
                     "references": [by_area.get(a.pk) for a in references]})
    return rows


POPULATION_DATASET = "insee-population"


def population_pyramid(area: Area) -> dict | None:
    """The latest INSEE population estimate of ``area`` by sex and age band (summed over its departments for
    a region or France); None where the estimates are not published for the area's level."""
    from geo.selectors import area_ids_within
    from indicators.models import Dataset

    dataset = Dataset.objects.filter(code=POPULATION_DATASET).first()
    if dataset is None or area.level not in ("country", "region", "department"):
        return None
    if area.level == dataset.level:
        area_ids = [area.pk]
    else:
        area_ids = area_ids_within(area, dataset.level)
    observations = Observation.objects.filter(dataset=dataset, area_id__in=area_ids, sex__in=["M", "F"])
    period = observations.order_by("-period").values_list("period", flat=True).first()
    if period is None:
        return None
    rows = (observations.filter(period=period).order_by().values("sex", "age_band")
            .annotate(total=Sum("value")))
    bands: dict[str, dict] = {}
    for row in rows:
        bands.setdefault(row["age_band"], {"M": 0.0, "F": 0.0})[row["sex"]] = row["total"] or 0.0
    order = sorted(bands, key=lambda band: int("".join(ch for ch in band.split("-")[0] if ch.isdigit()) or 0))
    return {"period": period, "bands": order, "men": [bands[b]["M"] for b in order],
            "women": [bands[b]["F"] for b in order]}


def indicator_search(q: str) -> list[Indicator]:
    """Published indicators whose code, theme or French/English name hold every word of ``q``, ignoring case
    and accents ("medecin" finds "Médecins"); a word may also be one or two typos away from a name's word."""
    import difflib

    from geo.text import normalize_name

    words = normalize_name(q).split()
    if not words:
        return []
    scored = []
    for indicator in indicator_published_list():
        text = normalize_name(" ".join([indicator.code.replace("-", " "), indicator.theme, indicator.label_fr,
                                        indicator.label_en]))
        vocabulary = text.split()
        exact = all(word in text for word in words)
        if exact or all(difflib.get_close_matches(word, vocabulary, n=1, cutoff=0.75) for word in words):
            label = normalize_name(indicator.label_fr)
            scored.append((0 if label == " ".join(words) else 1 if exact else 2, indicator.code, indicator))
    return [indicator for *_key, indicator in sorted(scored, key=lambda s: s[:2])]
