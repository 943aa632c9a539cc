"""Reads of the atlas pages (atlas/): published indicators by theme, what a release holds (choices), one
level's values, a few areas' series and the INSEE population pyramid (an area's profile is
indicators.selectors.profiles, shared with the API).

Every value row goes through ``values.public_row``, the API's disclosure rule: a withheld value leaves
with no number, class or comparison, whatever the table holds.
"""

from __future__ import annotations

import difflib

from django.core.cache import cache
from django.db.models import Sum

from geo.models import Area
from geo.selectors import area_ids_within
from geo.text import normalize_name
from indicators.models import Dataset, Indicator, IndicatorPublication, Observation, Value
from indicators.selectors.engine import indicator_list, indicator_value_list
from indicators.selectors.values import NAMES, ORM_FIELDS, public_row
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


# The API's row names -> the names the pages use.
_PAGE_NAMES = {"area_level": "level", "area_code": "code", "area_name": "name", "lower_ci_95": "lower_95",
               "upper_ci_95": "upper_95", "compared_to_parent": "cmp_parent", "compared_to_france": "cmp_france"}
_FIELDS = [_PAGE_NAMES.get(name, name) for name in NAMES] + ["area_id"]


def page_row(row: list) -> dict:
    """One public row (``values.public_row``) under the pages' names."""
    return dict(zip(_FIELDS, row))


def _page_rows(values) -> list[dict]:
    """Value rows as dicts, through the API's disclosure rule (``public_row`` keeps the trailing area id)."""
    return [dict(zip(_FIELDS, public_row(row))) for row in values.values_list(*ORM_FIELDS, "area_id")]


def indicator_page_values(indicator: Indicator, *, level: str, period: str, sex: str,
                          parent: Area | None = None) -> list[dict]:
    """The published values of one level, period and sex (within ``parent`` if given), as plain dicts with
    disclosure control applied (a withheld value carries no number, class or comparison)."""
    values = indicator_value_list(indicator, level=level, period=period, sex=sex)
    if parent is not None:
        # Ids first, as a list: joined as a subquery, PostgreSQL planned the communes of a region in ~5 s.
        ids = list(area_ids_within(parent, level).values_list("area_id", flat=True))
        values = values.filter(area_id__in=ids)
    return _page_rows(values)


def indicator_area_values(indicator: Indicator, area_ids: list[int], *, sex: str,
                          period: str | None = None) -> list[dict]:
    """Values of a few areas (every period unless one is given), oldest period first."""
    values = indicator_value_list(indicator, sex=sex, period=period).filter(area_id__in=area_ids)
    rows = _page_rows(values)
    return sorted(rows, key=lambda r: _period_sort_key(r["period"]))


POPULATION_DATASET = "insee-population"


def population_pyramid(area: Area) -> dict | None:
    """The latest INSEE population estimate of ``area`` by sex and age band (summed over its departments for
    a region or France); None where the estimates are not published for the area's level."""
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
