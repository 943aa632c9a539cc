"""Crude rate with exact Poisson (O < 10) or Byar (O >= 10) confidence limits.

Source: Breslow NE, Day NE (1987) Statistical methods in cancer research vol. II, IARC (Byar's
approximation p. 69); PHE "Technical guide: Confidence intervals for public health indicators";
PHEindicatormethods ``phe_rate`` (R/Rates.R). See docs/methods/crude-rate.md.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._core import confidence_levels, constant_categorical, format_number, group_sum, limits_frame
from ._core import poisson_method, prepare, scaled_poisson_limits
from ._validation import check_finite, check_non_negative, check_positive, check_scalar


def crude_rate(
    x, n, data: pd.DataFrame | None = None, group_cols=None, *, multiplier=100_000, confidence=0.95
) -> pd.DataFrame:
    """Events per ``multiplier`` persons: x / n x multiplier, with CI per level in ``confidence``.

    ``x`` and ``n`` are arrays (one group per element) or, with ``data``, column names; with ``group_cols``
    the rows are summed per group first (a missing x or n makes the group's result missing, as R does).
    x > n is allowed (events can outnumber persons). Missing x or n -> value and limits NaN.
    """
    levels = confidence_levels(confidence)
    mult = check_scalar("multiplier", multiplier)
    p = prepare(data, group_cols, x=x, n=n)
    xv, nv = p.arrays["x"], p.arrays["n"]
    check_finite(p.name("x"), xv, p.groups)
    check_non_negative(p.name("x"), xv, p.groups)
    check_finite(p.name("n"), nv, p.groups)
    check_positive(p.name("n"), nv, p.groups)
    if p.codes is not None:
        xv, nv = group_sum(p.codes, xv, p.n_groups), group_sum(p.codes, nv, p.n_groups)
    return rate_from_totals(xv, nv, mult, levels, p.index)


def rate_from_totals(x: np.ndarray, n: np.ndarray, multiplier: float, levels, index) -> pd.DataFrame:
    """Crude rate of already validated per-group totals (the vectorised core)."""
    scale = multiplier / n
    limits = scaled_poisson_limits(x, scale, levels)
    extra = {
        "numerator": x,
        "denominator": n,
        "method": poisson_method(x),
        "statistic": constant_categorical(len(x), [f"rate per {format_number(multiplier)}"]),
    }
    return limits_frame(index, x * scale, limits, extra)
