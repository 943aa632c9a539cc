"""Read-only geography API: levels, area search, area detail and GeoJSON maps.

Each view keeps its input and output serializers beside it; the selectors do the reading.
"""

from django.http import Http404, HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_serializer, inline_serializer,
)
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api_csv import DIALECTS, table_csv
from config.api_params import CappedPagination, LanguageFromRequestMixin, choice_param
from config.api_renderers import CSVRenderer
from geo import selectors
from geo.models import Detail, Level

LEVEL_CHOICES = Level.choices
POPULATION_HELP = "Legal population (populations légales, COG 2026); null when unknown."
AREA_KM2_HELP = "Surface in km², measured on the boundaries; null without geometry."
OVERSEAS_HELP = "True for the overseas departments and regions (DROM) and their areas."
GEOJSON_MAX_AGE = 3600


def _level_or_404(level: str) -> str:
    if level not in Level.values:
        raise Http404(f"unknown level {level!r}; one of {', '.join(Level.values)}")
    return level


def _parent_or_400(code: str | None, parent_level: str | None, level: str | None):
    if not code:
        return None
    try:
        return selectors.parent_resolve(code, parent_level, level)
    except selectors.AreaNotFound:
        raise ValidationError({"parent": [_("Aucun territoire de code « %(code)s ».") % {"code": code}]})


@extend_schema_serializer(component_name="AreaRef")
class AreaRefSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=LEVEL_CHOICES, help_text="Geographic level of the area.")
    code = serializers.CharField(help_text="Official code (INSEE/COG); territories: <set code>:<area code>.")
    name = serializers.CharField(help_text="Official name (COG 2026).")
    population = serializers.IntegerField(allow_null=True, help_text=POPULATION_HELP)


# --- /levels/ ---------------------------------------------------------------------------------------

class LevelListView(LanguageFromRequestMixin, APIView):
    @extend_schema_serializer(component_name="Level")
    class OutputSerializer(serializers.Serializer):
        code = serializers.ChoiceField(choices=LEVEL_CHOICES, help_text="Level code, as used in other endpoints.")
        label = serializers.CharField(help_text="Translated to the request's language.")
        area_count = serializers.IntegerField(help_text="Number of areas of this level.")

    @extend_schema(operation_id="levels_list", responses=OutputSerializer(many=True),
                   summary="Geographic levels, largest first, with their number of areas")
    def get(self, request):
        return Response(self.OutputSerializer(selectors.level_list(), many=True).data)


# --- /areas/ ----------------------------------------------------------------------------------------

class AreaPagination(CappedPagination):
    default_limit = 100
    max_limit = 1000


class AreaFilter(filters.FilterSet):
    level = filters.ChoiceFilter(choices=LEVEL_CHOICES, method="filter_nothing", help_text="Level of the areas.")
    parent = filters.CharFilter(
        method="filter_nothing",
        help_text="Code of an area containing the results (communes of department 29: level=commune&parent=29). "
        "Without parent_level the closest level above `level` holding that code is used. "
        "Territories: <set code>:<area code>.",
    )
    parent_level = filters.ChoiceFilter(choices=LEVEL_CHOICES, method="filter_nothing",
                                        help_text="Level of `parent` when its code is ambiguous (53: region or department).")
    q = filters.CharFilter(method="filter_nothing",
                           help_text="Name words (accent- and case-insensitive) or code prefix; best matches first.")

    def filter_nothing(self, queryset, name, value):
        # Filters combine (parent depends on level), so filter_queryset applies them all at once.
        return queryset

    def filter_queryset(self, queryset):
        data = self.form.cleaned_data
        level = data.get("level") or None
        parent = _parent_or_400(data.get("parent"), data.get("parent_level") or None, level)
        return selectors.area_list(level=level, parent=parent, q=data.get("q") or None)


