"""Disclosure control and reliability flags on the long result frame (area_id, period, sex, ...).

Primary suppression: a numerator below the indicator's threshold (10 by default: French SNDS/CNIL rules
for health data) withholds value, limits, numerator and denominator (stored as NULL).
Secondary suppression across sex: with M + F = T, a triple with exactly one withheld cell lets anyone
recover it by subtraction, so one more cell is withheld: the other sex when M or F is withheld, the
smaller sex when only T is. Withholding across areas (a commune recovered from its department minus its
published neighbours) is not handled here; see docs/adr/0005-disclosure-control.md.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .methods import CI_COLUMNS

RATE_METHODS = {"crude_rate", "proportion", "dsr", "isr", "smr"}


def secondary_across_sex(frame: pd.DataFrame, withheld: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Extend ``withheld`` so no (area, period) triple has exactly one withheld sex among published ones."""
    areas = np.unique(frame["area_id"].to_numpy())
    period_codes, periods = pd.factorize(frame["period"])
    codes = np.searchsorted(areas, frame["area_id"].to_numpy()) * max(len(periods), 1) + period_codes
    sex = frame["sex"].to_numpy()
    n_keys = codes.max() + 1 if len(codes) else 0
    withheld = withheld.copy()
    # Each (area, period) has at most one row per sex: scatter into (K, 3) tables.
    table_w = np.zeros((n_keys, 3), dtype=bool)
    table_c = np.full((n_keys, 3), np.inf)
    has = np.zeros((n_keys, 3), dtype=bool)
    pos = np.select([sex == "M", sex == "F"], [0, 1], 2)
    table_w[codes, pos] = withheld
    table_c[codes, pos] = counts
    has[codes, pos] = True
    complete = has.all(axis=1)
    one = complete & (table_w.sum(axis=1) == 1)
    # One sex withheld and T published: withhold the other sex.
    add = np.zeros_like(table_w)
    add[:, 1] = one & table_w[:, 0]
    add[:, 0] = one & table_w[:, 1]
    # Only T withheld (possible when T is observed separately): withhold the smaller sex too.
    only_t = one & table_w[:, 2]
    smaller_is_m = table_c[:, 0] <= table_c[:, 1]
    add[:, 0] |= only_t & smaller_is_m
    add[:, 1] |= only_t & ~smaller_is_m
    return withheld | add[codes, pos]


def apply(frame: pd.DataFrame, method: str, threshold: int, unreliable_below: int) -> pd.DataFrame:
    counts = frame["numerator"].to_numpy(dtype=float)
    primary = np.nan_to_num(counts, nan=np.inf) < threshold
    withheld = secondary_across_sex(frame, primary, counts)
    frame["suppressed"] = withheld
    frame.loc[withheld, ["value", *CI_COLUMNS, "numerator", "denominator"]] = np.nan
    if method in RATE_METHODS:
        frame["unreliable"] = (np.nan_to_num(counts, nan=np.inf) < unreliable_below) & ~withheld
    else:
        frame["unreliable"] = False
    return frame
