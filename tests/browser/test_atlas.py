"""The atlas pages in headless Chromium: the journey of the issue (home -> indicator map -> communes of a
department -> territory profile -> CSV), state in the URL, every page type clean (no console error, no
foreign request, no CSP violation), axe-core without serious or critical violation, phones at 390 px."""

import csv
import io
import json
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.atlas.published import publish_indicator, publish_population
from tests.browser.conftest import assert_clean, axe_violations, screenshot
from tests.browser.geography import build_national_map

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAP_READY = "() => document.getElementById('map').dataset.ready === 'true'"
SHAPES = "#map .scatterlayer .trace path.js-fill"
PAGE_TYPES = {
    "home": "/", "search": "/recherche/?q=finistere", "indicator": "/indicateurs/densite-medecins/",
    "communes": "/indicateurs/densite-medecins/?level=commune&parent=department%3A29",
    "territory": "/territoires/department/29/", "compare": "/comparer/?a=department:29&a=department:56",
    "english-indicator": "/en/indicateurs/densite-medecins/",
}


@pytest.fixture
def atlas(data_dir):
    build_national_map(data_dir)
    publish_population()
    return publish_indicator()


def query(page) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}


def open_map(page, path):
    page.goto(page.base_url + path)
    page.wait_for_function(MAP_READY)


def test_from_home_a_user_maps_departments_then_communes_opens_a_profile_and_downloads_its_csv(guarded, atlas):
    guarded.goto(guarded.base_url + "/")
    guarded.get_by_role("link", name="Médecins généralistes pour 100 000 habitants").click()
    guarded.wait_for_function(MAP_READY)
    assert guarded.locator(SHAPES).count() == 101
    assert guarded.locator("#map").get_attribute("data-shapes") == "101"
    assert guarded.locator("#map").evaluate("el => el.layout.shapes.length") == 5  # overseas insets
    assert guarded.locator("#values-table tbody tr").count() == 101

    with guarded.expect_navigation():
        guarded.select_option("#level", "commune")
    with guarded.expect_navigation():
        guarded.select_option("#parent", "department:29")
    guarded.wait_for_function(MAP_READY)
    assert query(guarded)["level"] == "commune" and query(guarded)["parent"] == "department:29"
    assert guarded.locator("#map").get_attribute("data-shapes") == "4"
    assert guarded.locator(SHAPES).count() == 4
    assert guarded.locator("#values-table tbody tr").count() == 4
    legend = guarded.locator("#map-legend").inner_text()
    assert "Secret statistique" in legend and "Masquée par le producteur" in legend and "Peu fiable" in legend
    screenshot(guarded, "indicator-communes")

    guarded.locator("#values-table").get_by_role("link", name="Brest").click()
    guarded.wait_for_url("**/territoires/commune/29019/")
    assert "Brest" in guarded.locator("h1").inner_text()
    with guarded.expect_download() as download:
        guarded.locator("#profile-csv").click()
    content = open(download.value.path(), "rb").read()
    assert content == guarded.request.get(guarded.base_url + "/api/v1/profiles/commune/29019/?format=csv").body()
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert [r["area_code"] for r in rows] == ["29019", "29", "53", "FR"]
    # The same numbers as the API's values for Brest.
    api = guarded.request.get(guarded.base_url + "/api/v1/indicators/densite-medecins/values/"
                              "?level=commune&period=2019&sex=T&limit=1000").json()
    brest = next(v for v in api["results"] if v["area_code"] == "29019")
    assert float(rows[0]["value"]) == brest["value"] and float(rows[0]["numerator"]) == brest["numerator"]
    assert_clean(guarded)


def test_changing_period_sex_and_method_updates_map_table_and_url_and_back_restores(guarded, atlas):
    open_map(guarded, "/indicateurs/densite-medecins/?level=region")
    first_value = guarded.locator("#values-table tbody tr").first.locator("td").nth(1).inner_text()
    with guarded.expect_navigation():
        guarded.select_option("#period", "2018")
    guarded.wait_for_function(MAP_READY)
    with guarded.expect_navigation():
        guarded.select_option("#sex", "F")
    guarded.wait_for_function(MAP_READY)
    assert query(guarded) == {"level": "region", "period": "2018", "sex": "F", "method": "quantile"}
    # value_of(): 2018 is 5 below 2019, women 2 below both sexes.
    changed = guarded.locator("#values-table tbody tr").first.locator("td").nth(1).inner_text()
    assert float(changed.replace(",", ".").replace("\u202f", "").replace("\xa0", "")) == pytest.approx(
        float(first_value.replace(",", ".").replace("\u202f", "").replace("\xa0", "")) - 7)
    with guarded.expect_navigation():
        guarded.select_option("#method", "significance")
    guarded.wait_for_function(MAP_READY)
    assert "Meilleur" in guarded.locator("#map-legend").inner_text() or "Semblable" in guarded.locator("#map-legend").inner_text()
    guarded.go_back()
    guarded.wait_for_function(MAP_READY)
    assert query(guarded)["method"] == "quantile" and guarded.locator("#method").input_value() == "quantile"
    assert_clean(guarded)


