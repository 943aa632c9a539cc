"""import_territories on top of a real import of Finistère 29 and Mayotte 976 (imported once for the module)."""

import json
from pathlib import Path

import numpy as np
import pytest
import shapely
from django.core.management import CommandError, call_command
from django.db.models import Sum

from geo import geometry
from geo.models import Area, AreaGeometry, CommuneMembership, Level, TerritorySet
from geo.services import geography_import, territory_set_import

from tests.geo.importing import wipe_geography

BREST_METROPOLE = "242900314"
HEADER = "code_commune;code_territoire;nom_territoire\n"


@pytest.fixture(scope="module")
def finistere_and_mayotte(django_db_setup, django_db_blocker, data_dir):
    with django_db_blocker.unblock():
        wipe_geography()
        geography_import(data_dir, ["29", "976"])
        yield
        TerritorySet.objects.all().delete()
        wipe_geography()


@pytest.fixture
def geo_db(finistere_and_mayotte, db):
    return None


def _members(epci_code: str) -> list[str]:
    return sorted(CommuneMembership.objects.filter(level="epci", area__code=epci_code)
                  .values_list("commune__code", flat=True))


def _csv(tmp_path: Path, lines: list[str], name="territoires.csv", header=HEADER, encoding="utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes((header + "\n".join(lines) + "\n").encode(encoding))
    return path


@pytest.fixture
def two_territories(tmp_path, geo_db) -> Path:
    brest = _members(BREST_METROPOLE)
    rest = sorted(set(Area.objects.filter(level=Level.COMMUNE, parent__code="29").values_list("code", flat=True))
                  - set(brest))
    lines = [f"{c};brest;Pays de Brest" for c in brest] + [f"{c};reste-29;Reste du Finistère" for c in rest]
    return _csv(tmp_path, lines)


def test_it_creates_territories_with_memberships_population_area_and_dissolved_geometry(two_territories):
    result = territory_set_import(two_territories, "ars-bretagne", "ARS Bretagne")
    assert (result.territories, result.replaced) == (2, False)
    brest = Area.objects.get(territory_set__code="ars-bretagne", code="brest")
    epci = Area.objects.get(level=Level.EPCI, code=BREST_METROPOLE)
    assert brest.level == Level.TERRITORY and brest.parent.code == "FR"
    assert sorted(brest.member_communes.values_list("commune__code", flat=True)) == _members(BREST_METROPOLE)
    assert brest.population == epci.population
    communes_area = Area.objects.filter(memberships__area=brest).aggregate(s=Sum("area_km2"))["s"]
    assert brest.area_km2 == pytest.approx(communes_area)
    zoomed = shapely.from_geojson(brest.geometries.get(detail="zoomed").geojson)
    assert zoomed.is_valid and zoomed.geom_type in ("Polygon", "MultiPolygon")
    measured = geometry.areas_km2(np.array([zoomed]), np.array(["29"]))[0]
    assert measured == pytest.approx(brest.area_km2, rel=0.02)
    both = Area.objects.get(territory_set__code="ars-bretagne", code="reste-29")
    finistere = Area.objects.get(level=Level.DEPARTMENT, code="29")
    assert brest.population + both.population == finistere.population


def test_neighbouring_territories_do_not_overlap(two_territories):
    territory_set_import(two_territories, "ars-bretagne", "ARS Bretagne")
    for detail in ("national", "zoomed"):
        geoms = [shapely.from_geojson(g.geojson) for g in
                 AreaGeometry.objects.filter(area__territory_set__code="ars-bretagne", detail=detail)]
        assert len(geoms) == 2
        projected = geometry.gpd.GeoSeries(geoms, crs=4326).to_crs(2154)
        assert projected.iloc[0].intersection(projected.iloc[1]).area / 1e6 < 0.01


def test_a_mayotte_territory_gets_an_inset_and_a_finistere_one_does_not(tmp_path, geo_db):
    path = _csv(tmp_path, ["97611;mamoudzou;Mamoudzou", "97608;mamoudzou;Mamoudzou", "29232;quimper;Quimper"])
    territory_set_import(path, "mixte", "Mixte")
    mamoudzou = Area.objects.get(territory_set__code="mixte", code="mamoudzou")
    assert mamoudzou.is_overseas
    for geo in mamoudzou.geometries.all():
        assert shapely.from_geojson(geo.geojson).bounds[0] > 44.9
        assert shapely.from_geojson(geo.inset_geojson).bounds[2] < -5.14
    assert not AreaGeometry.objects.filter(area__code="quimper").exclude(inset_geojson="").exists()


def test_it_reads_latin_1_with_commas(tmp_path, geo_db):
    path = _csv(tmp_path, ["29232,cornouaille,Pays de Cornouaille – Quimper".replace("–", "-"),
                           "29019,leon,Pays de Léon"], header="Code_Commune,code_territoire,nom_territoire\n",
                encoding="latin-1")
    territory_set_import(path, "pays", "Pays")
    assert Area.objects.get(territory_set__code="pays", code="leon").name == "Pays de Léon"


def test_reimporting_a_set_replaces_it(two_territories, tmp_path):
    territory_set_import(two_territories, "ars-bretagne", "ARS Bretagne")
    smaller = _csv(tmp_path, ["29019;brest;Brest seule"], name="v2.csv")
    result = territory_set_import(smaller, "ars-bretagne", "ARS Bretagne v2")
    assert result.replaced
    areas = Area.objects.filter(territory_set__code="ars-bretagne")
    assert list(areas.values_list("code", "name")) == [("brest", "Brest seule")]
    assert CommuneMembership.objects.filter(level="territory").count() == 1
    assert TerritorySet.objects.get(code="ars-bretagne").name == "ARS Bretagne v2"


BAD_FILES = {
    "unknown commune": (["29019;a;A", "99999;a;A"], "line 3: field code_commune: unknown commune 99999"),
    "commune twice": (["29019;a;A", "29232;b;B", "29019;b;B"],
                      "line 4: field code_commune: commune 29019 already listed on line 2"),
    "empty value": (["29019;;A"], "line 2: field code_territoire is empty"),
    "two names": (["29019;a;A", "29232;a;Autre"], "line 3: field nom_territoire: territory a is named 'A'"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_file_names_file_line_and_field_and_keeps_the_previous_set(case, two_territories, tmp_path):
    territory_set_import(two_territories, "ars-bretagne", "ARS Bretagne")
    before = sorted(CommuneMembership.objects.filter(level="territory").values_list("commune_id", "area__code"))
    lines, message = BAD_FILES[case]
    path = _csv(tmp_path, lines, name="bad.csv")
    with pytest.raises(CommandError) as error:
        call_command("import_territories", str(path), "--code", "ars-bretagne", "--name", "X", verbosity=0)
    assert str(path) in str(error.value) and message in str(error.value)
    after = sorted(CommuneMembership.objects.filter(level="territory").values_list("commune_id", "area__code"))
    assert after == before and TerritorySet.objects.get(code="ars-bretagne").name == "ARS Bretagne"


def test_a_missing_column_is_named(tmp_path, geo_db):
    path = _csv(tmp_path, ["29019;a"], header="code_commune;code_territoire\n")
    with pytest.raises(CommandError, match=r"territoires\.csv: line 1: missing column\(s\) nom_territoire"):
        call_command("import_territories", str(path), "--code", "x", "--name", "X", verbosity=0)
    assert not TerritorySet.objects.exists()


def test_a_former_commune_code_is_refused_with_the_current_code_to_use(tmp_path, geo_db, data_dir):
    communes = json.loads((data_dir / "cog/communes.json").read_text(encoding="utf-8"))
    commune = next(c for c in communes if c["type"] == "commune-actuelle" and c.get("departement") == "29"
                   and c.get("anciensCodes"))
    path = _csv(tmp_path, [f"{commune['anciensCodes'][0]};a;A"])
    with pytest.raises(CommandError, match=f"now belongs to commune {commune['code']}: use {commune['code']}"):
        call_command("import_territories", str(path), "--code", "x", "--name", "X", verbosity=0)
