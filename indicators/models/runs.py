"""Compute jobs and the releases (immutable sets of values) they produce."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .catalog import Indicator


class Release(models.Model):
    """An immutable set of values; readers follow IndicatorPublication to the published one."""

    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("version publiée")
        verbose_name_plural = _("versions publiées")

    def __str__(self):
        state = self.published_at.isoformat(timespec="minutes") if self.published_at else _("non publiée")
        return f"Release {self.pk} ({state})"


class Run(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("En attente")
        RUNNING = "running", _("En cours")
        SUCCEEDED = "succeeded", _("Réussi")
        FAILED = "failed", _("Échec")

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    progress = models.FloatField(default=0.0)
    indicators = models.ManyToManyField(Indicator, related_name="runs", blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="indicator_runs"
    )
    celery_task_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Last sign of life of the worker (creation, start, every stage): a run whose lock is free and whose
    # heartbeat is old is reaped as failed (indicators.services.runs.runs_reap, ADR 0011).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    timings = models.JSONField(default=dict, blank=True)
    log = models.TextField(blank=True)
    error = models.TextField(blank=True)
    release = models.ForeignKey(Release, null=True, blank=True, on_delete=models.SET_NULL, related_name="runs")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("calcul")
        verbose_name_plural = _("calculs")

    def __str__(self):
        return f"Run {self.pk} ({self.status}, {self.progress:.0%})"


class IndicatorPublication(models.Model):
    """The pointer readers follow: an indicator's published values are those of this release."""

    indicator = models.OneToOneField(Indicator, on_delete=models.CASCADE, related_name="publication")
    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="publications")
    published_at = models.DateTimeField()

    class Meta:
        ordering = ["indicator"]
        verbose_name = _("publication d'indicateur")
        verbose_name_plural = _("publications d'indicateurs")

    def __str__(self):
        return f"{self.indicator.code} → release {self.release_id}"
