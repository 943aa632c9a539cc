"""Age bands and re-banding of counts between band sets.

Representation (see docs/methods/standard-populations.md):

* a band is ``(lower, upper)`` in whole years of age, both inclusive, with ``upper = None`` for an
  open-ended top band: ``(0, 0)`` is age 0, ``(1, 4)`` is ages 1 to 4, ``(90, None)`` is 90 and over;
* its text form is ``"0"``, ``"1-4"``, ``"90+"`` (``format_band`` / ``parse_band`` convert both ways).

A band set is valid when its bands, once sorted, are contiguous (each lower bound is the previous upper
bound + 1), do not overlap, and only the last one may be open. Re-banding only ever *adds whole source
bands*: a target band must be exactly the union of consecutive source bands. Anything else (splitting
0-9 into 0-4 and 5-9, filling 90-94 from 90+, filling 90+ from a set that stops at 94) would need a
modelling assumption, so it raises ``BandError`` instead of guessing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

Band = tuple[int, int | None]

_BAND_RE = re.compile(r"^\s*(\d+)\s*(?:(-)\s*(\d+)|(\+))?\s*$")


class BandError(ValueError):
    """Bands that cannot be parsed, are not a contiguous set, or cannot be aligned."""


def parse_band(band) -> Band:
    """``"0"`` -> (0, 0); ``"1-4"`` -> (1, 4); ``"90+"`` -> (90, None); tuples are checked and returned."""
    if isinstance(band, tuple):
        if len(band) != 2:
            raise BandError(f"band {band!r}: a tuple band must be (lower, upper)")
        lower, upper = band
        if isinstance(lower, bool) or not isinstance(lower, (int, np.integer)):
            raise BandError(f"band {band!r}: lower bound must be a whole number of years")
        if upper is not None and (isinstance(upper, bool) or not isinstance(upper, (int, np.integer))):
            raise BandError(f"band {band!r}: upper bound must be a whole number of years or None")
        result = (int(lower), None if upper is None else int(upper))
    elif isinstance(band, str):
        match = _BAND_RE.match(band)
        if not match:
            raise BandError(f"band {band!r}: expected '0', '1-4' or '90+'")
        lower = int(match.group(1))
        if match.group(4):
            result = (lower, None)
        elif match.group(2):
            result = (lower, int(match.group(3)))
        else:
            result = (lower, lower)
    else:
        raise BandError(f"band {band!r}: expected a string such as '1-4' or a (lower, upper) tuple")
    if result[0] < 0 or (result[1] is not None and result[1] < result[0]):
        raise BandError(f"band {band!r}: bounds must satisfy 0 <= lower <= upper")
    return result


def format_band(band) -> str:
    lower, upper = parse_band(band)
    if upper is None:
        return f"{lower}+"
    return str(lower) if upper == lower else f"{lower}-{upper}"


def validate_bands(bands: Iterable, name: str = "bands") -> list[Band]:
    """Parse and sort ``bands``; raise ``BandError`` naming ``name`` on overlap, gap or misplaced open band."""
    parsed = sorted((parse_band(b) for b in bands), key=lambda b: b[0])
    if not parsed:
        raise BandError(f"{name}: no bands")
    for prev, cur in zip(parsed, parsed[1:]):
        if prev[1] is None:
            raise BandError(f"{name}: open band {format_band(prev)} is not the last band "
                            f"(followed by {format_band(cur)})")
        if cur[0] <= prev[1]:
            raise BandError(f"{name}: bands {format_band(prev)} and {format_band(cur)} overlap")
        if cur[0] > prev[1] + 1:
            raise BandError(f"{name}: gap between {format_band(prev)} and {format_band(cur)} "
                            f"(ages {prev[1] + 1}-{cur[0] - 1} missing)")
    return parsed


def _target_members(src: list[Band], tgt: Band) -> list[int]:
    lower, upper = tgt
    members = [i for i, (lo, up) in enumerate(src)
               if lo >= lower and (upper is None or (up is not None and up <= upper))]
    straddling = [b for b in src
                  if (b[0] < lower and (b[1] is None or b[1] >= lower))
                  or (upper is not None and b[0] <= upper and (b[1] is None or b[1] > upper))]
    if straddling:
        raise BandError(f"source band {format_band(straddling[0])} straddles target band {format_band(tgt)}: "
                        "it would have to be split, which needs an assumption the data does not carry")
    covered_lo = src[members[0]][0] if members else None
    covered_up = src[members[-1]][1] if members else -1
    if not members or covered_lo != lower or covered_up != upper:
        have = "nothing" if not members else f"{format_band((covered_lo, covered_up))}"
        raise BandError(f"target band {format_band(tgt)} is not covered by the source bands (they give {have})")
    return members


def reband_matrix(source_bands: Sequence, target_bands: Sequence, *, allow_partial: bool = False) -> np.ndarray:
    """0/1 matrix ``M`` (n_target x n_source, in the given orders) such that ``target = M @ source``.

    ``allow_partial=True`` lets source bands outside the target range be dropped (e.g. keep 65+ only);
    otherwise every source band must land in exactly one target band.
    """
    src_sorted = validate_bands(source_bands, "source bands")
    validate_bands(target_bands, "target bands")
    src_given = [parse_band(b) for b in source_bands]
    tgt_given = [parse_band(b) for b in target_bands]
    matrix = np.zeros((len(tgt_given), len(src_given)), dtype=float)
    position = {band: i for i, band in enumerate(src_given)}
    used = set()
    for t, tgt in enumerate(tgt_given):
        for member in _target_members(src_sorted, tgt):
            matrix[t, position[src_sorted[member]]] = 1.0
            used.add(src_sorted[member])
    unused = [format_band(b) for b in src_sorted if b not in used]
    if unused and not allow_partial:
        raise BandError(f"source bands {', '.join(unused)} fall outside the target bands "
                        "(pass allow_partial=True to drop them deliberately)")
    return matrix


def reband_array(values, source_bands: Sequence, target_bands: Sequence, *, allow_partial: bool = False):
    """Re-band the LAST axis of ``values`` (e.g. an (n_areas, n_bands) array of counts)."""
    matrix = reband_matrix(source_bands, target_bands, allow_partial=allow_partial)
    values = np.asarray(values, dtype=float)
    if values.shape[-1] != matrix.shape[1]:
        raise BandError(f"values have {values.shape[-1]} bands on the last axis, source_bands has {matrix.shape[1]}")
    return values @ matrix.T


def reband_frame(data: pd.DataFrame, band_col: str, value_cols: Sequence[str], target_bands: Sequence,
                 group_cols: Sequence[str] = (), *, allow_partial: bool = False) -> pd.DataFrame:
    """Re-band a long frame (one row per group x band) by summing ``value_cols`` into ``target_bands``.

    The source band set is the set of distinct bands in ``band_col``. Every group must hold every
    source band that feeds a target band it gets; a group missing one raises (naming the group),
    because a sum over a missing band would silently understate the count.
    """
    group_cols = list(group_cols)
    source = pd.unique(data[band_col])
    matrix = reband_matrix(list(source), target_bands, allow_partial=allow_partial)
    target_labels = [format_band(b) for b in target_bands]
    src_to_tgt = {src: target_labels[t] for t, s in zip(*np.nonzero(matrix)) for src in [source[s]]}
    expected = pd.Series(matrix.sum(axis=1), index=target_labels)
    frame = data[data[band_col].isin(list(src_to_tgt))]
    target = frame[band_col].map(src_to_tgt).rename(band_col)
    keys = [frame[c] for c in group_cols] + [target]
    grouped = frame[list(value_cols)].groupby(keys, sort=False)
    counts = grouped.size()
    n_groups = frame.groupby(group_cols, sort=False).ngroups if group_cols else 1
    full = counts.index.to_frame(index=False)
    got = counts.to_numpy()
    need = expected.reindex(full[band_col]).to_numpy()
    if (got != need).any() or len(counts) != n_groups * len(target_labels):
        _raise_incomplete(frame, band_col, group_cols, src_to_tgt, matrix, source, target_labels)
    out = grouped.sum(min_count=1).reset_index()
    order = {label: i for i, label in enumerate(target_labels)}
    out = out.sort_values(group_cols + [band_col], key=lambda s: s.map(order) if s.name == band_col else s,
                          kind="stable")
    return out.reset_index(drop=True)


def _raise_incomplete(frame, band_col, group_cols, src_to_tgt, matrix, source, target_labels):
    needed = [source[s] for s in np.nonzero(matrix.sum(axis=0))[0]]
    if not group_cols:
        present = frame[band_col].value_counts()
        raise BandError(f"{band_col}: duplicated or missing bands {sorted(set(needed) - set(present.index))} "
                        f"or {list(present[present > 1].index)}")
    per_group = frame.groupby(group_cols, sort=False)[band_col].agg(lambda s: (len(s), set(s)))
    for key, (n_rows, bands) in per_group.items():
        missing = [b for b in needed if b not in bands]
        if missing or n_rows != len(needed):
            what = f"missing band(s) {missing}" if missing else "duplicated band(s)"
            raise BandError(f"{band_col}: group {key!r} has {what}; cannot re-band it without guessing")
    raise BandError(f"{band_col}: incomplete bands")
