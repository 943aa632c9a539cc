"""The area profile over the API: JSON beside parent, region and France, and the CSV the territory page
downloads (exact text in both dialects, read back with csv and pandas, nothing withheld in it)."""

import csv
import io

import pandas as pd
import pytest

from indicators.api.profiles import PROFILE_CSV_COLUMNS

pytestmark = pytest.mark.django_db

NOTE_MASKED = "Masquée par le producteur"


def taux_main_lines(text: str, sep: str) -> list[str]:
    return [line for line in text.split("\r\n") if line.startswith(f"taux-main{sep}")]


def test_the_profile_csv_has_the_values_columns_with_theme_role_and_trend(handmade, api):
    response = api.get("/api/v1/profiles/department/29/", {"format": "csv"})
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="profil-department-29.csv"'
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff" + ",".join(PROFILE_CSV_COLUMNS) + "\r\n")
    release = handmade[0].pk
    # Finistère, then its parent Bretagne (masked at source: no number), then France.
    assert taux_main_lines(text, ",") == [
        f"taux-main,Taux à la main,Mortalité,area,29,Finistère,department,53,Bretagne,2019,T,168.25,151.5,187,"
        f"141.75,198.2,345,205000,pour 100 000 habitants,,worse,similar,{release},cannot be calculated",
        f"taux-main,Taux à la main,Mortalité,parent,53,Bretagne,region,FR,France,2019,T,,,,,,,,"
        f"pour 100 000 habitants,{NOTE_MASKED},,,{release},",
        f"taux-main,Taux à la main,Mortalité,france,FR,France,country,,,2019,T,100.5,99,102,98,103,1000,995024,"
        f"pour 100 000 habitants,peu fiable (trop peu d'événements),,,{release},",
    ]


def test_the_profile_csv_in_the_french_excel_dialect_uses_semicolons_and_decimal_commas(handmade, api):
    text = api.get("/api/v1/profiles/department/29/", {"format": "csv", "dialect": "excel-fr"}).content.decode()
    release = handmade[0].pk
    assert text.startswith("\ufeff" + ";".join(PROFILE_CSV_COLUMNS) + "\r\n")
    assert taux_main_lines(text, ";")[0] == (
        f"taux-main;Taux à la main;Mortalité;area;29;Finistère;department;53;Bretagne;2019;T;168,25;151,5;187;"
        f"141,75;198,2;345;205000;pour 100 000 habitants;;worse;similar;{release};cannot be calculated")


@pytest.mark.parametrize(("dialect", "sep", "decimal"), [("default", ",", "."), ("excel-fr", ";", ",")])
def test_both_profile_dialects_read_back_with_csv_and_pandas(handmade, api, dialect, sep, decimal):
    content = api.get("/api/v1/profiles/department/29/", {"dialect": dialect}, HTTP_ACCEPT="text/csv").content
    records = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=sep))
    assert records[0] == PROFILE_CSV_COLUMNS and all(len(r) == len(PROFILE_CSV_COLUMNS) for r in records)
    frame = pd.read_csv(io.BytesIO(content), sep=sep, decimal=decimal, encoding="utf-8-sig",
                        dtype={"area_code": str, "parent_code": str})
    hand = frame[frame["indicator_code"] == "taux-main"].set_index("role")
    assert hand.loc["area", "value"] == 168.25 and hand.loc["france", "denominator"] == 995024
    assert pd.isna(hand.loc["parent", "value"]) and pd.isna(hand.loc["parent", "numerator"])


def test_a_withheld_area_leaves_no_number_in_the_profile_csv(handmade, api):
    text = api.get("/api/v1/profiles/department/56/", {"format": "csv"}).content.decode("utf-8-sig")
    row = next(r for r in csv.DictReader(io.StringIO(text)) if r["indicator_code"] == "taux-main")
    assert row["role"] == "area" and row["area_code"] == "56"
    withheld = ["value", "lower_ci_95", "upper_ci_95", "lower_ci_99_8", "upper_ci_99_8", "numerator",
                "denominator", "compared_to_parent", "compared_to_france"]
    assert [row[c] for c in withheld] == [""] * len(withheld)
    assert "345" not in text.split("taux-main")[1].split("\r\n")[0]


def test_the_profile_json_names_parent_region_and_sex(handmade, api):
    profile = api.get("/api/v1/profiles/department/29/").json()
    assert profile["parent"]["code"] == profile["region"]["code"] == "53"
    hand = next(e for e in profile["indicators"] if e["indicator"] == "taux-main")
    assert hand["sex"] == "T" and hand["region"]["area_code"] == "53" and hand["region"]["value"] is None
    region = api.get("/api/v1/profiles/region/53/").json()
    assert region["parent"] is None and region["region"] is None
    assert next(e for e in region["indicators"] if e["indicator"] == "taux-main")["france"]["area_code"] == "FR"


def test_an_unknown_profile_release_or_dialect_is_a_400_naming_it(handmade, api):
    for params, name in (({"release": 999999}, "release"), ({"format": "csv", "dialect": "excel"}, "dialect")):
        response = api.get("/api/v1/profiles/department/29/", params)
        assert response.status_code == 400 and name in response.json()


def test_the_profile_gives_the_spread_of_the_levels_published_values_without_the_withheld_ones(handmade, api):
    profile = api.get("/api/v1/profiles/department/29/").json()
    hand = next(e for e in profile["indicators"] if e["indicator"] == "taux-main")
    # Finistère published (168.25); Morbihan withheld although the table holds its numbers: not counted.
    assert hand["spread"] == {"level": "department", "min": 168.25, "q1": 168.25, "median": 168.25, "q3": 168.25,
                              "max": 168.25, "count": 1}
    region = api.get("/api/v1/profiles/region/53/").json()
    # Bretagne is masked at source: no published regional value, so no spread.
    assert next(e for e in region["indicators"] if e["indicator"] == "taux-main")["spread"] is None


def test_the_published_value_filter_keeps_exactly_the_rows_public_row_leaves_a_number_in(handmade, api):
    from indicators.models import Value
    from indicators.selectors.values import NAMES, ORM_FIELDS, public_row, published_value_q

    at = NAMES.index("value")
    rows = Value.objects.order_by().values_list(*ORM_FIELDS, "pk")
    by_rule = {row[-1] for row in rows if public_row(row[:-1])[at] is not None}
    assert set(Value.objects.filter(published_value_q()).values_list("pk", flat=True)) == by_rule
    assert Value.objects.filter(suppressed=True).exists() and Value.objects.filter(suppression="masked_at_source").exists()
