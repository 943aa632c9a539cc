"""Real source files turned into pipeline inputs without a database: the readers' long frames keyed on a
COG geography (France, 18 regions, 101 departments). For the catalog's tests on the real data."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from django.conf import settings

from indicators.compute import Geography
from indicators.services.reference import SOURCES

FRANCE_ID = 1
DATASET_LEVELS = {"spf-covid-admissions-age": "region", "simulation-deces": "commune",
                  "simulation-population": "commune"}
COMMUNE_BASE, EPCI_BASE = 100_000, 10_000


def data_dir() -> Path:
    return Path(settings.DATA_DIR)


@lru_cache(maxsize=1)
def cog_areas() -> pd.DataFrame:
    """id, level, parent_id, area_km2 (NaN), code for France, its regions and departments (COG 2026)."""
    cog = data_dir() / "cog"
    regions = [r for r in json.loads((cog / "regions.json").read_text()) if r["zone"] != "com"]
    departments = [d for d in json.loads((cog / "departements.json").read_text()) if d["zone"] != "com"]
    region_id = {r["code"]: 100 + i for i, r in enumerate(regions)}
    rows = [(FRANCE_ID, "country", None, "FR")]
    rows += [(region_id[r["code"]], "region", FRANCE_ID, r["code"]) for r in regions]
    rows += [(1000 + i, "department", region_id[d["region"]], d["code"]) for i, d in enumerate(departments)]
    frame = pd.DataFrame(rows, columns=["id", "level", "parent_id", "code"])
    frame["area_km2"] = np.nan
    return frame


@lru_cache(maxsize=1)
def _commune_geography() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Communes (COG 2026, outside the COM) and EPCIs added to ``cog_areas``, with the commune memberships."""
    cog = data_dir() / "cog"
    base = cog_areas()
    departments = base[base["level"] == "department"].set_index("code")["id"]
    communes = [c for c in json.loads((cog / "communes.json").read_text())
                if c["type"] == "commune-actuelle" and c["zone"] != "com"]
    commune_ids = pd.Series(COMMUNE_BASE + np.arange(len(communes)), index=[c["code"] for c in communes])
    epcis = json.loads((cog / "epci.json").read_text())
    rows = [(int(commune_ids[c["code"]]), "commune", int(departments[c["departement"]]), c["code"]) for c in communes]
    rows += [(EPCI_BASE + i, "epci", None, e["code"]) for i, e in enumerate(epcis)]
    extra = pd.DataFrame(rows, columns=["id", "level", "parent_id", "code"]).assign(area_km2=np.nan)
    areas = pd.concat([base, extra], ignore_index=True)
    members = [(int(commune_ids[m["code"]]), EPCI_BASE + i) for i, e in enumerate(epcis) for m in e["membres"]
               if m["code"] in commune_ids.index]
    memberships = pd.DataFrame(members, columns=["commune_id", "area_id"])
    return areas, memberships


def geography(communes: bool = False) -> Geography:
    if communes:
        return Geography(*_commune_geography())
    return Geography(cog_areas(), pd.DataFrame({"commune_id": pd.Series(dtype="int64"),
                                                "area_id": pd.Series(dtype="int64")}))


def area_id(code: str, level: str = "department") -> int:
    areas = cog_areas()
    return int(areas.loc[(areas["code"] == code) & (areas["level"] == level), "id"].iloc[0])


@lru_cache(maxsize=16)
def _long(code: str) -> pd.DataFrame:
    frame, _ = SOURCES[code][1](data_dir())
    return frame


def observations(code: str) -> pd.DataFrame:
    """The dataset's observations as the selectors give them (area_id, period, sex, age_band, category,
    value, masked), from the reader of its source file."""
    long = _long(code)
    level = DATASET_LEVELS.get(code, "department")
    areas = _commune_geography()[0] if level == "commune" else cog_areas()
    ids = areas[areas["level"] == level].set_index("code")["id"]
    masked = long["masked"].astype(bool) if "masked" in long else pd.Series(False, index=long.index)
    value = pd.to_numeric(long["value"].where(~masked), errors="coerce")
    return pd.DataFrame({
        "area_id": long["area_code"].map(ids).astype("int64").to_numpy(),
        "period": long["period"].astype("int64").to_numpy(),
        "sex": long["sex"].to_numpy(), "age_band": long["age_band"].to_numpy(),
        "category": long["category"].fillna("").to_numpy(), "value": value.to_numpy(),
        "masked": masked.to_numpy(),
    })


def spec_from_entry(entry: dict):
    """The IndicatorSpec of a catalog entry (as indicators.services.runs.indicator_spec builds it)."""
    from indicators.compute import DataFilter, IndicatorSpec
    from indicators.stats.standard_populations import esp2013

    den = entry.get("denominator")
    return IndicatorSpec(
        code=entry["code"], method=entry["method"],
        numerator_level=DATASET_LEVELS.get(entry["numerator"]["dataset"], "department"),
        numerator_filter=DataFilter.from_dict(entry["numerator"]),
        denominator_level=DATASET_LEVELS.get(den["dataset"], "department") if den else None,
        denominator_filter=DataFilter.from_dict(den), multiplier=float(entry.get("multiplier", 1)),
        standard_weights=esp2013() if entry.get("standard_population") == "esp2013" else None,
        pooling=entry.get("pooling", 1), polarity=entry["polarity"],
        disclosure_threshold=entry.get("disclosure_threshold", 10),
        unreliable_below=entry.get("unreliable_below", 20),
        numerator_dataset=entry["numerator"]["dataset"], denominator_dataset=den["dataset"] if den else "",
    )


def compute_entry(entry: dict) -> pd.DataFrame:
    """Every value of a catalog entry computed on the real files, with area code and level columns."""
    from indicators.compute import compute_indicator

    den = entry.get("denominator")
    communes = DATASET_LEVELS.get(entry["numerator"]["dataset"]) == "commune"
    geo = geography(communes)
    result = compute_indicator(spec_from_entry(entry), geo, observations(entry["numerator"]["dataset"]),
                               observations(den["dataset"]) if den else None)
    areas = geo.areas.set_index("id")
    return result.values.assign(code=areas["code"].reindex(result.values["area_id"]).to_numpy(),
                                level=areas["level"].reindex(result.values["area_id"]).to_numpy())
