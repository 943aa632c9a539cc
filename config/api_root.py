"""GET /api/v1/: the endpoints of the API, with the schema and documentation links (relative URLs)."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api_params import public_link

ENDPOINTS = [
    ("themes", "/api/v1/themes/", "Indicator themes with their number of indicators."),
    ("indicators", "/api/v1/indicators/", "Indicators (filter by theme, level, search); detail = metadata sheet."),
    ("values", "/api/v1/values/", "Published values: JSON, CSV (format=csv), GeoJSON (format=geojson)."),
    ("profile", "/api/v1/profiles/{level}/{code}/", "One area's latest values beside its parent's and France's."),
    ("releases", "/api/v1/releases/", "Published releases; detail, changes against the previous one, Atom feed."),
    ("runs", "/api/v1/runs/", "Compute runs: GET public, POST for staff."),
    ("levels", "/api/v1/levels/", "Geographic levels."),
    ("areas", "/api/v1/areas/", "Areas: search, filter by level and parent; CSV with format=csv."),
    ("geojson", "/api/v1/geojson/{level}/", "Boundaries of a level."),
    ("schema", "/api/v1/schema/", "OpenAPI 3 schema (this API's reference)."),
    ("docs", "/api/docs/", "Swagger UI."),
    ("redoc", "/api/redoc/", "Redoc."),
]


class ApiRootView(APIView):
    @extend_schema(operation_id="api_root", summary="The endpoints of the API", responses=inline_serializer(
        "ApiRoot", {"endpoints": inline_serializer("ApiEndpoint", {
            "name": serializers.CharField(help_text="Short name."),
            "url": serializers.CharField(help_text="Path (relative, or under the configured public base URL)."),
            "description": serializers.CharField(help_text="What it serves."),
        }, many=True, help_text="Every endpoint of /api/v1/.")}))
    def get(self, request):
        return Response({"endpoints": [{"name": n, "url": public_link(u, {}), "description": d}
                                       for n, u, d in ENDPOINTS]})
