"""Every page type in headless Chromium under the Content-Security-Policy: each request to a host other
than the live server is aborted and fails the test, as does any console error or CSP violation."""

from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import assert_clean
from tests.browser.geography import build_national_map
from tests.browser.test_home_map import MAP_READY

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A function, not an expression: Playwright evals a bare expression, which script-src 'self' refuses.
MAP_READY_FN = "() => " + MAP_READY
@pytest.mark.parametrize("path", ["/densite/", "/en/densite/"])
def test_the_home_map_draws_its_shapes_under_the_policy(guarded, path, data_dir):
    build_national_map(data_dir)
    guarded.goto(guarded.base_url + path)
    guarded.wait_for_function(MAP_READY_FN)
    assert guarded.locator("#map .scatterlayer .trace path.js-fill").count() == 101
    # plotly's own rules come from static/css/plotly.css, not from an injected <style>.
    assert guarded.evaluate("[...document.querySelectorAll('style')].map(s => s.id)") == []
    assert guarded.locator("#map .modebar-btn").count() > 0
    assert_clean(guarded)


def test_no_plotly_button_or_link_points_to_plotly_or_chart_studio(guarded, data_dir):
    build_national_map(data_dir)
    guarded.goto(guarded.base_url + "/densite/")
    guarded.wait_for_function(MAP_READY_FN)
    guarded.hover("#map")
    buttons = guarded.locator("#map .modebar-btn")
    names = buttons.evaluate_all("els => els.map(e => e.getAttribute('data-title') + ' ' + (e.getAttribute('href') || ''))")
    assert names, "the mode bar has no button"
    links = guarded.evaluate("[...document.querySelectorAll('#map a, #map [href]')].map(a => a.getAttribute('href'))")
    found = [text for text in names + links if text and any(
        word in text.lower() for word in ("plotly.com", "plot.ly", "chart studio", "chart-studio", "cloud"))]
    assert found == []
    assert guarded.locator("#map .modebar-btn--logo, #map .modebar-btn[data-title*='Chart Studio']").count() == 0
    assert_clean(guarded)


def test_the_language_switch_goes_to_the_english_page_and_back(guarded, data_dir):
    build_national_map(data_dir)
    guarded.goto(guarded.base_url + "/densite/")
    guarded.wait_for_function(MAP_READY_FN)
    guarded.get_by_role("link", name="English").click()
    guarded.wait_for_url("**/en/densite/")
    guarded.wait_for_function(MAP_READY_FN)
    assert guarded.locator("html").get_attribute("lang") == "en"
    guarded.get_by_role("link", name="Français").click()
    guarded.wait_for_url("**/densite/")
    assert guarded.locator("html").get_attribute("lang") == "fr"
    assert_clean(guarded)


def test_swagger_ui_shows_the_operations_under_the_policy(guarded):
    guarded.goto(guarded.base_url + "/api/docs/")
    guarded.wait_for_selector("#swagger-ui .opblock-summary-path")
    paths = {p.replace("\u200b", "") for p in guarded.locator("#swagger-ui .opblock-summary-path").all_inner_texts()}
    assert {"/api/v1/levels/", "/api/v1/areas/", "/api/v1/geojson/{level}/"} <= paths
    guarded.locator("#swagger-ui .opblock-summary").first.click()
    guarded.wait_for_selector("#swagger-ui .opblock-body")
    assert_clean(guarded)


def test_redoc_shows_the_api_title_and_operations_under_the_policy(guarded):
    guarded.goto(guarded.base_url + "/api/redoc/")
    guarded.wait_for_selector("#redoc-container h1")
    assert guarded.locator("#redoc-container h1").first.inner_text().startswith("Atlas Santé API")
    guarded.wait_for_selector("#redoc-container [data-section-id^='tag/'], #redoc-container [id^='operation/']")
    assert "/api/v1/levels/" in guarded.locator("#redoc-container").inner_text()
    assert guarded.locator("img[src*='redoc.ly']").count() == 0
    assert_clean(guarded)


def test_the_admin_login_page_renders_under_the_policy(guarded):
    guarded.goto(guarded.base_url + "/admin/login/")
    guarded.wait_for_selector("#login-form input[name=username]")
    assert guarded.locator("#login-form input[type=submit]").is_visible()
    assert_clean(guarded)


@pytest.mark.parametrize("path", ["/admin/", "/admin/indicators/upload/add/", "/admin/geo/area/", "/admin/indicators/run/"])
def test_staff_pages_work_under_the_policy_after_a_real_login(guarded, path):
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_superuser("gestionnaire", "g@example.org", "mot-de-passe-solide-29")
    guarded.goto(guarded.base_url + "/admin/login/?next=" + path)
    guarded.fill("#id_username", "gestionnaire")
    guarded.fill("#id_password", "mot-de-passe-solide-29")
    guarded.click("#login-form input[type=submit]")
    guarded.wait_for_url("**" + path)
    guarded.wait_for_selector("#content")
    assert guarded.locator("#user-tools").inner_text().upper().count("GESTIONNAIRE") == 1
    assert_clean(guarded)
