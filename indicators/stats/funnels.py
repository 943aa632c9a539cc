"""Funnel-plot control limits: the 95% ("2 sigma") and 99.8% ("3 sigma") lines around a baseline average.

Spiegelhalter DJ, "Funnel plots for comparing institutional performance", Stat Med 2005;24:1185-1202;
PHE Fingertips technical guidance (PH methods, funnel plots). Implementation as PHEindicatormethods 2.1.0
``calculate_funnel_limits`` (R/Funnels.R:56-337) with ``sigma_adjustment`` (Wilson score limits solved for
the observed proportion) and ``poisson_funnel`` (R/utils.R:546-619, a bisection on exact Poisson tails),
so that a chart drawn from our limits matches one drawn by the peer package point for point.
Method page: docs/methods/funnel-limits.md.

The limits are a table of ``points`` x-axis values (population, observed events or events), spaced
geometrically so that the curved small-denominator end gets most of the points; the significance of each
area against the same limits is :func:`indicators.stats.funnel_significance`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats as sps

from ._validation import StatsInputError
from .significance import _derived_denominator, _funnel_inputs, sigma_adjustment

AXIS_LABEL = {"proportion": "Population", "ratio": "Observed_events", "rate": "Events"}
# (column prefix, one-sided tail probability of the Poisson bisection, Wilson probability)
_LEVELS = (("2s", 0.025, 0.975), ("3s", 0.001, 0.999))


def _series_tail(z: np.ndarray, low: np.ndarray | float, high: np.ndarray | float) -> np.ndarray:
    """P(low <= X <= high) for X ~ Poisson(z) as R's ``poisson_cis`` computes it (R/utils.R:546-581).

    R sums q_k = z^k / k! from k = 0 and stops at the first k above z whose term is at most 1e-10 of the
    sum so far, then divides by that truncated sum. The truncation shifts a 0.1% tail by up to ~1e-9, enough
    to flip a late bisection step (seen on the oracle: 274.870081 vs 274.869949 expected events), so the
    stopping index K is found the same way, from scipy's log pmf and cdf, and the tail is normalised by
    P(X <= K - 1) like R's.
    """
    width = int(np.max(8 * np.sqrt(z) + 40))  # R stops about 7 sqrt(z) above z
    while True:
        k = np.floor(z)[:, None] + 1 + np.arange(width)[None, :]  # the candidates above z
        stop = sps.poisson.logpmf(k, z[:, None]) <= np.log(1e-10) + sps.poisson.logcdf(k - 1, z[:, None])
        if stop.any(axis=1).all():
            break
        width *= 2
    last = k[np.arange(len(z)), np.argmax(stop, axis=1)] - 1  # the last term R adds
    total = sps.poisson.cdf(last, z)
    return (sps.poisson.cdf(np.minimum(high, last), z) - sps.poisson.cdf(np.asarray(low) - 1, z)) / total


def poisson_funnel(observed, p: float, side: str) -> np.ndarray:
    """The Poisson mean whose upper (``side="low"``) or lower (``"high"``) tail at ``observed`` is ``p``.

    The same bisection as R/utils.R:583-619 (halvings of ``v`` in z = (1 + O) v / (1 - v) until the step
    falls to 1e-7), on every point at once, with R's truncated series for the tails (:func:`_series_tail`).
    """
    obs = np.atleast_1d(np.asarray(observed, dtype=float))
    v, dv = np.full(obs.shape, 0.5), 0.5
    while dv > 1e-7:
        dv /= 2
        z = (1 + obs) * v / (1 - v)
        if side == "low":
            go_down = _series_tail(z, obs, np.inf) > p  # P(X >= O)
        else:
            go_down = _series_tail(z, 0, obs) < p  # P(X <= O)
        v = np.where(go_down, v - dv, v + dv)
    return (1 + obs) * v / (1 - v)


def _r_nchar(value: float) -> int:
    """Characters of R's ``as.character`` of a whole number: R writes 100000 as "1e+05" (5 characters), since
    scientific notation wins when it is strictly shorter. The axis rounding below counts digits that way."""
    fixed = str(int(value))
    digits = fixed.lstrip("-").rstrip("0") or "0"
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    sci = f"{'-' if value < 0 else ''}{mantissa}e+{len(fixed.lstrip('-')) - 1:02d}"
    return len(sci) if len(sci) < len(fixed) else len(fixed)


def _floor_neat(x: float, down: float = 0.95) -> float:
    """R's ``signif.floor``: 95% of ``x`` rounded down to its leading digit."""
    if x == 0:
        return 0.0
    scale = 10.0 ** (_r_nchar(math.floor(x * down)) - 1)
    return math.floor(x * down / scale) * scale


def _ceiling_neat(x: float, up: float = 1.05) -> float:
    """R's ``signif.ceiling``: 105% of ``x`` rounded up to its two leading digits."""
    if x == 0:
        return 0.0
    scale = 10.0 ** (_r_nchar(math.ceil(x * up)) - 2)
    return math.ceil(x * up / scale) * scale


