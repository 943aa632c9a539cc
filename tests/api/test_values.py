"""GET /api/v1/values/: filters, flags, comparisons, releases, pagination, and disclosure control in JSON,
CSV and GeoJSON alike."""

import csv
import io
import json

import pandas as pd
import pytest

from indicators.models import Release, Value
from tests.api.conftest import publish

pytestmark = pytest.mark.django_db
CSV_HEADER = ("indicator_code,indicator_label,area_code,area_name,area_level,parent_code,parent_name,period,sex,"
              "value,lower_ci_95,upper_ci_95,lower_ci_99_8,upper_ci_99_8,numerator,denominator,unit,note,"
              "compared_to_parent,compared_to_france,release")


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_values_filter_by_indicator_level_period_and_sex(published, api):
    rows = results(api.get("/api/v1/values/", {"indicator": published.indicator.code, "level": "department",
                                               "period": "2019", "sex": "F"}))
    by_code = {r["area_code"]: r for r in rows}
    assert list(by_code) == ["29", "56"]
    # Morbihan's women are under 10 and Bretagne has two departments: Finistère's go too (complementary).
    assert [by_code[c]["flags"]["suppression"] for c in ("29", "56")] == ["complementary", "primary"]
    assert all(by_code[c][k] is None for c in ("29", "56") for k in ("value", "numerator", "denominator"))
    quimper = results(api.get("/api/v1/values/", {"indicator": published.indicator.code, "area": "29232",
                                                  "level": "commune", "period": "2019", "sex": "F"}))[0]
    assert quimper["numerator"] == 55 and quimper["denominator"] > 0
    assert quimper["lower_ci_95"] < quimper["value"] < quimper["upper_ci_95"]
    assert quimper["lower_ci_99_8"] < quimper["lower_ci_95"]
    assert quimper["parent_code"] == "29" and quimper["compared_to_parent"] in {"", None}  # its parent is withheld
    assert quimper["flags"] == {"suppressed": False, "suppression": None, "masked_at_source": False,
                                "unreliable": False, "not_computable": False, "simulated": False}


def test_parent_with_level_selects_descendants_at_any_depth_and_without_level_the_children(published, api):
    communes = results(api.get("/api/v1/values/", {"parent": "53", "parent_level": "region", "level": "commune",
                                                   "period": "2019", "sex": "T"}))
    assert sorted(r["area_code"] for r in communes) == ["29019", "29232", "56260"]
    children = results(api.get("/api/v1/values/", {"parent": "53", "parent_level": "region", "period": "2019",
                                                   "sex": "T"}))
    assert sorted(r["area_code"] for r in children) == ["29", "56"]


def test_several_areas_and_several_indicators_in_one_request(handmade, api):
    rows = results(api.get("/api/v1/values/", {"indicator": "taux-main,taux-simule", "area": ["29", "56"],
                                               "level": "department"}))
    assert [(r["indicator"], r["area_code"]) for r in rows] == [
        ("taux-main", "29"), ("taux-main", "56"), ("taux-simule", "29")]
    assert rows[2]["flags"]["simulated"] and not rows[0]["flags"]["simulated"]


def test_period_accepts_a_range_and_latest(published, api):
    code = published.indicator.code

    def periods(period):
        return sorted({r["period"] for r in results(api.get("/api/v1/values/", {
            "indicator": code, "level": "country", "period": period, "limit": 1000}))})

    assert periods("2018..2019") == ["2018", "2019"]
    assert periods("latest") == ["2020"]
    assert periods("2019") == ["2019"]


def test_pages_are_capped_ordered_and_linked(published, api):
    first = api.get("/api/v1/values/", {"limit": 5}).json()
    second = api.get("/api/v1/values/", {"limit": 5, "offset": 5}).json()
    everything = api.get("/api/v1/values/", {"limit": 5000}).json()
    assert first["count"] == everything["count"] == len(everything["results"])
    keys = [(r["indicator"], r["period"], r["sex"], r["area_level"], r["area_code"]) for r in everything["results"]]
    assert keys == sorted(keys)
    assert first["results"] + second["results"] == everything["results"][:10]
    assert first["next"] == "/api/v1/values/?limit=5&offset=5" and second["previous"] == "/api/v1/values/?limit=5"


