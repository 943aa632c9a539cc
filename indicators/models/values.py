"""Computed indicator values (the published table). Suppressed cells store NULL numbers, never the count."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from geo.models import Area

from .catalog import Indicator
from .choices import Comparison, Sex, Suppression
from .runs import Release


class Value(models.Model):
    # No single-column indexes on release and indicator: the unique key leads with release and the
    # (indicator, release, ...) index with indicator, so they served no query and cost ~1.3 s per 1.1 M
    # values written (benchmarks/engine_compute.py, docs/adr/0008-engine-bulk-io-postgresql.md).
    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="values", db_index=False)
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="values", db_index=False)
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="indicator_values")
    period = models.CharField(max_length=9)  # "2019" or pooled "2017-2019"
    sex = models.CharField(max_length=1, choices=Sex.choices)
    value = models.FloatField(null=True, blank=True)
    lower_95 = models.FloatField(null=True, blank=True)
    upper_95 = models.FloatField(null=True, blank=True)
    lower_99_8 = models.FloatField(null=True, blank=True)
    upper_99_8 = models.FloatField(null=True, blank=True)
    numerator = models.FloatField(null=True, blank=True)
    denominator = models.FloatField(null=True, blank=True)
    suppressed = models.BooleanField(default=False)
    # Why the value is withheld (primary, complementary, masked at source); blank when it is published.
    suppression = models.CharField(max_length=16, choices=Suppression.choices, blank=True, default="", db_default="")
    unreliable = models.BooleanField(default=False)
    not_computable = models.BooleanField(default=False)
    cmp_parent = models.CharField(max_length=16, choices=Comparison.choices, blank=True)
    cmp_france = models.CharField(max_length=16, choices=Comparison.choices, blank=True)
    quantile = models.SmallIntegerField(null=True, blank=True)
    map_class = models.SmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["indicator", "period", "sex", "area"]
        constraints = [
            models.UniqueConstraint(fields=["release", "indicator", "area", "period", "sex"], name="value_unique_key")
        ]
        indexes = [models.Index(fields=["indicator", "release", "period", "sex"], name="value_ind_rel_period_sex")]
        verbose_name = _("valeur")
        verbose_name_plural = _("valeurs")

    def __str__(self):
        return f"{self.indicator_id}:{self.area_id} {self.period} {self.sex} = {self.value}"
