"""Comparisons with the parent area and France, quantiles and map classes, for all areas at once.

Significance is CI overlap at 95% (Fingertips' rule, PHE "Technical guide: Confidence intervals"):
non-overlapping intervals differ; the direction is then named by the indicator's polarity.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

QUANTILES = 5
SCHEMES = ("Quantiles", "FisherJenks", "EqualInterval")
DEFAULT_SCHEME = "Quantiles"
# Without numba, mapclassify's Fisher-Jenks is pure Python and quadratic: above this many values the
# breaks come from FisherJenksSampled on a random sample of that size (about 0.03 s per map).
FISHER_JENKS_EXACT_MAX = 100


def direction(lower, upper, ref_lower, ref_upper, polarity: str) -> np.ndarray:
    """better/similar/worse (lower/similar/higher without polarity); "" when either side is missing."""
    lower, upper = np.asarray(lower, float), np.asarray(upper, float)
    ref_lower, ref_upper = np.asarray(ref_lower, float), np.asarray(ref_upper, float)
    known = ~(np.isnan(lower) | np.isnan(upper) | np.isnan(ref_lower) | np.isnan(ref_upper))
    higher = known & (lower > ref_upper)
    lower_ = known & (upper < ref_lower)
    names = {"high_is_good": ("better", "worse"), "low_is_good": ("worse", "better")}.get(polarity, ("higher", "lower"))
    return np.select([higher, lower_, known], [names[0], names[1], "similar"], "")


def _against(frame: pd.DataFrame, ref_ids: np.ndarray, polarity: str) -> np.ndarray:
    lookup = frame.set_index(["area_id", "period", "sex"])[["lower_95", "upper_95"]]
    keys = pd.MultiIndex.from_arrays([ref_ids, frame["period"].to_numpy(), frame["sex"].to_numpy()])
    ref = lookup.reindex(keys)
    result = direction(frame["lower_95"], frame["upper_95"], ref["lower_95"], ref["upper_95"], polarity)
    return np.where(pd.isna(ref_ids) | (ref_ids == frame["area_id"].to_numpy()), "not_compared", result)


def comparisons(frame: pd.DataFrame, parents: pd.Series, france_id: int | None, polarity: str) -> pd.DataFrame:
    parent_ids = parents.reindex(frame["area_id"].to_numpy()).to_numpy(dtype=float)
    frame["cmp_parent"] = _against(frame, parent_ids, polarity)
    france = np.full(len(frame), np.nan if france_id is None else float(france_id))
    frame["cmp_france"] = _against(frame, france, polarity)
    return frame


def quantiles(frame: pd.DataFrame, group: pd.Series) -> pd.Series:
    """Quintile 1..5 of each value within its (level group, period, sex); NULL when no value."""
    keys = [group.to_numpy(), frame["period"].to_numpy(), frame["sex"].to_numpy()]
    pct = frame["value"].groupby(keys).rank(method="average", pct=True)
    return np.ceil(pct * QUANTILES).clip(1, QUANTILES).astype("Int16")


def _classify(mapclassify, scheme: str, values: np.ndarray, k: int):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Numba not installed": expected, see above
        if scheme == "FisherJenks" and len(values) > FISHER_JENKS_EXACT_MAX:
            return mapclassify.FisherJenksSampled(values, k=k, pct=FISHER_JENKS_EXACT_MAX / len(values))
        return getattr(mapclassify, scheme)(values, k=k)


def map_classes(frame: pd.DataFrame, group: pd.Series) -> tuple[pd.Series, dict]:
    """Class (1..k) in the default scheme and the breaks of every scheme per (level, period, sex).

    mapclassify runs once per map (level x period x sex: a few hundred), never per area.
    """
    import mapclassify

    classes = pd.Series(pd.NA, index=frame.index, dtype="Int16")
    breaks: dict = {}
    has = frame["value"].notna()
    grouped = frame[has].groupby([group[has].to_numpy(), frame.loc[has, "period"], frame.loc[has, "sex"]])
    for (level, period, sex), part in grouped:
        values = part["value"].to_numpy(dtype=float)
        k = min(QUANTILES, len(np.unique(values)))
        if k < 2:
            continue
        entry = {}
        for scheme in SCHEMES:
            classifier = _classify(mapclassify, scheme, values, k)
            entry[scheme] = [round(float(b), 6) for b in classifier.bins]
            if scheme == DEFAULT_SCHEME:
                classes.loc[part.index] = classifier.yb + 1
        breaks[f"{level}|{period}|{sex}"] = entry
    return classes, breaks
