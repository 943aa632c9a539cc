"""Raw data: a dataset (one source table), its uploaded files and its observations in long format."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from geo.models import Area, Level

from .choices import Sex


class Dataset(models.Model):
    code = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=255)
    publisher = models.CharField(max_length=255, blank=True)
    licence = models.CharField(max_length=255, blank=True)
    vintage = models.CharField(max_length=64, blank=True)
    url = models.URLField(max_length=500, blank=True)
    # The level the data is observed at; every observation's area must be of this level.
    level = models.CharField(max_length=16, choices=Level.choices, default=Level.DEPARTMENT)
    description = models.TextField(blank=True)
    # Simulated (drawn, not observed) data: every indicator computed from it is flagged simulated.
    simulated = models.BooleanField(default=False)
    # sha256 of what the last successful import of a source file read (the file's bytes, the reader's
    # version, the area selection): an import whose hash is unchanged is skipped (docs/adr/0017-demo-content-hashes.md).
    source_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("jeu de données")
        verbose_name_plural = _("jeux de données")

    def __str__(self):
        return f"{self.name} ({self.code})"


class Upload(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("En attente")
        VALIDATING = "validating", _("Validation")
        INVALID = "invalid", _("Invalide")
        IMPORTING = "importing", _("Import en cours")
        IMPORTED = "imported", _("Importé")
        FAILED = "failed", _("Échec")

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="uploads")
    file = models.FileField(upload_to="uploads/", max_length=500, blank=True)
    original_name = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    # {"errors": [{"line", "column", "value", "reason"}], "error_count": int, "truncated": bool}
    report = models.JSONField(default=dict, blank=True)
    row_count = models.PositiveIntegerField(default=0)
    # Share of the file read so far (0..1; CSV: bytes read; XLSX: known only at the end).
    progress = models.FloatField(default=0.0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Last sign of life of the import (creation, start, progress): an active upload whose liveness lock is
    # free and whose heartbeat is old is reaped as failed (indicators.services.uploads.uploads_reap).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="indicator_uploads"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("fichier importé")
        verbose_name_plural = _("fichiers importés")

    def __str__(self):
        return f"{self.original_name or self.file.name} → {self.dataset.code} ({self.status})"


class Observation(models.Model):
    # Tens of millions of rows are bulk-loaded here. Per-row foreign-key triggers tripled the load time on
    # PostgreSQL (measured: 106 s vs 31 s for 2 million rows), so the keys are not enforced by the database:
    # the importer only writes area ids it has just read from geo_area, inside one transaction, and
    # Django's ORM still cascades deletes. Single-column FK indexes are dropped for the same reason. One
    # index besides the primary key (docs/adr/0009-bulk-import.md): (dataset, period), which serves every
    # read (a dataset, a dataset's periods, the import's replacement). The key (dataset, area, period, sex,
    # age_band, category) is unique by construction, not by a database index: the import service, the only
    # writer, refuses a file with a repeated key and deletes the file's periods before writing them, under
    # a lock on the dataset row. A unique index made a re-import 3x slower (each new row checks the old,
    # deleted-but-uncommitted row with the same key) and every extra index halved the COPY rate.
    dataset = models.ForeignKey(
        Dataset, on_delete=models.CASCADE, related_name="observations", db_constraint=False, db_index=False
    )
    upload = models.ForeignKey(
        Upload, null=True, blank=True, on_delete=models.SET_NULL, related_name="observations",
        db_constraint=False, db_index=False,
    )
    area = models.ForeignKey(
        Area, on_delete=models.CASCADE, related_name="observations", db_constraint=False, db_index=False
    )
    period = models.PositiveSmallIntegerField()
    sex = models.CharField(max_length=1, choices=Sex.choices)
    # "0", "1-4", ..., "95+", "90+", any "a-b" / "a+" band, or "all".
    age_band = models.CharField(max_length=16)
    category = models.CharField(max_length=64, blank=True, default="")
    # NULL only where the publisher masked the figure (e.g. CNAM's "<10"); masked is then true and the
    # figure is never turned into a number (it stays "masked at source" through compute and every output).
    value = models.FloatField(null=True, blank=True)
    masked = models.BooleanField(default=False, db_default=False)

    class Meta:
        ordering = ["dataset", "period", "area", "sex", "age_band", "category"]
        indexes = [models.Index(fields=["dataset", "period"], name="observation_dataset_period")]
        verbose_name = _("observation")
        verbose_name_plural = _("observations")

    def __str__(self):
        return f"{self.dataset_id}:{self.area_id} {self.period} {self.sex} {self.age_band} {self.category} = {self.value}"
