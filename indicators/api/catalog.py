"""Themes and indicators (list with filters, full metadata sheet) over the API; area profiles are in profiles.py."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from config.api_params import LanguageFromRequestMixin, choice_param
from config.api_csv import table_csv
from config.api_renderers import CSVRenderer
from geo.models import Level
from indicators.api import formats
from indicators.api.common import cached_csv, cached_json
from indicators.api.schemas import ErrorResponse, _q
from indicators.models import Indicator, Method, Polarity
from indicators.selectors import catalog

INDICATOR_FIELDS = {
    "code": serializers.CharField(help_text="Indicator code, as in /api/v1/values/?indicator={code}."),
    "label_fr": serializers.CharField(help_text="Name in French."),
    "label_en": serializers.CharField(help_text="Name in English (may be empty)."),
    "theme": serializers.CharField(help_text="Theme of the catalog."),
    "method": serializers.ChoiceField(choices=Method.choices, help_text="Statistical method (docs/methods/)."),
    "unit": serializers.CharField(help_text="Unit of the values."),
    "multiplier": serializers.FloatField(help_text="Scale of rates (100000: per 100,000)."),
    "pooling": serializers.IntegerField(help_text="Years pooled into each period (1, 3 or 5)."),
    "polarity": serializers.ChoiceField(choices=Polarity.choices, help_text="Whether high values are good."),
    "release": serializers.IntegerField(allow_null=True, help_text="Published release; null if never published."),
    "published_at": serializers.DateTimeField(allow_null=True, help_text="When it was published."),
}
IndicatorSerializer = type("IndicatorSerializer", (serializers.Serializer,), dict(INDICATOR_FIELDS))
_DATASET = inline_serializer("DatasetRef", {
    "code": serializers.CharField(help_text="Dataset code."), "name": serializers.CharField(help_text="Name."),
    "publisher": serializers.CharField(help_text="Publisher."), "licence": serializers.CharField(help_text="Licence."),
    "vintage": serializers.CharField(help_text="Vintage (edition)."), "url": serializers.CharField(help_text="Source URL."),
    "level": serializers.CharField(help_text="Level observed."),
    "simulated": serializers.BooleanField(help_text="Simulated data, not observations."),
}, allow_null=True, help_text="A source dataset.")
IndicatorSheetSerializer = inline_serializer("IndicatorSheet", {
    **INDICATOR_FIELDS,
    "definition": serializers.CharField(help_text="Definition."), "source": serializers.CharField(help_text="Sources."),
    "notes": serializers.CharField(help_text="Notes and caveats."),
    "numerator_filter": serializers.JSONField(help_text="Filter on the numerator (sex, ages, category)."),
    "denominator_filter": serializers.JSONField(help_text="Filter on the denominator."),
    "standard_population": serializers.CharField(help_text="Standard population of standardised rates."),
    "disclosure_threshold": serializers.IntegerField(help_text="Counts under this are withheld."),
    "unreliable_below": serializers.IntegerField(help_text="Values on fewer events are flagged unreliable."),
    "numerator_dataset": _DATASET, "denominator_dataset": _DATASET,
    "simulated": serializers.BooleanField(help_text="Computed from simulated data."),
    "coverage": inline_serializer("Coverage", {
        "levels": serializers.ListField(child=serializers.CharField(), help_text="Levels holding values."),
        "periods": serializers.ListField(child=serializers.CharField(), help_text="Periods holding values, oldest first."),
        "sexes": serializers.ListField(child=serializers.CharField(), help_text="Sexes holding values."),
    }, help_text="Which levels, periods and sexes hold published values."),
    "last_changed": serializers.DateTimeField(help_text="Last publication or catalog edit."),
    "sheet": serializers.DictField(help_text=(
        "The metadata sheet as the catalog writes it (French): numerator, denominator, population used, "
        "levels, periods, limits (including the disclosure-control limits), source {publisher, dataset, "
        "licence, vintage, url}, method_label, ci_method, standard_population."),
        default=dict),
})
INDICATOR_CSV_COLUMNS = list(INDICATOR_FIELDS)


class ThemeListView(LanguageFromRequestMixin, APIView):
    @extend_schema(operation_id="themes_list", summary="Themes of the catalog with their number of indicators",
                   responses=inline_serializer("Theme", {
                       "theme": serializers.CharField(help_text="Theme name, as in /api/v1/indicators/?theme=."),
                       "indicator_count": serializers.IntegerField(help_text="Active indicators in it."),
                   }, many=True))
    def get(self, request):
        return cached_json(request, {}, catalog.theme_list)


class IndicatorListView(LanguageFromRequestMixin, APIView):
    renderer_classes = [JSONRenderer, CSVRenderer]

    @extend_schema(
        operation_id="indicators_list", summary="Active indicators: filter by theme, level, search",
        parameters=[_q("theme", "Only this theme (GET /api/v1/themes/).", "Mortalité"),
                    _q("level", "Only indicators with published values at this level.", "commune", enum=Level.values),
                    _q("q", "Words of the label (French or English) or code; accents and case ignored.", "esperance vie"),
                    _q("format", "json or csv (also by Accept).", "csv", enum=["json", "csv"]),
                    _q("dialect", "CSV dialect.", "excel-fr", enum=list(formats.DIALECTS))],
        responses={(200, "application/json"): IndicatorSerializer(many=True),
                   (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="Same columns as the JSON fields."),
                   (400, "application/json"): ErrorResponse})
    def get(self, request):
        params = request.query_params
        parsed = {"theme": (params.get("theme") or "").strip() or None,
                  "level": choice_param(params, "level", Level.values), "q": (params.get("q") or "").strip()[:200] or None}
        if request.accepted_renderer.format == "csv":
            dialect = choice_param(params, "dialect", formats.DIALECTS, "default")
            return cached_csv(request, {**parsed, "dialect": dialect}, lambda: table_csv(
                INDICATOR_CSV_COLUMNS, ([row[c] for c in INDICATOR_CSV_COLUMNS] for row in catalog.indicator_search(**parsed)),
                dialect), "indicateurs.csv")
        return cached_json(request, parsed, lambda: catalog.indicator_search(**parsed))


class IndicatorDetailView(LanguageFromRequestMixin, APIView):
    @extend_schema(operation_id="indicators_retrieve", summary="One indicator's metadata sheet and coverage",
                   parameters=[OpenApiParameter("code", str, OpenApiParameter.PATH, description="Indicator code.")],
                   responses={200: IndicatorSheetSerializer, 404: OpenApiResponse(description="Unknown indicator.")})
    def get(self, request, code: str):
        def build():
            try:
                return catalog.indicator_metadata_sheet(code)
            except Indicator.DoesNotExist:
                raise Http404(f"no active indicator {code!r}") from None

        return cached_json(request, {"code": code}, build)
