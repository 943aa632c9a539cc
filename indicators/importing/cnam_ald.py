"""Reader of CNAM's ALD prevalence workbook, 2019, by department (pandas, no Django import).

``health/cnam-ald/2019_ALD-prevalentes-par-departement_serie-annuelle.xls`` (ameli.fr "ALD prévalentes",
Licence Ouverte; cite Assurance Maladie): people of the régime général covered for each of the 30
affections de longue durée, by department. A legacy Excel 97 (BIFF) workbook: pandas reads it with the
``calamine`` engine (python-calamine, the engine pandas recommends since xlrd's deprecation).

Two sheets, one table each (``table=`` of ``read_cnam_ald``):

* ``counts``: ``Prévalence_tableauVII_2019``, counts rounded to the nearest 10; a small count is written
  ``<10``. Such a cell is MASKED AT SOURCE: its row has ``masked`` True and an empty ``value``, never a
  number (not 0, not 5, not 10).
* ``rates``: ``Prévalence_tableauVIII_2019``, CNAM's rates per 100,000 people protected by the régime
  général, standardised on age and sex (RNIAM population), as published (rounded to the unit; CNAM writes
  a rate, often 0, even where the count sheet masks the count). ``masked`` is False throughout.

Row 1 holds the title (it names the year), row 2 the header (``Code département``, ``Nom du
département``, then each ALD's label ending in ``(ALDn)``; ``ALD_LABELS`` holds them as CNAM writes them),
then one row per department: 101 of them. ``category`` is CNAM's ALD code (``ALD8`` for diabetes); ``sex``
``T``, ``age_band`` ``all``, ``period`` 2019. Corsica is coded ``201``/``202`` in the counts sheet and
``2A``/``2B`` in the rates sheet: both become ``2A``/``2B``. Mayotte (``Mayotte*``) is flagged by CNAM
"données non exhaustives" (``NOT_EXHAUSTIVE``). The notes under the rates table come back as skipped rows.
``line`` is the sheet's row number as Excel shows it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
from python_calamine import CalamineError

from .sources import COLUMNS, DECIMAL, INTEGER, first_error, source_error, split_departments

CNAM_ALD = Path("health/cnam-ald/2019_ALD-prevalentes-par-departement_serie-annuelle.xls")
MASK = "<10"
NOT_EXHAUSTIVE = ("976",)
TABLES = {"counts": "VII", "rates": "VIII"}
CORSICA = {"201": "2A", "202": "2B"}
CODE, NAME = "Code département", "Nom du département"
ALD_LABELS = {
    "ALD1": "Accident vasculaire cérébral invalidant",
    "ALD2": "Insuffisances médullaires et autres cytopénies chroniques",
    "ALD3": "Artériopathies chroniques avec manifestations ischémiques",
    "ALD4": "Bilharziose compliquée",
    "ALD5": "Insuffisance cardiaque grave, troubles du rythme graves, cardiopathies valvulaires graves, "
            "cardiopathies congénitales graves",
    "ALD6": "Maladies chroniques actives du foie et cirrhoses",
    "ALD7": "Déficit immunitaire primitif grave nécessitant un traitement prolongé, infection par le virus de "
            "l'immuno-déficience humaine (VIH)",
    "ALD8": "Diabète de type 1 et diabète de type 2",
    "ALD9": "Formes graves des affections neurologiques et musculaires (dont myopathie), épilepsie grave",
    "ALD10": "Hémoglobinopathies, hémolyses, chroniques constitutionnelles et acquises sévères",
    "ALD11": "Hémophilies et affections constitutionnelles de l'hémostase graves",
    "ALD12": "Hypertension artérielle sévère",
    "ALD13": "Maladie coronaire",
    "ALD14": "Insuffisance respiratoire chronique grave",
    "ALD15": "Maladie d'Alzheimer et autres démences",
    "ALD16": "Maladie de Parkinson",
    "ALD17": "Maladies métaboliques héréditaires nécessitant un traitement prolongé spécialisé",
    "ALD18": "Mucoviscidose",
    "ALD19": "Néphropathie chronique grave et syndrome néphrotique primitif",
    "ALD20": "Paraplégie",
    "ALD21": "Vascularites, lupus érythémateux systémique, sclérodermie systémique",
    "ALD22": "Polyarthrite rhumatoïde évolutive",
    "ALD23": "Affections psychiatriques de longue durée",
    "ALD24": "Rectocolite hémorragique et maladie de Crohn évolutives",
    "ALD25": "Sclérose en plaques",
    "ALD26": "Scoliose idiopathique structurale évolutive (dont l'angle est égal ou supérieur à 25 degrés) "
             "jusqu'à maturation rachidienne",
    "ALD27": "Spondylarthrite grave",
    "ALD28": "Suites de transplantation d'organe",
    "ALD29": "Tuberculose active, lèpre",
    "ALD30": "Tumeur maligne, affection maligne du tissu lymphatique ou hématopoïétique",
}
HEADER = [CODE, NAME, *[f"{label} ({code})" for code, label in ALD_LABELS.items()]]
_WORKBOOK_ERRORS = (CalamineError, ValueError, OSError, EOFError, KeyError, IndexError)


def _sheet(path: Path, table: str) -> tuple[str, str, pd.DataFrame]:
    """(where, year, cells as text) of the table's sheet, found by its name ``..._tableauVII_2019``."""
    try:
        sheets = pd.read_excel(path, sheet_name=None, header=None, dtype=str, engine="calamine")
    except _WORKBOOK_ERRORS as exc:
        raise source_error(path, 1, "(workbook)", None,
                           f"not a readable Excel .xls workbook ({type(exc).__name__}: {exc})") from exc
    pattern = re.compile(rf"tableau{TABLES[table]}_(\d{{4}})$")
    found = [(name, pattern.search(name)) for name in sheets]
    found = [(name, match.group(1)) for name, match in found if match]
    if len(found) != 1:
        raise source_error(path, 1, "(sheet)", ", ".join(sheets),
                           f"expected one sheet named ..._tableau{TABLES[table]}_YYYY")
    name, year = found[0]
    return f"{Path(path).name}, sheet {name}", year, sheets[name]


