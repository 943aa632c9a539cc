"""import_geography on missing or broken input: a clear error naming the file, and nothing written.

Each test builds a data folder in tmp_path: real files linked from DATA_DIR, the commune and EPCI layers
cut down to Mayotte (17 communes) so runs are quick, and one file broken on purpose.
"""

import hashlib
import json
from pathlib import Path

import pytest
import shapely
from django.core.management import CommandError, call_command

from geo.importers.sources import SOURCES
from geo.models import Area, AreaGeometry, CommuneAlias, CommuneMembership
from geo.services import geography_import

COMMUNES = SOURCES["geo_communes"].relative_path
EPCI = SOURCES["geo_epci"].relative_path


def _mayotte_layers(data_dir: Path) -> dict[str, dict]:
    communes = json.loads((data_dir / COMMUNES).read_text(encoding="utf-8"))
    communes["features"] = [f for f in communes["features"] if f["properties"]["departement"] == "976"]
    sirens = {f["properties"]["epci"] for f in communes["features"]}
    epci = json.loads((data_dir / EPCI).read_text(encoding="utf-8"))
    epci["features"] = [f for f in epci["features"] if f["properties"]["code"] in sirens]
    return {COMMUNES: communes, EPCI: epci}


@pytest.fixture
def small_data(tmp_path, data_dir) -> Path:
    """A DATA_DIR with every source, the commune and EPCI layers reduced to Mayotte."""
    reduced = _mayotte_layers(data_dir)
    for source in SOURCES.values():
        target = tmp_path / source.relative_path
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.relative_path in reduced:
            target.write_text(json.dumps(reduced[source.relative_path]), encoding="utf-8")
        else:
            target.symlink_to(data_dir / source.relative_path)
    return tmp_path


def _snapshot() -> str:
    """A digest of every geography table, to prove a failed run wrote nothing."""
    digest = hashlib.sha256()
    for model, fields in (
        (Area, ["level", "code", "name", "parent_id", "population", "area_km2", "has_geometry"]),
        (CommuneMembership, ["commune_id", "area_id", "level"]),
        (AreaGeometry, ["area_id", "detail", "geojson", "inset_geojson"]),
        (CommuneAlias, ["code", "commune_id", "kind"]),
    ):
        for row in model.objects.order_by("pk").values_list(*fields):
            digest.update(repr(row).encode())
    return digest.hexdigest()


def _run(data: Path):
    call_command("import_geography", "--data-dir", str(data), "--departments", "976", verbosity=0)


def test_a_missing_file_is_named_with_its_full_path_and_where_to_download_it(small_data, db):
    (small_data / COMMUNES).unlink()
    with pytest.raises(CommandError) as error:
        _run(small_data)
    message = str(error.value)
    assert str((small_data / COMMUNES).resolve()) in message
    assert "Download it from" in message and "adminexpress" in message
    assert not Area.objects.exists()


def test_a_missing_cog_file_points_to_the_etalab_package(small_data, db):
    (small_data / "cog/epci.json").unlink()
    with pytest.raises(CommandError, match=r"cog/epci\.json.*@etalab/decoupage-administratif"):
        _run(small_data)


def test_invalid_json_names_the_file_and_line_and_writes_nothing(small_data, db):
    path = small_data / COMMUNES
    text = json.dumps(json.loads(path.read_text()), indent=1)
    lines = text.splitlines()
    lines[40] = lines[40] + " oops"
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(CommandError, match=rf"{path.name}: invalid JSON at line 41"):
        _run(small_data)
    assert not Area.objects.exists() and not AreaGeometry.objects.exists()


def test_a_feature_without_code_names_the_file_and_feature_and_leaves_a_previous_import_intact(small_data, db):
    _run(small_data)
    before = _snapshot()
    assert Area.objects.filter(level="commune").count() == 17
    path = small_data / COMMUNES
    data = json.loads(path.read_text())
    del data["features"][3]["properties"]["code"]
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CommandError, match=rf"{path.name}: feature 3 has no 'code' property"):
        _run(small_data)
    assert _snapshot() == before


def test_a_geometry_that_is_not_a_polygon_is_refused(small_data, db):
    path = small_data / EPCI
    data = json.loads(path.read_text())
    data["features"][0]["geometry"] = {"type": "Point", "coordinates": [45.1, -12.8]}
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CommandError, match=rf"{path.name}: feature 0 \(code \d+\) has no Polygon"):
        _run(small_data)
    assert not Area.objects.exists()


def test_a_failure_while_writing_rolls_back_everything(small_data, db, monkeypatch):
    _run(small_data)
    before = _snapshot()
    from geo.importers import sync

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(sync, "sync_aliases", explode)
    path = small_data / "geo/france-geojson-v2.1.1/departements-avec-outre-mer.geojson"
    # A changed input, so the failed run would have updated rows before failing.
    data = json.loads(path.read_text())
    path.unlink()
    data["features"] = [f for f in data["features"] if f["properties"]["code"] != "976"]
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(RuntimeError, match="disk full"):
        geography_import(small_data, ["976"])
    assert _snapshot() == before


def test_an_unknown_department_is_refused(small_data, db):
    with pytest.raises(CommandError, match="unknown department code.*20"):
        call_command("import_geography", "--data-dir", str(small_data), "--departments", "20", verbosity=0)


def test_a_self_intersecting_commune_is_repaired_and_reported(small_data, db):
    path = small_data / COMMUNES
    data = json.loads(path.read_text())
    feature = next(f for f in data["features"] if f["properties"]["code"] == "97611")  # Mamoudzou
    minx, miny, maxx, maxy = shapely.from_geojson(json.dumps(feature["geometry"])).bounds
    bowtie = [[minx, miny], [maxx, maxy], [maxx, miny], [minx, maxy], [minx, miny]]
    feature["geometry"] = {"type": "Polygon", "coordinates": [bowtie]}
    path.write_text(json.dumps(data), encoding="utf-8")
    result = geography_import(small_data, ["976"])
    assert ("commune", "97611") in result.repaired
    for geo in AreaGeometry.objects.filter(area__code="97611"):
        assert shapely.from_geojson(geo.geojson).is_valid
        assert shapely.from_geojson(geo.inset_geojson).is_valid
