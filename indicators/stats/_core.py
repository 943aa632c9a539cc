"""Shared low-level statistics: confidence levels, Poisson (exact / Byar) and Wilson limits, group coding.

Everything here is vectorised over numpy arrays and Django-free (see docs/methods/). The formulas follow
PHEindicatormethods 2.1.0 (UKHSA), whose test data is our conformance oracle:
- Byar's approximation: Breslow NE, Day NE. Statistical methods in cancer research, vol. II (IARC, 1987), p. 69.
- Exact Poisson limits via the chi-squared distribution (Garwood 1936; Breslow & Day 1987).
- Wilson score interval: Wilson EB, J Am Stat Assoc 1927;22:209-12; Newcombe RG, Stat Med 1998;17:857-72.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from numbers import Real

import numpy as np
import pandas as pd
from scipy import stats as _sps

from ._validation import StatsInputError

#: Below this many events Poisson limits are exact; from it on, Byar's approximation (as PHEindicatormethods).
EXACT_BELOW = 10


def _one_level(value) -> float:
    if isinstance(value, bool) or not isinstance(value, Real | np.integer | np.floating):
        raise StatsInputError(f"confidence: must be a number, got {value!r}")
    c = float(value)
    if not math.isfinite(c):
        raise StatsInputError(f"confidence: must be finite, got {value!r}")
    if 90 <= c <= 100:
        c = c / 100  # the R package accepts percentages
    if not 0.9 <= c <= 1:
        raise StatsInputError(
            f"confidence: level {value!r} is outside [0.90, 1] (or [90, 100] as a percentage)"
        )
    return c


def confidence_levels(confidence) -> tuple[float, ...]:
    """Validate ``confidence`` (a level or a sequence of levels) and return the levels as fractions.

    Any number of distinct levels is accepted (PHEindicatormethods only allows 0.95 alone or (0.95, 0.998)).
    """
    if isinstance(confidence, str | bytes):
        raise StatsInputError(f"confidence: must be a number or a sequence of numbers, got {confidence!r}")
    if isinstance(confidence, Sequence | np.ndarray):
        levels = tuple(_one_level(c) for c in confidence)
        if not levels:
            raise StatsInputError("confidence: at least one level is required")
    else:
        levels = (_one_level(confidence),)
    tags = [ci_tag(c) for c in levels]
    if len(set(tags)) != len(tags):
        raise StatsInputError(f"confidence: duplicate levels in {confidence!r}")
    return levels


def ci_tag(c: float) -> str:
    """Column tag of a level: 0.95 -> "95", 0.998 -> "99_8", 1.0 -> "100"."""
    text = f"{c * 100:.6f}".rstrip("0").rstrip(".")
    return text.replace(".", "_")


def z_value(c: float) -> float:
    """Two-sided normal quantile: z = Phi^-1(c + (1 - c) / 2) (1.959964 for 0.95; inf for 1)."""
    return float(_sps.norm.ppf(c + (1 - c) / 2))


def format_number(value: float) -> str:
    """Multiplier as R's ``format(x, scientific = FALSE)`` prints it: 100000, 1000, 0.5."""
    value = float(value)
    if value.is_integer():
        return str(int(value))
    return repr(value)


def _byar(o: np.ndarray, z: float, sign: float) -> np.ndarray:
    """o (1 - 1/(9o) + sign z / (3 sqrt o))^3, in place on a few buffers (this runs on millions of groups)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = np.divide(1.0, o)
        t = np.sqrt(inv)
        t *= sign * z / 3
        inv *= -1 / 9
        t += inv
        t += 1
        out = t * t
        out *= t
        out *= o
    return out


def byar_lower(o, z):
    """Byar's lower limit of a Poisson count: O (1 - 1/(9O) - z/(3 sqrt O))^3; negative (or O = 0) -> NaN."""
    out = _byar(np.asarray(o, dtype=float), z, -1.0)
    out[out < 0] = np.nan  # R sets negative results to NA; O = 0 already gives NaN (0 x inf)
    return out


def byar_upper(o, z):
    """Byar's upper limit: (O+1) (1 - 1/(9(O+1)) + z/(3 sqrt(O+1)))^3."""
    return _byar(np.asarray(o, dtype=float) + 1, z, 1.0)


@functools.lru_cache(maxsize=64)
def _exact_table(c: float, lower: bool) -> np.ndarray:
    table = _exact(np.arange(EXACT_BELOW, dtype=float), c, lower)
    table.flags.writeable = False
    return table


