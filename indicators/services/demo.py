"""The demo's writes that content hashes make idempotent: geography, and which indicators to recompute.

A second ``make demo`` on unchanged files and definitions must write nothing and finish quickly
(docs/adr/0017-demo-content-hashes.md):

* geography: the sha256 of every geography source file and of the department selection is kept in a
  ``SourceStamp``; the same hash skips the import (which otherwise re-reads 60 MB of GeoJSON to find
  nothing to change);
* datasets: ``Dataset.source_hash`` (indicators.services.reference);
* indicators: the sha256 of each indicator's definition (every field that changes its values) and of its
  input datasets' source hashes is kept in an ``IndicatorStamp`` after a successful run; only indicators
  whose hash changed, or that have no published values, are computed again.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from django.conf import settings
from django.db import transaction

from geo.importers import sources as geo_sources
from geo.models import Area
from geo.services import geography_import
from indicators.models import Indicator, IndicatorPublication, IndicatorStamp, SourceStamp

from .reference import file_sha256

GEOGRAPHY = "geography"
DEFINITION_FIELDS = ["code", "method", "numerator_filter", "denominator_filter", "multiplier", "standard_population",
                     "pooling", "polarity", "disclosure_threshold", "unreliable_below", "is_active"]


def geography_hash(data_dir: Path, departments: list[str] | None) -> str:
    paths = geo_sources.resolve(data_dir)
    parts = [",".join(sorted(departments or []))]
    parts += [f"{key}:{file_sha256(path)}" for key, path in sorted(paths.items())]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def geography_import_if_changed(data_dir: Path | None = None, departments: list[str] | None = None,
                                step=lambda name: None):
    """The geography import, or None when its files and selection are those of the last import."""
    data_dir = Path(data_dir or settings.DATA_DIR)
    digest = geography_hash(data_dir, departments)
    stamp = SourceStamp.objects.filter(key=GEOGRAPHY).first()
    if stamp is not None and stamp.source_hash == digest and Area.objects.exists():
        return None
    result = geography_import(data_dir, departments, step=step)
    SourceStamp.objects.update_or_create(key=GEOGRAPHY, defaults={"source_hash": digest})
    return result


def indicator_inputs_hash(indicator: Indicator) -> str:
    definition = {name: getattr(indicator, name) for name in DEFINITION_FIELDS}
    definition["numerator"] = [indicator.numerator_dataset.code, indicator.numerator_dataset.source_hash]
    if indicator.denominator_dataset_id:
        definition["denominator"] = [indicator.denominator_dataset.code, indicator.denominator_dataset.source_hash]
    text = json.dumps(definition, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def indicators_to_compute(force: bool = False) -> tuple[list[str], list[str]]:
    """(codes to compute, codes unchanged) among the active indicators."""
    active = Indicator.objects.filter(is_active=True).select_related("numerator_dataset", "denominator_dataset")
    stamps = dict(IndicatorStamp.objects.values_list("indicator_id", "inputs_hash"))
    published = set(IndicatorPublication.objects.values_list("indicator_id", flat=True))
    todo, unchanged = [], []
    for indicator in active.order_by("code"):
        same = stamps.get(indicator.pk) == indicator_inputs_hash(indicator) and indicator.pk in published
        (unchanged if same and not force else todo).append(indicator.code)
    return todo, unchanged


def indicators_stamp(codes: list[str]) -> None:
    """Record what the published values of ``codes`` were computed from (after a successful run)."""
    indicators = Indicator.objects.filter(code__in=codes).select_related("numerator_dataset", "denominator_dataset")
    with transaction.atomic():
        for indicator in indicators:
            IndicatorStamp.objects.update_or_create(indicator=indicator,
                                                    defaults={"inputs_hash": indicator_inputs_hash(indicator)})
