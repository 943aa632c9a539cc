"""Standard populations for direct standardisation, as data with provenance.

* European Standard Population 2013 (ESP 2013): Eurostat, "Revision of the European Standard
  Population - Report of Eurostat's task force", Methodologies and Working papers, 2013 edition,
  ISBN 978-92-79-31094-2, doi:10.2785/11470, table 3 (p. 30): 21 bands 0, 1-4, 5-9, ..., 90-94, 95+,
  total 100,000. The 19-band form (0-4, ..., 85-89, 90+) is the sum of those bands; it equals the
  ``esp2013`` vector of the R package PHEindicatormethods (``data-raw/LoadTestdata.R``), as used in the
  oracle's dsr.csv (5000, 5500, ..., 1000). A test checks that equality.
* A French reference population (INSEE, "France métropolitaine et DOM", 20 bands 0-4, ..., 95+) is data the
  caller reads (indicators.importing.insee_population, the one reader of that workbook) and hands over
  as a Series of counts by band: ``population_weights`` checks and re-bands it. No file I/O here.
"""

from __future__ import annotations

import pandas as pd

from .rebanding import BandError, format_band, parse_band, reband_array, validate_bands

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



def esp2013(bands=ESP2013_BANDS) -> pd.Series:
    """ESP 2013 weights re-banded to ``bands`` (default the 21 Eurostat bands); index = band labels."""
    values = reband_array(ESP2013_WEIGHTS, ESP2013_BANDS, bands)
    return pd.Series(values, index=[format_band(b) for b in bands], name="esp2013")


def population_weights(population: pd.Series, bands=None, name: str | None = None) -> pd.Series:
    """A standard population from counts by age band (index = band labels, any order): checked (no gap or
    overlap, no negative or missing count), in age order, re-banded to ``bands`` when given (each target band
    made of whole source bands). Raises BandError naming the population."""
    label = name or population.name or "standard population"
    values = pd.to_numeric(population, errors="coerce")
    if values.isna().any() or (values < 0).any():
        raise BandError(f"{label}: every band needs a count >= 0, got {population[values.isna() | (values < 0)].to_dict()}")
    order = validate_bands(values.index, f"{label} bands")
    labels = [format_band(b) for b in order]
    values = values.set_axis([format_band(parse_band(b)) for b in values.index]).loc[labels].astype(float)
    target = labels if bands is None else [format_band(parse_band(b)) for b in bands]
    weights = values.to_numpy() if bands is None else reband_array(values.to_numpy(), labels, bands)
    return pd.Series(weights, index=target, name=label)