def _exact(o: np.ndarray, c: float, lower: bool) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        if lower:
            out = _sps.chi2.ppf((1 - c) / 2, 2 * o) / 2
            out = np.where(o == 0, 0.0, out)  # qchisq(p, df = 0) = 0 in R
        else:
            out = _sps.chi2.ppf(c + (1 - c) / 2, 2 * o + 2) / 2
    return np.where(np.isnan(o), np.nan, out)


def _exact_fast(o: np.ndarray, c: float, lower: bool) -> np.ndarray:
    """Exact limits; integer counts below 10 come from a 10-entry table (chi2.ppf is the slow part)."""
    o = np.asarray(o, dtype=float)
    small = (o >= 0) & (o < EXACT_BELOW) & (o == np.floor(o))
    if small.all():
        return _exact_table(c, lower)[o.astype(np.intp)]
    out = _exact(o, c, lower)
    return out


def exact_poisson_lower(o, c: float):
    """Exact lower limit: qchisq((1 - c)/2, 2O) / 2 (0 for O = 0)."""
    return _exact_fast(o, c, lower=True)


def exact_poisson_upper(o, c: float):
    """Exact upper limit: qchisq(c + (1 - c)/2, 2O + 2) / 2."""
    return _exact_fast(o, c, lower=False)


def poisson_limits(o, c: float) -> tuple[np.ndarray, np.ndarray]:
    """Limits of a Poisson count: exact when O < 10, Byar from 10 on (a non-integer 9.5 is exact, df 19)."""
    o = np.asarray(o, dtype=float)
    z = z_value(c)
    lower = byar_lower(o, z)
    upper = byar_upper(o, z)
    exact = o < EXACT_BELOW
    if exact.any():
        lower[exact] = exact_poisson_lower(o[exact], c)
        upper[exact] = exact_poisson_upper(o[exact], c)
    return lower, upper


def scaled_poisson_limits(o, scale, levels) -> dict[str, np.ndarray]:
    """``lower_<tag>``/``upper_<tag>`` per level: the Poisson limits of the counts ``o`` times ``scale``
    (multiplier / denominator for a rate, scale / expected for a standardised ratio)."""
    limits = {}
    for c in levels:
        lower, upper = poisson_limits(o, c)
        limits[f"lower_{ci_tag(c)}"] = lower * scale
        limits[f"upper_{ci_tag(c)}"] = upper * scale
    return limits


def poisson_method(o) -> pd.Categorical:
    """"Exact" / "Byars" per count (NaN count -> missing), as PHEindicatormethods labels them."""
    o = np.asarray(o, dtype=float)
    codes = (o >= EXACT_BELOW).view(np.int8).copy()
    codes[np.isnan(o)] = -1
    return pd.Categorical.from_codes(codes, categories=["Exact", "Byars"])


