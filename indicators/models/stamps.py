"""What each indicator's published values were computed from, so an unchanged indicator is not recomputed."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .catalog import Indicator


class IndicatorStamp(models.Model):
    """sha256 of an indicator's definition and of its input datasets' source hashes at its last computation.

    The demo recomputes an indicator only when this hash changes (or it has no published values).
    """

    indicator = models.OneToOneField(Indicator, on_delete=models.CASCADE, related_name="stamp")
    inputs_hash = models.CharField(max_length=64)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("empreinte de calcul")
        verbose_name_plural = _("empreintes de calcul")

    def __str__(self):
        return f"{self.indicator_id}: {self.inputs_hash[:12]}"


class SourceStamp(models.Model):
    """sha256 of the source files (and selection) of an import that has no Dataset row, e.g. the geography."""

    key = models.CharField(max_length=80, unique=True)
    source_hash = models.CharField(max_length=64)
    stamped_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("empreinte de source")
        verbose_name_plural = _("empreintes de source")

    def __str__(self):
        return f"{self.key}: {self.source_hash[:12]}"
