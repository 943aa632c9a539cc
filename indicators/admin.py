"""Admin: datasets, uploads (a form that validates and imports, then shows the report), read-only
observations, values and runs, editable indicators."""

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from indicators.models import Dataset, Indicator, IndicatorPublication, Observation, Release, Run, Upload, Value
from indicators.services.datasets import upload_process

REPORT_ROWS_SHOWN = 200


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "publisher", "vintage", "created_at"]
    list_filter = ["level", "publisher"]
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
    form = UploadForm
    list_display = ["id", "dataset", "original_name", "status", "row_count", "error_count", "created_at"]
    list_filter = ["status", "dataset"]
    readonly_fields = ["original_name", "status", "row_count", "created_at", "finished_at", "created_by", "report_table"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["dataset", "file"]
        return ["dataset", "original_name", "status", "row_count", "created_at", "finished_at", "created_by",
                "report_table"]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields + (["dataset"] if obj else [])

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

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
        obj.original_name = form.cleaned_data["file"].name
        obj.created_by = request.user
        super().save_model(request, obj, form, change)
        result = upload_process(obj)
        if result.ok:
            self.message_user(request, _("%(rows)s observation(s) importée(s).") % {"rows": result.rows})
        else:
            self.message_user(
                request, _("Fichier invalide : %(n)s erreur(s), rien n'a été importé.")
                % {"n": result.report["error_count"]}, messages.ERROR,
            )

    def response_add(self, request, obj, post_url_continue=None):
        # Show the upload with its report rather than going back to the list.
        from django.http import HttpResponseRedirect
        from django.urls import reverse

        return HttpResponseRedirect(reverse("admin:indicators_upload_change", args=[obj.pk]))


@admin.register(Observation)
class ObservationAdmin(ReadOnlyAdmin):
    list_display = ["dataset", "area", "period", "sex", "age_band", "category", "value"]
    list_filter = ["dataset", "sex", "period"]
    list_select_related = ["dataset", "area"]
    search_fields = ["area__code"]
    show_full_result_count = False


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["code", "label_fr", "theme", "method", "polarity", "is_active", "updated_at"]
    list_filter = ["theme", "method", "is_active"]
    search_fields = ["code", "label_fr", "label_en"]
    readonly_fields = ["catalog_file", "updated_at"]


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
    list_display = ["indicator", "area", "period", "sex", "value", "suppressed", "unreliable", "release"]
    list_filter = ["indicator", "sex", "suppressed"]
    list_select_related = ["indicator", "area", "release"]
    show_full_result_count = False
