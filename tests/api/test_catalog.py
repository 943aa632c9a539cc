"""Themes, indicators (filters, accent-tolerant search, metadata sheet with coverage), area profiles and
releases (list, detail, changes, Atom feed) over the API."""

import csv
import io
import xml.etree.ElementTree as ET

import pytest

from indicators.models import Indicator, Release, Value
from tests.api.conftest import publish

pytestmark = pytest.mark.django_db


def ok(response):
    assert response.status_code == 200, response.content
    return response.json()


def test_themes_count_their_indicators(handmade, api):
    assert ok(api.get("/api/v1/themes/")) == [{"theme": "", "indicator_count": 1},
                                              {"theme": "Mortalité", "indicator_count": 2}]


def test_indicators_filter_by_theme_level_and_accent_free_search(handmade, api):
    codes = lambda **q: [i["code"] for i in ok(api.get("/api/v1/indicators/", q))]  # noqa: E731
    assert codes() == ["mortalite-generale", "taux-main", "taux-simule"]
    assert codes(theme="Mortalité") == ["taux-main", "taux-simule"]
    assert codes(q="MORTALITE generale") == ["mortalite-generale"]
    assert codes(q="taux a la") == ["taux-main"]
    assert codes(q="hand-made") == ["taux-main"]
    assert codes(level="commune") == ["mortalite-generale"]
    assert api.get("/api/v1/indicators/", {"level": "canton"}).status_code == 400


def test_the_indicator_list_comes_as_csv_too(handmade, api):
    response = api.get("/api/v1/indicators/", {"format": "csv", "dialect": "excel-fr"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert [r["code"] for r in rows] == ["mortalite-generale", "taux-main", "taux-simule"]
    assert rows[0]["multiplier"] == "100000"


def test_an_indicator_sheet_tells_its_sources_coverage_and_last_change(published, api):
    sheet = ok(api.get(f"/api/v1/indicators/{published.indicator.code}/"))
    assert sheet["numerator_dataset"]["code"] == "deces-communes" and not sheet["simulated"]
    assert sheet["coverage"] == {"levels": ["country", "region", "department", "epci", "commune", "territory"],
                                 "periods": ["2018", "2019", "2020"], "sexes": ["M", "F", "T"]}
    assert sheet["last_changed"] and sheet["release"] == Release.objects.get().pk
    assert api.get("/api/v1/indicators/inconnu/").status_code == 404


def test_an_area_profile_puts_each_latest_value_beside_the_parent_and_france(handmade, api):
    profile = ok(api.get("/api/v1/profiles/department/29/"))
    assert profile["area"] == {"level": "department", "code": "29", "name": "Finistère"}
    assert profile["parent"]["code"] == "53"
    entries = {e["indicator"]: e for e in profile["indicators"]}
    assert set(entries) == {"mortalite-generale", "taux-main", "taux-simule"}
    mortality = entries["mortalite-generale"]
    assert mortality["period"] == "2020" and mortality["area"]["area_code"] == "29"
    assert mortality["parent"]["area_code"] == "53" and mortality["france"]["area_code"] == "FR"
    assert [p["period"] for p in mortality["trend"]["points"]] == ["2018", "2019", "2020"]
    assert mortality["trend"]["label"] == "cannot be calculated"  # 3 points, 5 needed
    hand = entries["taux-main"]
    assert hand["parent"]["value"] is None and hand["parent"]["suppressed"]  # Bretagne masked at source
    assert hand["compared_to_parent"] == "worse" and entries["taux-simule"]["simulated"]


def test_a_profile_of_a_withheld_value_shows_no_number(handmade, api):
    profile = ok(api.get("/api/v1/profiles/department/56/"))
    hand = next(e for e in profile["indicators"] if e["indicator"] == "taux-main")
    assert hand["area"]["value"] is None and hand["area"]["numerator"] is None
    assert hand["compared_to_parent"] is None and hand["compared_to_france"] is None


def test_an_unknown_area_profile_is_a_404(published, api):
    assert api.get("/api/v1/profiles/department/99/").status_code == 404
    assert api.get("/api/v1/profiles/canton/29/").status_code == 404


def test_releases_list_detail_and_changes(published, api):
    first = Release.objects.get()
    Value.objects.filter(release=first).count()
    indicator = published.indicator
    Indicator.objects.filter(pk=indicator.pk).update(multiplier=1000)  # every rate changes
    publish(indicator.code)
    second = Release.objects.exclude(pk=first.pk).get()
    listing = ok(api.get("/api/v1/releases/"))
    assert [r["id"] for r in listing] == [second.pk, first.pk]
    assert listing[0]["indicators"] == [indicator.code]
    assert ok(api.get(f"/api/v1/releases/{first.pk}/"))["id"] == first.pk
    changes = ok(api.get(f"/api/v1/releases/{second.pk}/changes/"))
    assert changes["previous"] == first.pk and changes["indicators_changed"] == [indicator.code]
    published_values = Value.objects.filter(release=second, value__isnull=False).count()
    (per,) = changes["per_indicator"]
    assert per["changed_values"] == published_values and per["added_values"] == per["removed_values"] == 0
    assert ok(api.get(f"/api/v1/releases/{first.pk}/changes/"))["previous"] is None
    assert api.get("/api/v1/releases/999/").status_code == 404


def test_the_atom_feed_lists_the_releases(published, api):
    response = api.get("/api/v1/releases/feed/")
    assert response["Content-Type"].startswith("application/atom+xml")
    entries = ET.fromstring(response.content).findall("{http://www.w3.org/2005/Atom}entry")
    assert len(entries) == 1 and published.indicator.code in entries[0].find("{http://www.w3.org/2005/Atom}title").text


def test_areas_come_as_csv_in_both_dialects(published, api):
    import pandas as pd

    for dialect, sep, decimal in (("default", ",", "."), ("excel-fr", ";", ",")):
        response = api.get("/api/v1/areas/", {"level": "department", "format": "csv", "dialect": dialect})
        assert response.content.startswith("\ufeff".encode())
        frame = pd.read_csv(io.BytesIO(response.content), sep=sep, decimal=decimal, encoding="utf-8-sig",
                            dtype={"code": str, "parent_code": str})
        assert frame["code"].tolist() == ["29", "56"] and frame["parent_code"].tolist() == ["53", "53"]
        assert frame["area_km2"].tolist() == [6733.0, 6823.0]
