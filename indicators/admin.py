"""Admin: datasets, uploads (a form that queues an import job, then follows it to its report), read-only
observations, values and runs, editable indicators."""

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from indicators.models import Dataset, Indicator, IndicatorPublication, Observation, Release, Run, Upload, Value
from indicators.services.uploads import ACTIVE, upload_create, upload_delete, uploads_reap

REPORT_ROWS_SHOWN = 200
UPLOAD_REFRESH_SECONDS = 3


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "simulated_badge", "publisher", "vintage", "created_at"]
    list_filter = ["simulated", "level", "publisher"]
    readonly_fields = ["source_hash"]

    @admin.display(description=_("Données simulées"), boolean=True, ordering="simulated")
    def simulated_badge(self, obj):
        return obj.simulated
    search_fields = ["code", "name", "publisher"]
    prepopulated_fields = {"code": ["name"]}


class UploadForm(forms.ModelForm):
    class Meta:
        model = Upload
        fields = ["dataset", "file"]

    def clean_file(self):
        file = self.cleaned_data.get("file")
        if not file:
            raise forms.ValidationError(_("Choisissez un fichier CSV ou XLSX."))
        return file


@admin.register(Upload)
class UploadAdmin(admin.ModelAdmin):
    """Adding an upload stores the file and queues its import (indicators.services.uploads); the change page
    follows the job (status, progress, report) and reloads itself until the job ends."""

    form = UploadForm
    list_display = ["id", "dataset", "original_name", "status", "progress_percent", "row_count", "error_count",
                    "created_at"]
    list_filter = ["status", "dataset"]
    readonly_fields = ["original_name", "status", "progress_percent", "row_count", "created_at", "started_at",
                       "finished_at", "created_by", "stored_file", "report_table"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["dataset", "file"]
        return ["dataset", "original_name", "status", "progress_percent", "row_count", "created_at", "started_at",
                "finished_at", "created_by", "stored_file", "report_table"]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields + (["dataset"] if obj else [])

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_view_permission(self, request, obj=None):
        # Whoever may upload may follow the job they started.
        return super().has_view_permission(request, obj) or self.has_add_permission(request)

    @admin.display(description=_("Progression"))
    def progress_percent(self, obj):
        return f"{obj.progress:.0%}"

    @admin.display(description=_("Fichier conservé"))
    def stored_file(self, obj):
        return obj.file.name if obj.file else _("non (supprimé, le rapport reste)")

    @admin.display(description=_("Erreurs"))
    def error_count(self, obj):
        return (obj.report or {}).get("error_count", 0)

    @admin.display(description=_("Rapport"))
    def report_table(self, obj):
        report = obj.report or {}
        errors = report.get("errors", [])[:REPORT_ROWS_SHOWN]
        if not errors:
            return _("Aucune erreur.") if obj.status == Upload.Status.IMPORTED else "-"
        rows = format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((e["line"], e["column"], e["value"], e["reason"]) for e in errors),
        )
        return format_html(
            '<p>{} {}</p><table class="upload-report"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th>'
            "</tr></thead><tbody>{}</tbody></table>",
            report.get("error_count", len(errors)), _("erreur(s)"), _("Ligne"), _("Colonne"), _("Valeur"),
            _("Motif"), rows,
        )

    def save_model(self, request, obj, form, change):
        upload_create(dataset=form.cleaned_data["dataset"], file=form.cleaned_data["file"], user=request.user,
                      upload=obj)
        request._atlas_upload_id = obj.pk

    def add_view(self, request, form_url="", extra_context=None):
        response = super().add_view(request, form_url, extra_context)
        # Here the admin's transaction has committed: the import is queued, refused by the broker, or (embedded)
        # already done.
        upload_id = getattr(request, "_atlas_upload_id", None)
        if upload_id is not None:
            self._message_outcome(request, Upload.objects.get(pk=upload_id))
        return response

    def _message_outcome(self, request, upload):
        report = upload.report or {}
        if upload.status == Upload.Status.IMPORTED:
            self.message_user(request, _("%(rows)s observation(s) importée(s).") % {"rows": upload.row_count},
                              messages.SUCCESS)
        elif upload.status == Upload.Status.INVALID:
            self.message_user(request, _("Fichier invalide : %(n)s erreur(s), rien n'a été importé.")
                              % {"n": report.get("error_count", 0)}, messages.ERROR)
        elif upload.status == Upload.Status.FAILED:
            reason = (report.get("errors") or [{}])[0].get("reason", "")
            self.message_user(request, _("Échec de l'import : %(reason)s") % {"reason": reason}, messages.ERROR)
        else:
            self.message_user(request, _("Import mis en file d'attente : cette page suit sa progression."),
                              messages.INFO)

    def response_add(self, request, obj, post_url_continue=None):
        # Show the upload (its progress, then its report) rather than going back to the list.
        return HttpResponseRedirect(reverse("admin:indicators_upload_change", args=[obj.pk]))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        uploads_reap()  # an import whose worker died shows as failed, not pending forever
        upload = Upload.objects.filter(pk=object_id).only("status").first()
        if upload is not None and upload.status in ACTIVE:
            extra_context = {**(extra_context or {}), "upload_refresh_seconds": UPLOAD_REFRESH_SECONDS}
        return super().change_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        uploads_reap()
        return super().changelist_view(request, extra_context)

    def delete_model(self, request, obj):
        upload_delete(obj)

    def delete_queryset(self, request, queryset):
        for upload in queryset:
            upload_delete(upload)


