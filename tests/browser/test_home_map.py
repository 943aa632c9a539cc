"""The home page map in headless Chromium: shapes, insets, hover, drill-down, search, language, no CDN."""

import pytest

from tests.browser.conftest import assert_only_local_requests
from tests.browser.geography import OVERSEAS, build_national_map, inset_position

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAP_READY = "document.getElementById('map').dataset.ready === 'true'"


@pytest.fixture
def france(data_dir):
    return build_national_map(data_dir)


def open_home(page, path="/densite/"):
    page.goto(page.base_url + path)
    page.wait_for_function("() => " + MAP_READY)


def pixel_of(page, lon, lat):
    """Screen position of a lon/lat point on the plotly map."""
    return page.evaluate(
        """([lon, lat]) => {
            const gd = document.getElementById('map');
            const box = gd.querySelector('.nsewdrag').getBoundingClientRect();
            return [box.left + gd._fullLayout.xaxis.l2p(lon), box.top + gd._fullLayout.yaxis.l2p(lat)];
        }""",
        [lon, lat],
    )


def square_centre(area):
    ring = __import__("json").loads(area.geometries.first().geojson)["coordinates"][0]
    return (ring[0][0] + ring[2][0]) / 2, (ring[0][1] + ring[2][1]) / 2


def test_the_home_page_draws_every_department_with_the_overseas_ones_in_insets(page, france):
    open_home(page)
    assert page.title() == "Atlas Santé : carte des départements"
    assert page.locator("html").get_attribute("lang") == "fr"
    traces = page.evaluate("document.getElementById('map').data.map(t => [t.meta.code, Math.min(...t.x.filter(v => v !== null))])")
    assert len(traces) == 101
    assert sorted(code for code, _ in traces) == sorted(code for code in france if code not in ("FR",) and len(code) <= 3)
    drawn = page.locator("#map .scatterlayer .trace path.js-fill")
    assert drawn.count() == 101
    west = dict(traces)
    for code in OVERSEAS:
        assert west[code] == pytest.approx(inset_position(code)[0]), code
    assert page.evaluate("document.getElementById('map').layout.shapes.length") == 5
    legend = page.locator("#map-legend li")
    assert legend.count() == 6
    assert legend.last.inner_text() == "Pas de donnée"
    assert page.locator("#map").get_attribute("aria-label").startswith("Carte choroplèthe")
    assert page.locator("label[for=area-search]").is_visible()
    assert page.errors == []
    assert_only_local_requests(page)


def test_hovering_a_department_shows_its_name_code_and_density(page, france):
    open_home(page)
    page.mouse.move(*pixel_of(page, *square_centre(france["29"])))
    hover = page.locator("#map .hoverlayer")
    page.wait_for_function("() => " + "document.querySelector('#map .hoverlayer').textContent.includes('Finistère')")
    text = hover.text_content()
    density = france["29"].population / france["29"].area_km2
    assert "Finistère (29)" in text
    assert f"Densité : {density:.1f}".replace(".", ",") in text


def test_clicking_a_department_shows_its_communes_and_back_returns_to_france(page, france):
    open_home(page)
    page.mouse.click(*pixel_of(page, *square_centre(france["29"])))
    page.wait_for_function("() => " + "document.getElementById('map').dataset.department === '29' && " + MAP_READY)
    assert page.locator("#map-title").inner_text() == "Communes : Finistère (29)"
    points = page.evaluate("document.getElementById('map').data.filter(t => t.mode === 'markers')[0].customdata")
    assert sorted(points) == ["29019", "29026", "29042", "29232"]
    assert any("/api/v1/geojson/commune/?parent=29" in url and "detail=zoomed" in url for url in page.requests)
    page.wait_for_selector("#area-info h2")
    assert page.locator("#area-info h2").inner_text() == "Finistère (29)"
    page.get_by_role("button", name="← Retour à la France entière").click()
    page.wait_for_function("() => " + "document.getElementById('map').data.length === 101 && " + MAP_READY)
    assert_only_local_requests(page)


def test_the_search_box_finds_chateaulin_without_its_accent_and_opens_its_department(page, france):
    open_home(page)
    page.get_by_label("Rechercher une commune").fill("chateaulin")
    result = page.locator("#search-results button[data-code='29026']")
    result.wait_for()
    assert result.inner_text().startswith("Châteaulin (29026)")
    result.click()
    page.wait_for_function("() => " + "document.getElementById('map').dataset.department === '29' && " + MAP_READY)
    assert page.locator("#map-title").inner_text() == "Communes : Finistère (29)"
    page.wait_for_selector("#area-info h2")
    assert page.locator("#area-info h2").inner_text() == "Châteaulin (29026)"
    assert_only_local_requests(page)


def test_the_page_speaks_english_under_en(page, france):
    open_home(page, "/en/densite/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("#map-title").inner_text() == "All of France: departments"
    assert page.locator("#map-legend li").last.inner_text() == "No data"
    assert page.evaluate("document.getElementById('map').data.length") == 101
    assert_only_local_requests(page)
