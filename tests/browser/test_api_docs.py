"""Swagger UI renders the API documentation from assets served by the project alone."""

import pytest

from tests.browser.conftest import assert_only_local_requests

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_swagger_ui_renders_the_geography_endpoints_without_leaving_localhost(page):
    page.goto(page.base_url + "/api/docs/")
    page.wait_for_selector("#swagger-ui .opblock-summary-path")
    paths = page.locator("#swagger-ui .opblock-summary-path").all_inner_texts()
    assert {"/api/v1/levels/", "/api/v1/areas/", "/api/v1/geojson/{level}/"} <= {p.replace("\u200b", "") for p in paths}
    assert page.errors == []
    assert_only_local_requests(page)
