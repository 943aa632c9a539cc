"""geo.geometry: pure functions, no database."""

import numpy as np
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import Polygon, box

from geo import geometry


def _square_in(epsg: int, x: float, y: float, side_m: float) -> Polygon:
    """A square of side_m metres built in a projected CRS, returned in WGS84."""
    to_wgs84 = Transformer.from_crs(epsg, 4326, always_xy=True)
    square = shapely.segmentize(box(x, y, x + side_m, y + side_m), side_m / 20)
    return shapely.transform(square, lambda c: np.column_stack(to_wgs84.transform(c[:, 0], c[:, 1])))


def test_it_measures_a_finistere_square_of_100_km2_in_lambert_93():
    square = _square_in(2154, 150_000, 6_830_000, 10_000)  # near Quimper
    assert geometry.areas_km2(np.array([square]), np.array(["29"]))[0] == pytest.approx(100.0, rel=1e-6)


def test_it_measures_mayotte_in_its_own_crs_not_lambert_93():
    square = _square_in(4471, 510_000, 8_580_000, 1_000)
    measured = geometry.areas_km2(np.array([square, square]), np.array(["976", "29"]))
    assert measured[0] == pytest.approx(1.0, rel=1e-6)
    # Lambert-93 is meant for mainland France; far from it the area is distorted.
    assert abs(measured[1] - 1.0) > 0.01


def test_it_repairs_a_bowtie_into_a_valid_polygonal_geometry():
    bowtie = Polygon([(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)])
    assert not bowtie.is_valid
    repaired, mask = geometry.repair(np.array([bowtie, box(2, 2, 3, 3)], dtype=object))
    assert mask.tolist() == [True, False]
    assert repaired[0].is_valid and repaired[0].geom_type in ("Polygon", "MultiPolygon")
    assert repaired[0].area == pytest.approx(0.5)


def _wiggly_coverage() -> np.ndarray:
    """Two neighbours sharing a finely zigzagging edge at x=1 (like a commune border)."""
    ys = np.linspace(0, 1, 201)
    xs = 1 + 0.0004 * np.sin(ys * 400)
    edge = list(zip(xs, ys))
    left = Polygon([(0, 0)] + edge + [(0, 1)])
    right = Polygon([(2, 0), (2, 1)] + edge[::-1])
    return np.array([left, right], dtype=object)


def test_coverage_simplification_drops_vertices_but_keeps_the_shared_edge_shared():
    source = _wiggly_coverage()
    simplified = geometry.simplify_coverage(source, tolerance=0.005)
    assert shapely.get_num_coordinates(simplified).sum() < shapely.get_num_coordinates(source).sum() / 4
    assert shapely.intersection(simplified[0], simplified[1]).area < 1e-9
    union = shapely.union_all(simplified)
    assert union.geom_type == "Polygon" and len(union.interiors) == 0
    assert union.area == pytest.approx(2.0, rel=1e-3)


def test_simplified_coordinates_sit_on_the_ten_metre_grid():
    simplified = geometry.simplify_coverage(_wiggly_coverage(), tolerance=0.001)
    coords = np.concatenate([shapely.get_coordinates(g) for g in simplified])
    assert np.allclose(coords, np.round(coords, 4), atol=1e-9)


def test_missing_geometries_stay_missing_through_simplification_and_geojson():
    simplified = geometry.simplify_coverage(np.array([None, box(0, 0, 1, 1)], dtype=object), 0.01)
    assert simplified[0] is None
    texts = geometry.to_geojson(simplified)
    assert texts[0] == "" and '"Polygon"' in texts[1]


# Bounding boxes of the overseas departments in the IGN file (lon/lat).
OVERSEAS_BOXES = {
    "971": box(-61.81, 15.832, -61.002, 16.514),
    "972": box(-61.229, 14.389, -60.809, 14.879),
    "973": box(-54.602, 2.111, -51.619, 5.748),
    "974": box(55.217, -21.389, 55.837, -20.872),
    "976": box(45.018, -13.005, 45.3, -12.637),
}
METROPOLITAN_FRANCE = box(-5.14, 41.33, 9.56, 51.09)


def test_insets_move_each_overseas_department_west_of_metropolitan_france_without_overlap():
    codes = list(OVERSEAS_BOXES)
    moved = geometry.inset_geometries(np.array(list(OVERSEAS_BOXES.values()), dtype=object), np.array(codes))
    for code, geom in zip(codes, moved):
        assert geom.bounds[2] < METROPOLITAN_FRANCE.bounds[0], code  # entirely west of Brittany
        assert 41 < geom.bounds[1] and geom.bounds[3] < 52, code  # within metropolitan latitudes
        height = geom.bounds[3] - geom.bounds[1]
        assert 1.0 <= height <= 2.1, f"{code} inset is {height:.2f} degrees high"
    for i in range(len(moved)):
        for j in range(i + 1, len(moved)):
            assert not moved[i].intersects(moved[j]), (codes[i], codes[j])


def test_insets_leave_metropolitan_geometry_alone_and_do_not_touch_the_input():
    mayotte = OVERSEAS_BOXES["976"]
    finistere = box(-5.1, 47.7, -3.4, 48.8)
    source = np.array([mayotte, finistere], dtype=object)
    moved = geometry.inset_geometries(source, np.array(["976", "29"], dtype=object))
    assert moved[1] is None
    assert source[0].equals(mayotte) and source[0].bounds[0] == pytest.approx(45.018)
    assert moved[0].bounds[0] < -5


def test_inset_keeps_proportions_in_kilometres():
    """A square in Guadeloupe stays a square (in km) once moved to the latitude of Brittany."""
    square = _square_in(5490, 650_000, 1_780_000, 10_000)
    moved = geometry.inset_geometries(np.array([square], dtype=object), np.array(["971"], dtype=object))[0]
    moved_m = geometry.areas_km2(np.array([moved]), np.array(["29"]))[0]
    inset = geometry.INSETS["971"]
    assert moved_m == pytest.approx(100 * inset.scale**2, rel=0.03)
    minx, miny, maxx, maxy = shapely.transform(
        moved, lambda c: np.column_stack(Transformer.from_crs(4326, 2154, always_xy=True).transform(c[:, 0], c[:, 1]))
    ).bounds
    assert (maxx - minx) / (maxy - miny) == pytest.approx(1.0, abs=0.05)


def test_dissolve_unions_neighbours_by_key():
    geoms = np.array([box(0, 0, 1, 1), box(1, 0, 2, 1), box(5, 5, 6, 6)], dtype=object)
    keys, merged = geometry.dissolve(geoms, np.array(["b", "b", "a"], dtype=object))
    assert keys.tolist() == ["a", "b"]
    assert merged[1].geom_type == "Polygon" and merged[1].area == pytest.approx(2.0)
