"""Territory-set CSV: reading and whole-file validation (no database access; known codes are passed in).

Format (docs/geography.md): a header line then one line per commune, separator ``;`` or ``,``,
encoding UTF-8 (with or without BOM) or Windows-1252 (geo/encoding.py)::

    code_commune;code_territoire;nom_territoire
    29019;brest;Pays de Brest
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from geo import geometry
from geo.encoding import UndecodableFile, decode_file
from geo.importers import ImportDataError

COLUMNS = ("code_commune", "code_territoire", "nom_territoire")
MAX_ERRORS = 20


def _separator(header_line: str) -> str:
    return ";" if header_line.count(";") >= header_line.count(",") else ","


def read_territory_csv(path: Path, communes: set[str], aliases: dict[str, str]) -> pd.DataFrame:
    """Rows (line, commune, territory, name) of the file, after checking every line.

    ``communes``: the current commune codes; ``aliases``: alias code -> commune code, used only to give a
    helpful message. Raises ImportDataError listing every problem (file, line, field), up to MAX_ERRORS.
    """
    path = Path(path)
    if not path.is_file():
        raise ImportDataError(f"{path}: file not found")
    try:
        text = decode_file(path)
    except UndecodableFile as exc:
        raise ImportDataError(f"{path}: {exc}") from exc
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text), delimiter=_separator(first_line))
    header = [h.strip().lower() for h in next(reader, [])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise ImportDataError(f"{path}: line 1: missing column(s) {', '.join(missing)} "
                              f"(expected {', '.join(COLUMNS)}; found {', '.join(header) or 'nothing'})")
    index = {c: header.index(c) for c in COLUMNS}
    rows, errors = [], []
    seen_commune, territory_name = {}, {}
    for record in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        values = {c: (record[i].strip() if i < len(record) else "") for c, i in index.items()}
        errors += _check_row(line, values, communes, aliases, seen_commune, territory_name)
        rows.append((line, values["code_commune"], values["code_territoire"], values["nom_territoire"]))
    if not rows:
        errors.append("line 2: no data line")
    if errors:
        shown = errors[:MAX_ERRORS] + ([f"... and {len(errors) - MAX_ERRORS} more"] if len(errors) > MAX_ERRORS else [])
        raise ImportDataError(f"{path}: {len(errors)} error(s), nothing imported:\n" + "\n".join(shown))
    return pd.DataFrame(rows, columns=["line", "commune", "territory", "name"]).astype(
        {"commune": object, "territory": object, "name": object})


def _check_row(line, values, communes, aliases, seen_commune, territory_name) -> list[str]:
    errors = [f"line {line}: field {c} is empty" for c in COLUMNS if not values[c]]
    code, territory, name = values["code_commune"], values["code_territoire"], values["nom_territoire"]
    if code and code not in communes:
        hint = f" ({code} now belongs to commune {aliases[code]}: use {aliases[code]})" if code in aliases else ""
        errors.append(f"line {line}: field code_commune: unknown commune {code}{hint}")
    elif code in seen_commune:
        errors.append(f"line {line}: field code_commune: commune {code} already listed on line {seen_commune[code]}")
    elif code:
        seen_commune[code] = line
    if territory and name:
        first = territory_name.setdefault(territory, (name, line))
        if first[0] != name:
            errors.append(f"line {line}: field nom_territoire: territory {territory} is named {first[0]!r} "
                          f"on line {first[1]}, here {name!r}")
    return errors


def build_territories(rows: pd.DataFrame, communes: pd.DataFrame) -> pd.DataFrame:
    """One row per territory: code, name, population, area_km2, crs_department, geojson/inset per detail.

    ``communes``: code, population, area_km2, department, geojson (zoomed commune geometry, '' if none).
    Geometries are dissolved from the communes' zoomed coverage, then simplified as a coverage like every level.
    """
    merged = rows.merge(communes, left_on="commune", right_on="code", how="left")
    grouped = merged.groupby("territory", sort=True)
    result = pd.DataFrame({
        "code": list(grouped.groups),
        "name": grouped["name"].first().to_numpy(),
        "population": grouped["population"].sum(min_count=1).to_numpy(),
        "area_km2": grouped["area_km2"].sum(min_count=1).round(3).to_numpy(),
    })
    departments = grouped["department"].agg(lambda d: d.iloc[0] if d.nunique() == 1 else None)
    result["crs_department"] = departments.reindex(result["code"]).to_numpy()
    with_geometry = merged[merged["geojson"] != ""]
    keys, dissolved = geometry.dissolve(
        shapely.from_geojson(with_geometry["geojson"].to_numpy(dtype=object)),
        with_geometry["territory"].to_numpy(dtype=object),
    )
    by_key = dict(zip(keys, dissolved))
    source = np.array([by_key.get(code) for code in result["code"]], dtype=object)
    source, _ = geometry.repair(source)
    for detail in geometry.DETAILS:
        simplified = geometry.simplify_coverage(source, geometry.TOLERANCES["territory"][detail])
        result[f"geojson_{detail}"] = geometry.to_geojson(simplified)
        inset = geometry.inset_geometries(simplified, result["crs_department"].to_numpy(dtype=object))
        result[f"inset_{detail}"] = geometry.to_geojson(inset)
    return result

