"""import_geography on the real files, restricted to a few departments (imported once for the module).

Finistère 29 (island communes without EPCI, an EPCI crossing into Côtes-d'Armor), Corse-du-Sud 2A,
Mayotte 976 (overseas, insets, its own CRS), Paris 75 (arrondissements municipaux) and Cantal 15
(four communes re-created after 2018, so without geometry). Expected values are computed here from the
COG files themselves, independently of the importer.
"""

import json
import re
from collections import Counter, defaultdict
from io import StringIO

import numpy as np
import pytest
import shapely
from django.core.management import call_command
from django.db.models import Count, F, Sum

from geo import geometry
from geo.models import Area, AreaGeometry, CommuneAlias, CommuneMembership, Detail, Level
from geo.services import geography_import
from tests.geo.importing import wipe_geography

DEPARTMENTS = ["29", "2A", "976", "75", "15"]
METROPOLITAN_WEST = -5.14


@pytest.fixture(scope="module")
def imported(django_db_setup, django_db_blocker, data_dir):
    with django_db_blocker.unblock():
        wipe_geography()
        result = geography_import(data_dir, DEPARTMENTS)
        yield result
        wipe_geography()


@pytest.fixture(scope="module")
def cog(data_dir):
    communes = json.loads((data_dir / "cog/communes.json").read_text(encoding="utf-8"))
    current = [c for c in communes if c["type"] == "commune-actuelle" and c["zone"] != "com"]
    return {"current": current, "all": communes, "epci": json.loads((data_dir / "cog/epci.json").read_text())}


@pytest.fixture
def geo_db(imported, db):
    return imported


def test_it_imports_the_departments_with_their_regions_epcis_and_france(geo_db, cog):
    expected_communes = [c["code"] for c in cog["current"] if c["departement"] in DEPARTMENTS]
    codes = lambda level: set(Area.objects.filter(level=level).values_list("code", flat=True))  # noqa: E731
    assert codes(Level.DEPARTMENT) == set(DEPARTMENTS)
    assert codes(Level.REGION) == {"53", "94", "06", "11", "84"}
    assert codes(Level.COUNTRY) == {"FR"}
    assert codes(Level.COMMUNE) == set(expected_communes)
    touching = {e["code"] for e in cog["epci"] if any(m["code"] in set(expected_communes) for m in e["membres"])}
    assert codes(Level.EPCI) == touching


def test_each_commune_belongs_to_itself_and_exactly_one_department_region_and_france(geo_db):
    per_level = Counter(CommuneMembership.objects.values_list("commune__code", "level"))
    communes = Area.objects.filter(level=Level.COMMUNE).values_list("code", flat=True)
    for code in communes:
        for level in ("commune", "department", "region", "country"):
            assert per_level[(code, level)] == 1, (code, level)
        assert per_level[(code, "epci")] <= 1
    assert not CommuneMembership.objects.filter(level="commune").exclude(commune=F("area")).exists()


def test_the_region_of_a_communes_department_is_the_communes_region(geo_db):
    region_of = dict(CommuneMembership.objects.filter(level="region").values_list("commune_id", "area_id"))
    department_of = dict(CommuneMembership.objects.filter(level="department").values_list("commune_id", "area_id"))
    parent = dict(Area.objects.filter(level=Level.DEPARTMENT).values_list("id", "parent_id"))
    assert region_of and all(parent[department_of[c]] == region_of[c] for c in region_of)
    commune_parent = dict(Area.objects.filter(level=Level.COMMUNE).values_list("id", "parent_id"))
    assert all(commune_parent[c] == department_of[c] for c in commune_parent)


def test_department_population_is_the_sum_of_its_communes(geo_db, cog):
    sums = dict(
        CommuneMembership.objects.filter(level="department")
        .values_list("area__code").annotate(total=Sum("commune__population")).values_list("area__code", "total")
    )
    stored = dict(Area.objects.filter(level=Level.DEPARTMENT).values_list("code", "population"))
    assert stored == sums
    from_cog = sum(c["population"] for c in cog["current"] if c["departement"] == "29")
    assert stored["29"] == from_cog