def test_hovering_a_department_shows_value_ci_and_counts_and_a_click_opens_its_profile(guarded, atlas):
    open_map(guarded, "/indicateurs/densite-medecins/")
    trace = guarded.locator("#map").evaluate("el => el.data.findIndex(t => t.meta && t.meta.code === '29')")
    text = guarded.locator("#map").evaluate(f"el => el.data[{trace}].text")
    assert "Finistère" in text and "IC 95 %" in text and "Numérateur" in text
    box = guarded.locator(SHAPES).nth(trace).bounding_box()
    guarded.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    guarded.wait_for_url("**/territoires/department/29/")
    assert_clean(guarded)


def test_the_table_sorts_by_a_column_and_says_so(guarded, atlas):
    open_map(guarded, "/indicateurs/densite-medecins/?level=region")
    header = guarded.locator("#values-table thead th").nth(1)
    header.locator("button").click()
    assert header.get_attribute("aria-sort") == "descending"
    header.locator("button").click()
    assert header.get_attribute("aria-sort") == "ascending"
    names = guarded.locator("#values-table tbody th a").all_inner_texts()
    assert names == sorted(names, key=lambda n: n.lower()) or names[0] <= names[-1]
    assert_clean(guarded)


def test_the_plotly_toolbar_speaks_french_and_english(guarded, atlas):
    open_map(guarded, "/indicateurs/densite-medecins/")
    titles = guarded.locator("#map .modebar-btn").evaluate_all("els => els.map(e => e.getAttribute('data-title'))")
    assert any("Télécharger" in (t or "") for t in titles)
    open_map(guarded, "/en/indicateurs/densite-medecins/")
    titles = guarded.locator("#map .modebar-btn").evaluate_all("els => els.map(e => e.getAttribute('data-title'))")
    assert any("Download" in (t or "") for t in titles)
    assert_clean(guarded)


@pytest.mark.parametrize("name", list(PAGE_TYPES))
def test_every_page_type_is_clean_accessible_and_fits_a_phone(guarded, atlas, name):
    path = PAGE_TYPES[name]
    guarded.goto(guarded.base_url + path)
    if guarded.locator("#map").count():
        guarded.wait_for_function(MAP_READY)
    screenshot(guarded, f"{name}-desktop")
    assert axe_violations(guarded) == []
    guarded.set_viewport_size({"width": 390, "height": 844})
    guarded.goto(guarded.base_url + path)
    if guarded.locator("#map").count():
        guarded.wait_for_function(MAP_READY)
        assert guarded.locator("#map").bounding_box()["width"] <= 390
    overflow = guarded.evaluate("() => document.documentElement.scrollWidth")
    assert overflow <= 390, f"{path} is {overflow} px wide at 390 px"
    screenshot(guarded, f"{name}-phone")
    assert_clean(guarded)


def test_keyboard_users_reach_the_content_and_the_state_form(guarded, atlas):
    open_map(guarded, "/indicateurs/densite-medecins/")
    guarded.keyboard.press("Tab")
    assert guarded.evaluate("() => document.activeElement.className") == "skip-link"
    guarded.keyboard.press("Enter")
    for _ in range(12):
        guarded.keyboard.press("Tab")
        if guarded.evaluate("() => document.activeElement.id") == "level":
            break
    assert guarded.evaluate("() => document.activeElement.id") == "level"
    outline = guarded.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    assert_clean(guarded)


def test_the_map_data_never_carries_a_withheld_number(page, atlas):
    page.goto(page.base_url + "/indicateurs/densite-medecins/?level=commune&parent=department%3A29")
    data = json.loads(page.locator("#atlas-indicator-data").text_content())
    withheld = next(r for r in data["rows"] if r["code"] == "29042")
    assert withheld["value"] is None and withheld["lo"] is None and withheld["color"] is None
    assert "Secret statistique" in withheld["hover"]