@admin.register(Observation)
class ObservationAdmin(ReadOnlyAdmin):
    list_display = ["dataset", "area", "period", "sex", "age_band", "category", "value", "masked"]
    list_filter = ["dataset", "sex", "period"]
    list_select_related = ["dataset", "area"]
    search_fields = ["area__code"]
    show_full_result_count = False


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["code", "label_fr", "theme", "method", "simulated_badge", "polarity", "is_active", "updated_at"]
    list_filter = ["theme", "method", "is_active", ("numerator_dataset__simulated", admin.BooleanFieldListFilter)]
    search_fields = ["code", "label_fr", "label_en"]
    readonly_fields = ["catalog_file", "updated_at", "simulated_badge"]
    list_select_related = ["numerator_dataset", "denominator_dataset"]

    @admin.display(description=_("Données simulées"), boolean=True)
    def simulated_badge(self, obj):
        return obj.is_simulated


@admin.register(Run)
class RunAdmin(ReadOnlyAdmin):
    list_display = ["id", "status", "progress_percent", "created_at", "finished_at", "release"]
    list_filter = ["status"]

    def changelist_view(self, request, extra_context=None):
        from indicators.services.run_guard import runs_reap

        runs_reap()  # orphaned runs (worker killed) show as failed, not running forever
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("Progression"))
    def progress_percent(self, obj):
        return f"{obj.progress:.0%}"


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    list_display = ["id", "created_at", "published_at", "note"]
    readonly_fields = ["created_at", "published_at"]


@admin.register(IndicatorPublication)
class IndicatorPublicationAdmin(ReadOnlyAdmin):
    list_display = ["indicator", "release", "published_at"]


@admin.register(Value)
class ValueAdmin(ReadOnlyAdmin):
    list_display = ["indicator", "area", "period", "sex", "value", "suppression", "unreliable", "simulated_badge",
                    "release"]
    list_filter = ["indicator", "sex", "suppression", ("indicator__numerator_dataset__simulated",
                                                        admin.BooleanFieldListFilter)]
    list_select_related = ["indicator__numerator_dataset", "indicator__denominator_dataset", "area", "release"]

    @admin.display(description=_("Données simulées"), boolean=True)
    def simulated_badge(self, obj):
        return obj.indicator.is_simulated
    show_full_result_count = False
