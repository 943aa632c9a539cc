"""Indirect standardisation: indirectly standardised rate (ISR), standardised mortality ratio (SMR) and
the ORS "indice comparatif de mortalité" (ICM = SMR x 100, France = 100).

Sources: Breslow NE, Day NE (1987) Statistical methods in cancer research vol. II, IARC, ch. 2-3 (SMR,
exact Poisson limits, Byar's approximation p. 69); PHE "Technical guide: Confidence intervals for public
health indicators"; PHEindicatormethods ``calculate_ISRate`` / ``calculate_ISRatio`` (R/ISRate.R,
R/ISRatio.R). See docs/methods/indirect-standardisation.md.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._core import confidence_levels, constant_categorical, format_number, group_sum, limits_frame
from ._core import poisson_method, prepare, scaled_poisson_limits
from ._validation import StatsInputError, check_finite, check_non_negative, check_positive, check_scalar
from ._validation import fail_rows


def isr(
    data: pd.DataFrame, x, n, x_ref, n_ref, group_cols=(), *, observed=None, multiplier=100_000,
    confidence=0.95,
) -> pd.DataFrame:
    """Indirectly standardised rate per ``multiplier``: O / E x reference rate, with exact (O < 10) or
    Byar limits of O.

    Rows are group x age band: ``x`` local events (may be None when ``observed`` is given), ``n`` local
    population, ``x_ref`` / ``n_ref`` the reference events and population of the band (columns or arrays
    aligned with the rows). ``observed`` optionally names a column holding each group's total observed
    events (constant within the group) instead of summing ``x``.
    """
    levels = confidence_levels(confidence)
    mult = check_scalar("multiplier", multiplier)
    o, e, ref_events, ref_pop, index = _observed_expected(data, x, n, x_ref, n_ref, group_cols, observed)
    ref_rate = ref_events / ref_pop * mult
    statistic = f"indirectly standardised rate per {format_number(mult)}"
    return _frame(o, e, ref_rate, levels, index, statistic, {"ref_rate": ref_rate})


def smr(
    data: pd.DataFrame, x, n, x_ref, n_ref, group_cols=(), *, observed=None, refvalue=1, confidence=0.95,
) -> pd.DataFrame:
    """Standardised ratio O / E x ``refvalue`` (1: SMR; 100: ICM), exact (O < 10) or Byar limits.

    Same inputs as :func:`isr`.
    """
    levels = confidence_levels(confidence)
    ref = check_scalar("refvalue", refvalue)
    o, e, _, _, index = _observed_expected(data, x, n, x_ref, n_ref, group_cols, observed)
    statistic = f"indirectly standardised ratio x {format_number(ref)}"
    return _frame(o, e, np.full(len(o), ref), levels, index, statistic, {})


def icm(data: pd.DataFrame, x, n, x_ref, n_ref, group_cols=(), *, observed=None, confidence=0.95):
    """ORS "indice comparatif de mortalité": the SMR x 100 (100 = the reference, usually France)."""
    return smr(data, x, n, x_ref, n_ref, group_cols, observed=observed, refvalue=100, confidence=confidence)


def _frame(o, e, scale, levels, index, statistic, extra_cols) -> pd.DataFrame:
    factor = scale / e
    limits = scaled_poisson_limits(o, factor, levels)
    extra = {
        "observed": o,
        "expected": e,
        **extra_cols,
        "method": poisson_method(o),
        "statistic": constant_categorical(len(o), [statistic]),
    }
    return limits_frame(index, o * factor, limits, extra)


def _observed_expected(data, x, n, x_ref, n_ref, group_cols, observed):
    """Per group: O, E = sum(x_ref / n_ref x n) (missing n or x_ref count as 0), sum x_ref, sum n_ref."""
    if not isinstance(data, pd.DataFrame):
        raise StatsInputError(f"data: a DataFrame is required, got {type(data).__name__}")
    if x is None and observed is None:
        raise StatsInputError("x: required unless observed gives each group's total")
    p = prepare(data, group_cols, x=x, n=n, x_ref=x_ref, n_ref=n_ref, observed=observed)
    for field, values in p.arrays.items():
        check_finite(p.name(field), values, p.groups, allow_nan=field not in ("n_ref", "observed"))
        check_non_negative(p.name(field), values, p.groups)
    check_positive(p.name("n_ref"), p.arrays["n_ref"], p.groups)
    codes, n_groups, index = (
        (np.zeros(len(data), dtype=np.intp), 1, pd.RangeIndex(1)) if p.codes is None
        else (p.codes, p.n_groups, p.index)
    )
    ref_x = np.nan_to_num(p.arrays["x_ref"], nan=0.0)
    pop = np.nan_to_num(p.arrays["n"], nan=0.0)
    e = group_sum(codes, ref_x / p.arrays["n_ref"] * pop, n_groups)
    if observed is not None:
        o = _group_constant(p, "observed", codes, n_groups)
    else:
        o = group_sum(codes, np.nan_to_num(p.arrays["x"], nan=0.0), n_groups)
    no_expected = ~(e > 0)
    if no_expected.any():
        first_row = np.full(n_groups, len(codes), dtype=np.intp)
        np.minimum.at(first_row, codes, np.arange(len(codes)))
        fail_rows(p.name("n"), "no expected events (population 0 in every band): total population",
                  group_sum(codes, pop, n_groups)[no_expected], no_expected[no_expected],
                  _group_labels(index, no_expected))
    return o, e, group_sum(codes, ref_x, n_groups), group_sum(codes, p.arrays["n_ref"], n_groups), index


def _group_constant(p, field, codes, n_groups):
    values = p.arrays[field]
    first_row = np.full(n_groups, len(codes), dtype=np.intp)
    np.minimum.at(first_row, codes, np.arange(len(codes)))
    per_group = values[first_row]
    fail_rows(p.name(field), "must be the same on every row of a group, got", values,
              values != per_group[codes], p.groups)
    return per_group


def _group_labels(index, mask):
    return pd.Series(np.asarray(index[mask], dtype=object))
