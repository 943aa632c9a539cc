"""Pure geometry for the geography import: areas, repair, coverage simplification, insets, dissolve.

No Django import: every function takes and returns numpy arrays of shapely geometries (WGS84 lon/lat)
so a whole level (35k communes) is processed in a few vectorised GEOS calls.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

WGS84 = "EPSG:4326"
# Equal-area-enough projected CRS per territory (the official ones for each): RGF93 Lambert-93 for
# metropolitan France, UTM-based RGAF09 / RGFG95 / RGR92 / RGM04 for the overseas departments.
METROPOLITAN_CRS = 2154
OVERSEAS_CRS = {"971": 5490, "972": 5490, "973": 2972, "974": 2975, "976": 4471}
OVERSEAS_DEPARTMENTS = tuple(OVERSEAS_CRS)

# About 10 m: 1e-4 degree is 11 m of latitude and 7-11 m of longitude in France and the DROM.
GRID_SIZE = 1e-4
# coverage_simplify tolerances in degrees (Visvalingam-Whyatt, the triangle area is tolerance**2).
# Chosen so that the budgets in docs/geography.md hold with margin (measured there).
TOLERANCES = {
    "country": {"national": 0.02, "zoomed": 0.005},
    "region": {"national": 0.015, "zoomed": 0.003},
    "department": {"national": 0.012, "zoomed": 0.002},
    "epci": {"national": 0.01, "zoomed": 0.001},
    # The commune source is already simplified to 5% (about 11 vertices per commune): zoomed keeps it.
    "commune": {"national": 0.01, "zoomed": 0.0005},
    "territory": {"national": 0.01, "zoomed": 0.001},
}
DETAILS = ("national", "zoomed")


def projected_crs(department: str | None) -> int:
    return OVERSEAS_CRS.get(department or "", METROPOLITAN_CRS)


def areas_km2(geoms: np.ndarray, departments: np.ndarray) -> np.ndarray:
    """Area of each WGS84 geometry in km², measured in the projected CRS of its department.

    One reprojection per CRS (six at most), not one per geometry.
    """
    geoms = np.asarray(geoms, dtype=object)
    crs = np.array([projected_crs(d) for d in departments])
    out = np.full(len(geoms), np.nan)
    for epsg in np.unique(crs):
        mask = (crs == epsg) & ~shapely.is_missing(geoms)
        if mask.any():
            out[mask] = gpd.GeoSeries(geoms[mask], crs=WGS84).to_crs(epsg=int(epsg)).area.to_numpy() / 1e6
    return out


def _polygonal(geom):
    """The polygonal part of make_valid's output (it may add lines or points at a self-touch)."""
    if geom is None or geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    polys = [q for p in parts for q in shapely.get_parts(p)]
    return shapely.multipolygons(polys) if len(polys) > 1 else (polys[0] if polys else None)


def repair(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """make_valid the invalid geometries only; return (geoms, mask of the repaired ones)."""
    geoms = np.array(geoms, dtype=object)
    invalid = ~shapely.is_valid(geoms) & ~shapely.is_missing(geoms)
    if invalid.any():
        fixed = shapely.make_valid(geoms[invalid])
        geoms[invalid] = [_polygonal(g) for g in fixed]
    return geoms, invalid


def simplify_coverage(geoms: np.ndarray, tolerance: float, grid_size: float = GRID_SIZE) -> np.ndarray:
    """Simplify a whole level at once so shared edges stay shared (no gaps or overlaps between neighbours),
    then snap coordinates to the ~10 m grid and repair what snapping broke."""
    geoms = np.asarray(geoms, dtype=object)
    present = ~shapely.is_missing(geoms)
    out = np.full(len(geoms), None, dtype=object)
    if not present.any():
        return out
    simplified = shapely.coverage_simplify(geoms[present], tolerance, simplify_boundary=True)
    snapped = shapely.set_precision(simplified, grid_size)
    # A sliver smaller than the grid collapses when snapped: keep its unsnapped simplification instead.
    collapsed = shapely.is_empty(snapped)
    snapped[collapsed] = simplified[collapsed]
    out[present], _ = repair(snapped)
    return out


@dataclass(frozen=True)
class Inset:
    """Affine placement of one overseas department beside metropolitan France (like INSEE maps).

    x' = target_lon + (x - source_lon) * scale * cos(source_lat) / cos(target_lat)
    y' = target_lat + (y - source_lat) * scale
    The cosine ratio keeps the shape's proportions in lon/lat once moved to a higher latitude.
    """

    source_lon: float
    source_lat: float
    target_lon: float
    target_lat: float
    scale: float

    @property
    def x_factor(self) -> float:
        return self.scale * math.cos(math.radians(self.source_lat)) / math.cos(math.radians(self.target_lat))

    def apply(self, coords: np.ndarray) -> np.ndarray:
        out = np.empty_like(coords)
        out[:, 0] = self.target_lon + (coords[:, 0] - self.source_lon) * self.x_factor
        out[:, 1] = self.target_lat + (coords[:, 1] - self.source_lat) * self.scale
        return out


# A column of boxes in the Atlantic west of Brittany and the Bay of Biscay, north to south; metropolitan
# France spans lon -5.14..9.56. Source points are the centres of each department's bounding box; scales
# give each island a readable height of 1.1-2 degrees (Guyane, large, is shrunk).
INSETS = {
    "971": Inset(source_lon=-61.406, source_lat=16.173, target_lon=-8.6, target_lat=50.3, scale=1.9),
    "972": Inset(source_lon=-61.019, source_lat=14.634, target_lon=-8.6, target_lat=48.75, scale=2.4),
    "973": Inset(source_lon=-53.111, source_lat=3.930, target_lon=-8.6, target_lat=46.8, scale=0.55),
    "974": Inset(source_lon=55.527, source_lat=-21.131, target_lon=-8.6, target_lat=44.85, scale=2.5),
    "976": Inset(source_lon=45.159, source_lat=-12.821, target_lon=-8.6, target_lat=43.35, scale=3.0),
}


def inset_geometries(geoms: np.ndarray, departments: np.ndarray, grid_size: float = GRID_SIZE) -> np.ndarray:
    """Display geometries for national maps: overseas geometries moved into their inset, None elsewhere.

    The input array is not modified (shapely geometries are immutable; new ones are returned).
    """
    geoms = np.asarray(geoms, dtype=object)
    departments = np.asarray(departments, dtype=object)
    out = np.full(len(geoms), None, dtype=object)
    for dep, inset in INSETS.items():
        mask = (departments == dep) & ~shapely.is_missing(geoms)
        if mask.any():
            moved = shapely.transform(geoms[mask], inset.apply)
            out[mask] = shapely.set_precision(moved, grid_size)
    return out


def dissolve(geoms: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Union the geometries sharing a key (a coverage, e.g. communes -> territories): (sorted keys, geoms)."""
    frame = gpd.GeoDataFrame({"key": np.asarray(keys, dtype=object)}, geometry=list(geoms), crs=WGS84)
    frame = frame[~frame.geometry.is_empty & frame.geometry.notna()]
    merged = frame.dissolve(by="key", method="coverage", sort=True)
    return merged.index.to_numpy(dtype=object), merged.geometry.to_numpy()


def to_geojson(geoms: np.ndarray) -> list[str]:
    """GeoJSON geometry text per geometry ('' for a missing one)."""
    geoms = np.asarray(geoms, dtype=object)
    present = ~shapely.is_missing(geoms)
    out = np.full(len(geoms), "", dtype=object)
    if present.any():
        out[present] = shapely.to_geojson(geoms[present])
    return out.tolist()
