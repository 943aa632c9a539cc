"""Reads of the catalog for the API and the pages: themes, the indicator list (theme, level, accent-tolerant
search) and one indicator's metadata sheet with its coverage (levels, periods, sexes holding data)."""

from __future__ import annotations

from collections import Counter

from geo.text import normalize_name
from indicators.models import Indicator, IndicatorPublication
from indicators.selectors.values import value_coverage


def theme_list() -> list[dict]:
    """Themes of the active indicators, alphabetical, with how many indicators each holds."""
    counts = Counter(Indicator.objects.filter(is_active=True).values_list("theme", flat=True))
    return [{"theme": theme, "indicator_count": n} for theme, n in sorted(counts.items())]


def _publications() -> dict[int, IndicatorPublication]:
    return {p.indicator_id: p for p in IndicatorPublication.objects.all()}


def indicator_search(*, theme: str | None = None, level: str | None = None, q: str | None = None) -> list[dict]:
    """Active indicators as dicts (catalog fields, release, published_at), filtered by theme, by a level
    holding published data, and by words of the label (French or English) or code, accents ignored."""
    indicators = Indicator.objects.filter(is_active=True).order_by("theme", "code")
    if theme:
        indicators = indicators.filter(theme=theme)
    publications = _publications()
    words = normalize_name(q).split() if q else []
    found = []
    for indicator in indicators:
        if words:
            haystack = normalize_name(f"{indicator.code} {indicator.label_fr} {indicator.label_en}")
            haystack += " " + haystack.replace("-", " ")
            if not all(word in haystack for word in words):
                continue
        publication = publications.get(indicator.pk)
        if level and (publication is None or level not in value_coverage(indicator.pk, publication.release_id)["levels"]):
            continue
        found.append(_summary(indicator, publication))
    return found


def _summary(indicator: Indicator, publication: IndicatorPublication | None) -> dict:
    return {
        "code": indicator.code, "label_fr": indicator.label_fr, "label_en": indicator.label_en,
        "theme": indicator.theme, "method": indicator.method, "unit": indicator.unit,
        "multiplier": indicator.multiplier, "pooling": indicator.pooling, "polarity": indicator.polarity,
        "release": publication.release_id if publication else None,
        "published_at": publication.published_at if publication else None,
    }


def _dataset(dataset) -> dict | None:
    if dataset is None:
        return None
    return {"code": dataset.code, "name": dataset.name, "publisher": dataset.publisher, "licence": dataset.licence,
            "vintage": dataset.vintage, "url": dataset.url, "level": dataset.level, "simulated": dataset.simulated}


def indicator_sheet(code: str) -> dict:
    """One active indicator's full metadata sheet and coverage; raises Indicator.DoesNotExist."""
    indicator = (Indicator.objects.select_related("numerator_dataset", "denominator_dataset")
                 .get(code=code, is_active=True))
    publication = IndicatorPublication.objects.filter(indicator=indicator).first()
    coverage = (value_coverage(indicator.pk, publication.release_id) if publication
                else {"levels": [], "periods": [], "sexes": []})
    numerator, denominator = indicator.numerator_dataset, indicator.denominator_dataset
    return {
        **_summary(indicator, publication),
        "definition": indicator.definition, "source": indicator.source, "notes": indicator.notes,
        "numerator_filter": indicator.numerator_filter, "denominator_filter": indicator.denominator_filter,
        "standard_population": indicator.standard_population,
        "disclosure_threshold": indicator.disclosure_threshold, "unreliable_below": indicator.unreliable_below,
        "numerator_dataset": _dataset(numerator), "denominator_dataset": _dataset(denominator),
        "simulated": bool(numerator.simulated or (denominator and denominator.simulated)),
        "coverage": coverage,
        "last_changed": max(filter(None, [publication.published_at if publication else None, indicator.updated_at])),
    }