def _check_layout(where: str, year: str, cells: pd.DataFrame) -> None:
    title = str(cells.iloc[0].dropna().iloc[0]) if len(cells) and cells.iloc[0].notna().any() else ""
    if not re.search(rf"\b{year}\b", title):
        raise source_error(where, 1, "(title)", title, f"the title row does not name the year {year} of the sheet")
    if len(cells) < 3:
        raise source_error(where, len(cells), CODE, None, "no department row under the header (truncated?)")
    header = cells.iloc[1].fillna("").astype(str).str.strip().tolist()
    for position, expected in enumerate(HEADER):
        got = header[position] if position < len(header) else "(nothing)"
        if got != expected:
            raise source_error(where, 2, expected, got, f"header column {position + 1} must be {expected!r}: the "
                                                        "publisher's layout changed, this reader must be checked")


def _rows(where: str, cells: pd.DataFrame) -> tuple[pd.DataFrame, list[dict]]:
    """Department rows (columns Code département, Nom, ALD1..ALD30, line) and the notes below them."""
    table = cells.iloc[2:, : len(HEADER)].copy()
    table.columns = [CODE, NAME, *ALD_LABELS]
    table = table.assign(line=table.index + 1)
    first = table[CODE].fillna("").astype(str).str.strip()
    empty = table[[CODE, NAME, *ALD_LABELS]].isna().all(axis=1)
    note = ~empty & ~first.str.fullmatch(r"\d{2,3}|2[AB]")
    # A note: a text in column A and no department name (CNAM repeats "Source"/"Champ" in other columns).
    notes = note & table[NAME].isna()
    texts = table.loc[notes, [CODE, *ALD_LABELS]].apply(lambda row: " | ".join(pd.unique(row.dropna())), axis=1)
    skipped = [{"line": int(line), "value": text, "reason": "note under the table, not a department"}
               for line, text in zip(table.loc[notes, "line"], texts)]
    return table[~empty & ~notes].assign(**{CODE: first[~empty & ~notes]}), skipped


def _values(where: str, rows: pd.DataFrame, table: str) -> pd.DataFrame:
    long = rows.melt(id_vars=["area_code", "line"], value_vars=list(ALD_LABELS), var_name="category")
    text = long["value"].fillna("").astype(str).str.strip()
    masked = text.eq(MASK) if table == "counts" else pd.Series(False, index=long.index)
    pattern = INTEGER if table == "counts" else DECIMAL
    what = "a count (a whole number >= 0) or <10" if table == "counts" else "a rate (a number >= 0)"
    bad = ~masked & ~text.str.fullmatch(pattern).fillna(False).astype(bool)
    if bad.any():
        # Report in sheet order: by row, then by column.
        order = long.assign(column=long["category"].str[3:].astype(int))[bad].sort_values(["line", "column"])
        first = order.iloc[0]
        raise source_error(where, first["line"], first["category"], text[first.name] or "(empty)", f"not {what}")
    return long.assign(value=text.where(~masked, ""), masked=masked.astype(bool))


def read_cnam_ald(path: Path, table: str = "counts") -> tuple[pd.DataFrame, list[dict]]:
    """ALD counts (``table="counts"``) or standardised rates (``"rates"``) by department, 2019.

    Returns the long format plus a boolean ``masked`` column, and the skipped rows (notes below the table).
    """
    if table not in TABLES:
        raise ValueError(f"table must be one of {sorted(TABLES)}, got {table!r}")
    path = Path(path)
    where, year, cells = _sheet(path, table)
    _check_layout(where, year, cells)
    rows, skipped = _rows(where, cells)
    codes = rows[CODE].replace(CORSICA)
    department, _ = split_departments(where, rows, CODE, codes)
    first_error(where, rows, ~department, CODE, "not a department")
    first_error(where, rows, codes.duplicated(), CODE, "this department already has a row")
    first_error(where, rows, rows[NAME].isna(), NAME, "missing department name")
    long = _values(where, rows.assign(area_code=codes), table)
    long = long.assign(period=year, sex="T", age_band="all")
    return long[[*COLUMNS, "masked"]].sort_values(["line"], kind="stable").reset_index(drop=True), skipped
