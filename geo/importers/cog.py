"""COG 2026 (the @etalab/decoupage-administratif JSON files): codes, names, hierarchy, populations, aliases.

Codes are kept as strings throughout ("01", "2A", "01001", SIREN). The collectivités d'outre-mer
(zone "com") are dropped: they have no geometry and are not among the 101 departments.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from geo.importers import ImportDataError
from geo.importers.geojson import load_json_array

ALIAS_ARRONDISSEMENT = "arrondissement-municipal"
ALIAS_FORMER_CODE = "ancien-code"


@dataclass
class Cog:
    regions: pd.DataFrame  # code, name
    departments: pd.DataFrame  # code, name, region
    communes: pd.DataFrame  # code, name, department, region, population, epci ("" when none)
    epcis: pd.DataFrame  # code, name, kind
    aliases: pd.DataFrame  # code, commune, kind, name
    skipped_com: int = 0  # current communes of the COM, left out

    def restrict(self, departments: list[str]) -> Cog:
        """Only the given departments, their regions and the EPCIs with a commune in them."""
        unknown = sorted(set(departments) - set(self.departments["code"]))
        if unknown:
            raise ImportDataError(f"--departments: unknown department code(s) {', '.join(unknown)}")
        communes = self.communes[self.communes["department"].isin(departments)]
        return Cog(
            regions=self.regions[self.regions["code"].isin(communes["region"])],
            departments=self.departments[self.departments["code"].isin(departments)],
            communes=communes,
            epcis=self.epcis[self.epcis["code"].isin(communes["epci"])],
            aliases=self.aliases[self.aliases["commune"].isin(communes["code"])],
            skipped_com=self.skipped_com,
        )


def _frame(rows: list[dict], columns: dict[str, str]) -> pd.DataFrame:
    frame = pd.DataFrame([{new: row.get(old) for old, new in columns.items()} for row in rows])
    return frame.astype({new: object for new in columns.values()})


def load_cog(paths: dict[str, Path]) -> Cog:
    communes_raw = load_json_array(paths["communes"], ("code", "nom", "type"))
    departments_raw = load_json_array(paths["departements"], ("code", "nom", "region", "zone"))
    regions_raw = load_json_array(paths["regions"], ("code", "nom", "zone"))
    epci_raw = load_json_array(paths["epci"], ("code", "nom", "membres"))

    regions = _frame([r for r in regions_raw if r["zone"] != "com"], {"code": "code", "nom": "name"})
    departments = _frame(
        [d for d in departments_raw if d["zone"] != "com"], {"code": "code", "nom": "name", "region": "region"}
    )
    current = [c for c in communes_raw if c["type"] == "commune-actuelle"]
    kept = [c for c in current if c.get("zone") != "com"]
    communes = _frame(kept, {"code": "code", "nom": "name", "departement": "department", "region": "region"})
    communes["population"] = pd.array([c.get("population") for c in kept], dtype="Int64")
    for row in kept:
        if row.get("population") is None or not row.get("departement"):
            raise ImportDataError(f"{paths['communes']}: commune {row['code']} has no population or departement")

    epci_of = {m["code"]: e["code"] for e in epci_raw for m in e["membres"]}
    communes["epci"] = communes["code"].map(epci_of).fillna("").astype(object)
    epcis = _frame(epci_raw, {"code": "code", "nom": "name", "type": "kind"})

    current_codes = set(communes["code"])
    alias_rows = [
        {"code": c["code"], "commune": c["commune"], "kind": ALIAS_ARRONDISSEMENT, "name": c["nom"]}
        for c in communes_raw
        if c["type"] == "arrondissement-municipal"
    ]
    alias_rows += [
        {"code": old, "commune": c["code"], "kind": ALIAS_FORMER_CODE, "name": ""}
        for c in kept
        for old in c.get("anciensCodes") or []
        if old not in current_codes
    ]
    aliases = pd.DataFrame(alias_rows, columns=["code", "commune", "kind", "name"]).astype(object)
    # A former code can only point at one commune: keep the first (sorted) if the COG ever lists it twice.
    aliases = aliases.sort_values(["code", "commune"]).drop_duplicates("code").reset_index(drop=True)

    cog = Cog(regions, departments, communes, epcis, aliases, skipped_com=len(current) - len(kept))
    _check_hierarchy(cog, paths)
    return cog


def _check_hierarchy(cog: Cog, paths: dict[str, Path]) -> None:
    bad = cog.communes[~cog.communes["department"].isin(cog.departments["code"])]
    if len(bad):
        raise ImportDataError(f"{paths['communes']}: commune {bad.iloc[0]['code']} has an unknown departement")
    bad = cog.departments[~cog.departments["region"].isin(cog.regions["code"])]
    if len(bad):
        raise ImportDataError(f"{paths['departements']}: departement {bad.iloc[0]['code']} has an unknown region")
