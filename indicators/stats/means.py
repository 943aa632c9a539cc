"""Mean with Student's t confidence limits.

Source: Student (1908) Biometrika 6:1-25; PHE "Technical guide: Confidence intervals for public health
indicators"; PHEindicatormethods ``phe_mean`` (R/Means.R). See docs/methods/mean.md.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as _sps

from ._core import ci_tag, confidence_levels, constant_categorical, group_sum, limits_frame, prepare
from ._validation import check_finite


def mean(x, data: pd.DataFrame | None = None, group_cols=None, *, confidence=0.95) -> pd.DataFrame:
    """Mean of the values per group, sample SD (n - 1) and mean -/+ t(n-1) SD / sqrt(n) per level.

    ``x`` is an array (one group: all values) or, with ``data``, a column name, grouped by ``group_cols``.
    A group of one value has NaN limits (no SD); a missing value makes its group's results NaN (as R,
    which sums without removing NA).
    """
    levels = confidence_levels(confidence)
    p = prepare(data, group_cols, x=x)
    values = p.arrays["x"]
    check_finite(p.name("x"), values, p.groups)
    if p.codes is None:
        codes, n_groups = np.zeros(len(values), dtype=np.intp), 1
        index = pd.RangeIndex(1)
    else:
        codes, n_groups, index = p.codes, p.n_groups, p.index
    total = group_sum(codes, values, n_groups)
    count = np.bincount(codes, minlength=n_groups).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        avg = total / count
        # Two passes (deviations from the group mean) keep the SD exact for large values.
        sq_dev = group_sum(codes, (values - avg[codes]) ** 2, n_groups)
        sd = np.sqrt(sq_dev / (count - 1))
        half_width_unit = sd / np.sqrt(count)
    limits = {}
    for c in levels:
        with np.errstate(invalid="ignore"):
            t = _sps.t.ppf(c + (1 - c) / 2, count - 1)  # df 0 (one value) -> NaN limits
        limits[f"lower_{ci_tag(c)}"] = avg - t * half_width_unit
        limits[f"upper_{ci_tag(c)}"] = avg + t * half_width_unit
    extra = {
        "value_sum": total,
        "value_count": count,
        "stdev": sd,
        "method": constant_categorical(n_groups, ["Student's t-distribution"]),
        "statistic": constant_categorical(n_groups, ["mean"]),
    }
    return limits_frame(index, avg, limits, extra)
