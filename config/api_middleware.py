"""Refuse NUL bytes in the path or query string with a plain 400, before any view or database sees them.

PostgreSQL cannot hold a NUL in text: ``/api/v1/areas/department/%00/`` reached the ORM and failed there
with a 500. No legitimate URL of the site carries one.
"""

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
