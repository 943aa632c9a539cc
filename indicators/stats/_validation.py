"""Input checks shared by the statistics functions.

Invalid input raises :class:`StatsInputError` (a ``ValueError``) naming the field, the first offending
group(s) and the value; nothing is ever turned into a silent NaN. NaN input passes only where a method
defines what a missing value means (see docs/methods/).
"""

from __future__ import annotations

import math
from numbers import Real

import numpy as np
import pandas as pd

#: How many offending rows an error message quotes.
_QUOTED = 3


class StatsInputError(ValueError):
    """Bad input to a statistics function; the message names the field, the group and the value."""


def _py(value):
    """numpy scalars print as np.int64(0): show the plain Python value instead."""
    return value.item() if isinstance(value, np.generic) else value


def _label(groups, position: int) -> str:
    """Describe row ``position``: its group label (if known) and its row (index label or position)."""
    if groups is None:
        return f"row {position}"
    if isinstance(groups, pd.DataFrame):
        row = groups.iloc[position]
        key = tuple(_py(v) for v in row.tolist()) if len(row) > 1 else _py(row.iloc[0])
        return f"group {key!r} (row {_py(groups.index[position])!r})"
    if isinstance(groups, pd.Series | pd.Index):
        key = groups.iloc[position] if isinstance(groups, pd.Series) else groups[position]
        where = groups.index[position] if isinstance(groups, pd.Series) else position
        return f"group {_py(key)!r} (row {_py(where)!r})"
    return f"group {_py(np.asarray(groups, dtype=object)[position])!r} (row {position})"


def _fmt(value) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)


def fail_rows(field: str, problem: str, values, mask, groups=None) -> None:
    """Raise StatsInputError for the rows where ``mask`` is true (no-op when none is)."""
    bad = np.flatnonzero(np.asarray(mask))
    if bad.size == 0:
        return
    values = np.asarray(values)
    quoted = "; ".join(f"{_fmt(values[i])} in {_label(groups, int(i))}" for i in bad[:_QUOTED])
    more = f" (and {bad.size - _QUOTED} more rows)" if bad.size > _QUOTED else ""
    raise StatsInputError(f"{field}: {problem} {quoted}{more}")


def as_float_array(name: str, values) -> np.ndarray:
    """``values`` as a 1-D float64 array (missing -> NaN); text, booleans or objects raise StatsInputError."""
    if isinstance(values, str | bytes):
        raise StatsInputError(f"{name}: expected numbers, got the text {values!r}")
    if isinstance(values, pd.Series | pd.Index):
        dtype = values.dtype
        if pd.api.types.is_bool_dtype(dtype) or not (
            pd.api.types.is_numeric_dtype(dtype) or dtype == object
        ):
            raise StatsInputError(f"{name}: expected numbers, got a column of dtype {dtype}")
        if dtype != object:
            return values.to_numpy(dtype=float, na_value=np.nan)
        values = values.to_numpy()
    arr = np.asarray(values)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise StatsInputError(f"{name}: expected a 1-D sequence, got shape {arr.shape}")
    if arr.dtype.kind == "b":
        raise StatsInputError(f"{name}: expected numbers, got booleans")
    if arr.dtype.kind in "iuf":
        return arr.astype(float, copy=False)
    if arr.dtype.kind == "O":
        return _object_to_float(name, arr)
    raise StatsInputError(f"{name}: expected numbers, got values of dtype {arr.dtype}")


def _object_to_float(name: str, arr: np.ndarray) -> np.ndarray:
    out = np.empty(len(arr), dtype=float)
    for i, v in enumerate(arr):  # only for object input (rare, small): typed arrays never come here
        if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
            out[i] = np.nan
        elif isinstance(v, Real | np.integer | np.floating) and not isinstance(v, bool | np.bool_):
            out[i] = float(v)
        else:
            raise StatsInputError(f"{name}: expected numbers, got {v!r} in row {i}")
    return out


def check_same_length(**arrays) -> int:
    """All arrays have one length; return it."""
    lengths = {name: len(a) for name, a in arrays.items()}
    if len(set(lengths.values())) > 1:
        listed = ", ".join(f"{name}={n}" for name, n in lengths.items())
        raise StatsInputError(f"inputs have different lengths: {listed}")
    return next(iter(lengths.values()), 0)


def check_finite(field: str, values, groups=None, allow_nan: bool = True) -> None:
    """No infinite values; NaN only when ``allow_nan``."""
    values = np.asarray(values, dtype=float)
    fail_rows(field, "infinite value", values, np.isinf(values), groups)
    if not allow_nan:
        fail_rows(field, "missing value", values, np.isnan(values), groups)


def check_non_negative(field: str, values, groups=None) -> None:
    """Counts >= 0 (NaN passes: the caller decides what a missing value means)."""
    fail_rows(field, "negative value", values, np.asarray(values) < 0, groups)


def check_positive(field: str, values, groups=None) -> None:
    """Denominators > 0 (NaN passes)."""
    fail_rows(field, "value must be greater than 0, got", values, np.asarray(values) <= 0, groups)


def check_not_greater(field_x: str, x, field_n: str, n, groups=None) -> None:
    """x <= n row by row (NaN passes)."""
    x = np.asarray(x, dtype=float)
    fail_rows(field_x, f"greater than {field_n} (numerator > denominator):", x, x > np.asarray(n), groups)


def check_scalar(name: str, value, positive: bool = True) -> float:
    """A finite real scalar (e.g. a multiplier), > 0 when ``positive``."""
    if isinstance(value, bool) or not isinstance(value, Real | np.integer | np.floating):
        raise StatsInputError(f"{name}: must be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value) or (positive and value <= 0):
        raise StatsInputError(f"{name}: must be a finite number greater than 0, got {value!r}")
    return value
