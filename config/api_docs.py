"""Swagger UI and Redoc pages that run under the Content-Security-Policy (config/csp.py) and call no
third-party host.

Redoc's bundle hard-codes ``<img src="https://cdn.redoc.ly/redoc/logo-mini.svg">`` in its sidebar footer
and no option removes it, so the sidecar's bundle is served through ``redoc_standalone`` with that URL
swapped for an inline SVG.

Redoc (styled-components, and style-loader modules run as the bundle loads) injects <style> elements at
runtime. Redoc's ``nonce`` option reaches styled-components only once ``Redoc.init`` runs, after the
bundle's own load-time styles (tried: three style-src-elem violations remain), so this page alone gets
``style-src 'self' 'unsafe-inline'``. Its search index runs in a Web Worker built from a blob: URL of its
own code, hence ``worker-src 'self' blob:``. Scripts stay ``'self'``: Redoc runs without eval under this
policy (tests/browser/test_csp.py).
"""

from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

import drf_spectacular_sidecar
from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularRedocView

from config.csp import HEADER, policy_header

SIDECAR_VERSION = version("drf-spectacular-sidecar")
REDOC_BUNDLE = Path(drf_spectacular_sidecar.__file__).parent / "static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
LOCAL_LOGO = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='1' height='1'/%3E"
YEAR = 365 * 24 * 3600
REDOC_POLICY = policy_header(style_src="'self' 'unsafe-inline'", worker_src="'self' blob:")


@lru_cache(maxsize=1)
def _redoc_bundle() -> bytes:
    text = REDOC_BUNDLE.read_text(encoding="utf-8").replace(REDOC_LOGO, LOCAL_LOGO)
    # The source map is not served; without this line a devtools session would request it.
    return text.replace("//# sourceMappingURL=redoc.standalone.js.map", "").encode()


@require_GET
def redoc_standalone(request):
    """The sidecar's Redoc bundle minus its CDN logo; the URL carries the sidecar version, hence a year."""
    response = HttpResponse(_redoc_bundle(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    return response


class RedocView(SpectacularRedocView):
    template_name = "drf_spectacular/redoc.html"

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response.data["redoc_standalone"] = reverse("api-redoc-js") + f"?v={SIDECAR_VERSION}"
        response[HEADER] = REDOC_POLICY
        return response
