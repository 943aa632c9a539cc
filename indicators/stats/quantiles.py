"""Quantiles (deciles, quintiles, quartiles, any N) of areas' values within groups.

Source: PHEindicatormethods 2.1.0 ``phe_quantile`` (R/Quantiles.R:63-152), as used by Fingertips for
deprivation deciles and the "quintile" colouring; method page docs/methods/quantiles.md.

Per group, with k = number of non-missing values and rank = minimum rank of the value (of -value when
``invert``, so quantile 1 holds the HIGHEST values):
    quantile = floor((N + 1) - ceiling(((k + 1) - rank) / (k / N))), with 0 mapped to 1;
all quantiles of a group are missing when k < N. Missing values keep a missing quantile.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ._core import factorize_groups
from ._validation import StatsInputError, as_float_array


def _invert_per_row(data: pd.DataFrame, invert, codes: np.ndarray, n_groups: int, keys) -> np.ndarray:
    if isinstance(invert, (bool, np.bool_)):
        return np.full(len(data), bool(invert))
    if not isinstance(invert, str) or invert not in data.columns:
        raise StatsInputError(f"invert: must be True/False or the name of a column, got {invert!r}")
    column = data[invert]
    if column.isna().any() or not pd.api.types.is_bool_dtype(column):
        raise StatsInputError(f"invert: column {invert!r} must hold only True/False values")
    flags = column.to_numpy(dtype=bool)
    n_true = np.bincount(codes, weights=flags, minlength=n_groups)
    n_all = np.bincount(codes, minlength=n_groups)
    mixed = (n_true > 0) & (n_true < n_all)
    if mixed.any():
        raise StatsInputError(f"invert: column {invert!r} must take one value within each group; "
                              f"group {keys[int(np.flatnonzero(mixed)[0])]!r} mixes True and False")
    return flags


def quantiles(data: pd.DataFrame, value_col: str = "value", group_cols: Sequence[str] = (),
              nquantiles: int = 10, invert=False) -> pd.DataFrame:
    """Assign each row the quantile of its value within its group.

    ``invert`` is a bool, or the name of a boolean column constant within each group (e.g. derived from
    the indicator's polarity). Returns a frame aligned with ``data`` (same index) with ``quantile``
    (nullable integer, 1..N), ``n_values`` (k, non-missing values in the group), ``nquantiles`` and
    ``invert``.
    """
    if isinstance(nquantiles, bool) or not isinstance(nquantiles, (int, np.integer)) or nquantiles < 1:
        raise StatsInputError(f"nquantiles: must be a whole number >= 1, got {nquantiles!r}")
    group_cols = list(group_cols)
    if value_col not in data.columns:
        raise StatsInputError(f"{value_col}: not a column of the data")
    values = as_float_array(value_col, data[value_col])
    if np.isinf(values).any():
        raise StatsInputError(f"{value_col}: infinite value in row {int(np.flatnonzero(np.isinf(values))[0])}")
    codes, keys, n_groups = factorize_groups(data, group_cols)
    flags = _invert_per_row(data, invert, codes, n_groups, keys)
    signed = np.where(flags, -values, values)
    ranks = pd.Series(signed).groupby(codes).rank(method="min", na_option="keep").to_numpy()
    present = ~np.isnan(values)
    k = np.bincount(codes, weights=present, minlength=n_groups)[codes]
    n = float(nquantiles)
    with np.errstate(divide="ignore", invalid="ignore"):
        # Same operation order as R, so ties at bin edges fall the same way.
        q = np.floor((n + 1) - np.ceil(((k + 1) - ranks) / (k / n)))
    q = np.where(q == 0, 1, q)
    q[(k < n) | ~present] = np.nan
    out = pd.DataFrame({
        "quantile": pd.array(q, dtype="Float64").astype("Int64"),
        "n_values": k.astype(np.int64),
        "nquantiles": np.full(len(data), nquantiles, dtype=np.int64),
        "invert": flags,
    }, index=data.index)
    return out
