"""The OpenAPI schema documents every endpoint without warnings; Swagger UI is served without a CDN."""

import re

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_the_schema_generates_without_any_warning_or_error(tmp_path):
    out = tmp_path / "schema.yaml"
    # --fail-on-warn turns any warning (missing serializer, unnamed enum, duplicate component) into an error.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    schema = out.read_text()
    for path in ["/api/v1/levels/", "/api/v1/areas/", "/api/v1/areas/{level}/{code}/", "/api/v1/geojson/{level}/"]:
        assert f"  {path}:" in schema
    assert "application/geo+json" in schema


def test_every_geography_endpoint_has_a_documented_response(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    geo_paths = {p: ops for p, ops in schema["paths"].items() if p.startswith("/api/v1/") and
                 any(k in p for k in ("levels", "areas", "geojson"))}
    assert len(geo_paths) == 4
    for path, operations in geo_paths.items():
        get = operations["get"]
        assert get["summary"], path
        assert "200" in get["responses"] and get["responses"]["200"].get("content"), path
    assert {p["name"] for p in geo_paths["/api/v1/areas/"]["get"]["parameters"]} >= {
        "level", "parent", "parent_level", "q", "limit", "offset"}


def test_swagger_ui_references_only_assets_served_by_the_project(client):
    # The split view serves the init script on its own (CSP script-src 'self'): check the page and it.
    html = client.get("/api/docs/").content.decode() + client.get("/api/docs/?script=").content.decode()
    urls = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    assert any("swagger-ui-bundle" in u for u in urls)
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), url
    # Any absolute URL in the page (scripts may build requests from strings too) must be a local one;
    # a bare substring check for "cdn" would trip on a random CSRF token.
    absolute = re.findall(r"https?://[^\s\"'<>]+", html)
    assert not [u for u in absolute if not re.match(r"https?://(127\.0\.0\.1|localhost|testserver)\b", u)], absolute
    # Swagger UI posts the schema to validator.swagger.io unless told not to.
    assert '"validatorUrl": null' in html

