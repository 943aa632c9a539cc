"""The official files the geography import reads, relative to settings.DATA_DIR, and where to get them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from geo.importers import ImportDataError

_DECOUPAGE = (
    "npm package @etalab/decoupage-administratif 6.0.0 (COG 2026), file data/{name}: "
    "`npm pack @etalab/decoupage-administratif@6.0.0` or "
    "https://unpkg.com/@etalab/decoupage-administratif@6.0.0/data/{name} "
    "(source: INSEE COG https://www.insee.fr/fr/information/2560452, DGCL EPCI, INSEE populations légales "
    "https://www.insee.fr/fr/statistiques/8680726)"
)
_FRANCE_GEOJSON = (
    "https://github.com/gregoiredavid/france-geojson/raw/v2.1.1/{name} (IGN ADMIN EXPRESS COG 2018, "
    "https://geoservices.ign.fr/adminexpress)"
)
_DERIVED = (
    "built from france-geojson v2.1.1 communes regrouped to COG 2026 codes (see data README section 3); "
    "official alternative: IGN ADMIN EXPRESS COG 2026 https://geoservices.ign.fr/adminexpress or "
    "https://geo.api.gouv.fr / https://etalab-datasets.geo.data.gouv.fr/contours-administratifs/2026/geojson/"
)


@dataclass(frozen=True)
class Source:
    key: str
    relative_path: str
    download: str


SOURCES = {
    s.key: s
    for s in [
        Source("communes", "cog/communes.json", _DECOUPAGE.format(name="communes.json")),
        Source("departements", "cog/departements.json", _DECOUPAGE.format(name="departements.json")),
        Source("regions", "cog/regions.json", _DECOUPAGE.format(name="regions.json")),
        Source("epci", "cog/epci.json", _DECOUPAGE.format(name="epci.json")),
        Source(
            "geo_communes",
            "geo/derived/communes-cog2026-depuis-ign2018-simplifie.geojson",
            _DERIVED,
        ),
        Source("geo_epci", "geo/derived/epci-cog2026-depuis-ign2018-simplifie.geojson", _DERIVED),
        Source(
            "geo_departements",
            "geo/france-geojson-v2.1.1/departements-avec-outre-mer.geojson",
            _FRANCE_GEOJSON.format(name="departements-avec-outre-mer.geojson"),
        ),
        Source(
            "geo_regions",
            "geo/france-geojson-v2.1.1/regions-avec-outre-mer.geojson",
            _FRANCE_GEOJSON.format(name="regions-avec-outre-mer.geojson"),
        ),
    ]
}


def resolve(data_dir: Path) -> dict[str, Path]:
    """Every source path under data_dir; fails on the first missing file, saying where to download it."""
    paths = {}
    for key, source in SOURCES.items():
        path = (Path(data_dir) / source.relative_path).resolve()
        if not path.is_file():
            raise ImportDataError(f"Missing file {path}. Download it from: {source.download} "
                                  "(`manage.py fetch_data` fetches every source file into DATA_DIR)")
        paths[key] = path
    return paths
