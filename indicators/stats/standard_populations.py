"""Standard populations for direct standardisation, as data with provenance.

* European Standard Population 2013 (ESP 2013): Eurostat, "Revision of the European Standard
  Population - Report of Eurostat's task force", Methodologies and Working papers, 2013 edition,
  ISBN 978-92-79-31094-2, doi:10.2785/11470, table 3 (p. 30): 21 bands 0, 1-4, 5-9, ..., 90-94, 95+,
  total 100,000. The 19-band form (0-4, ..., 85-89, 90+) is the sum of those bands; it equals the
  ``esp2013`` vector of the R package PHEindicatormethods (``data-raw/LoadTestdata.R``), as used in the
  oracle's dsr.csv (5000, 5500, ..., 1000). A test checks that equality.
* French reference population: INSEE "Estimation de population au 1er janvier, par département, sexe
  et âge quinquennal" (insee.fr/fr/statistiques/1893198), read at run time from the xlsx the caller
  passes (``settings.DATA_DIR / "population/estim-pop-dep-sexe-aq-1975-2021.xlsx"``); France =
  "France métropolitaine et DOM" row; 20 bands 0-4, ..., 90-94, 95+; by sex and both sexes.
  Default year 2018: the last *definitive* estimate in the 29 March 2021 vintage (2019-2021 are
  provisional, see the file's "À savoir" sheet) and a year that already includes Mayotte (from 2014).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from .rebanding import BandError, format_band, reband_array, validate_bands

ESP2013_BANDS: tuple[str, ...] = (
    "0", "1-4", "5-9", "10-14", "15-19", "20-24", "25-29", "30-34", "35-39", "40-44", "45-49",
    "50-54", "55-59", "60-64", "65-69", "70-74", "75-79", "80-84", "85-89", "90-94", "95+",
)
# Eurostat 2013, table 3: persons per 100,000.
ESP2013_WEIGHTS: tuple[int, ...] = (
    1000, 4000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000,
    7000, 6500, 6000, 5500, 5000, 4000, 2500, 1500, 800, 200,
)
ESP2013_19_BANDS: tuple[str, ...] = ("0-4",) + ESP2013_BANDS[2:19] + ("90+",)
# The life-table bands (0, 1-4, ..., 85-89, 90+).
LIFE_TABLE_BANDS: tuple[str, ...] = ESP2013_BANDS[:19] + ("90+",)
INSEE_BANDS: tuple[str, ...] = ("0-4",) + ESP2013_BANDS[2:20] + ("95+",)

DEFAULT_FRENCH_REFERENCE_YEAR = 2018
FRANCE_ROW_LABELS = {"france": "France métropolitaine et DOM", "metropole": "France métropolitaine"}
SEX_BLOCKS = {"Ensemble": "both", "Hommes": "male", "Femmes": "female"}
DITTO_MARKS = ('"', "''", "\u201d", "\u201c")


def esp2013(bands=ESP2013_BANDS) -> pd.Series:
    """ESP 2013 weights re-banded to ``bands`` (default the 21 Eurostat bands); index = band labels."""
    values = reband_array(ESP2013_WEIGHTS, ESP2013_BANDS, bands)
    return pd.Series(values, index=[format_band(b) for b in bands], name="esp2013")


class PopulationFileError(ValueError):
    """The INSEE workbook does not have the layout this loader knows."""


def _parse_insee_band(label, previous, following) -> tuple[int, int | None] | None:
    text = str(label).strip()
    if text in DITTO_MARKS:
        # 2021 sheet: a ditto mark stands for the band between its neighbours.
        if previous is None or following is None or previous[1] is None:
            raise PopulationFileError(f"ditto header {label!r} without two neighbouring bands")
        return (previous[1] + 1, following[0] - 1)
    match = re.match(r"^(\d+)\s*à\s*(\d+)\s*ans?$", text)
    if match:
        return (int(match.group(1)), int(match.group(2)))
    match = re.match(r"^(\d+)\s*ans?\s*et\s*plus$", text)
    if match:
        return (int(match.group(1)), None)
    return None


def _header_blocks(sex_row, band_row, where) -> dict[str, list[tuple[int, tuple]]]:
    """{sex: [(column, band), ...]} from a block-title row and the band-label row under it."""
    starts = [(i, SEX_BLOCKS[str(v).strip()]) for i, v in enumerate(sex_row) if str(v).strip() in SEX_BLOCKS]
    if sorted(s for _, s in starts) != sorted(SEX_BLOCKS.values()):
        raise PopulationFileError(f"{where}: expected blocks Ensemble/Hommes/Femmes, found {starts}")
    blocks = {}
    for k, (start, sex) in enumerate(starts):
        stop = starts[k + 1][0] if k + 1 < len(starts) else len(band_row)
        labels = [(c, band_row[c]) for c in range(start, stop) if band_row[c] not in (None, "")]
        totals = [c for c, v in labels if str(v).strip() == "Total"]
        labels = [(c, v) for c, v in labels if str(v).strip() != "Total"]
        parsed = [None if str(v).strip() in DITTO_MARKS else _parse_insee_band(v, None, None) for _, v in labels]
        for j, (_, v) in enumerate(labels):
            if parsed[j] is None:
                parsed[j] = _parse_insee_band(v, parsed[j - 1] if j else None,
                                              parsed[j + 1] if j + 1 < len(parsed) else None)
            if parsed[j] is None:
                raise PopulationFileError(f"{where}: unreadable age band header {v!r} in block {sex}")
        try:
            validate_bands(parsed, f"{where} block {sex}")
        except BandError as exc:
            raise PopulationFileError(str(exc)) from exc
        blocks[sex] = ([(c, b) for (c, _), b in zip(labels, parsed)], totals[0] if totals else None)
    return blocks


def insee_population_rows(path: str | Path, year: int, row_label: str) -> pd.DataFrame:
    """One row (found by its label in column 0, never by position) of an INSEE sheet, as a long frame
    with columns band, sex, population (bands as read from the nearest header above that row)."""
    import openpyxl

    path = Path(path)
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        if str(year) not in workbook.sheetnames:
            raise PopulationFileError(f"{path.name}: no sheet for year {year}")
        rows = list(workbook[str(year)].iter_rows(values_only=True))
    finally:
        workbook.close()
    header_at = None
    for i, row in enumerate(rows):
        first = "" if row[0] is None else str(row[0]).strip()
        if len(row) > 2 and any(str(v).strip() in ("0 à 4 ans", "0 an") for v in row[2:4] if v is not None):
            header_at = i
        if first == row_label.strip():
            if header_at is None or header_at == 0:
                raise PopulationFileError(f"{path.name} sheet {year}: no band header above row {i + 1}")
            blocks = _header_blocks(rows[header_at - 1], rows[header_at], f"{path.name} sheet {year}")
            return _row_to_frame(row, blocks, f"{path.name} sheet {year} line {i + 1}")
    raise PopulationFileError(f"{path.name} sheet {year}: no row labelled {row_label!r} in column A")


def _row_to_frame(row, blocks, where) -> pd.DataFrame:
    records = []
    for sex, (columns, total_column) in blocks.items():
        block_sum = 0.0
        for column, band in columns:
            value = row[column]
            if not isinstance(value, (int, float)) or value < 0:
                raise PopulationFileError(f"{where}: {sex} {format_band(band)} is {value!r}, not a count")
            records.append((format_band(band), sex, float(value)))
            block_sum += value
        # The file's own Total column guards against a band read from the wrong column.
        if total_column is not None and row[total_column] != block_sum:
            raise PopulationFileError(f"{where}: {sex} bands sum to {block_sum:.0f} but Total is {row[total_column]!r}")
    return pd.DataFrame(records, columns=["band", "sex", "population"])


def french_reference_population(path: str | Path, year: int = DEFAULT_FRENCH_REFERENCE_YEAR,
                                area: str = "france", bands=None) -> pd.DataFrame:
    """France (metropolitan + overseas departments, or ``area="metropole"``) by age band.

    Returns a frame indexed by band label (INSEE's 0-4, ..., 95+ unless ``bands`` asks for a coarser
    aligned set such as ESP's 19 bands) with columns ``both``, ``male``, ``female``.
    """
    if area not in FRANCE_ROW_LABELS:
        raise ValueError(f"area must be one of {sorted(FRANCE_ROW_LABELS)}, got {area!r}")
    long = insee_population_rows(path, year, FRANCE_ROW_LABELS[area])
    wide = long.pivot(index="band", columns="sex", values="population")
    source = validate_bands(wide.index, f"sheet {year} bands")
    labels = [format_band(b) for b in source]
    wide = wide.loc[labels, ["both", "male", "female"]]
    if bands is not None:
        values = reband_array(wide.to_numpy().T, labels, bands).T
        wide = pd.DataFrame(values, index=[format_band(b) for b in bands], columns=wide.columns)
    wide.index.name = "band"
    wide.columns.name = None
    return wide
