"""The statistic of each method, computed for every (area, period, sex) group at once with indicators.stats.

Each function takes flattened arrays (one group per element, or (G, B) per age band) and returns a frame
with value, lower/upper 95 and 99.8, numerator, denominator and not_computable, aligned with the groups.
Groups the method cannot compute (zero denominator, DSR below 10 events, no France reference...) get NaN
and ``not_computable``; they are never passed to the stats functions, which reject such input loudly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from indicators.stats.dsr import DSR_MIN_COUNT, dsr
from indicators.stats.life_expectancy import life_expectancy
from indicators.stats.proportions import proportion
from indicators.stats.rates import crude_rate
from indicators.stats.ratios import ratio_to_reference
from indicators.stats.rebanding import parse_band

from .spec import CONFIDENCE, ComputeError

CI_COLUMNS = ["lower_95", "upper_95", "lower_99_8", "upper_99_8"]
RESULT_COLUMNS = ["value", *CI_COLUMNS, "numerator", "denominator", "not_computable"]


def empty_result(x: np.ndarray, n: np.ndarray | None) -> pd.DataFrame:
    out = pd.DataFrame(np.nan, index=pd.RangeIndex(len(x)), columns=["value", *CI_COLUMNS])
    out["numerator"] = x
    out["denominator"] = np.nan if n is None else n
    out["not_computable"] = True
    return out


def _fill(out: pd.DataFrame, valid: np.ndarray, stats: pd.DataFrame) -> pd.DataFrame:
    for col in ["value", *CI_COLUMNS]:
        column = out[col].to_numpy(copy=True)
        column[valid] = stats[col].to_numpy(dtype=float)
        out[col] = column
    out["not_computable"] = ~valid | out["value"].isna().to_numpy()
    return out


def count(x: np.ndarray) -> pd.DataFrame:
    """A count with its exact/Byar Poisson limits (the crude rate of x per 1 with n = 1)."""
    out = empty_result(x, None)
    valid = np.isfinite(x)
    stats = crude_rate(x[valid], np.ones(valid.sum()), multiplier=1, confidence=CONFIDENCE)
    return _fill(out, valid, stats)


def ratio(method: str, x: np.ndarray, n: np.ndarray, multiplier: float) -> pd.DataFrame:
    """crude_rate (Poisson limits), proportion (Wilson limits) or mean (total / count, no limits)."""
    out = empty_result(x, n)
    valid = n > 0
    if method == "crude_rate":
        stats = crude_rate(x[valid], n[valid], multiplier=multiplier, confidence=CONFIDENCE)
    elif method == "proportion":
        valid &= x <= n
        stats = proportion(x[valid], n[valid], multiplier=multiplier, confidence=CONFIDENCE)
    elif method == "mean":
        # Aggregated data carries no spread, so the mean of totals has no interval (see docs/architecture.md).
        stats = pd.DataFrame({"value": x[valid] / n[valid] * multiplier})
        for col in CI_COLUMNS:
            stats[col] = np.nan
    else:
        raise ComputeError(f"unknown ratio method {method!r}")
    return _fill(out, valid, stats)


def reference_ratio(x: np.ndarray, e: np.ndarray, multiplier: float) -> pd.DataFrame:
    """Observed / reference count x multiplier, exact Poisson limits of the observed count over the reference."""
    out = empty_result(x, e)
    valid = np.isfinite(e) & (e > 0)
    stats = ratio_to_reference(x[valid], e[valid], multiplier=multiplier, confidence=CONFIDENCE)
    return _fill(out, valid, stats)


def published(x: np.ndarray) -> pd.DataFrame:
    """A figure published by its producer (CNAM's standardised rates): shown as is, no limits, no count.

    The numerator stays empty: the figure is a rate, not a count, so the count threshold does not apply to it.
    """
    out = empty_result(np.full(len(x), np.nan), None)
    out["value"] = x
    out["not_computable"] = ~np.isfinite(x)
    return out


def density(population: np.ndarray, area_km2: np.ndarray) -> pd.DataFrame:
    out = empty_result(population, area_km2)
    valid = np.isfinite(area_km2) & (area_km2 > 0)
    out.loc[valid, "value"] = population[valid] / area_km2[valid]
    out["not_computable"] = ~valid
    return out


def direct_standardised(x: np.ndarray, n: np.ndarray, weights: np.ndarray, multiplier: float) -> pd.DataFrame:
    """DSR (Dobson limits) for (G, B) arrays; a group with an empty band or < 10 events is not computable."""
    totals_x, totals_n = x.sum(axis=1), n.sum(axis=1)
    out = empty_result(totals_x, totals_n)
    valid = (n > 0).all(axis=1) & (totals_x >= DSR_MIN_COUNT)
    G, B = int(valid.sum()), x.shape[1]
    if G:
        long = pd.DataFrame({
            "g": np.repeat(np.arange(G), B),
            "x": x[valid].ravel(),
            "n": n[valid].ravel(),
            "w": np.tile(weights, G),
        })
        stats = dsr(long, "x", "n", "w", ["g"], multiplier=multiplier, confidence=CONFIDENCE)
        return _fill(out, valid, stats.reset_index(drop=True))
    return out


def indirect_standardised(method: str, x, n, ref_x, ref_n, multiplier: float) -> pd.DataFrame:
    """SMR = observed / expected (x multiplier, 100 gives the ICM) or ISR = SMR x reference crude rate.

    Expected = sum over bands of the area's population x the reference (France) age-specific rate;
    limits are the observed count's exact/Byar Poisson limits divided by the expected count (PHE
    ``calculate_ISRatio`` / ``calculate_ISRate``). ``ref_x``/``ref_n`` are (G, B), France's rows aligned.
    """
    observed = x.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ref_rate = np.where(ref_n > 0, ref_x / ref_n, np.nan)
        expected = (n * ref_rate).sum(axis=1)
        ref_crude = ref_x.sum(axis=1) / ref_n.sum(axis=1)
    out = empty_result(observed, n.sum(axis=1))
    valid = np.isfinite(expected) & (expected > 0)
    # crude_rate(O, E, multiplier) is O / E with O's Poisson limits over E: exactly the SMR's limits.
    stats = crude_rate(observed[valid], expected[valid], multiplier=1, confidence=CONFIDENCE)
    scale = multiplier * (ref_crude[valid] if method == "isr" else 1.0)
    stats = stats[["value", *CI_COLUMNS]].mul(scale, axis=0)
    return _fill(out, valid, stats)


def life_expectancy_at(x: np.ndarray, n: np.ndarray, bands: list[str], age: int) -> pd.DataFrame:
    """Life expectancy at ``age`` (Chiang II, Silcocks' variance) per group of (G, B) deaths and populations."""
    starts = [parse_band(b)[0] for b in bands]
    if starts[0] != 0 or age not in starts:
        raise ComputeError(f"life expectancy at {age} needs bands starting at 0 and one starting at {age}: {bands}")
    G, B = x.shape
    long = pd.DataFrame({"g": np.repeat(np.arange(G), B), "startage": np.tile(starts, G),
                         "deaths": x.ravel(), "pop": n.ravel()})
    stats = life_expectancy(long, ["g"], confidence=CONFIDENCE, le_age=age, age_contents=starts)
    stats = stats.reset_index().sort_values("g")
    out = empty_result(x.sum(axis=1), n.sum(axis=1))
    return _fill(out, np.ones(G, dtype=bool), stats.reset_index(drop=True))
