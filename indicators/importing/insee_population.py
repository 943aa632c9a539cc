"""The one reader of INSEE's population workbook (pandas, no Django import).

"Estimation de population au 1er janvier, par département, sexe et âge quinquennal"
(insee.fr/fr/statistiques/1893198), ``estim-pop-dep-sexe-aq-1975-2021.xlsx``: one sheet per year; in each, a
block-title row (Ensemble / Hommes / Femmes) over a band-label row (``0 à 4 ans`` ... ``95 ans et plus``,
``Total``), then department rows, then subtotal rows (``France métropolitaine``, ``DOM``, ``France
métropolitaine et DOM``). Some sheets (1990-1998) start a second header over the overseas section, whose top
band is ``90 ans et plus``; the 2021 sheet writes its second band as a ditto mark. So every row is read with
the bands of the nearest header above it, and rows are found by code or label, never by position.

The import (``read_insee_population``: department rows, long format) and the standard populations
(``insee_reference_population``: the France row of one year) both go through ``insee_sheet``.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from indicators.stats.rebanding import BandError, format_band, validate_bands

INSEE_POPULATION = Path("population/estim-pop-dep-sexe-aq-1975-2021.xlsx")
DEPARTMENT = re.compile(r"^(0[1-9]|[1-8]\d|9[0-5]|2[AB]|97[1-6])$")
SEX_BLOCKS = {"Ensemble": "T", "Hommes": "M", "Femmes": "F"}
SEX_COLUMNS = {"T": "both", "M": "male", "F": "female"}
FRANCE_ROWS = {"france": "France métropolitaine et DOM", "metropole": "France métropolitaine"}
DITTO_MARKS = ('"', "''", "\u201d", "\u201c")
FIRST_BAND_LABELS = ("0 à 4 ans", "0 an")
TOTAL = "all"
COLUMNS = ["area_code", "period", "sex", "age_band", "category", "value", "line"]


class PopulationFileError(ValueError):
    """The INSEE workbook does not have the layout this reader knows (the message names sheet and line)."""


def population_years(path: str | Path) -> list[int]:
    """The years the workbook holds (one sheet each), newest first as in the file."""
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True)
    try:
        return [int(name) for name in workbook.sheetnames if name.strip().isdigit()]
    finally:
        workbook.close()


def _band(label: str) -> tuple[int, int | None] | None:
    match = re.fullmatch(r"(\d+)\s*à\s*(\d+)\s*ans?", label)
    if match:
        return int(match.group(1)), int(match.group(2))
    match = re.fullmatch(r"(\d+)\s*ans?\s*et\s*plus", label)
    if match:
        return int(match.group(1)), None
    match = re.fullmatch(r"(\d+)\s*ans?", label)
    return (int(match.group(1)), int(match.group(1))) if match else None


def _header_bands(titles: pd.Series, labels: pd.Series, where: str) -> dict[int, tuple[str, str]]:
    """{column: (sex, band label or "all")} from a block-title row and the band-label row under it."""
    titles = titles.fillna("").astype(str).str.strip()
    starts = [(int(c), SEX_BLOCKS[t]) for c, t in titles.items() if t in SEX_BLOCKS]
    if sorted(s for _, s in starts) != sorted(SEX_BLOCKS.values()):
        raise PopulationFileError(f"{where}: expected blocks Ensemble/Hommes/Femmes, found {starts}")
    text = labels.fillna("").astype(str).str.strip()
    columns = {}
    for k, (start, sex) in enumerate(starts):
        stop = starts[k + 1][0] if k + 1 < len(starts) else int(text.index.max()) + 1
        block = [(c, text[c]) for c in range(start, stop) if c in text.index and text[c]]
        bands = [None if t in DITTO_MARKS or t == "Total" else _band(t) for _, t in block]
        for j, (column, label) in enumerate(block):
            if label in DITTO_MARKS:  # stands for the band between its neighbours (2021 sheet)
                before, after = (bands[j - 1] if j else None), (bands[j + 1] if j + 1 < len(bands) else None)
                if before is None or after is None or before[1] is None:
                    raise PopulationFileError(f"{where}: ditto header {label!r} without two neighbouring bands")
                bands[j] = (before[1] + 1, after[0] - 1)
            elif label != "Total" and bands[j] is None:
                raise PopulationFileError(f"{where}: unreadable age band header {label!r} in block {sex}")
        try:
            validate_bands([b for b in bands if b is not None], f"{where} block {sex}")
        except BandError as exc:
            raise PopulationFileError(str(exc)) from exc
        columns.update({c: (sex, TOTAL if label == "Total" else format_band(b))
                        for (c, label), b in zip(block, bands)})
    return columns


def insee_sheet(sheet: pd.DataFrame, where: str) -> pd.DataFrame:
    """Every labelled row of one sheet (read with header=None, dtype=str) as a long frame:
    label (column A, stripped), line (1-based), sex (T/M/F), age_band ("0-4", ..., "95+" or "all"), value (text).
    """
    first = sheet[0].astype("string").str.strip()
    band_text = sheet.iloc[:, 2:4].astype("string").apply(lambda c: c.str.strip())
    header_rows = np.flatnonzero(band_text.isin(FIRST_BAND_LABELS).any(axis=1).to_numpy())
    if len(header_rows) == 0 or header_rows[0] == 0:
        raise PopulationFileError(f"{where}: no age band header (a row with '0 à 4 ans' under Ensemble/Hommes/Femmes)")
    section = np.searchsorted(header_rows, np.arange(len(sheet)), side="right") - 1
    labelled = first.notna().to_numpy() & (first.fillna("") != "").to_numpy() & (section >= 0)
    parts = []
    for k, header in enumerate(header_rows):  # a loop over header sections (one or two), never over rows
        columns = _header_bands(sheet.iloc[header - 1], sheet.iloc[header], f"{where} line {header + 1}")
        rows = sheet[labelled & (section == k) & (np.arange(len(sheet)) > header)]
        if rows.empty:
            continue
        sexes, bands = (np.array(v, dtype=object) for v in zip(*columns.values()))
        n_rows, n_cols = len(rows), len(columns)
        row = np.repeat(rows.index.to_numpy(), n_cols)
        parts.append(pd.DataFrame({
            "label": first.to_numpy()[row], "line": row + 1, "sex": np.tile(sexes, n_rows),
            "age_band": np.tile(bands, n_rows), "value": rows[list(columns)].to_numpy().ravel(),
        }))
    frame = pd.concat(parts, ignore_index=True)
    return frame[["label", "line", "sex", "age_band", "value"]]


def _read(path: Path, year: int | None) -> dict[str, pd.DataFrame]:
    sheets = pd.read_excel(path, sheet_name=None if year is None else str(year), header=None, dtype=str)
    return sheets if year is None else {str(year): sheets}


def read_insee_population(path: Path) -> pd.DataFrame:
    """Department rows of every year, long format of the import (values as the file's text)."""
    path = Path(path)
    frames = []
    for name, sheet in _read(path, None).items():
        if not name.strip().isdigit():
            continue
        long = insee_sheet(sheet, f"{path.name} sheet {name}")
        long = long[long["label"].str.fullmatch(DEPARTMENT.pattern) & long["value"].notna()]
        frames.append(long.rename(columns={"label": "area_code"}).assign(period=name.strip(), category=""))
    return pd.concat(frames, ignore_index=True)[COLUMNS]


def _sheet(path: Path, year: int) -> pd.DataFrame:
    if year not in population_years(path):
        raise PopulationFileError(f"{path.name}: no sheet for year {year}")
    return insee_sheet(_read(path, year)[str(year)], f"{path.name} sheet {year}")


def insee_population_row(path: str | Path, year: int, label: str) -> pd.DataFrame:
    """One row of one year, found by its label in column A: columns band, sex, population (float)."""
    path = Path(path)
    return _row(_sheet(path, year), label, f"{path.name} sheet {year}")


def _row(long: pd.DataFrame, label: str, where: str) -> pd.DataFrame:
    """Each band must be a count and each sex block add up to the file's own Total column (which catches a
    band read from the wrong column)."""
    rows = long[long["label"] == label.strip()]
    if rows.empty:
        raise PopulationFileError(f"{where}: no row labelled {label!r} in column A")
    rows = rows[rows["line"] == rows["line"].min()].dropna(subset=["value"])
    counts = pd.to_numeric(rows["value"], errors="coerce")
    bad = counts.isna() | (counts < 0)
    if bad.any():
        first = rows[bad].iloc[0]
        raise PopulationFileError(f"{where} line {first['line']}: {first['sex']} {first['age_band']} is "
                                  f"{first['value']!r}, not a count")
    rows = rows.assign(population=counts.astype(float))
    bands = rows[rows["age_band"] != TOTAL]
    totals = rows[rows["age_band"] == TOTAL].set_index("sex")["population"]
    sums = bands.groupby("sex")["population"].sum()
    wrong = totals[totals.ne(sums.reindex(totals.index))]
    if not wrong.empty:
        sex = wrong.index[0]
        raise PopulationFileError(f"{where} line {rows['line'].iloc[0]}: {sex} bands sum to {sums[sex]:.0f} "
                                  f"but Total is {wrong[sex]:.0f}")
    return bands.rename(columns={"age_band": "band"})[["band", "sex", "population"]].reset_index(drop=True)


def insee_reference_population(path: str | Path, year: int, area: str = "france") -> pd.DataFrame:
    """France of one year by age band (index, INSEE's bands in age order), columns both, male, female.

    ``area="france"`` is the "France métropolitaine et DOM" row. The 1975-1989 sheets hold no overseas
    department and no such row: there France is the "France métropolitaine" row, the whole population the
    file holds for those years (docs/methods/standard-populations.md).
    """
    if area not in FRANCE_ROWS:
        raise ValueError(f"area must be one of {sorted(FRANCE_ROWS)}, got {area!r}")
    path = Path(path)
    long = _sheet(path, year)
    label = FRANCE_ROWS[area]
    overseas = long["label"].str.fullmatch(r"97[1-6]").any()
    if area == "france" and not overseas and not long["label"].eq(label).any():
        label = FRANCE_ROWS["metropole"]
    wide = _row(long, label, f"{path.name} sheet {year}").pivot(index="band", columns="sex", values="population")
    order = [format_band(b) for b in validate_bands(wide.index, f"sheet {year} bands")]
    wide = wide.loc[order, list(SEX_COLUMNS)].rename(columns=SEX_COLUMNS)
    wide.index.name, wide.columns.name = "band", None
    return wide
