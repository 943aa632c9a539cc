"""Catalog writes: load the YAML indicator definitions into Indicator rows (all or nothing, idempotent)."""

from pathlib import Path

from django.conf import settings
from django.db import transaction

from config.api_fastcache import api_version_forget
from indicators.catalog.loader import read_catalog
from indicators.catalog.sheets import complete_sheet, related_channels, with_related_limit
from indicators.models import Dataset, Indicator
from indicators.services.standard_populations import accepted_forms, standard_population_codes


class CatalogInvalid(Exception):
    def __init__(self, errors):
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


def _filter(spec: dict | None) -> dict:
    spec = spec or {}
    stored = {key: spec.get(key) for key in ("sex", "age_min", "age_max", "category")}
    # Period keys only when given, so the filters of indicators without them stay as they were.
    stored.update({key: spec[key] for key in ("periods", "reference_periods", "carry_forward") if key in spec})
    return stored


def _relative(path: str) -> str:
    try:
        return str(Path(path).resolve().relative_to(settings.BASE_DIR))
    except ValueError:
        return path


def catalog_load(path=None) -> list[Indicator]:
    """Validate every definition first; on any error raise CatalogInvalid and write nothing."""
    datasets = {d.code: d for d in Dataset.objects.all()}
    standards = standard_population_codes()
    entries, errors = read_catalog(path, set(datasets), standards, accepted_forms(standards))
    if errors:
        raise CatalogInvalid(errors)
    indicators = []
    related = related_channels(entries)
    with transaction.atomic():
        for entry in entries:
            denominator = entry.get("denominator")
            defaults = {
                "label_fr": entry["label_fr"], "label_en": entry["label_en"], "theme": entry["theme"],
                "definition": entry["definition"], "method": entry["method"],
                "numerator_dataset": datasets[entry["numerator"]["dataset"]],
                "numerator_filter": _filter(entry["numerator"]),
                "denominator_dataset": datasets[denominator["dataset"]] if denominator else None,
                "denominator_filter": _filter(denominator),
                "multiplier": float(entry.get("multiplier", 1)),
                "standard_population": entry.get("standard_population", ""),
                "pooling": entry.get("pooling", 1), "polarity": entry["polarity"], "unit": entry["unit"],
                "disclosure_threshold": entry.get("disclosure_threshold", 10),
                "unreliable_below": entry.get("unreliable_below", 20),
                "source": entry["source"], "notes": entry.get("notes", ""), "sheet": with_related_limit(complete_sheet(entry), related.get(entry["code"], [])),
                "is_active": entry.get("is_active", True), "catalog_file": _relative(entry["catalog_file"]),
            }
            indicator, _ = Indicator.objects.update_or_create(code=entry["code"], defaults=defaults)
            indicators.append(indicator)
        api_version_forget()  # and again once committed: a request in between re-read the old one
        transaction.on_commit(api_version_forget)
    return indicators
