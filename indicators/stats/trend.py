"""Recent trend: chi-square test for linear trend over the last 5 points, at 99.8%, as Fingertips.

Sources: Cochran WG, "Some methods for strengthening the common chi-squared tests", Biometrics
1954;10:417-451; Armitage P, "Tests for linear trends in proportions and frequencies", Biometrics
1955;11:375-386; Breslow NE, Day NE, Statistical Methods in Cancer Research vol. II (IARC 1987), ch. 3
(score test for trend in Poisson rates); PHE/OHID Fingertips technical guidance "Recent trends"
(fingertips.phe.org.uk/profile/guidance). Method page: docs/methods/trend.md.

With points i = 1..k (the last k periods in time order, scored t_i = 1..k), numerators x_i and
denominators n_i, N = sum n, X = sum x, t_bar = sum n_i t_i / N and U = sum x_i (t_i - t_bar):
* proportions (Cochran-Armitage): chi2 = U^2 / (p(1 - p) sum n_i (t_i - t_bar)^2), p = X / N;
* rates / counts (Poisson):      chi2 = U^2 / ((X / N) sum n_i (t_i - t_bar)^2)  (= U^2 / sum E_i (t_i - t_bar)^2).
chi2 has 1 degree of freedom; the trend is significant when P(chi2_1 > chi2) < 1 - confidence, and its
direction is the sign of U. All groups are computed at once with bincount.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats as sps

from ._core import confidence_levels, factorize_groups
from ._validation import StatsInputError, as_float_array, fail_rows

TREND_LABELS = ("decreasing", "no significant change", "increasing", "cannot be calculated")
_JUDGED = {
    None: TREND_LABELS,
    "high_is_good": ("decreasing and getting worse", "no significant change", "increasing and getting better",
                     "cannot be calculated"),
    "low_is_good": ("decreasing and getting better", "no significant change", "increasing and getting worse",
                    "cannot be calculated"),
}
REASONS = ("fewer points than required", "missing numerator or denominator among the points")


def _last_points(codes, time, n_groups, n_points):
    """Order rows by (group, time) and keep each group's last ``n_points``; return (order, score, count)."""
    order = np.lexsort((time, codes))
    c = codes[order]
    sizes = np.bincount(c, minlength=n_groups)
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    position = np.arange(len(c)) - starts[c]
    from_end = sizes[c] - 1 - position
    keep = from_end < n_points
    score = np.minimum(sizes[c], n_points) - from_end  # 1..k, oldest kept point = 1
    return order[keep], score[keep].astype(float), np.minimum(sizes, n_points)


def _validate(data, time_col, numerator, denominator, statistic, groups):
    if statistic not in ("proportion", "rate"):
        raise StatsInputError(f"statistic: must be 'proportion' or 'rate', got {statistic!r}")
    for col in (time_col, numerator, denominator):
        if col not in data.columns:
            raise StatsInputError(f"{col}: not a column of the data")
    x = as_float_array(numerator, data[numerator])
    n = as_float_array(denominator, data[denominator])
    fail_rows(numerator, "negative value", x, x < 0, groups)
    fail_rows(denominator, "value must be greater than 0, got", n, n <= 0, groups)
    if statistic == "proportion":
        fail_rows(numerator, f"greater than {denominator} (numerator > denominator):", x, x > n, groups)
    return x, n


def recent_trend(data: pd.DataFrame, time_col: str, numerator: str, denominator: str,
                 group_cols: Sequence[str] = (), *, statistic: str = "proportion", n_points: int = 5,
                 confidence: float = 0.998, polarity=None) -> pd.DataFrame:
    """Trend over each group's last ``n_points`` periods (rows ordered by ``time_col``).

    ``statistic`` "proportion" uses the Cochran-Armitage test; "rate" the Poisson test (numerator =
    events, denominator = population, or expected events for an SMR). Returns one row per group with
    ``statistic`` (chi2), ``p_value``, ``direction`` (-1 / 0 / +1, NaN if not calculable), ``trend``
    (label under ``polarity``), ``n_points`` and ``reason``.
    """
    (level,) = confidence_levels(confidence)
    if isinstance(n_points, bool) or not isinstance(n_points, (int, np.integer)) or n_points < 2:
        raise StatsInputError(f"n_points: must be a whole number >= 2, got {n_points!r}")
    if polarity not in _JUDGED:
        raise StatsInputError(f"polarity: must be 'high_is_good', 'low_is_good' or None, got {polarity!r}")
    group_cols = list(group_cols)
    groups = data[group_cols] if group_cols else None
    x, n = _validate(data, time_col, numerator, denominator, statistic, groups)
    codes, keys, n_groups = factorize_groups(data, group_cols)
    time = data[time_col].to_numpy()
    _check_unique_times(codes, time, groups, time_col)

    rows, t, k = _last_points(codes, time, n_groups, n_points)
    g, xs, ns = codes[rows], x[rows], n[rows]
    missing = np.bincount(g, np.isnan(xs) | np.isnan(ns), n_groups) > 0

    def total(values):
        return np.bincount(g, np.nan_to_num(values), n_groups)

    big_n, big_x = total(ns), total(xs)
    with np.errstate(divide="ignore", invalid="ignore"):
        t_bar = total(ns * t) / big_n
        u = total(xs * t) - big_x * t_bar
        spread = total(ns * t * t) - big_n * t_bar**2
        p = big_x / big_n
        variance = (p * (1 - p) if statistic == "proportion" else p) * spread
        chi2 = np.where((u == 0) & (variance == 0), 0.0, u**2 / variance)
    p_value = sps.chi2.sf(chi2, 1)
    direction = np.where(p_value < 1 - level, np.sign(u), 0.0)
    reason = np.select([k < n_points, missing], [0, 1], default=-1)
    unknown = reason >= 0
    chi2[unknown] = p_value[unknown] = direction[unknown] = np.nan
    label = np.where(unknown, 3, direction + 1).astype(np.int8)
    return pd.DataFrame({
        "statistic": chi2,
        "p_value": p_value,
        "direction": direction,
        "trend": pd.Categorical.from_codes(label, categories=list(_JUDGED[polarity])),
        "n_points": k,
        "reason": pd.Categorical.from_codes(reason, categories=list(REASONS)),
    }, index=keys)


def _check_unique_times(codes, time, groups, time_col) -> None:
    frame = pd.DataFrame({"g": codes, "t": time})
    dup = frame.duplicated(keep="first").to_numpy()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        where = f"group {groups.iloc[i].tolist()!r} " if groups is not None else ""
        raise StatsInputError(f"{time_col}: period {time[i]} appears twice in {where}(row {i})")
