"""The atlas pages rendered by Django: what each shows, what it offers, and that withheld values never leave."""

import csv
import io
import json

import pytest

from atlas.classify import class_index, class_limits
from atlas.state import page_state
from tests.atlas.published import publish_indicator, publish_population
from tests.browser.geography import build_national_map

pytestmark = pytest.mark.django_db


@pytest.fixture
def atlas(data_dir):
    areas = build_national_map(data_dir)
    indicator = publish_indicator()
    publish_population()
    return areas, indicator


def indicator_data(response) -> dict:
    html = response.content.decode()
    start = html.index('<script id="atlas-indicator-data" type="application/json">') + len(
        '<script id="atlas-indicator-data" type="application/json">')
    return json.loads(html[start:html.index("</script>", start)])


def test_the_home_page_lists_themes_and_indicators_with_the_release_date_and_no_promise(client, atlas):
    html = client.get("/").content.decode()
    assert "Offre de soins" in html
    assert 'href="/indicateurs/densite-medecins/"' in html
    assert "Données publiées le" in html
    assert "En attendant les indicateurs" not in html
    assert 'href="/api/docs/"' in html


def test_the_english_home_page_is_under_en_and_uses_english_labels(client, atlas):
    html = client.get("/en/").content.decode()
    assert '<html lang="en">' in html
    assert "General practitioners per 100,000 inhabitants" in html
    assert 'href="/en/indicateurs/densite-medecins/"' in html


@pytest.mark.parametrize("q", ["medecin", "médecins", "MEDECINS", "medcins"])
def test_the_search_finds_an_indicator_without_accents_and_with_a_typo(client, atlas, q):
    html = client.get("/recherche/", {"q": q}).content.decode()
    assert 'href="/indicateurs/densite-medecins/"' in html.split('id="indicator-results"')[1].split("</ul>")[0]


@pytest.mark.parametrize("q", ["finistere", "Finistère", "finistre"])
def test_the_search_finds_finistere_without_accent_or_with_a_typo(client, atlas, q):
    areas = client.get("/recherche/", {"q": q}).content.decode().split('id="area-results"')[1]
    assert areas.index('href="/territoires/department/29/"') >= 0


def test_the_search_ranks_the_region_before_a_small_commune_holding_its_name(client, atlas):
    from tests.geo.geoweb_geography import area

    area("commune", "22999", "Bretagne-sur-Mer", population=125)
    areas = client.get("/recherche/", {"q": "Bretagne"}).content.decode().split('id="area-results"')[1]
    assert areas.index('href="/territoires/region/53/"') < areas.index('href="/territoires/commune/22999/"')


def test_the_indicator_page_offers_only_the_levels_periods_and_sexes_with_data(client, atlas):
    response = client.get("/indicateurs/densite-medecins/")
    assert response.status_code == 200
    html = response.content.decode()
    level_select = html.split('id="level"')[1].split("</select>")[0]
    assert 'value="department" selected' in level_select
    assert 'value="epci"' not in level_select  # the release holds no EPCI value
    assert '<option selected>2019</option>' in html
    data = indicator_data(response)
    assert data["level"] == "department" and data["period"] == "2019"
    assert len(data["rows"]) == 101


def test_a_withheld_value_leaves_the_page_without_number_class_or_comparison(client, atlas):
    response = client.get("/indicateurs/densite-medecins/", {"level": "commune", "parent": "department:29"})
    data = indicator_data(response)
    rows = {row["code"]: row for row in data["rows"]}
    assert set(rows) == {"29019", "29026", "29042", "29232"}
    for code, flag in (("29042", "suppressed"), ("29232", "masked")):
        assert rows[code]["value"] is None and rows[code]["lo"] is None and rows[code]["hi"] is None
        assert rows[code]["color"] is None and rows[code]["flag"] == flag
    assert rows["29026"]["flag"] == "unreliable"
    table = response.content.decode().split('id="values-table"')[1].split("</table>")[0]
    withheld = table.split('data-code="29042"')[1].split("</tr>")[0]
    assert "Secret statistique" in withheld and 'data-value=""' in withheld
    labels = [item["label"] for item in data["legend"]]
    assert "Secret statistique (petits effectifs)" in labels and "Masquée par le producteur" in labels
    assert "Peu fiable (petits effectifs)" in labels


def test_the_state_in_the_url_chooses_level_period_sex_method_and_chosen_areas(client, atlas):
    response = client.get("/indicateurs/densite-medecins/", {"level": "region", "period": "2018", "sex": "F",
                                                             "method": "significance", "areas": ["53"]})
    data = indicator_data(response)
    assert (data["level"], data["period"]) == ("region", "2018")
    bretagne = next(row for row in data["rows"] if row["code"] == "53")
    assert "Valeur" in bretagne["hover"] and "IC 95 %" in bretagne["hover"]
    assert {item["label"] for item in data["legend"]} <= {"Meilleur", "Semblable", "Moins bon"}
    assert [line["name"] for line in data["series"]] == ["Bretagne", "France"]
    assert data["series"][0]["x"] == ["2018", "2019"]


