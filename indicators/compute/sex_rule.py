"""The sex rule of disclosure control: with M + F = T published, one withheld cell of a triple is a subtraction away."""

from __future__ import annotations

import numpy as np
import pandas as pd


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
