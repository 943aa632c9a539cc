"""Renderers for the API's non-JSON formats, and a content negotiation that answers an unknown ``?format=``
with a 400 naming the accepted formats (DRF's default is a 404).

Views build CSV and GeoJSON bodies themselves (bytes, possibly streamed); these renderers exist so that
DRF's negotiation (``?format=csv`` or ``Accept: text/csv``) picks the format and the schema lists the
media types.
"""

from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.settings import api_settings

from config.api_params import param_error


class _BytesRenderer(BaseRenderer):
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes | str):
            return data
        # Errors (400, 404...) reach here as dicts when the client asked for CSV or GeoJSON: send JSON.
        response = (renderer_context or {}).get("response")
        if response is not None:
            response["Content-Type"] = "application/json"
        return JSONRenderer().render(data)


class CSVRenderer(_BytesRenderer):
    media_type = "text/csv"
    format = "csv"


class GeoJSONRenderer(_BytesRenderer):
    media_type = "application/geo+json"
    format = "geojson"


class StrictContentNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        wanted = format_suffix or request.query_params.get(api_settings.URL_FORMAT_OVERRIDE)
        if wanted and wanted not in {r.format for r in renderers}:
            raise param_error("format", wanted, [r.format for r in renderers])
        return super().select_renderer(request, renderers, format_suffix)