@pytest.mark.parametrize("path", ["?level=region&areas=53", "?level=commune&parent=department%3A29&areas=29019"])
def test_each_chart_exports_png_and_svg_with_its_title_source_and_legend(guarded, atlas, path):
    open_map(guarded, "/indicateurs/densite-medecins/" + path)
    level = query(guarded)["level"]
    guarded.wait_for_function("() => !!(document.getElementById('ranking').data"
                              " && document.getElementById('series').data)")
    legend = [text.strip() for text in guarded.locator("#map-legend li").all_text_contents()]
    assert len(legend) >= 5
    for chart in ("map", "ranking", "series"):
        for fmt in ("png", "svg"):
            with guarded.expect_download() as download:
                guarded.locator(f'button[data-export="{chart}"][data-format="{fmt}"]').click()
            assert download.value.suggested_filename == f"atlas-{level}-{chart}.{fmt}"
            body = open(download.value.path(), "rb").read()
            if fmt == "png":
                assert body[:8] == b"\x89PNG\r\n\x1a\n" and len(body) > 10_000
                continue
            svg = body.decode("utf-8")
            assert svg.startswith("<svg") and "Médecins généralistes" in svg
            assert "Source : DREES, RPPS ; Insee" in svg
            if chart != "series":  # the series has plotly's own legend (one entry per area)
                assert all(f"</tspan> {item}<" in svg for item in legend)
            else:
                assert "France" in svg and ("Bretagne" in svg or "Brest" in svg)
    assert_clean(guarded)


def test_the_indicator_page_csv_and_geojson_exports_are_the_apis_files(guarded, atlas):
    open_map(guarded, "/indicateurs/densite-medecins/?level=commune&parent=department%3A29")
    links = guarded.locator("#exports a")
    for index in range(links.count() - 1):  # the last link is the JSON of the API, opened, not downloaded
        href = links.nth(index).get_attribute("href")
        with guarded.expect_download() as download:
            links.nth(index).click()
        assert open(download.value.path(), "rb").read() == guarded.request.get(guarded.base_url + href).body()
    french = guarded.request.get(guarded.base_url + links.nth(1).get_attribute("href")).text()
    assert french.startswith("\ufeffindicator_code;indicator_label;area_code") and "29019;Brest" in french
    assert_clean(guarded)


def test_a_territory_set_maps_as_a_level_and_its_territories_open_their_profiles(guarded, atlas):
    from tests.atlas.published import publish_territory_set

    publish_territory_set(atlas)
    open_map(guarded, "/indicateurs/densite-medecins/")
    with guarded.expect_navigation():
        guarded.select_option("#level", "territory")
    guarded.wait_for_function(MAP_READY)
    assert query(guarded)["level"] == "territory"
    assert guarded.locator("#map").get_attribute("data-shapes") == "2" and guarded.locator(SHAPES).count() == 2
    assert sorted(guarded.locator("#values-table tbody th a").all_inner_texts()) == ["Cornouaille", "Pays de Brest"]
    guarded.locator("#values-table").get_by_role("link", name="Pays de Brest").click()
    guarded.wait_for_url("**/territoires/territory/ars-test:brest/")
    assert "Pays de Brest" in guarded.locator("h1").inner_text()
    assert guarded.locator("#profile-table tbody tr").count() == 1
    assert_clean(guarded)


def test_the_profile_spine_chart_puts_the_area_among_its_level_and_exports(guarded, atlas):
    guarded.goto(guarded.base_url + "/territoires/department/29/")
    guarded.wait_for_function("() => !!document.getElementById('spine').data")
    spine = guarded.locator("#spine")
    assert spine.locator(".scatterlayer .point").count() == 1
    x = spine.evaluate("el => el.data[2].x[0]")
    assert -1 <= x <= 1  # centred on France, scaled to the spread
    assert "Finistère" in spine.evaluate("el => el.data[2].hovertext[0]")
    with guarded.expect_download() as download:
        guarded.locator('button[data-export="spine"][data-format="svg"]').click()
    svg = open(download.value.path(), encoding="utf-8").read()
    assert "Médecins généralistes" in svg and "France" in svg
    screenshot(guarded, "territory-spine")
    assert_clean(guarded)
