"""Indicator definitions, loaded from the YAML catalog (indicators/catalog/definitions) and editable in the admin."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import Method, Polarity, Pooling
from .datasets import Dataset


def empty_filter():
    return {"sex": None, "age_min": None, "age_max": None, "category": None}


class Indicator(models.Model):
    code = models.SlugField(max_length=80, unique=True)
    label_fr = models.CharField(max_length=255)
    label_en = models.CharField(max_length=255, blank=True)
    theme = models.CharField(max_length=100, blank=True, db_index=True)
    definition = models.TextField(blank=True)
    method = models.CharField(max_length=20, choices=Method.choices)
    numerator_dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="numerator_of")
    # {"sex": null|"M"|"F"|"T", "age_min": int|null, "age_max": int|null, "category": str|null}
    numerator_filter = models.JSONField(default=empty_filter, blank=True)
    denominator_dataset = models.ForeignKey(
        Dataset, null=True, blank=True, on_delete=models.PROTECT, related_name="denominator_of"
    )
    denominator_filter = models.JSONField(default=empty_filter, blank=True)
    multiplier = models.FloatField(default=1.0)
    standard_population = models.CharField(max_length=40, blank=True)
    pooling = models.PositiveSmallIntegerField(choices=Pooling.choices, default=Pooling.ONE)
    polarity = models.CharField(max_length=16, choices=Polarity.choices, default=Polarity.NONE)
    unit = models.CharField(max_length=64, blank=True)
    disclosure_threshold = models.PositiveIntegerField(default=10)
    unreliable_below = models.PositiveIntegerField(default=20)
    source = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    # The metadata sheet (indicators/catalog/sheets.py): numerator, denominator, population used, levels,
    # periods, limits, source {publisher, dataset, licence, vintage, url}, method and CI method, standard
    # population. The date of last computation comes from the publication (selectors.indicator_sheet).
    sheet = models.JSONField(default=dict, blank=True)
    is_active = models.BooleanField(default=True)
    catalog_file = models.CharField(max_length=500, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["theme", "code"]
        verbose_name = _("indicateur")
        verbose_name_plural = _("indicateurs")

    def __str__(self):
        return f"{self.label_fr} ({self.code})"

    @property
    def is_simulated(self) -> bool:
        """Computed from simulated data (its numerator or denominator dataset is simulated): every output of
        it must say so. Lists should use ``selectors.indicator_simulated_ids`` or select_related the datasets."""
        return bool(self.numerator_dataset.simulated
                    or (self.denominator_dataset_id and self.denominator_dataset.simulated))