def test_a_past_release_is_read_with_release_n(published, api):
    old = Release.objects.get()
    Value.objects.filter(release=old).count()
    publish(published.indicator.code)
    new = Release.objects.exclude(pk=old.pk).get()
    query = {"indicator": published.indicator.code, "level": "department", "period": "2019", "sex": "T"}
    assert {r["release"] for r in results(api.get("/api/v1/values/", query))} == {new.pk}
    assert {r["release"] for r in results(api.get("/api/v1/values/", {**query, "release": old.pk}))} == {old.pk}


def test_a_new_publication_invalidates_cached_responses(published, api):
    query = {"indicator": published.indicator.code, "level": "department", "period": "2019", "sex": "T"}
    before = api.get("/api/v1/values/", query)
    publish(published.indicator.code)
    after = api.get("/api/v1/values/", query, HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200 and after["ETag"] != before["ETag"]
    assert {r["release"] for r in after.json()["results"]} != {r["release"] for r in before.json()["results"]}


# --- disclosure control in every format ------------------------------------------------------------------

WITHHELD = ("value", "lower_ci_95", "upper_ci_95", "lower_ci_99_8", "upper_ci_99_8", "numerator", "denominator",
            "quantile", "map_class", "compared_to_parent", "compared_to_france")


def test_withheld_values_carry_no_number_class_or_comparison_in_json(handmade, api):
    rows = {r["area_code"]: r for r in results(api.get("/api/v1/values/", {"indicator": "taux-main"}))}
    for code, reason in (("56", "primary"), ("53", "masked_at_source")):
        assert all(rows[code][name] is None for name in WITHHELD), rows[code]
        assert rows[code]["flags"]["suppressed"] and rows[code]["flags"]["suppression"] == reason
    assert rows["53"]["flags"]["masked_at_source"]
    assert not rows["56"]["flags"]["unreliable"]  # it would bound the withheld count
    assert rows["29"]["value"] == 168.25 and rows["29"]["map_class"] == 5


def test_withheld_values_carry_no_number_in_csv(handmade, api):
    text = api.get("/api/v1/values/", {"indicator": "taux-main", "format": "csv"}).content.decode("utf-8-sig")
    rows = {r["area_code"]: r for r in csv.DictReader(io.StringIO(text))}
    for code in ("56", "53"):
        assert all(rows[code][name] == "" for name in WITHHELD if name in rows[code]), rows[code]
    assert "168.25" not in text.split("Morbihan")[1]


def test_withheld_values_carry_no_number_class_or_comparison_in_geojson(handmade, api):
    response = api.get("/api/v1/values/", {"indicator": "taux-main", "level": "department", "format": "geojson"})
    assert response["Content-Type"] == "application/geo+json"
    features = {f["id"]: f["properties"] for f in json.loads(response.content)["features"]}
    assert set(features) == {"29", "56"}
    assert all(features["56"][name] is None for name in WITHHELD)
    assert features["56"]["suppressed"] and features["56"]["note"] == "Secret statistique (effectif < seuil)"
    assert features["29"]["value"] == 168.25 and features["29"]["map_class"] == 5


# --- CSV, exact text, both dialects ---------------------------------------------------------------------

def _expected(release: int, *, french: bool) -> str:
    rows = [
        f"taux-main,Taux à la main,FR,France,country,,,2019,T,100.5,99,102,98,103,1000,995024,pour 100 000 habitants,"
        f"peu fiable (trop peu d'événements),,,{release}",
        f"taux-main,Taux à la main,29,Finistère,department,53,Bretagne,2019,T,168.25,151.5,187,141.75,198.2,345,205000,"
        f"pour 100 000 habitants,,worse,similar,{release}",
        f"taux-main,Taux à la main,56,Morbihan,department,53,Bretagne,2019,T,,,,,,,,pour 100 000 habitants,"
        f"Secret statistique (effectif < seuil),,,{release}",
        f"taux-main,Taux à la main,53,Bretagne,region,FR,France,2019,T,,,,,,,,pour 100 000 habitants,"
        f"Masquée par le producteur,,,{release}",
    ]
    lines = [CSV_HEADER, *rows]
    if french:
        lines = [line.replace(".", "\0").replace(",", ";").replace("\0", ",") for line in lines]
    return "\ufeff" + "\r\n".join(lines) + "\r\n"


def test_the_values_csv_is_exactly_the_documented_text(handmade, api):
    release = handmade[0].pk
    response = api.get("/api/v1/values/", {"indicator": "taux-main", "format": "csv"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.decode("utf-8") == _expected(release, french=False)


def test_the_excel_fr_dialect_uses_semicolons_and_decimal_commas(handmade, api):
    release = handmade[0].pk
    response = api.get("/api/v1/values/", {"indicator": "taux-main", "dialect": "excel-fr"}, HTTP_ACCEPT="text/csv")
    assert response.content.decode("utf-8") == _expected(release, french=True)


@pytest.mark.parametrize(("dialect", "sep", "decimal"), [("default", ",", "."), ("excel-fr", ";", ",")])
def test_both_dialects_read_back_with_csv_and_pandas(handmade, api, dialect, sep, decimal):
    content = api.get("/api/v1/values/", {"indicator": "taux-main", "format": "csv", "dialect": dialect}).content
    records = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=sep))
    assert records[0] == CSV_HEADER.split(",") and len(records) == 5
    frame = pd.read_csv(io.BytesIO(content), sep=sep, decimal=decimal, encoding="utf-8-sig",
                        dtype={"area_code": str, "parent_code": str})
    assert list(frame.columns) == CSV_HEADER.split(",")
    finistere = frame.set_index("area_code").loc["29"]
    assert finistere["value"] == 168.25 and finistere["denominator"] == 205000
    assert frame.set_index("area_code")["value"].isna().tolist() == [False, False, True, True]


def test_english_clients_get_english_labels_and_notes_in_csv(handmade, api):
    text = api.get("/api/v1/values/", {"indicator": "taux-main", "format": "csv"},
                   HTTP_ACCEPT_LANGUAGE="en").content.decode("utf-8-sig")
    assert "Hand-made rate" in text and "Statistical secrecy (count under the threshold)" in text


def test_a_bulk_csv_of_a_whole_indicator_streams_every_row(published, api, monkeypatch):
    from indicators.api import values

    monkeypatch.setattr(values, "STREAM_FROM_ROWS", 10)
    response = api.get("/api/v1/values/", {"indicator": published.indicator.code, "format": "csv"})
    assert response.streaming and response["ETag"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert len(text.splitlines()) - 1 == Value.objects.filter(indicator=published.indicator).count()
    again = api.get("/api/v1/values/", {"indicator": published.indicator.code, "format": "csv"},
                    HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_geojson_joins_one_period_to_the_geometries(published, api):
    response = api.get("/api/v1/values/", {"indicator": published.indicator.code, "level": "department",
                                           "period": "2019", "format": "geojson"})
    body = json.loads(response.content)
    assert body["type"] == "FeatureCollection"
    finistere = next(f for f in body["features"] if f["id"] == "29")
    assert finistere["geometry"]["type"] == "Polygon"
    assert finistere["properties"]["period"] == "2019" and finistere["properties"]["sex"] == "T"
    # Withheld by complementary suppression (Morbihan's small counts): the shape stays, no number.
    assert finistere["properties"]["numerator"] is None and finistere["properties"]["value"] is None


def test_geojson_needs_one_indicator_and_one_level(published, api):
    response = api.get("/api/v1/values/", {"format": "geojson", "level": "department"})
    assert response.status_code == 400 and "indicator" in response.json()
    response = api.get("/api/v1/values/", {"format": "geojson", "indicator": published.indicator.code})
    assert response.status_code == 400 and "level" in response.json()
