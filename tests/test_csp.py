"""Every page type answers with the Content-Security-Policy header (config/csp.py), relaxed only where a
page documents why; the Redoc bundle is served without its CDN logo."""

import re

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from config.csp import HEADER, ContentSecurityPolicyMiddleware, csp_override

pytestmark = pytest.mark.django_db

STRICT = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
          "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'")


def directives(header: str) -> dict:
    return {part.split()[0]: " ".join(part.split()[1:]) for part in header.split("; ")}


@pytest.mark.parametrize("path", ["/admin/login/", "/en/admin/login/", "/api/docs/", "/api/docs/?script=",
                                  "/api/v1/schema/", "/api/v1/levels/", "/healthz", "/api/redoc/redoc.standalone.js",
                                  "/static/js/atlas/charts.js", "/no-such-page/", "/api/v1/no-such-endpoint/"])
def test_every_page_type_carries_the_strict_policy(client, path):
    response = client.get(path)
    assert response.status_code < 500
    assert response[HEADER] == STRICT


@pytest.mark.parametrize("path", ["/densite/", "/en/densite/"])
def test_the_plotly_pages_relax_only_style_attributes(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert directives(response[HEADER]) == directives(STRICT) | {"style-src-attr": "'unsafe-inline'"}


def test_redoc_relaxes_only_its_runtime_styles_and_blob_worker(client):
    response = client.get("/api/redoc/")
    assert response.status_code == 200
    assert directives(response[HEADER]) == directives(STRICT) | {"style-src": "'self' 'unsafe-inline'",
                                                                 "worker-src": "'self' blob:"}
    assert "script-src 'self';" in response[HEADER]  # never unsafe-inline or unsafe-eval for scripts


@pytest.mark.parametrize("path", ["/", "/densite/", "/recherche/?q=x", "/comparer/", "/api/docs/", "/api/redoc/",
                                  "/admin/login/"])
def test_pages_have_no_inline_script_handler_or_foreign_url(client, path):
    html = client.get(path).content.decode()
    inline_scripts = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", html)
    assert inline_scripts == []
    assert re.findall(r"\son[a-z]+=", html) == []
    assert re.findall(r"(?:src|href)=\"(?:https?:)?//", html) == []


def test_the_redoc_bundle_is_served_without_the_redocly_cdn_logo_and_cached_for_a_year(client):
    page = client.get("/api/redoc/").content.decode()
    bundle_url = re.search(r'<script src="([^"]*redoc.standalone.js[^"]*)"', page).group(1)
    assert "?v=" in bundle_url  # the sidecar version busts the year-long cache on upgrade
    response = client.get(bundle_url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert "max-age=31536000" in response["Cache-Control"]
    body = response.content.decode()
    assert "Redoc" in body and len(body) > 500_000
    assert "cdn.redoc.ly" not in body
    assert "sourceMappingURL=redoc.standalone.js.map" not in body  # the map is not served: no 404 in devtools


def test_the_middleware_keeps_a_policy_the_view_set_itself():
    view = csp_override(script_src="'self' 'unsafe-eval'")(lambda request: HttpResponse("ok"))
    response = ContentSecurityPolicyMiddleware(view)(RequestFactory().get("/"))
    assert directives(response[HEADER])["script-src"] == "'self' 'unsafe-eval'"
    plain = ContentSecurityPolicyMiddleware(lambda request: HttpResponse("ok"))(RequestFactory().get("/"))
    assert plain[HEADER] == STRICT