def test_region_and_france_populations_count_every_commune_of_the_cog_not_only_the_imported_ones(geo_db, cog):
    bretagne = sum(c["population"] for c in cog["current"] if c["region"] == "53")
    france = sum(c["population"] for c in cog["current"])
    assert Area.objects.get(level=Level.REGION, code="53").population == bretagne
    assert Area.objects.get(level=Level.COUNTRY, code="FR").population == france == 68_350_798


def test_an_epci_hangs_off_the_department_holding_most_of_its_population(geo_db, cog):
    department = {c["code"]: c["departement"] for c in cog["current"]}
    population = {c["code"]: c["population"] for c in cog["current"]}
    checked = 0
    for epci in cog["epci"]:
        by_department = defaultdict(int)
        for member in epci["membres"]:
            by_department[department[member["code"]]] += population[member["code"]]
        main = max(sorted(by_department), key=by_department.get)
        if main in DEPARTMENTS:
            assert Area.objects.get(level=Level.EPCI, code=epci["code"]).parent.code == main
            checked += 1
    poher = Area.objects.get(level=Level.EPCI, code="242900744")  # CC Poher Communauté, 29 and 22
    assert poher.parent.code == "29"
    assert checked > 20


def test_island_communes_have_no_epci_and_every_other_commune_has_one(geo_db):
    with_epci = set(CommuneMembership.objects.filter(level="epci").values_list("commune__code", flat=True))
    without = set(Area.objects.filter(level=Level.COMMUNE).values_list("code", flat=True)) - with_epci
    assert without == {"29083", "29155"}  # Île-Molène, Ouessant


def test_corsica_is_2a_never_20_and_codes_keep_their_letters(geo_db):
    assert not Area.objects.filter(code="20").exists()
    ajaccio = Area.objects.get(level=Level.COMMUNE, code="2A004")
    assert ajaccio.parent.code == "2A" and ajaccio.parent.parent.code == "94"
    assert set(Area.objects.filter(parent__code="2A", level=Level.COMMUNE).values_list("code", flat=True)) == {
        code for code in Area.objects.filter(level=Level.COMMUNE).values_list("code", flat=True) if code[:2] == "2A"
    }


def test_paris_arrondissements_and_former_codes_are_aliases_of_their_commune(geo_db, cog):
    paris = CommuneAlias.objects.filter(kind="arrondissement-municipal")
    assert paris.count() == 20
    assert set(paris.values_list("commune__code", flat=True)) == {"75056"}
    assert paris.get(code="75101").name.startswith("Paris 1er")
    former = {old: c["code"] for c in cog["current"] if c["departement"] in DEPARTMENTS
              for old in c.get("anciensCodes", [])}
    stored = dict(CommuneAlias.objects.filter(kind="ancien-code").values_list("code", "commune__code"))
    assert former and stored == former


def test_communes_without_geometry_are_kept_and_reported(geo_db):
    missing = {"15031", "15035", "15047", "15171"}  # re-created after 2018 (data README section 3)
    assert set(geo_db.without_geometry) == missing
    for area in Area.objects.filter(code__in=missing):
        assert area.has_geometry is False and area.population > 0 and area.area_km2 is None
        assert not area.geometries.exists()


def test_areas_are_measured_in_square_kilometres_in_the_right_crs(geo_db):
    finistere = Area.objects.get(level=Level.DEPARTMENT, code="29")
    mayotte = Area.objects.get(level=Level.DEPARTMENT, code="976")
    assert finistere.area_km2 == pytest.approx(6733, rel=0.02)  # INSEE: 6,733 km²
    assert mayotte.area_km2 == pytest.approx(376, rel=0.03)  # INSEE: 376 km²
    communes = Area.objects.filter(parent=finistere, level=Level.COMMUNE).aggregate(s=Sum("area_km2"))["s"]
    assert communes == pytest.approx(finistere.area_km2, rel=0.01)


