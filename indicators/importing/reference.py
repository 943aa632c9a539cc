"""Readers turning the real reference files of DATA_DIR into the long format (pandas, no Django import).

Each returns a DataFrame of strings with columns area_code, period, sex, age_band, category, value and a
``line`` column (the source line a spreadsheet user would look at), plus a list of skipped source rows.
"""

import re
from pathlib import Path

import pandas as pd

INSEE_POPULATION = Path("population/estim-pop-dep-sexe-aq-1975-2021.xlsx")
DREES_FILES = {
    "medecins": Path("health/drees-rpps/Medecin_departement_annee.csv"),
    "infirmiers": Path("health/drees-rpps/Infirmier_departement_annee.csv"),
    "dentistes": Path("health/drees-rpps/Dentiste_departement_annee.csv"),
}
DEPARTMENT = re.compile(r"^(0[1-9]|[1-8]\d|9[0-5]|2[AB]|97[1-6])$")
INSEE_BANDS = [f"{a}-{a + 4}" for a in range(0, 95, 5)] + ["95+", "all"]
# Three blocks of 21 columns (20 bands + total) after the code and the name.
INSEE_BLOCKS = {"T": 2, "M": 23, "F": 44}
INSEE_FIRST_DATA_ROW = 5
COLUMNS = ["area_code", "period", "sex", "age_band", "category", "value", "line"]


def _insee_sheet(sheet: pd.DataFrame, year: int) -> pd.DataFrame:
    codes = sheet[0].astype("string").str.strip()
    # Rows are located by code, never by position: subtotals and notes fall out of the pattern.
    rows = sheet[codes.str.fullmatch(DEPARTMENT.pattern).fillna(False).astype(bool)]
    rows = rows[rows.index >= INSEE_FIRST_DATA_ROW]
    parts = []
    for sex, start in INSEE_BLOCKS.items():
        block = rows.iloc[:, start : start + 21].copy()
        block.columns = INSEE_BANDS
        # 1990-1998, overseas: the 90-94 column holds "90 ans et plus" and 95+ is empty.
        open_top = block["95+"].isna()
        long = block.assign(area_code=rows[0].astype(str).str.strip(), line=rows.index + 1).melt(
            id_vars=["area_code", "line"], var_name="age_band", value_name="value"
        )
        top = long["age_band"].eq("90-94") & long["area_code"].map(open_top.set_axis(rows[0].astype(str).str.strip()))
        long.loc[top, "age_band"] = "90+"
        parts.append(long[long["value"].notna()].assign(sex=sex))
    return pd.concat(parts, ignore_index=True).assign(period=str(year), category="")


def read_insee_population(path: Path) -> pd.DataFrame:
    sheets = pd.read_excel(path, sheet_name=None, header=None, dtype=str)
    frames = [_insee_sheet(sheet, int(name)) for name, sheet in sheets.items() if name.strip().isdigit()]
    frame = pd.concat(frames, ignore_index=True)
    return frame[COLUMNS]


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