class AreaListView(LanguageFromRequestMixin, ListAPIView):
    @extend_schema_serializer(component_name="Area")
    class OutputSerializer(serializers.Serializer):
        level = serializers.ChoiceField(choices=LEVEL_CHOICES, help_text="Geographic level of the area.")
        code = serializers.CharField(source="public_code",
                                     help_text="Official code (INSEE/COG); territories: <set code>:<area code>.")
        name = serializers.CharField(help_text="Official name (COG 2026).")
        population = serializers.IntegerField(allow_null=True, help_text=POPULATION_HELP)
        area_km2 = serializers.FloatField(allow_null=True, help_text=AREA_KM2_HELP)
        density = serializers.FloatField(allow_null=True, help_text="Inhabitants per km².")
        is_overseas = serializers.BooleanField(help_text=OVERSEAS_HELP)
        parent_code = serializers.CharField(source="parent.code", allow_null=True, default=None,
                                            help_text="Code of the administrative parent one level up.")

    serializer_class = OutputSerializer
    filterset_class = AreaFilter
    pagination_class = AreaPagination
    queryset = selectors.area_list()
    renderer_classes = [JSONRenderer, CSVRenderer]
    CSV_COLUMNS = ["level", "code", "name", "population", "area_km2", "density", "is_overseas", "parent_code"]

    @extend_schema(
        operation_id="areas_list", summary="Search and filter areas (JSON pages, or every match as CSV)",
        parameters=[
            OpenApiParameter("format", {"type": "string", "enum": ["json", "csv"]}, OpenApiParameter.QUERY,
                             description="json (paginated) or csv (every matching area; also Accept: text/csv). "
                                         "Example: csv."),
            OpenApiParameter("dialect", {"type": "string", "enum": list(DIALECTS)}, OpenApiParameter.QUERY,
                             description="CSV dialect: default or excel-fr (; and decimal comma). Example: excel-fr."),
        ],
        responses={(200, "application/json"): OutputSerializer(many=True),
                   (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="Columns: " + ", ".join(CSV_COLUMNS)),
                   (400, "application/json"): OpenApiResponse(OpenApiTypes.OBJECT, description="Bad parameter.")},
    )
    def get(self, request, *args, **kwargs):
        if request.accepted_renderer.format != "csv":
            return super().get(request, *args, **kwargs)
        dialect = choice_param(request.query_params, "dialect", DIALECTS, "default")
        areas = self.filter_queryset(self.get_queryset())
        records = ([a.level, a.public_code, a.name, a.population, a.area_km2, a.density, a.is_overseas,
                    a.parent.code if a.parent_id else None] for a in areas.iterator(chunk_size=2000))
        response = HttpResponse(table_csv(self.CSV_COLUMNS, records, dialect), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="territoires.csv"'
        return response


# --- /areas/{level}/{code}/ -------------------------------------------------------------------------

class AreaDetailView(LanguageFromRequestMixin, APIView):
    @extend_schema_serializer(component_name="AreaDetail")
    class OutputSerializer(serializers.Serializer):
        level = serializers.ChoiceField(choices=LEVEL_CHOICES, source="area.level",
                                        help_text="Geographic level of the area.")
        code = serializers.CharField(source="area.code", help_text="Official code (INSEE/COG) within its level.")
        name = serializers.CharField(source="area.name", help_text="Official name (COG 2026).")
        territory_set = serializers.CharField(source="area.territory_set.code", allow_null=True, default=None,
                                              help_text="Code of the territory set of a territory; null otherwise.")
        population = serializers.IntegerField(source="area.population", allow_null=True, help_text=POPULATION_HELP)
        area_km2 = serializers.FloatField(source="area.area_km2", allow_null=True, help_text=AREA_KM2_HELP)
        density = serializers.FloatField(allow_null=True, help_text="Inhabitants per km².")
        is_overseas = serializers.BooleanField(source="area.is_overseas", help_text=OVERSEAS_HELP)
        has_geometry = serializers.BooleanField(source="area.has_geometry",
                                                help_text="False for the few communes without a boundary.")
        parents = AreaRefSerializer(many=True, help_text="Areas above it sharing its communes, largest first.")
        children = AreaRefSerializer(many=True, help_text="Areas one level down (a department: its EPCIs and communes).")
        territories = AreaRefSerializer(many=True, help_text="User-defined territories sharing communes with it.")

    @extend_schema(
        operation_id="areas_retrieve",
        summary="One area with its parents, children and territories",
        parameters=[
            OpenApiParameter("level", str, OpenApiParameter.PATH, enum=Level.values),
            OpenApiParameter("code", str, OpenApiParameter.PATH,
                             description="Area code; for territories <set code>:<area code>."),
        ],
        responses={200: OutputSerializer, 404: OpenApiResponse(description="Unknown level or code")},
    )
    def get(self, request, level: str, code: str):
        try:
            detail = selectors.area_detail(_level_or_404(level), code)
        except selectors.AreaNotFound as exc:
            raise Http404(str(exc))
        return Response(self.OutputSerializer(detail).data)


# --- /geojson/{level}/ ------------------------------------------------------------------------------

class GeoJSONView(LanguageFromRequestMixin, APIView):
    @extend_schema_serializer(component_name="GeoJSONQuery")
    class InputSerializer(serializers.Serializer):
        parent = serializers.CharField(required=False, help_text="Only the areas within this area (code).")
        parent_level = serializers.ChoiceField(choices=LEVEL_CHOICES, required=False)
        detail = serializers.ChoiceField(
            choices=Detail.choices, default=Detail.NATIONAL,
            error_messages={"invalid_choice": _("« {input} » n'est pas un niveau de détail valide : national ou zoomed.")},
        )
        insets = serializers.BooleanField(
            required=False, allow_null=True, default=None,
            help_text="Overseas departments drawn beside metropolitan France. Default: true for national "
            "region/department maps without parent.",
        )

    feature_collection = inline_serializer("FeatureCollection", {
        "type": serializers.CharField(default="FeatureCollection", help_text="Always FeatureCollection."),
        "features": inline_serializer("Feature", {
            "type": serializers.CharField(default="Feature", help_text="Always Feature."),
            "id": serializers.CharField(help_text="Area code (the same as properties.code)."),
            "properties": inline_serializer("FeatureProperties", {
                "code": serializers.CharField(help_text="Official code (INSEE/COG)."),
                "name": serializers.CharField(help_text="Official name (COG 2026)."),
                "level": serializers.ChoiceField(choices=LEVEL_CHOICES, help_text="Geographic level of the area."),
                "population": serializers.IntegerField(allow_null=True, help_text=POPULATION_HELP),
                "area_km2": serializers.FloatField(allow_null=True, help_text=AREA_KM2_HELP),
            }, help_text="The area's code, name, level, population and surface."),
            "geometry": serializers.JSONField(help_text="GeoJSON Polygon or MultiPolygon, WGS84 lon/lat."),
        }, many=True, help_text="One feature per area of the level (within `parent` when given)."),
    })

    @extend_schema(
        operation_id="geojson_retrieve",
        summary="GeoJSON FeatureCollection of a level (application/geo+json, ETag, cacheable)",
        parameters=[OpenApiParameter("level", str, OpenApiParameter.PATH, enum=Level.values), InputSerializer],
        responses={
            (200, "application/geo+json"): feature_collection,
            (304, "application/geo+json"): OpenApiResponse(description="Not modified (If-None-Match)"),
            (400, "application/json"): OpenApiResponse(OpenApiTypes.OBJECT, description="Bad parameter"),
            (404, "application/json"): OpenApiResponse(OpenApiTypes.OBJECT, description="Unknown level"),
        },
    )
    def get(self, request, level: str):
        level = _level_or_404(level)
        params = self.InputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        parent = _parent_or_400(data.get("parent"), data.get("parent_level"), level)
        payload = selectors.area_geojson(level, detail=data["detail"], parent=parent, insets=data["insets"])
        response = get_conditional_response(request, etag=payload.etag)
        if response is None:
            response = HttpResponse(payload.content, content_type="application/geo+json")
        response["ETag"] = payload.etag
        patch_cache_control(response, public=True, max_age=GEOJSON_MAX_AGE)
        return response