def test_an_unknown_indicator_is_a_404_and_a_bad_choice_falls_back_to_one_with_data(client, atlas):
    assert client.get("/indicateurs/inconnu/").status_code == 404
    data = indicator_data(client.get("/indicateurs/densite-medecins/", {"level": "x", "period": "1800", "sex": "Z"}))
    assert (data["level"], data["period"]) == ("department", "2019")


def test_the_export_links_are_the_api_files(client, atlas):
    html = client.get("/indicateurs/densite-medecins/").content.decode()
    exports = html.split('id="exports"')[1].split("</ul>")[0]
    assert "/api/v1/indicators/densite-medecins/values/?level=department&amp;period=2019&amp;sex=T&amp;format=csv" in exports
    assert "format=geojson" in exports and "dialect=excel-fr" in exports


def test_the_territory_profile_shows_each_indicator_against_region_and_france_with_a_pyramid(client, atlas):
    response = client.get("/territoires/department/29/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Finistère" in html and "Bretagne" in html and "France" in html
    row = html.split('id="profile-table"')[1].split("</table>")[0]
    assert "Médecins généralistes" in row and "cmp cmp-" in row and "2018 :" in row
    assert "Pyramide des âges" in html and 'id="pyramid-table"' in html
    assert client.get("/territoires/department/99/").status_code == 404
    assert client.get("/territoires/nowhere/29/").status_code == 404


def test_the_profile_csv_is_the_apis_with_the_area_then_its_parent_region_and_france(client, atlas):
    html = client.get("/territoires/commune/29042/").content.decode()
    assert 'href="/api/v1/profiles/commune/29042/?format=csv"' in html
    assert 'href="/api/v1/profiles/commune/29042/?format=csv&amp;dialect=excel-fr"' in html
    response = client.get("/api/v1/profiles/commune/29042/?format=csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(r["role"], r["area_code"]) for r in rows] == [("area", "29042"), ("parent", "29"), ("region", "53"),
                                                           ("france", "FR")]
    assert rows[0]["value"] == rows[0]["numerator"] == rows[0]["lower_ci_95"] == ""
    assert "Secret statistique" in rows[0]["note"]


def test_the_old_profile_csv_address_redirects_to_the_api(client, atlas):
    response = client.get("/territoires/commune/29042/profil.csv?dialect=excel-fr")
    assert response.status_code == 301
    assert response["Location"] == "/api/v1/profiles/commune/29042/?format=csv&dialect=excel-fr"


def test_the_compare_page_puts_areas_side_by_side_and_names_unknown_ones(client, atlas):
    html = client.get("/comparer/", {"a": ["department:29", "department:56", "department:00"]}).content.decode()
    table = html.split('id="compare-table"')[1]
    assert "Finistère" in table and "Morbihan" in table
    assert "department:00" in html


def test_quintile_classes_split_the_known_values_and_ignore_withheld_ones():
    values = [1.0, 2.0, 3.0, 4.0, 5.0, None, 6.0, 7.0, 8.0, 9.0, 10.0]
    limits = class_limits(values, "quantile")
    assert len(limits) == 5 and limits[-1] == 10.0
    index = class_index(values, limits)
    assert index[5] is None and index[0] == 0 and index[-1] == 4
    assert class_limits([None, None], "jenks") == []
    jenks = class_limits([1, 1, 2, 2, 50, 51, 52, 100, 101, 102], "jenks", k=3)
    assert jenks == [2.0, 52.0, 102.0]
    assert class_limits([0.0, 10.0], "equal", k=2) == [5.0, 10.0]


def test_the_page_state_falls_back_to_choices_that_exist():
    from django.http import QueryDict

    choices = {"department": {"periods": ["2018", "2019"], "sexes": ["F", "M", "T"]},
               "commune": {"periods": ["2019"], "sexes": ["T"]}}
    state = page_state(QueryDict("level=commune&period=2018&sex=M&method=jenks"), choices, "department:29")
    assert (state.level, state.period, state.sex, state.method, state.parent) == (
        "commune", "2019", "T", "jenks", "department:29")
    assert page_state(QueryDict(""), choices).level == "department"


@pytest.mark.parametrize("path, english, french", [
    ("/en/indicateurs/densite-medecins/", ["Table of values", "Ranking", "Indicator sheet", "Map classes"],
     ["Tableau des valeurs", "Fiche de l'indicateur"]),
    ("/en/territoires/department/29/", ["Indicators of the area", "Download the profile (CSV)", "Population pyramid"],
     ["Indicateurs du territoire"]),
    ("/en/", ["Indicators by theme", "API documentation (OpenAPI)"], ["Indicateurs par thème"]),
])
def test_the_english_pages_are_translated(client, atlas, path, english, french):
    html = client.get(path).content.decode()
    for text in english:
        assert text in html
    for text in french:
        assert text not in html


def test_numbers_are_formatted_as_django_formats_them_in_each_language():
    from django.utils import translation
    from django.utils.formats import number_format

    from atlas.pages import fmt

    for language in ("fr", "en"):
        with translation.override(language):
            for value in (1234567.25, -3.14159, 0.0, 999.95):
                assert fmt(value, 2) == number_format(value, decimal_pos=2, use_l10n=True, force_grouping=True)
    assert fmt(None) == "–"


def test_the_language_links_lead_to_the_same_page_and_state_in_the_other_language(client, atlas):
    html = client.get("/indicateurs/densite-medecins/", {"level": "region", "period": "2018"}).content.decode()
    assert 'href="/en/indicateurs/densite-medecins/?level=region&amp;period=2018"' in html
    english = client.get("/en/indicateurs/densite-medecins/", {"level": "region"}).content.decode()
    assert 'href="/indicateurs/densite-medecins/?level=region"' in english


def test_a_repeat_visit_revalidates_the_page_with_its_etag(client, atlas):
    first = client.get("/indicateurs/densite-medecins/")
    assert "csrfmiddlewaretoken" not in first.content.decode()
    again = client.get("/indicateurs/densite-medecins/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


@pytest.mark.parametrize("path", ["/indicateurs/densite-medecins/", "/territoires/department/29/"])
def test_the_charted_pages_relax_only_style_attributes_and_blob_images_for_the_png_export(client, atlas, path):
    from config.csp import HEADER, policy_header

    response = client.get(path)
    assert response.status_code == 200
    assert response[HEADER] == policy_header(style_src_attr="'unsafe-inline'", img_src="'self' data: blob:")
    assert "script-src 'self';" in response[HEADER]


def test_the_territory_page_reads_every_indicator_of_its_profile_in_one_query(client, atlas):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/territoires/commune/29019/").status_code == 200
        return len(captured)

    one = queries()
    for n in range(3):
        publish_indicator(code=f"autre-{n}", label=f"Autre indicateur {n}")
    html = client.get("/territoires/commune/29019/").content.decode()
    assert "Autre indicateur 2" in html
    assert queries() == one


def test_a_territory_set_is_a_map_level_with_its_own_shapes_and_profiles(client, atlas):
    from tests.atlas.published import publish_territory_set

    _areas, indicator = atlas
    publish_territory_set(indicator)
    data = indicator_data(client.get("/indicateurs/densite-medecins/", {"level": "territory"}))
    assert data["level"] == "territory"
    assert sorted(r["code"] for r in data["rows"]) == ["ars-test:brest", "ars-test:cornouaille"]
    geojson = client.get(data["geojsonUrl"]).json()
    assert sorted(f["properties"]["code"] for f in geojson["features"]) == ["ars-test:brest", "ars-test:cornouaille"]
    html = client.get("/territoires/territory/ars-test:brest/").content.decode()
    assert "Pays de Brest" in html and "Médecins généralistes" in html


def test_the_spine_chart_spreads_the_published_values_of_the_level_and_never_a_withheld_one(client, atlas):
    from indicators.models import Value

    departments = Value.objects.filter(area__level="department", period="2019", sex="T")
    # A withheld row whose number a buggy writer left in the table must not stretch the spread.
    departments.filter(area__code="2A").update(value=99999.0)
    published = [v for v in departments.filter(suppressed=False).values_list("value", flat=True) if v is not None]
    response = client.get("/territoires/department/29/")
    data = json.loads(response.content.decode().split('<script id="atlas-territory-data" type="application/json">')[1]
                      .split("</script>")[0])
    [row] = data["spine"]
    assert row["min"] == min(published) and row["max"] == max(published) and row["count"] == len(published)
    assert row["min"] <= row["q1"] <= row["median"] <= row["q3"] <= row["max"] and row["max"] < 99999
    assert row["value"] == departments.get(area__code="29").value and row["france"] is not None
    assert 'id="spine"' in response.content.decode()
    assert "99999" not in response.content.decode()
    # France has no France to be centred on: no spine, no error.
    assert client.get("/territoires/country/FR/").status_code == 200


def test_a_profile_whose_region_has_no_value_shows_a_dash_not_an_error(client, atlas):
    from indicators.models import Value

    Value.objects.filter(area__level="region", area__code="53").delete()
    response = client.get("/territoires/department/29/")
    assert response.status_code == 200
    row = response.content.decode().split('id="profile-table"')[1].split("</tbody>")[0]
    assert "<td>–</td>" in row
    assert client.get("/en/territoires/department/29/").status_code == 200
