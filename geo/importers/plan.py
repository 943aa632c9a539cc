"""The desired state of the geography (no database access): areas, memberships, geometries, aliases.

Populations of aggregate levels are sums over the member communes of the *whole* COG, so a restricted
import (``--departments``) still gives the true population of a region or EPCI; areas of aggregate
levels are measured on their own source geometry for the same reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from geo import geometry
from geo.importers.cog import Cog, load_cog
from geo.importers.geometries import LevelGeometry, build_level, read_level

COUNTRY_CODE = "FR"
COUNTRY_NAME = "France"
# Each overseas region holds exactly one department.
OVERSEAS_REGION_DEPARTMENT = {"01": "971", "02": "972", "03": "973", "04": "974", "06": "976"}

AREA_COLUMNS = ["level", "code", "name", "parent_level", "parent_code", "population", "area_km2", "is_overseas"]


@dataclass
class Plan:
    areas: pd.DataFrame  # AREA_COLUMNS + has_geometry
    memberships: pd.DataFrame  # commune, level, area
    aliases: pd.DataFrame  # code, commune, kind, name
    geometries: dict = field(default_factory=dict)  # level -> LevelGeometry
    without_geometry: list = field(default_factory=list)  # commune codes
    repaired: list = field(default_factory=list)  # (level, code)
    skipped_com: int = 0


def _main_department(full: Cog) -> pd.Series:
    """EPCI SIREN -> the department holding most of its population (ties: smallest code)."""
    pops = full.communes[full.communes["epci"] != ""].groupby(["epci", "department"])["population"].sum()
    frame = pops.rename("population").reset_index().sort_values(["epci", "population", "department"],
                                                                 ascending=[True, False, True])
    return frame.drop_duplicates("epci").set_index("epci")["department"]


def _areas_frame(cog: Cog, full: Cog, main_department: pd.Series) -> pd.DataFrame:
    com = full.communes
    pop_by = {key: com.groupby(key)["population"].sum() for key in ("region", "department", "epci")}
    country = pd.DataFrame([{"level": "country", "code": COUNTRY_CODE, "name": COUNTRY_NAME,
                             "parent_level": None, "parent_code": None, "population": com["population"].sum()}])
    regions = cog.regions.assign(level="region", parent_level="country", parent_code=COUNTRY_CODE,
                                 population=cog.regions["code"].map(pop_by["region"]))
    departments = cog.departments.assign(level="department", parent_level="region",
                                         parent_code=cog.departments["region"],
                                         population=cog.departments["code"].map(pop_by["department"]))
    epcis = cog.epcis.assign(level="epci", parent_level="department",
                             parent_code=_epci_parent(cog, main_department),
                             population=cog.epcis["code"].map(pop_by["epci"]))
    communes = cog.communes.assign(level="commune", parent_level="department", parent_code=cog.communes["department"])
    frame = pd.concat([country, regions, departments, epcis, communes], ignore_index=True)
    frame["population"] = frame["population"].astype("Int64")
    # The department that decides the projected CRS and the inset of each area (None: country, metro region).
    frame["crs_department"] = np.select(
        [frame["level"] == "commune", frame["level"] == "department", frame["level"] == "epci",
         frame["level"] == "region"],
        [frame["department"], frame["code"], frame["parent_code"], frame["code"].map(OVERSEAS_REGION_DEPARTMENT)],
        default=None,
    )
    frame["crs_department"] = frame["crs_department"].where(frame["crs_department"].notna(), None).astype(object)
    frame["is_overseas"] = frame["crs_department"].isin(geometry.OVERSEAS_DEPARTMENTS)
    return frame


def _epci_parent(cog: Cog, main_department: pd.Series) -> pd.Series:
    """The main department, or in a restricted import the imported department holding most of the EPCI."""
    parent = cog.epcis["code"].map(main_department)
    imported = set(cog.departments["code"])
    outside = ~parent.isin(imported)
    if outside.any():
        local = _main_department(Cog(cog.regions, cog.departments, cog.communes, cog.epcis, cog.aliases))
        parent[outside] = cog.epcis.loc[outside, "code"].map(local)
    return parent


def _memberships(cog: Cog) -> pd.DataFrame:
    com = cog.communes
    parts = [pd.DataFrame({"commune": com["code"], "level": "commune", "area": com["code"]})]
    for level, column in (("department", "department"), ("region", "region"), ("epci", "epci")):
        rows = com[com[column] != ""]
        parts.append(pd.DataFrame({"commune": rows["code"], "level": level, "area": rows[column]}))
    parts.append(pd.DataFrame({"commune": com["code"], "level": "country", "area": COUNTRY_CODE}))
    return pd.concat(parts, ignore_index=True).astype(object)


def build_plan(paths: dict[str, Path], departments: list[str] | None = None, step=lambda name: None) -> Plan:
    step("COG 2026")
    full = load_cog(paths)
    cog = full.restrict(departments) if departments else full
    areas = _areas_frame(cog, full, _main_department(full))
    plan = Plan(areas=areas, memberships=_memberships(cog), aliases=cog.aliases, skipped_com=full.skipped_com)
    _add_geometries(plan, paths, full, step)
    return plan


def _add_geometries(plan: Plan, paths, full: Cog, step) -> None:
    sources = {"region": "geo_regions", "department": "geo_departements", "epci": "geo_epci", "commune": "geo_communes"}
    area_by_key = {}
    for level, key in sources.items():
        step(f"geometries: {level}")
        rows = plan.areas[plan.areas["level"] == level]
        codes, departments = rows["code"], rows["crs_department"].to_numpy(dtype=object)
        source, repaired = read_level(paths[key], codes)
        plan.repaired += [(level, code) for code in repaired]
        built = build_level(level, codes, source, departments)
        plan.geometries[level] = built
        area_by_key.update({(level, c): a for c, a in zip(built.codes, built.area_km2)})
        if level == "commune":
            plan.without_geometry = sorted(codes.to_numpy()[shapely.is_missing(source)].tolist())
    step("geometries: country")
    plan.geometries["country"], country_area = _country_geometry(paths, full)
    area_by_key[("country", COUNTRY_CODE)] = country_area
    keys = list(zip(plan.areas["level"], plan.areas["code"]))
    plan.areas["area_km2"] = [area_by_key.get(k) for k in keys]
    plan.areas["has_geometry"] = [k in area_by_key and not np.isnan(area_by_key[k]) for k in keys]


def _country_geometry(paths, full: Cog) -> tuple[LevelGeometry, float]:
    """France = union of all regions (always the whole file, also in a restricted import)."""
    codes = full.regions["code"]
    regions, _ = read_level(paths["geo_regions"], codes)
    departments = codes.map(OVERSEAS_REGION_DEPARTMENT).to_numpy(dtype=object)
    area = float(np.nansum(geometry.areas_km2(regions, departments)))
    union = shapely.coverage_union_all(regions[~shapely.is_missing(regions)])
    built = build_level("country", pd.Series([COUNTRY_CODE]), np.array([union], dtype=object), np.array([None]))
    return built, round(area, 3)