def test_every_area_with_geometry_has_both_details_and_national_is_coarser(geo_db):
    with_geometry = Area.objects.filter(has_geometry=True)
    details = Counter(AreaGeometry.objects.values_list("detail", flat=True))
    assert details[Detail.NATIONAL] == details[Detail.ZOOMED] == with_geometry.count()
    assert not Area.objects.filter(has_geometry=True).annotate(n=Count("geometries")).exclude(n=2).exists()
    finistere = {g.detail: shapely.from_geojson(g.geojson) for g in AreaGeometry.objects.filter(area__code="29")}
    assert shapely.get_num_coordinates(finistere["national"]) < shapely.get_num_coordinates(finistere["zoomed"])
    assert all(g.is_valid for g in finistere.values())


def test_overseas_areas_get_an_inset_and_keep_their_true_geometry(geo_db):
    overseas = Area.objects.filter(is_overseas=True)
    assert set(overseas.exclude(level=Level.COMMUNE).values_list("code", flat=True)) >= {"06", "976", "200050532"}
    for geo in AreaGeometry.objects.filter(area__in=overseas):
        true, inset = shapely.from_geojson(geo.geojson), shapely.from_geojson(geo.inset_geojson)
        assert true.bounds[0] > 44.9  # Mayotte stays in the Indian Ocean
        assert inset.bounds[2] < METROPOLITAN_WEST and 41 < inset.bounds[1]
    metropolitan = AreaGeometry.objects.filter(area__is_overseas=False)
    assert metropolitan.exists() and not metropolitan.exclude(inset_geojson="").exists()


def _lambert93(geoms):
    return np.array(geometry.gpd.GeoSeries(geoms, crs=4326).to_crs(2154).to_numpy(), dtype=object)


@pytest.mark.parametrize("detail", [Detail.NATIONAL, Detail.ZOOMED])
def test_simplified_finistere_communes_have_no_overlap_or_new_gap(geo_db, data_dir, detail):
    rows = AreaGeometry.objects.filter(area__parent__code="29", area__level=Level.COMMUNE, detail=detail)
    simplified = _lambert93(shapely.from_geojson([g.geojson for g in rows]))
    tree = shapely.STRtree(simplified)
    left, right = tree.query(simplified, predicate="intersects")
    pairs = left < right
    overlap_km2 = shapely.area(shapely.intersection(simplified[left[pairs]], simplified[right[pairs]])).sum() / 1e6
    union = shapely.union_all(simplified)
    holes = shapely.union_all([shapely.Polygon(r) for p in shapely.get_parts(union) for r in p.interiors])
    # The source coverage has no hole inside Finistère, so every hole is a gap made by simplification.
    gap_km2 = holes.area / 1e6 if not holes.is_empty else 0.0
    assert overlap_km2 < 0.01, f"{overlap_km2:.4f} km² of overlaps between neighbouring communes"
    assert gap_km2 < 0.01, f"{gap_km2:.4f} km² of gaps between neighbouring communes"


def test_off_a_terminal_each_import_step_prints_one_line_when_done(geo_db, data_dir):
    err = StringIO()
    call_command("import_geography", "--data-dir", str(data_dir), "--departments", ",".join(DEPARTMENTS),
                 stdout=StringIO(), stderr=err)
    names = ["COG 2026", "geometries: region", "geometries: department", "geometries: epci",
             "geometries: commune", "geometries: country", "writing areas", "writing memberships",
             "writing geometries", "writing aliases"]
    lines = err.getvalue().splitlines()
    assert [line.split(" done in ")[0] for line in lines] == [
        f"import_geography: step {i}/10 {name}" for i, name in enumerate(names, start=1)]
    assert all(re.fullmatch(r".* done in \d+\.\d s", line) for line in lines)


def test_a_second_run_changes_nothing_and_reports_the_communes_without_geometry(geo_db, data_dir):
    out = StringIO()
    call_command("import_geography", "--data-dir", str(data_dir), "--departments", ",".join(DEPARTMENTS),
                 stdout=out, verbosity=0)
    text = out.getvalue()
    for table in ("Areas", "Memberships", "Geometries", "Aliases"):
        line = next(line for line in text.splitlines() if line.startswith(table + ":"))
        assert line.startswith(f"{table}: 0 created, 0 updated, "), line
    assert "15031, 15035, 15047, 15171" in text
    assert "Skipped 94 communes" in text
