"""GET /api/v1/values/: published values filtered by indicator, level, area, parent, period, sex and release,
as paginated JSON, CSV (whole result, streamed when large) or GeoJSON (one indicator x level x period).

Rows come from ``indicators.selectors.values`` (values_list tuples with disclosure applied); bodies are cached
on the data version and the parsed parameters only (config/api_cache.py).
"""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.renderers import JSONRenderer

from config import api_files
from config.api_cache import cached_response, response_key, streamed_response
from config.api_params import CappedPagination, LanguageFromRequestMixin, choice_param, int_param, list_param, param_error
from config.api_renderers import CSVRenderer, GeoJSONRenderer
from geo.models import Detail, Level
from indicators.api import formats, geojson, schemas
from indicators.models import Sex, Value
from indicators.selectors import releases as release_selectors
from indicators.selectors import values as value_selectors

STREAM_FROM_ROWS = 20_000
MAX_RELEASE = 2**31 - 1


class ValuePagination(CappedPagination):
    default_limit = 100
    max_limit = 5000


class ValueFilter(filters.FilterSet):
    """Declares the filters (django-filter); ``selection`` resolves them, with 400s naming accepted values."""

    indicator = filters.CharFilter(method="keep", help_text="Indicator code(s), comma-separated or repeated.")
    level = filters.CharFilter(method="keep", help_text="Geographic level.")
    area = filters.CharFilter(method="keep", help_text="Area code(s).")
    parent = filters.CharFilter(method="keep", help_text="Parent area code.")
    parent_level = filters.CharFilter(method="keep", help_text="Level of the parent code.")
    period = filters.CharFilter(method="keep", help_text="Period, range or latest.")
    sex = filters.CharFilter(method="keep", help_text="M, F or T.")
    release = filters.CharFilter(method="keep", help_text="Published release id.")

    class Meta:
        model = Value
        fields: list[str] = []

    def keep(self, queryset, name, value):
        return queryset  # the filters depend on each other: ``selection`` applies them together

    def parsed(self) -> dict:
        params = self.data
        level = choice_param(params, "level", Level.values)
        return {
            "indicators": list_param(params, "indicator"),
            "release": int_param(params, "release", None, minimum=1, maximum=MAX_RELEASE),
            "level": level,
            "areas": list_param(params, "area"),
            "parent": (params.get("parent") or "").strip() or None,
            "parent_level": choice_param(params, "parent_level", Level.values),
            "period": (params.get("period") or "").strip() or None,
            "sex": choice_param(params, "sex", Sex.values),
        }

    def selection(self, parsed: dict) -> value_selectors.ValueSelection:
        try:
            return value_selectors.value_selection(**parsed)
        except value_selectors.ValueFilterError as exc:
            raise param_error(exc.param, exc.value, exc.accepted, hint=exc.hint) from None


VALUES_RESPONSES = {
    (200, "application/json"): schemas.PaginatedValueSerializer,
    (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description=schemas.CSV_DESCRIPTION),
    (200, "application/geo+json"): schemas.ValueFeatureCollection,
    (304, "application/json"): OpenApiResponse(description="Not modified (If-None-Match / If-Modified-Since)."),
    (400, "application/json"): schemas.ErrorResponse,
}


class ValueListView(LanguageFromRequestMixin, GenericAPIView):
    queryset = Value.objects.none()
    filterset_class = ValueFilter
    pagination_class = ValuePagination
    renderer_classes = [JSONRenderer, CSVRenderer, GeoJSONRenderer]

    @extend_schema(
        operation_id="values_list",
        summary="Published values: filter by indicator, level, area, parent, period, sex, release",
        description=schemas.VALUES_DESCRIPTION,
        parameters=schemas.VALUE_PARAMETERS + schemas.FORMAT_PARAMETERS + schemas.GEOJSON_PARAMETERS,
        responses=VALUES_RESPONSES,
    )
    def get(self, request):
        value_filter = ValueFilter(request.query_params, queryset=self.queryset)
        parsed = value_filter.parsed()
        fmt = request.accepted_renderer.format
        dialect = choice_param(request.query_params, "dialect", formats.DIALECTS, "default")
        version = release_selectors.api_data_version()
        if fmt == "geojson":
            return self._geojson(request, value_filter, parsed, version)
        if fmt == "csv":
            return self._csv(request, value_filter, parsed, dialect, version)
        paginator = self.paginator
        page = {"limit": paginator.get_limit(request), "offset": paginator.get_offset(request)}
        key = response_key(version.token, request, {**parsed, **page}, "json")

        def build() -> bytes:
            selection = value_filter.selection(parsed)
            rows = paginator.paginate_queryset(value_selectors.value_rows(selection), request, view=self)
            language = get_language()
            results = [formats.value_object(value_selectors.public_row(r), selection.indicators[r[0]], language)
                       for r in rows]
            return formats.dumps({"count": paginator.count, "next": paginator.get_next_link(),
                                  "previous": paginator.get_previous_link(), "results": results}).encode()

        return cached_response(request, key, version.last_modified, build, "application/json")

    def _csv(self, request, value_filter, parsed, dialect, version) -> HttpResponse:
        key = response_key(version.token, request, {**parsed, "dialect": dialect}, "csv")
        selection = value_filter.selection(parsed)
        rows = value_selectors.value_rows(selection)
        language = get_language()
        headers = {"Content-Disposition": f'attachment; filename="{_csv_name(parsed)}"'}
        content_type = "text/csv; charset=utf-8"

        def chunks():
            public = (value_selectors.public_row(r) for r in rows.iterator(chunk_size=formats.CSV_CHUNK_ROWS))
            return formats.value_csv_chunks(public, selection.indicators, language, dialect)

        # A body already on disk needs no count (the count of a commune-level selection is a query of its own).
        if api_files.cached_file(version.token, key) or rows.count() >= STREAM_FROM_ROWS:
            return streamed_response(request, version.token, key, version.last_modified, chunks, content_type,
                                     headers=headers)
        return cached_response(request, key, version.last_modified, lambda: b"".join(chunks()), content_type,
                               headers=headers)

    def _geojson(self, request, value_filter, parsed, version) -> HttpResponse:
        params = request.query_params
        if len(parsed["indicators"]) != 1:
            raise param_error("indicator", ",".join(parsed["indicators"]),
                              hint=_("Le GeoJSON porte sur un seul indicateur."))
        if not parsed["level"]:
            raise param_error("level", "", Level.values, hint=_("Le GeoJSON porte sur un seul niveau."))
        parsed["period"] = parsed["period"] or value_selectors.LATEST
        if ".." in parsed["period"]:
            raise param_error("period", parsed["period"], hint=_("Le GeoJSON porte sur une seule période."))
        parsed["sex"] = parsed["sex"] or Sex.BOTH.value
        options = {"detail": choice_param(params, "detail", Detail.values, Detail.NATIONAL),
                   "insets": choice_param(params, "insets", ["true", "false"])}
        key = response_key(version.token, request, {**parsed, **options}, "geojson")

        def build() -> bytes:
            selection = value_filter.selection(parsed)
            return geojson.value_feature_collection(selection, detail=options["detail"], insets=options["insets"],
                                                    language=get_language())

        return cached_response(request, key, version.last_modified, build, "application/geo+json")


def _csv_name(parsed: dict) -> str:
    parts = ["valeurs", *parsed["indicators"][:3], parsed["level"] or "", parsed["period"] or ""]
    safe = "-".join(p for p in parts if p)
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in safe)[:120] + ".csv"
