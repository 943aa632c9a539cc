"""The data-model contract: keys that must be unique are, and rows describe themselves.

The observation key is made unique by the import, not by an index: see test_import_keys.py (ADR 0009)."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from indicators.models import Indicator, IndicatorPublication, Observation, Release, Run, Upload, Value

from .engdata_cast import cast, department_dataset  # noqa: F401


def test_a_value_key_is_unique_per_release_and_suppressed_values_hold_no_numbers(cast, department_dataset):
    indicator = Indicator.objects.create(code="t", label_fr="T", method="count", numerator_dataset=department_dataset)
    release = Release.objects.create()
    Value.objects.create(release=release, indicator=indicator, area=cast["2A"], period="2017-2019", sex="F",
                         suppressed=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Value.objects.create(release=release, indicator=indicator, area=cast["2A"], period="2017-2019", sex="F")
    stored = Value.objects.get()
    assert stored.value is None and stored.numerator is None and stored.suppressed


def test_defaults_follow_the_contract(cast, department_dataset):
    indicator = Indicator.objects.create(code="t", label_fr="T", method="count", numerator_dataset=department_dataset)
    assert (indicator.pooling, indicator.polarity, indicator.disclosure_threshold, indicator.unreliable_below) == (
        1, "none", 10, 20)
    assert indicator.numerator_filter == {"sex": None, "age_min": None, "age_max": None, "category": None}
    assert Upload.objects.create(dataset=department_dataset).status == "pending"
    run = Run.objects.create()
    assert (run.status, run.progress) == ("pending", 0.0)
    publication = IndicatorPublication.objects.create(indicator=indicator, release=Release.objects.create(),
                                                      published_at=timezone.now())
    assert str(publication).startswith("t → release")


def test_rows_describe_themselves(cast, department_dataset):
    assert str(department_dataset) == "Décès (deces)"
    assert str(Run.objects.create(progress=0.5)).endswith("(pending, 50%)")
    indicator = Indicator.objects.create(code="t", label_fr="Taux", method="count", numerator_dataset=department_dataset)
    assert str(indicator) == "Taux (t)"
