"""Validated reading of a GeoJSON FeatureCollection into (properties, shapely geometries)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import shapely

from geo.importers import ImportDataError


def _load_json(path: Path):
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except json.JSONDecodeError as exc:
        raise ImportDataError(f"{path}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from exc
    except UnicodeDecodeError as exc:
        raise ImportDataError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc


def load_json_array(path: Path, required: tuple[str, ...]) -> list[dict]:
    """A JSON array of objects (the COG files), each with the required keys."""
    data = _load_json(path)
    if not isinstance(data, list):
        raise ImportDataError(f"{path}: expected a JSON array of objects")
    for index, row in enumerate(data):
        missing = [key for key in required if not isinstance(row, dict) or row.get(key) in (None, "")]
        if missing:
            raise ImportDataError(f"{path}: entry {index} has no {missing[0]!r}")
    return data


def read_features(path: Path, properties: tuple[str, ...] = ("code",),
                  wanted: set[str] | None = None) -> tuple[list[dict], np.ndarray]:
    """Features of the file, all checked before use: each has the given properties and a polygonal geometry.

    Returns (properties, shapely geometries) of the features whose code is in ``wanted`` (all if None);
    only those are turned into geometries, which keeps a restricted import quick. Codes stay strings.
    """
    data = _load_json(path)
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list):
        raise ImportDataError(f"{path}: not a GeoJSON FeatureCollection (no 'features' array)")
    props, texts, seen = [], [], {}
    for index, feature in enumerate(features):
        where = f"{path}: feature {index}"
        prop = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(prop, dict):
            raise ImportDataError(f"{where} has no properties")
        for key in properties:
            if prop.get(key) in (None, ""):
                raise ImportDataError(f"{where} has no {key!r} property")
        code = str(prop["code"])
        if code in seen:
            raise ImportDataError(f"{where}: code {code} already used by feature {seen[code]}")
        seen[code] = index
        geometry = feature.get("geometry")
        if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
            raise ImportDataError(f"{where} (code {code}) has no Polygon/MultiPolygon geometry")
        if wanted is None or code in wanted:
            props.append({k: (str(v) if k == "code" else v) for k, v in prop.items()})
            texts.append(json.dumps(geometry))
    geoms = np.asarray(shapely.from_geojson(texts, on_invalid="ignore"), dtype=object)
    unreadable = np.flatnonzero(shapely.is_missing(geoms))
    if len(unreadable):
        index = int(unreadable[0])
        raise ImportDataError(f"{path}: feature {index} (code {props[index]['code']}) has an unreadable geometry")
    return props, geoms
