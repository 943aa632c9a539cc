"""Per-level geometry tables: source geometry joined on code, repaired, measured, simplified, inset."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from geo import geometry
from geo.importers import ImportDataError
from geo.importers.geojson import read_features


@dataclass
class LevelGeometry:
    """Geometries of one level, aligned with ``codes``; None where the source has none."""

    codes: np.ndarray
    source: np.ndarray
    departments: np.ndarray  # department deciding CRS and inset, per code
    area_km2: np.ndarray = None
    web: dict = field(default_factory=dict)  # detail -> GeoJSON text list
    inset: dict = field(default_factory=dict)  # detail -> GeoJSON text list ('' for metropolitan areas)
    repaired: list = field(default_factory=list)


def read_level(path: Path, codes: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Source geometries of ``codes`` (None when the file has no feature for a code), and repaired codes."""
    props, geoms = read_features(path, wanted=set(codes))
    by_code = pd.Series(np.arange(len(props)), index=[p["code"] for p in props])
    positions = by_code.reindex(codes.to_numpy()).to_numpy()
    found = ~pd.isna(positions)
    selected = np.full(len(codes), None, dtype=object)
    selected[found] = geoms[positions[found].astype(int)]
    selected, repaired_mask = geometry.repair(selected)
    still_invalid = ~shapely.is_valid(selected) & ~shapely.is_missing(selected)
    if still_invalid.any():
        raise ImportDataError(f"{path}: geometry of {codes.to_numpy()[still_invalid][0]} cannot be repaired")
    return selected, list(codes.to_numpy()[repaired_mask])


def build_level(level: str, codes: pd.Series, source: np.ndarray, departments: np.ndarray) -> LevelGeometry:
    """Measure and simplify one level as a whole coverage, at both details, with insets for the DROM."""
    result = LevelGeometry(codes=codes.to_numpy(), source=source, departments=np.asarray(departments, dtype=object))
    result.area_km2 = np.round(geometry.areas_km2(source, result.departments), 3)
    for detail in geometry.DETAILS:
        simplified = geometry.simplify_coverage(source, geometry.TOLERANCES[level][detail])
        result.web[detail] = geometry.to_geojson(simplified)
        result.inset[detail] = geometry.to_geojson(geometry.inset_geometries(simplified, result.departments))
    return result
