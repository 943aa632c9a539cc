"""Map classes of the indicator page: class limits by quantiles, Fisher-Jenks or equal intervals, and the
significance classes against France coloured by the indicator's polarity. Pure computation (numpy).

Only published numbers enter: a withheld value is None here and gets no class, so no class boundary can be
read back into it.
"""

from __future__ import annotations

import warnings

import numpy as np

METHODS = ("quantile", "jenks", "equal", "significance")
CLASS_COUNT = 5
# mapclassify's pure-python Fisher-Jenks is O(k n^2) (1.9 s for 1,200 values without numba): beyond this many
# values the breaks are computed on this many values taken at evenly spaced ranks (deterministic).
JENKS_SAMPLE = 300
# ColorBrewer YlGnBu, 5 classes: sequential, colour-blind safe, readable in grey scale.
SEQUENTIAL = ["#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"]
# Significance against France: blue / pale / orange-red reads for the common colour-vision deficiencies.
SIGNIFICANCE = {"better": "#2c7bb6", "similar": "#ffffbf", "worse": "#d7191c",
                "lower": "#5e3c99", "higher": "#e66101", "not_compared": "#f0f0f0"}
SIGNIFICANCE_ORDER = ["better", "similar", "worse", "lower", "higher", "not_compared"]


def class_limits(values: list[float | None], method: str, k: int = CLASS_COUNT) -> list[float]:
    """Upper limits of up to ``k`` classes (the last is the maximum); [] when no value is known."""
    known = np.array([v for v in values if v is not None], dtype=float)
    if known.size == 0:
        return []
    if method == "equal":
        limits = np.linspace(known.min(), known.max(), k + 1)[1:]
    elif method == "jenks":
        limits = _jenks(known, k)
    else:
        limits = np.quantile(known, np.arange(1, k + 1) / k)
    return [float(x) for x in np.unique(limits)]


def _jenks(known: np.ndarray, k: int) -> np.ndarray:
    import mapclassify

    unique = np.unique(known)
    if unique.size <= k:
        return unique
    sample = np.sort(known)
    if sample.size > JENKS_SAMPLE:
        sample = sample[np.linspace(0, sample.size - 1, JENKS_SAMPLE).round().astype(int)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Numba not installed": the sample keeps it fast enough
        bins = mapclassify.FisherJenks(sample, k=k).bins
    bins[-1] = known.max()
    return bins


def class_index(values: list[float | None], limits: list[float]) -> list[int | None]:
    """The class (0-based) of each value, None for a value not known."""
    if not limits:
        return [None] * len(values)
    edges = np.array(limits[:-1])
    return [None if v is None else int(np.searchsorted(edges, v, side="left")) for v in values]


def class_ranges(values: list[float | None], limits: list[float]) -> list[tuple[float, float]]:
    """(lower, upper) of each class for the legend."""
    known = [v for v in values if v is not None]
    if not limits or not known:
        return []
    lowers = [min(known)] + limits[:-1]
    return list(zip(lowers, limits))


def palette(count: int) -> list[str]:
    """``count`` colours of the sequential palette, spread over its range."""
    if count <= 0:
        return []
    picks = np.linspace(0, len(SEQUENTIAL) - 1, count).round().astype(int)
    return [SEQUENTIAL[i] for i in picks]
