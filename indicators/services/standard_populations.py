"""Standard populations: the one list of codes, shared by the catalog (validation) and compute (weights).

``esp2013`` (Eurostat 2013, a constant) and ``france-<year>`` for every year the INSEE population workbook
of DATA_DIR holds (one sheet per year, 1975-2021); docs/methods/standard-populations.md.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd
from django.conf import settings

from indicators.compute import ComputeError
from indicators.importing.insee_population import (
    INSEE_POPULATION, PopulationFileError, insee_reference_population, population_years,
)
from indicators.stats.standard_populations import esp2013, population_weights

ESP2013 = "esp2013"
FRANCE_PREFIX = "france-"


def insee_population_path() -> Path:
    return Path(settings.DATA_DIR) / INSEE_POPULATION


@lru_cache(maxsize=8)
def _years(path: str, mtime: float) -> tuple[int, ...]:
    return tuple(sorted(population_years(path)))


def french_years() -> tuple[int, ...]:
    """Years of the INSEE workbook, ascending; none when DATA_DIR has no such file."""
    path = insee_population_path()
    try:
        return _years(str(path), path.stat().st_mtime)
    except (OSError, PopulationFileError):
        return ()


def standard_population_codes() -> list[str]:
    """Every code a catalog entry may name and compute can weight by."""
    return [ESP2013, *(f"{FRANCE_PREFIX}{year}" for year in french_years())]


def accepted_forms(codes: list[str] | None = None) -> str:
    """"esp2013 or france-<year> (<year> from 1975 to 2021)": the forms, for error messages."""
    codes = standard_population_codes() if codes is None else codes
    years = sorted(int(c[len(FRANCE_PREFIX):]) for c in codes if c.startswith(FRANCE_PREFIX))
    if not years:
        return f"{ESP2013} (france-<year> needs the INSEE population file {INSEE_POPULATION} in DATA_DIR)"
    return f"{ESP2013} or {FRANCE_PREFIX}<year> (<year> from {years[0]} to {years[-1]})"


def standard_weights(code: str) -> pd.Series | None:
    """Weights of a standard population code by age band; None for no code. Raises ComputeError."""
    if not code:
        return None
    if code not in standard_population_codes():
        raise ComputeError(f"unknown standard population {code!r} (use {accepted_forms()})")
    if code == ESP2013:
        return esp2013()
    year = int(code[len(FRANCE_PREFIX):])
    try:
        france = insee_reference_population(insee_population_path(), year)
    except PopulationFileError as exc:
        raise ComputeError(f"standard population {code}: {exc}") from exc
    return population_weights(france["both"], name=code)
