"""Normalisation of the sex and age-band codes of the long format (vectorised, no Django import)."""

import re

import pandas as pd

SEX_ALIASES = {
    "m": "M", "h": "M", "1": "M", "homme": "M", "hommes": "M", "men": "M", "man": "M", "male": "M",
    "f": "F", "2": "F", "femme": "F", "femmes": "F", "women": "F", "woman": "F", "female": "F",
    "t": "T", "0": "T", "ensemble": "T", "both": "T", "all": "T", "total": "T", "tous": "T",
}
SEX_CODE_INDEX = {"M": 1, "F": 2, "T": 3}

ALL_AGES_ALIASES = {"all", "ensemble", "total", "tous", "tous ages", "tous âges", "all ages"}
MAX_AGE = 120

_BAND = re.compile(r"^(?P<lo>\d{1,3})(?:-(?P<hi>\d{1,3})|(?P<plus>\+))?$")


def normalize_sex(raw: pd.Series) -> pd.Series:
    """Map every accepted spelling to M/F/T; unknown spellings become NaN."""
    return raw.str.strip().str.lower().map(SEX_ALIASES)


def _normalize_band(text: str) -> str | None:
    value = " ".join(text.strip().lower().split())
    if value in ALL_AGES_ALIASES:
        return "all"
    value = value.replace(" ", "").replace("–", "-").replace("ans", "").replace("et+", "+").replace("etplus", "+")
    match = _BAND.match(value)
    if not match:
        return None
    lo = int(match["lo"])
    if match["plus"]:
        return f"{lo}+" if lo <= MAX_AGE else None
    if match["hi"] is None:
        return str(lo) if lo <= MAX_AGE else None
    hi = int(match["hi"])
    if hi < lo or hi > MAX_AGE:
        return None
    return f"{lo}-{hi}" if hi > lo else str(lo)


def normalize_age_band(raw: pd.Series) -> pd.Series:
    """Canonical band strings ("0", "1-4", "95+", "all"); NaN where the spelling is not a band.

    Files hold a handful of distinct bands, so the regex runs on the unique values only and the result
    is mapped back onto the column (vectorised over the rows).
    """
    uniques = pd.unique(raw.dropna())
    mapping = {u: _normalize_band(u) for u in uniques}
    return raw.map(mapping)


def parse_numbers(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse values written with a decimal point or a decimal comma, spaces as thousands separators.

    Returns (numbers as float64 with NaN where unparsable, ambiguous mask for "1.234,5"-style strings).
    """
    text = raw.str.strip().str.replace(r"[\s\u00a0\u202f]", "", regex=True)
    has_comma = text.str.contains(",", regex=False).fillna(False)
    has_point = text.str.contains(".", regex=False).fillna(False)
    ambiguous = (has_comma & has_point) | (text.str.count(",").fillna(0) > 1)
    text = text.where(~has_comma, text.str.replace(",", ".", regex=False))
    numbers = pd.to_numeric(text.where(~ambiguous), errors="coerce").astype("float64")
    return numbers, ambiguous.astype(bool)


def parse_periods(raw: pd.Series) -> pd.Series:
    """Integer years as float64 (NaN where not a 4-digit year; "2019.0" from spreadsheets accepted)."""
    text = raw.str.strip().str.replace(r"\.0+$", "", regex=True)
    ok = text.str.fullmatch(r"\d{4}").fillna(False).astype(bool)
    return pd.to_numeric(text.where(ok), errors="coerce").astype("float64")