def _axis(derived: np.ndarray, average: float, statistic: str, years: float, points: int) -> np.ndarray:
    low, high = np.nanmin(derived), np.nanmax(derived)
    per_year = years if statistic == "rate" else 1.0
    minimum = 0.0 if high > 2 * low else _floor_neat(low / per_year) * per_year
    maximum = _ceiling_neat(high / per_year) * per_year
    if statistic == "rate":  # the rate funnel's x axis is events: denominators times the average rate
        minimum, maximum = math.floor(minimum * average), math.ceil(maximum * average)
    # Geometric spacing, each point at least one above the last (R/Funnels.R:239-250); a ratio funnel's
    # exponent is shifted by one, as in R. 100 scalar steps: not a hot path.
    axis = [max(1.0, minimum)]
    shift = 1 if statistic == "ratio" else 0
    for j in range(2, points + 1):
        prev = axis[-1]
        axis.append(max(float(np.round((maximum / prev) ** (1 / (points + 1 - j + shift)) * prev)), prev + 1))
    return np.array(axis)


def _check_options(statistic, multiplier, ratio_type, rate_type, years_of_data, points) -> None:
    if statistic not in AXIS_LABEL:
        raise StatsInputError(f"statistic: must be 'proportion', 'ratio' or 'rate', got {statistic!r}")
    if multiplier is None or not multiplier > 0:
        raise StatsInputError(f"multiplier: must be greater than 0, got {multiplier!r}")
    if statistic == "ratio" and ratio_type not in ("count", "isr"):
        raise StatsInputError(f"ratio_type: ratios need 'count' or 'isr', got {ratio_type!r}")
    if statistic == "rate" and (years_of_data is None or not years_of_data > 0):
        raise StatsInputError(f"years_of_data: rates need the number of years the data covers, got {years_of_data!r}")
    if not (isinstance(points, int) and points >= 2):
        raise StatsInputError(f"points: must be an integer of 2 or more, got {points!r}")


def funnel_limits(data: pd.DataFrame, numerator: str, denominator: str | None = None, *, statistic: str,
                  multiplier: float, rate: str | None = None, rate_type: str | None = None,
                  ratio_type: str | None = None, years_of_data: float | None = None,
                  points: int = 100, full: bool = True) -> pd.DataFrame:
    """Control limits for a funnel plot of ``data`` (one funnel: filter or loop for several).

    ``statistic``: "proportion" (``numerator``/``denominator`` per ``multiplier``, Wilson limits),
    "ratio" (observed ``numerator`` / expected ``denominator``; ``ratio_type`` "count" gives O/E - 1,
    "isr" gives 100 O/E) or "rate" (``rate`` column per ``multiplier``, ``rate_type`` "dsr" or "crude",
    over ``years_of_data`` years; the denominators are derived from events and rate, a crude rate's
    ``denominator`` serving where there are no events). Returns ``points`` rows with the x axis
    (``Population``, ``Observed_events`` or ``Events``), ``lower_2s_limit``, ``upper_2s_limit``,
    ``lower_3s_limit``, ``upper_3s_limit`` (95% and 99.8%), the intermediate expected events or one-year
    populations of ratios and rates, ``baseline`` (not for ratios) and, with ``full``, ``statistic`` and
    ``method``: the columns of PHEindicatormethods.
    """
    _check_options(statistic, multiplier, ratio_type, rate_type, years_of_data, points)
    x, n, r = _funnel_inputs(data, numerator, denominator, rate, statistic, rate_type, multiplier, None)
    if not len(x):
        raise StatsInputError(f"{numerator}: no rows to draw a funnel from")
    derived = _derived_denominator(x, n, r, rate_type, multiplier) if statistic == "rate" else n
    average = x.sum() / np.nansum(derived)
    axis = _axis(derived, average, statistic, years_of_data or 1.0, points)
    label = AXIS_LABEL[statistic]
    out = pd.DataFrame({label: axis})
    if statistic == "proportion":
        for name, _, p in _LEVELS:
            out[f"lower_{name}_limit"] = np.maximum(0, sigma_adjustment(p, axis, average, "low") * multiplier)
            out[f"upper_{name}_limit"] = np.minimum(100, sigma_adjustment(p, axis, average, "high") * multiplier)
        out["baseline"] = average * multiplier
    else:
        # The lower limit line is where the expected count makes the observed count "high", and vice versa.
        for name, tail, _ in _LEVELS:
            for bound, side in (("lower", "high"), ("upper", "low")):
                expected = poisson_funnel(axis, tail, side)
                if statistic == "ratio":
                    limit = axis / expected
                    out[f"{bound}_{name}_exp_events"] = expected
                    out[f"{bound}_{name}_limit"] = limit - 1 if ratio_type == "count" else limit * 100
                else:
                    population = expected / average
                    out[f"{bound}_{name}_population_1_year"] = population / years_of_data
                    out[f"{bound}_{name}_limit"] = axis / population * multiplier
        if statistic == "rate":
            out["baseline"] = average * multiplier
    if full:
        out["statistic"] = {"proportion": "proportion", "ratio": f"ratio ({ratio_type})",
                            "rate": f"rate ({rate_type} per {multiplier:,.0f})"}[statistic]
        out["method"] = "Wilson" if statistic == "proportion" else "Poisson"
    return out