def wilson_limits(x, n, c: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score limits of x successes in n: (2x + z^2 -/+ z sqrt(z^2 + 4x(1 - x/n))) / (2(n + z^2))."""
    x = np.asarray(x, dtype=float)
    n = np.asarray(n, dtype=float)
    missing = np.isnan(x) | np.isnan(n)
    if c == 1:  # z is infinite: the interval is the whole [0, 1] (as R)
        return np.where(missing, np.nan, 0.0), np.where(missing, np.nan, 1.0)
    z = z_value(c)
    with np.errstate(divide="ignore", invalid="ignore"):
        half = z * np.sqrt(z * z + 4 * x * (1 - x / n))
        denom = 2 * (n + z * z)
        return (2 * x + z * z - half) / denom, (2 * x + z * z + half) / denom


def constant_categorical(length: int, labels: Sequence[str], codes=None) -> pd.Categorical:
    """A categorical column without building ``length`` Python strings (fast for millions of groups)."""
    if codes is None:
        codes = np.zeros(length, dtype=np.int8)
    return pd.Categorical.from_codes(codes, categories=list(dict.fromkeys(labels)))


def factorize_groups(data: pd.DataFrame, group_cols: Sequence[str]) -> tuple[np.ndarray, pd.Index, int]:
    """Code the rows' groups once: (codes 0..G-1 per row, index of the G group keys in sorted order, G).

    A single already-sorted numeric column (the usual layout of extracts) is coded with one diff pass,
    no hashing; otherwise each column is factorised and the codes combined.
    """
    group_cols = list(group_cols)
    if not group_cols:
        return np.zeros(len(data), dtype=np.intp), pd.RangeIndex(1 if len(data) else 0), 1 if len(data) else 0
    for col in group_cols:
        if col not in data.columns:
            raise StatsInputError(f"group_cols: {col!r} is not a column of the data")
    if len(group_cols) == 1:
        col = data[group_cols[0]]
        values = col.to_numpy()
        if values.dtype.kind in "iuf" and not col.hasnans and col.is_monotonic_increasing:
            change = np.empty(len(values), dtype=bool)
            change[:1] = True
            np.not_equal(values[1:], values[:-1], out=change[1:])
            codes = np.cumsum(change) - 1
            keys = pd.Index(values[change], name=group_cols[0])
            return codes, keys, len(keys)
        codes, uniques = pd.factorize(col, sort=True, use_na_sentinel=False)
        return codes, pd.Index(uniques, name=group_cols[0]), len(uniques)
    parts = [pd.factorize(data[c], sort=True, use_na_sentinel=False) for c in group_cols]
    sizes = [len(u) for _, u in parts]
    if math.prod(sizes) >= 2**62:
        grouped = data.groupby(group_cols, sort=True, dropna=False, observed=True)
        codes = grouped.ngroup().to_numpy()
        keys = grouped.size().index
        return codes, keys, len(keys)
    combined = np.ravel_multi_index([c for c, _ in parts], sizes)
    codes, uniq = pd.factorize(combined, sort=True)
    unravelled = np.unravel_index(uniq, sizes)
    keys = pd.MultiIndex.from_arrays(
        [u.take(ix) for (_, u), ix in zip(parts, unravelled, strict=True)], names=group_cols
    )
    return codes, keys, len(keys)


def group_sum(codes: np.ndarray, values: np.ndarray, n_groups: int) -> np.ndarray:
    """Sum of ``values`` per group code (NaN propagates to its group)."""
    return np.bincount(codes, weights=values, minlength=n_groups)


class Prepared:
    """Inputs fetched and coded once: float arrays per field, their display names, groups for messages."""

    __slots__ = ("arrays", "names", "groups", "index", "codes", "n_groups")

    def __init__(self, arrays, names, groups, index, codes, n_groups):
        self.arrays, self.names, self.groups = arrays, names, groups
        self.index, self.codes, self.n_groups = index, codes, n_groups

    def name(self, field: str) -> str:
        return self.names[field]


def prepare(data: pd.DataFrame | None, group_cols, **fields) -> Prepared:
    """Fetch ``fields`` (column names of ``data``, or array-likes) as float arrays of one length.

    With ``data`` and ``group_cols`` the rows are coded by group (``codes``, ``index`` = sorted group keys);
    without ``data`` the output index follows a pandas input's index, else a RangeIndex.
    """
    from ._validation import as_float_array, check_same_length

    arrays, names = {}, {}
    index = None
    for field, value in fields.items():
        if value is None:
            continue
        if data is not None and isinstance(value, str):
            if value not in data.columns:
                raise StatsInputError(f"{field}: {value!r} is not a column of the data")
            names[field] = value
            arrays[field] = as_float_array(value, data[value])
        else:
            names[field] = field
            if index is None and isinstance(value, pd.Series):
                index = value.index
            arrays[field] = as_float_array(field, value)
    length = check_same_length(**{names[f]: a for f, a in arrays.items()})
    if data is not None:
        if length != len(data):
            raise StatsInputError(f"inputs have {length} values but the data has {len(data)} rows")
        group_cols = list(group_cols or [])
        if group_cols:
            codes, keys, n_groups = factorize_groups(data, group_cols)
            return Prepared(arrays, names, data[group_cols], keys, codes, n_groups)
        return Prepared(arrays, names, None, data.index, None, len(data))
    if group_cols:
        raise StatsInputError("group_cols: needs a DataFrame passed as data")
    index = index if index is not None and len(index) == length else pd.RangeIndex(length)
    groups = index.to_series(index=index) if not isinstance(index, pd.RangeIndex) else None
    return Prepared(arrays, names, groups, index, None, length)


def limits_frame(index, value, limits: dict[str, np.ndarray], extra: dict) -> pd.DataFrame:
    """The common result shape: value, lower_<tag>/upper_<tag> per level, then method-specific columns."""
    columns = {"value": value, **limits, **extra}
    return pd.DataFrame(columns, index=index, copy=False)
