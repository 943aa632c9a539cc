"""Proportion with Wilson score confidence limits.

Sources: Wilson EB (1927) J Am Stat Assoc 22:209-12; Newcombe RG (1998) Stat Med 17:857-72 (method 3);
PHE "Technical guide: Confidence intervals for public health indicators"; PHEindicatormethods
``phe_proportion`` (R/Proportions.R). See docs/methods/proportion.md.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._core import ci_tag, confidence_levels, constant_categorical, format_number, group_sum, limits_frame
from ._core import prepare, wilson_limits
from ._validation import check_finite, check_non_negative, check_not_greater, check_positive, check_scalar


def proportion(
    x, n, data: pd.DataFrame | None = None, group_cols=None, *, multiplier=1, confidence=0.95
) -> pd.DataFrame:
    """x / n x ``multiplier`` (1 = proportion, 100 = percentage) with Wilson limits per level.

    ``confidence=None`` returns no limit columns (R's ``confidence = NA``). Requires 0 <= x <= n and n > 0;
    missing x or n -> value and limits NaN. With ``data`` + ``group_cols`` the rows are summed per group.
    """
    levels = () if confidence is None else confidence_levels(confidence)
    mult = check_scalar("multiplier", multiplier)
    p = prepare(data, group_cols, x=x, n=n)
    xv, nv = p.arrays["x"], p.arrays["n"]
    for field, values in (("x", xv), ("n", nv)):
        check_finite(p.name(field), values, p.groups)
    check_non_negative(p.name("x"), xv, p.groups)
    check_positive(p.name("n"), nv, p.groups)
    check_not_greater(p.name("x"), xv, p.name("n"), nv, p.groups)
    if p.codes is not None:
        xv, nv = group_sum(p.codes, xv, p.n_groups), group_sum(p.codes, nv, p.n_groups)
    return proportion_from_totals(xv, nv, mult, levels, p.index)


def proportion_from_totals(x: np.ndarray, n: np.ndarray, multiplier: float, levels, index) -> pd.DataFrame:
    """Proportion of already validated per-group totals (the vectorised core)."""
    limits = {}
    for c in levels:
        lower, upper = wilson_limits(x, n, c)
        limits[f"lower_{ci_tag(c)}"] = lower * multiplier
        limits[f"upper_{ci_tag(c)}"] = upper * multiplier
    statistic = "percentage" if multiplier == 100 else f"proportion of {format_number(multiplier)}"
    extra = {
        "numerator": x,
        "denominator": n,
        "method": constant_categorical(len(x), ["Wilson"]),
        "statistic": constant_categorical(len(x), [statistic]),
    }
    return limits_frame(index, x / n * multiplier, limits, extra)
