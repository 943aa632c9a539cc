"""Ratio of an observed count to a reference count, with exact Poisson confidence limits.

O / E x multiplier, where E is a fixed reference (e.g. the mean deaths of the same months in 2018-2019)
and O a Poisson count. The limits are O's exact Poisson limits (Garwood 1936, through the chi-squared
distribution, at every count, not only below 10) divided by E: E is treated as known, without error.
Sources: Garwood F (1936) Biometrika 28:437-42; Breslow NE, Day NE (1987) Statistical methods in cancer
research vol. II, IARC, pp. 69-70; INSEE, "Nombre de décès quotidiens" (excess deaths 2020 compared with
2018-2019). See docs/methods/ratio.md.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._core import ci_tag, confidence_levels, constant_categorical, exact_poisson_lower, exact_poisson_upper
from ._core import format_number, limits_frame, prepare
from ._validation import check_finite, check_non_negative, check_positive, check_scalar


def ratio_to_reference(o, e, data: pd.DataFrame | None = None, *, multiplier=1, confidence=0.95) -> pd.DataFrame:
    """O / E x ``multiplier`` with exact Poisson limits of O over E, per level in ``confidence``.

    ``o`` (observed counts, >= 0) and ``e`` (reference counts, > 0) are arrays or, with ``data``, column names.
    """
    levels = confidence_levels(confidence)
    mult = check_scalar("multiplier", multiplier)
    p = prepare(data, None, o=o, e=e)
    ov, ev = p.arrays["o"], p.arrays["e"]
    check_finite(p.name("o"), ov, p.groups)
    check_non_negative(p.name("o"), ov, p.groups)
    check_finite(p.name("e"), ev, p.groups)
    check_positive(p.name("e"), ev, p.groups)
    return ratio_from_totals(ov, ev, mult, levels, p.index)


def ratio_from_totals(o: np.ndarray, e: np.ndarray, multiplier: float, levels, index) -> pd.DataFrame:
    """The vectorised core on validated arrays."""
    scale = multiplier / e
    limits = {}
    for c in levels:
        limits[f"lower_{ci_tag(c)}"] = exact_poisson_lower(o, c) * scale
        limits[f"upper_{ci_tag(c)}"] = exact_poisson_upper(o, c) * scale
    extra = {
        "numerator": o,
        "denominator": e,
        "method": constant_categorical(len(o), ["Exact"]),
        "statistic": constant_categorical(len(o), [f"ratio to reference x {format_number(multiplier)}"]),
    }
    return limits_frame(index, o * scale, limits, extra)
