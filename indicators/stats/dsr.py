"""Directly standardised rate (DSR) with Dobson confidence limits.

Sources: Dobson AJ, Kuulasmaa K, Eberle E, Scherer J (1991) Confidence intervals for weighted sums of
Poisson parameters. Stat Med 10:457-62; Breslow & Day (1987) vol. II (Byar's limits of the total count);
PHE "Technical guide: Calculating directly standardised rates"; PHEindicatormethods ``calculate_dsr``
(R/DSR.R, non-independent events R/DSR.R:411-485). See docs/methods/dsr.md.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._core import byar_lower, byar_upper, ci_tag, confidence_levels, constant_categorical, factorize_groups
from ._core import format_number, group_sum, limits_frame, prepare, z_value
from ._validation import StatsInputError, check_finite, check_non_negative, check_positive, check_scalar
from ._validation import fail_rows

#: Below this total count the DSR is not computed (value and limits NaN), as PHEindicatormethods.
DSR_MIN_COUNT = 10
METHOD = "Dobson"
METHOD_NON_INDEPENDENT = "Dobson, with confidence adjusted for non-independent events"
NOT_COMPUTED = f"dsr NA for total count < {DSR_MIN_COUNT}"


def dsr(
    data: pd.DataFrame, x: str, n: str, stdpop, group_cols=(), *, multiplier=100_000, confidence=0.95,
    independent_events: bool = True, eventfreq: str | None = None, ageband: str | None = None,
) -> pd.DataFrame:
    """DSR per group of a long table (one row per group x age band; x events, n population, stdpop weight).

    ``stdpop`` is a column name or an array aligned with the rows. Missing x counts as 0; missing n or
    stdpop is an error. With ``independent_events=False`` each row holds the number of persons (x) with
    ``eventfreq`` events in the ``ageband``; the variance is then sum_f f^2 var_f.
    """
    levels = confidence_levels(confidence)
    mult = check_scalar("multiplier", multiplier)
    if not isinstance(independent_events, bool | np.bool_):
        raise StatsInputError(f"independent_events: must be True or False, got {independent_events!r}")
    if not isinstance(data, pd.DataFrame):
        raise StatsInputError(f"data: a DataFrame is required, got {type(data).__name__}")
    fields = {"x": x, "n": n, "stdpop": stdpop}
    if not independent_events:
        if eventfreq is None or ageband is None:
            raise StatsInputError("eventfreq and ageband: both columns are required when independent_events is False")
        fields["eventfreq"] = eventfreq
    p = prepare(data, group_cols, **fields)
    xv, nv, wv = _validated(p)
    codes, n_groups, index = _codes(p)
    if independent_events:
        totals = dsr_totals(codes, n_groups, xv, nv, wv)
        method = METHOD
    else:
        totals = _non_independent_totals(data, list(group_cols or []), ageband, p, codes, n_groups, xv, nv, wv)
        method = METHOD_NON_INDEPENDENT
    return dsr_frame(totals, mult, levels, index, method)


def _validated(p):
    xv, nv, wv = p.arrays["x"], p.arrays["n"], p.arrays["stdpop"]
    for field in p.arrays:
        check_finite(p.name(field), p.arrays[field], p.groups, allow_nan=field == "x")
    check_non_negative(p.name("x"), xv, p.groups)
    check_positive(p.name("n"), nv, p.groups)
    check_non_negative(p.name("stdpop"), wv, p.groups)
    if "eventfreq" in p.arrays:
        check_non_negative(p.name("eventfreq"), p.arrays["eventfreq"], p.groups)
    return np.nan_to_num(xv, nan=0.0), nv, wv


def _codes(p):
    if p.codes is None:  # no group_cols: the whole table is one group
        return np.zeros(len(p.arrays["x"]), dtype=np.intp), 1, pd.RangeIndex(1)
    return p.codes, p.n_groups, p.index


def dsr_totals(codes: np.ndarray, n_groups: int, x: np.ndarray, n: np.ndarray, w: np.ndarray) -> dict:
    """Per-group sums of the Dobson DSR (x without NaN, validated): one bincount per column."""
    ratio = w / n
    weighted = x * ratio
    return {
        "total_count": group_sum(codes, x, n_groups),
        "total_pop": group_sum(codes, n, n_groups),
        "weighted": group_sum(codes, weighted, n_groups),  # sum x_i w_i / n_i
        "weighted_sq": group_sum(codes, weighted * ratio, n_groups),  # sum x_i (w_i / n_i)^2
        "stdpop": group_sum(codes, w, n_groups),
    }


def dsr_frame(totals: dict, multiplier: float, levels, index, method: str) -> pd.DataFrame:
    """DSR and Dobson limits from per-group totals (``variance`` given, or from ``weighted_sq``)."""
    o = totals["total_count"]
    w_total = totals["stdpop"]
    with np.errstate(divide="ignore", invalid="ignore"):
        value = totals["weighted"] / w_total
        variance = totals.get("variance")
        if variance is None:
            variance = totals["weighted_sq"] / (w_total * w_total)
        scale = np.sqrt(variance / o)
    hidden = ~(o >= DSR_MIN_COUNT)
    limits = {}
    for c in levels:
        z = z_value(c)
        # Dobson: the DSR moves as the total count moves between its (Byar) limits.
        lower = (value + scale * (byar_lower(o, z) - o)) * multiplier
        upper = (value + scale * (byar_upper(o, z) - o)) * multiplier
        lower[hidden] = np.nan
        upper[hidden] = np.nan
        limits[f"lower_{ci_tag(c)}"], limits[f"upper_{ci_tag(c)}"] = lower, upper
    value = value * multiplier
    value[hidden] = np.nan
    labels = [f"dsr per {format_number(multiplier)}", NOT_COMPUTED]
    extra = {
        "total_count": o,
        "total_pop": totals["total_pop"],
        "method": constant_categorical(len(o), [method]),
        "statistic": constant_categorical(len(o), labels, hidden.astype(np.int8)),
    }
    return limits_frame(index, value, limits, extra)


def _non_independent_totals(data, group_cols, ageband, p, codes, n_groups, persons, nv, wv) -> dict:
    """Events per band = sum_f f x persons; var = sum_f f^2 var_f, var_f the Dobson variance of the
    persons with f events (R/DSR.R:446-470)."""
    freq = p.arrays["eventfreq"]
    if ageband not in data.columns:
        raise StatsInputError(f"ageband: {ageband!r} is not a column of the data")
    if data[ageband].isna().any():
        fail_rows(ageband, "missing value", np.zeros(len(data)), data[ageband].isna().to_numpy(), p.groups)
    band_codes, _, n_bands = factorize_groups(data, group_cols + [ageband])
    band_n, band_w, band_group = _band_constants(band_codes, n_bands, nv, wv, codes, p)
    events = group_sum(band_codes, freq * persons, n_bands)
    totals = dsr_totals(band_group, n_groups, events, band_n, band_w)
    freq_codes, freq_keys, n_freq = factorize_groups(data, group_cols + [p.name("eventfreq")])
    ratio_sq = (wv / nv) ** 2
    var_f = group_sum(freq_codes, persons * ratio_sq, n_freq)
    w_f = group_sum(freq_codes, wv, n_freq)
    f_of = np.zeros(n_freq)
    f_of[freq_codes] = freq
    group_of = np.zeros(n_freq, dtype=np.intp)
    group_of[freq_codes] = codes
    totals["variance"] = group_sum(group_of, f_of**2 * var_f / (w_f * w_f), n_groups)
    return totals


def _band_constants(band_codes, n_bands, nv, wv, codes, p):
    """n and stdpop of each (group, age band); they must not vary across event frequencies."""
    first = np.empty(len(band_codes), dtype=np.intp)
    first_of_band = np.full(n_bands, len(band_codes), dtype=np.intp)
    np.minimum.at(first_of_band, band_codes, np.arange(len(band_codes)))
    first = first_of_band[band_codes]
    for field, values in (("n", nv), ("stdpop", wv)):
        fail_rows(
            p.name(field), "differs between event frequencies of the same group and age band:",
            values, values != values[first], p.groups,
        )
    return nv[first_of_band], wv[first_of_band], codes[first_of_band]
