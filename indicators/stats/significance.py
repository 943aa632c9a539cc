"""Significance of an area's value against a comparator: confidence-interval overlap and funnel plots.

* CI overlap, as Fingertips ("Compared with benchmark"): the comparator's POINT value is tested against
  the area's confidence interval; outside -> significantly higher / lower, inside or on a limit ->
  similar. PHE, "Fingertips technical guidance: Confidence intervals" and the Fingertips "Compared
  with benchmark" legend; Public Health England, "Technical Guide: Confidence Intervals" (APHO 2008).
* Funnel plots: Spiegelhalter DJ, "Funnel plots for comparing institutional performance", Stat Med
  2005;24:1185-1202; implementation as PHEindicatormethods 2.1.0 ``assign_funnel_significance``
  (R/Funnels.R:374-574, R/utils.R:630-708). Labels "High (0.001)" etc. are kept verbatim.

Polarity turns a direction into a judgement: "high_is_good" -> higher = better, "low_is_good" ->
higher = worse, None -> lower / similar / higher. Method page: docs/methods/significance.md.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats as sps

from ._core import ci_tag, confidence_levels, factorize_groups
from ._validation import StatsInputError, as_float_array, fail_rows

POLARITIES = ("high_is_good", "low_is_good", None)
NOT_COMPARED = "not compared"
# direction code -1 / 0 / +1 -> label, by polarity
_LABELS = {
    None: ("lower", "similar", "higher"),
    "high_is_good": ("worse", "similar", "better"),
    "low_is_good": ("better", "similar", "worse"),
}
FUNNEL_LABELS = ("Low (0.001)", "Low (0.025)", "High (0.001)", "High (0.025)", "Not significant",
                 "Not applicable for events less than 10 for dsrs")


def _check_polarity(polarity) -> None:
    if polarity not in POLARITIES:
        raise StatsInputError(f"polarity: must be 'high_is_good', 'low_is_good' or None, got {polarity!r}")


def judge(direction, polarity=None) -> pd.Categorical:
    """Direction codes (-1 lower, 0 similar, +1 higher, NaN unknown) -> labels under ``polarity``."""
    _check_polarity(polarity)
    direction = np.asarray(direction, dtype=float)
    codes = np.where(np.isnan(direction), 3, direction + 1).astype(np.int8)
    return pd.Categorical.from_codes(codes, categories=list(_LABELS[polarity]) + [NOT_COMPARED])


def ci_direction(lower, upper, comparator) -> np.ndarray:
    """+1 when the comparator lies below the whole CI, -1 above it, 0 inside or on a limit, NaN if unknown."""
    lower = np.asarray(lower, dtype=float)
    upper = np.asarray(upper, dtype=float)
    comparator = np.broadcast_to(np.asarray(comparator, dtype=float), lower.shape)
    out = np.where(lower > comparator, 1.0, np.where(upper < comparator, -1.0, 0.0))
    out[np.isnan(lower) | np.isnan(upper) | np.isnan(comparator)] = np.nan
    return out


def compare_with_comparator(results: pd.DataFrame, comparator, confidence=(0.95, 0.998),
                            polarity=None) -> pd.DataFrame:
    """Compare each row's CI (columns ``lower_<tag>``/``upper_<tag>``) with ``comparator``.

    ``comparator`` is a scalar (e.g. the France value) or an array aligned with the rows (e.g. each
    area's parent region). Returns, per level, ``compared_<tag>`` (judgement under ``polarity``) and
    ``direction_<tag>`` (-1 / 0 / +1, NaN when a value is missing), same index as ``results``.
    """
    levels = confidence_levels(confidence)
    comparator = np.asarray(comparator, dtype=float)
    if comparator.ndim and comparator.shape != (len(results),):
        raise StatsInputError(f"comparator: {comparator.shape[0]} values for {len(results)} rows")
    out = {}
    for level in levels:
        tag = ci_tag(level)
        for col in (f"lower_{tag}", f"upper_{tag}"):
            if col not in results.columns:
                raise StatsInputError(f"{col}: not a column of the results (confidence {level} not computed)")
        direction = ci_direction(results[f"lower_{tag}"], results[f"upper_{tag}"], comparator)
        out[f"compared_{tag}"] = judge(direction, polarity)
        out[f"direction_{tag}"] = direction
    return pd.DataFrame(out, index=results.index)


# ---------------------------------------------------------------- funnel plots (Spiegelhalter 2005)

def sigma_adjustment(p: float, population, average, side: str):
    """Funnel limit of a proportion at probability ``p`` for ``population`` around ``average``
    (the Wilson score interval solved for the observed proportion; R/utils.R:684-708)."""
    z2 = sps.norm.ppf(p) ** 2
    n = np.asarray(population, dtype=float)
    first = average * (n / z2 + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        adj = np.sqrt((-8 * average * (n / z2 + 1)) ** 2 - 64 * (1 / z2 + 1 / n) * average
                      * (n * (average * (n / z2 + 2) - 1) + z2 * (average - 1)))
        last = 1 / z2 + 1 / n
        limit = (first - adj / 8) / last if side == "low" else (first + adj / 8) / last
        return limit / n


def ratio_limit(observed, expected, p: float, side: str):
    """Poisson limit of O/E at two-sided level ``p``: exact below 10 events, Byar above (R/utils.R:630-659)."""
    o = np.asarray(observed, dtype=float)
    e = np.asarray(expected, dtype=float)
    tail = 0.5 + p / 2
    with np.errstate(invalid="ignore", divide="ignore"):
        if side == "low":
            exact = sps.chi2.isf(tail, 2 * o) / 2
            byar = o * (1 - 1 / (9 * o) - sps.norm.ppf(tail) / 3 / np.sqrt(o)) ** 3
            limit = np.where(o == 0, 0.0, np.where(o < 10, exact, byar))
        else:
            exact = sps.chi2.ppf(tail, 2 * o + 2) / 2
            o1 = o + 1
            byar = o1 * (1 - 1 / (9 * o1) + sps.norm.ppf(tail) / 3 / np.sqrt(o1)) ** 3
            limit = np.where(o < 10, exact, byar)
        return limit / e


def _labels_from(conditions, order) -> np.ndarray:
    return np.select(conditions, order, default=4).astype(np.int8)


def _funnel_codes_proportion(x, n, codes, n_groups):
    average = (np.bincount(codes, x, n_groups) / np.bincount(codes, n, n_groups))[codes]
    value = x / n
    conditions = [value < sigma_adjustment(0.999, n, average, "low"),
                  value < sigma_adjustment(0.975, n, average, "low"),
                  value > sigma_adjustment(0.999, n, average, "high"),
                  value > sigma_adjustment(0.975, n, average, "high")]
    return _labels_from(conditions, [0, 1, 2, 3])


def _funnel_codes_ratio(o, e, reference):
    # R tests "High" first for ratios and rates (Funnels.R:489-499, 537-550).
    conditions = [reference < ratio_limit(o, e, 0.998, "low"),
                  reference < ratio_limit(o, e, 0.95, "low"),
                  reference > ratio_limit(o, e, 0.998, "high"),
                  reference > ratio_limit(o, e, 0.95, "high")]
    return _labels_from(conditions, [2, 3, 0, 1])


def _derived_denominator(x, n, rate, rate_type, multiplier):
    with np.errstate(divide="ignore", invalid="ignore"):
        derived = x / rate * multiplier
    if rate_type == "dsr":
        return np.where(x == 0, np.nan, derived)
    return np.where(x == 0, n, derived)


def _funnel_inputs(data, numerator, denominator, rate, statistic, rate_type, multiplier, groups):
    cols = [c for c in (numerator, denominator, rate) if c is not None]
    for col in cols:
        if col not in data.columns:
            raise StatsInputError(f"{col}: not a column of the data")
    x = as_float_array(numerator, data[numerator])
    n = as_float_array(denominator, data[denominator]) if denominator else np.full(len(data), np.nan)
    r = as_float_array(rate, data[rate]) if rate else np.full(len(data), np.nan)
    fail_rows(numerator, "negative value", x, x < 0, groups)
    if denominator:
        fail_rows(denominator, "value must be greater than 0, got", n, n <= 0, groups)
    if statistic in ("proportion", "ratio"):
        if denominator is None:
            raise StatsInputError(f"denominator: required for statistic {statistic!r}")
        fail_rows(numerator, "missing value (give 0 for no events)", x, np.isnan(x), groups)
        fail_rows(denominator, "missing value", n, np.isnan(n), groups)
        if statistic == "proportion":
            fail_rows(numerator, f"greater than {denominator} (numerator > denominator):", x, x > n, groups)
        return x, n, r
    if rate is None or rate_type not in ("dsr", "crude"):
        raise StatsInputError(f"rate_type: rates need a rate column and rate_type 'dsr' or 'crude', got {rate_type!r}")
    if multiplier is None or not multiplier > 0:
        raise StatsInputError(f"multiplier: rates need the multiplier the rate is expressed per, got {multiplier!r}")
    fail_rows(numerator, "missing value (give 0 for no events)", x, np.isnan(x), groups)
    fail_rows(rate, "missing rate without a denominator", r, np.isnan(r) & np.isnan(n), groups)
    fail_rows(denominator or "denominator", "needed where there are 0 events, missing for", x,
              (x == 0) & np.isnan(n), groups)
    fail_rows(rate, "rate must be greater than 0 where there are events, got", r, (x > 0) & ~(r > 0), groups)
    return x, n, r


def funnel_significance(data: pd.DataFrame, numerator: str, denominator: str | None = None, *,
                        statistic: str, rate: str | None = None, rate_type: str | None = None,
                        multiplier: float | None = None, group_cols: Sequence[str] = (),
                        polarity=None) -> pd.DataFrame:
    """Funnel-plot outlier level of each row against its group's average (one funnel per group).

    ``statistic``: "proportion" (numerator/denominator, Wilson-based limits around sum x / sum n),
    "ratio" (observed/expected compared with 1, Poisson limits) or "rate" (``rate`` column,
    ``rate_type`` "dsr" or "crude", per ``multiplier``; compared with the events-weighted average rate).
    Returns ``significance`` (R's labels "High (0.001)", ..., "Not significant"), and the judgements
    ``compared_99_8`` (outside the 3-sigma limits) and ``compared_95`` (outside the 2-sigma limits)
    under ``polarity``; same index as ``data``.
    """
    if statistic not in ("proportion", "ratio", "rate"):
        raise StatsInputError(f"statistic: must be 'proportion', 'ratio' or 'rate', got {statistic!r}")
    _check_polarity(polarity)
    groups = data[list(group_cols)] if group_cols else None
    x, n, r = _funnel_inputs(data, numerator, denominator, rate, statistic, rate_type, multiplier, groups)
    codes, _, n_groups = factorize_groups(data, group_cols)
    if statistic == "proportion":
        labels = _funnel_codes_proportion(x, n, codes, n_groups)
    elif statistic == "ratio":
        labels = _funnel_codes_ratio(x, n, 1.0)
    else:
        derived = _derived_denominator(x, n, r, rate_type, multiplier)
        known = ~np.isnan(derived)
        average = np.bincount(codes, x, n_groups) / np.bincount(codes, np.where(known, derived, 0), n_groups)
        labels = _funnel_codes_ratio(x, derived, average[codes])
        if rate_type == "dsr":
            labels = np.where(x < 10, 5, labels).astype(np.int8)
    direction3 = np.select([labels == 0, labels == 2], [-1.0, 1.0], default=0.0)
    direction2 = np.select([labels <= 1, (labels == 2) | (labels == 3)], [-1.0, 1.0], default=0.0)
    not_applicable = labels == 5
    direction3[not_applicable] = np.nan
    direction2[not_applicable] = np.nan
    return pd.DataFrame({
        "significance": pd.Categorical.from_codes(labels, categories=list(FUNNEL_LABELS)),
        "compared_99_8": judge(direction3, polarity),
        "compared_95": judge(direction2, polarity),
    }, index=data.index)
