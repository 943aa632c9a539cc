"""A national map for the browser tests: the 101 real departments (codes and names from the COG) drawn
as squares on a grid, the five overseas ones both at their true place and in insets west of the grid,
and a few real communes of Finistère so the drill-down has something to show."""

import json

from geo.models import Level
from tests.geo.geoweb_geography import area, member

OVERSEAS = ["971", "972", "973", "974", "976"]
TRUE_PLACE = {"971": (-61.5, 16.0), "972": (-61.0, 14.6), "973": (-53.0, 4.0), "974": (55.5, -21.1), "976": (45.1, -12.8)}
CELL = 0.8


def inset_position(code: str) -> tuple[float, float]:
    return (-9.0, 50.0 - OVERSEAS.index(code) * 1.0)


def build_national_map(data_dir) -> dict:
    regions = {r["code"]: r for r in json.loads((data_dir / "cog/regions.json").read_text()) if r["zone"] != "com"}
    departments = [d for d in json.loads((data_dir / "cog/departements.json").read_text()) if d["zone"] != "com"]
    france = area(Level.COUNTRY, "FR", "France", population=68350798, area_km2=632734.0)
    region_areas = {code: area(Level.REGION, code, r["nom"], france) for code, r in regions.items()}
    made, metro_index = {"FR": france}, 0
    for i, d in enumerate(sorted(departments, key=lambda d: d["code"])):
        if d["code"] in OVERSEAS:
            at, inset, overseas = TRUE_PLACE[d["code"]], inset_position(d["code"]), True
        else:
            at = (-4.5 + (metro_index % 12) * CELL, 42.5 + (metro_index // 12) * CELL)
            inset, overseas = None, False
            metro_index += 1
        # Densities spread over two orders of magnitude so every colour class is used.
        made[d["code"]] = area(Level.DEPARTMENT, d["code"], d["nom"], region_areas[d["region"]],
                               population=20000 * (i + 1) ** 2 // 10, area_km2=5000.0, at=at, inset_at=inset,
                               overseas=overseas, size=CELL * 0.9)
    finistere = made["29"]
    lon, lat = json.loads(finistere.geometries.first().geojson)["coordinates"][0][0]
    for j, (code, name, population) in enumerate([("29019", "Brest", 142346), ("29026", "Châteaulin", 5085),
                                                  ("29042", "Crozon", 7499), ("29232", "Quimper", 64385)]):
        commune = area(Level.COMMUNE, code, name, finistere, population, 50.0,
                       at=(lon + 0.05 + (j % 2) * 0.35, lat + 0.05 + (j // 2) * 0.35), size=0.3)
        member(commune, france, finistere.parent, finistere)
        made[code] = commune
    return made
