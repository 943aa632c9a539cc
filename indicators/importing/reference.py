"""Readers turning the real reference files of DATA_DIR into the long format (pandas, no Django import).

Each returns a DataFrame of strings with columns area_code, period, sex, age_band, category, value and a
``line`` column (the source line a spreadsheet user would look at), plus a list of skipped source rows.
"""

import re
from pathlib import Path

import pandas as pd

# The INSEE population workbook has its own reader (one per file format), shared with the standard populations.
from .insee_population import DEPARTMENT, INSEE_POPULATION, read_insee_population  # noqa: F401

DREES_FILES = {
    "medecins": Path("health/drees-rpps/Medecin_departement_annee.csv"),
    "infirmiers": Path("health/drees-rpps/Infirmier_departement_annee.csv"),
    "dentistes": Path("health/drees-rpps/Dentiste_departement_annee.csv"),
}
COLUMNS = ["area_code", "period", "sex", "age_band", "category", "value", "line"]
_DREES_LABEL = re.compile(r"^\s*(?P<code>[0-9][0-9AB][0-9AB]?)\s*-")


def drees_code(label: pd.Series) -> pd.Series:
    """'001 -Ain' -> '01', '02A -Corse-du-Sud' -> '2A', '972 - Martinique' -> '972'; NaN otherwise."""
    raw = label.astype("string").str.extract(_DREES_LABEL, expand=False)
    short = raw.str.len().eq(3) & raw.str.startswith("0")
    return raw.where(~short.fillna(False).astype(bool), raw.str[1:])


def read_drees(path: Path) -> tuple[pd.DataFrame, list[dict]]:
    """DREES export: Latin-1, label + one column per year, '1 194' thousands, 'Ensemble' and footer rows."""
    table = pd.read_csv(path, encoding="latin-1", dtype=str, keep_default_na=False)
    label = table.columns[0]
    years = [c for c in table.columns[1:] if c.strip().isdigit()]
    codes = drees_code(table[label])
    keep = codes.notna() & codes.fillna("").str.fullmatch(DEPARTMENT.pattern).fillna(False).astype(bool)
    skipped = [
        {"line": int(i) + 2, "value": str(v), "reason": "not a department (total, COM/abroad or footer)"}
        for i, v in table.loc[~keep, label].items()
    ]
    rows = table[keep].assign(area_code=codes[keep], line=table.index[keep] + 2)
    long = rows.melt(id_vars=["area_code", "line"], value_vars=years, var_name="period", value_name="value")
    long["value"] = long["value"].str.replace(r"\s", "", regex=True)
    long = long.assign(sex="T", age_band="all", category="")
    return long[COLUMNS], skipped
