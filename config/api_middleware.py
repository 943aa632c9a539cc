"""Refuse NUL bytes in the path or query string with a plain 400, before any view or database sees them.

PostgreSQL cannot hold a NUL in text: ``/api/v1/areas/department/%00/`` reached the ORM and failed there
with a 500. No legitimate URL of the site carries one.
"""

import time
from urllib.parse import unquote_to_bytes

from django.http import JsonResponse


class RefuseNulBytesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raw_path = request.META.get("PATH_INFO", "")
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in raw_path or b"\x00" in unquote_to_bytes(query.replace("+", " ")) or "\x00" in request.path:
            return JsonResponse({"detail": "NUL byte (%00) in the URL: refused."}, status=400)
        return self.get_response(request)


STARTED = time.time()
CODE_BOUND = ("/api/v1/schema/", "/api/docs/", "/api/redoc/")


class ApiLastModifiedMiddleware:
    """Every successful API GET carries Last-Modified: views that know better set it (values, runs); the
    others (levels, areas, geometries, the endpoint list) get the data version's time. Placed below
    ConditionalGetMiddleware, which then answers If-Modified-Since with a 304."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (request.method in ("GET", "HEAD") and response.status_code == 200 and request.path.startswith("/api/")
                and not response.has_header("Last-Modified")):
            from django.utils.http import http_date

            if request.path.startswith(CODE_BOUND):  # the schema and docs change with the code, not the data
                response["Last-Modified"] = http_date(STARTED)
                return response
            from indicators.selectors.releases import api_data_version

            last_modified = api_data_version().last_modified
            if last_modified is not None:
                response["Last-Modified"] = http_date(last_modified.timestamp())
        return response
