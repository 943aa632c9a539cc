"""Comparisons with the parent area and France, quantiles and map classes, for all areas at once.

Significance is Fingertips' "compared with benchmark" rule at 95% (indicators.stats.significance): the
comparator's value outside the area's 95% interval is significantly different; the indicator's polarity
names the direction (better/worse, or lower/higher without polarity).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from indicators.stats.quantiles import quantiles as stats_quantiles
from indicators.stats.significance import NOT_COMPARED, ci_direction, judge

QUANTILES = 5
SCHEMES = ("Quantiles", "FisherJenks", "EqualInterval")
DEFAULT_SCHEME = "Quantiles"
# Without numba, mapclassify's Fisher-Jenks is pure Python and quadratic: above this many values the
# breaks come from FisherJenksSampled on a random sample of that size (about 0.01 s per map).
FISHER_JENKS_EXACT_MAX = 50


def direction(lower, upper, ref_value, polarity: str) -> np.ndarray:
    """better/similar/worse (lower/similar/higher without polarity); "" when either side is missing."""
    judged = judge(ci_direction(lower, upper, ref_value), None if polarity in (None, "", "none") else polarity)
    labels = np.asarray(judged, dtype=object)
    return np.where(labels == NOT_COMPARED, "", labels)


def _dense_values(frame: pd.DataFrame):
    """Values in an (area, period, sex) array, and each row's coordinates in it (no MultiIndex joins)."""
    areas = np.unique(frame["area_id"].to_numpy())
    a = np.searchsorted(areas, frame["area_id"].to_numpy())
    p, periods = pd.factorize(frame["period"])
    s, sexes = pd.factorize(frame["sex"])
    table = np.full((len(areas), len(periods), len(sexes)), np.nan)
    table[a, p, s] = frame["value"].to_numpy(dtype=float)
    return areas, table, p, s


def _against(frame: pd.DataFrame, dense, ref_ids: np.ndarray, polarity: str) -> np.ndarray:
    areas, table, p, s = dense
    known = ~np.isnan(ref_ids)
    pos = np.searchsorted(areas, np.where(known, ref_ids, 0).astype(np.int64)).clip(0, len(areas) - 1)
    found = known & (areas[pos] == ref_ids)
    ref = np.where(found, table[pos, p, s], np.nan)
    result = direction(frame["lower_95"], frame["upper_95"], ref, polarity)
    return np.where(~known | (ref_ids == frame["area_id"].to_numpy()), "not_compared", result)


def comparisons(frame: pd.DataFrame, parents: pd.Series, france_id: int | None, polarity: str) -> pd.DataFrame:
    dense = _dense_values(frame)
    parent_ids = parents.reindex(frame["area_id"].to_numpy()).to_numpy(dtype=float)
    frame["cmp_parent"] = _against(frame, dense, parent_ids, polarity)
    france = np.full(len(frame), np.nan if france_id is None else float(france_id))
    frame["cmp_france"] = _against(frame, dense, france, polarity)
    return frame


def quantiles(frame: pd.DataFrame, group: pd.Series) -> pd.Series:
    """Quintile 1 (lowest values) .. 5 within (level group, period, sex), as PHE's phe_quantile."""
    data = pd.DataFrame({"value": frame["value"].to_numpy(), "group": group.to_numpy(),
                         "period": frame["period"].to_numpy(), "sex": frame["sex"].to_numpy()})
    result = stats_quantiles(data, "value", ["group", "period", "sex"], nquantiles=QUANTILES, invert=False)
    return result["quantile"].astype("Int16")


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

    classes = np.zeros(len(frame), dtype=np.int16)  # 0 = no class, stored as NULL
    breaks: dict = {}
    has = frame["value"].notna().to_numpy()
    rows = np.flatnonzero(has)
    keys = pd.MultiIndex.from_arrays([group.to_numpy()[has], frame["period"].to_numpy()[has],
                                      frame["sex"].to_numpy()[has]])
    codes, labels = pd.factorize(keys)
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(labels) + 1))
    values_all = frame["value"].to_numpy(dtype=float)[rows]
    for i, (level, period, sex) in enumerate(labels):  # one map per level x period x sex
        members = order[bounds[i]:bounds[i + 1]]
        values = values_all[members]
        k = min(QUANTILES, len(np.unique(values)))
        if k < 2:
            continue
        entry = {}
        for scheme in SCHEMES:
            classifier = _classify(mapclassify, scheme, values, k)
            entry[scheme] = [round(float(b), 6) for b in classifier.bins]
            if scheme == DEFAULT_SCHEME:
                classes[rows[members]] = classifier.yb + 1
        breaks[f"{level}|{period}|{sex}"] = entry
    classes = pd.Series(classes, index=frame.index).astype("Int16").mask(classes == 0)
    return classes, breaks
