"""Which age bands a dataset contributes, when areas and periods do not all carry the same band set.

Real data mixes band sets: the INSEE estimates have 90-94 and 95+ for most departments and years but a
single 90+ for the overseas departments in 1990-1998. Summing every band of every row would count the
90+ people twice wherever both sets meet, and refusing the dataset would fail every indicator built on it.

The rule (docs/adr/0010-mixed-age-bands.md):

* Each (area, period, sex) group has a *band signature*: the set of band labels it holds. Signatures are
  few (a handful per dataset), so the per-signature work below loops over signatures, never over rows.
* Within one group, bands must not overlap (that is duplicated data): a ComputeError names the groups.
* "all" counts only where a group has no bands; then it is the band 0+ (fine for a total, but a group
  with only "all" cannot serve a method that needs bands or an age range).
* The filter's age range is applied per signature. A signature with a band the range cuts (90+ for an
  age range 90-94) cannot give the range: its groups are *not computable* (flagged, never summed)
  instead of failing the whole run; a note names them. If no group at all is computable, it is an error.
* The common band set is the union of overlapping kept bands (90-94, 95+, 90+ -> 90+): every kept band
  of every signature lies inside exactly one common band, so each group's counts add up exactly, with no
  assumption about how a band splits. A DSR re-bands its standard population to that common set.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from indicators.stats.rebanding import BandError, format_band, parse_band, validate_bands

from .spec import ComputeError, DataFilter

ALL_AGES = "all"
WHOLE_LIFE = (0, None)


@dataclass
class BandPlan:
    bands: list[str]  # the common band set, in age order
    row_band: np.ndarray  # per observation row: index into ``bands``, -1 when the row is not used
    defective: np.ndarray  # bool per group (cell): has data, but its bands cannot give what is asked
    notes: list[str] = field(default_factory=list)


def _parsed(label: str):
    return WHOLE_LIFE if label == ALL_AGES else parse_band(label)


def _top(band) -> float:
    return np.inf if band[1] is None else band[1]


def _overlapping(bands: list) -> tuple | None:
    ordered = sorted(bands, key=lambda b: (b[0], _top(b)))
    for prev, cur in zip(ordered, ordered[1:]):
        if cur[0] <= _top(prev):
            return prev, cur
    return None


def _range_text(flt: DataFilter) -> str:
    low = flt.age_min if flt.age_min is not None else 0
    return f"{low}-{flt.age_max}" if flt.age_max is not None else f"{low}+"


def _keep(labels: list[str], flt: DataFilter) -> tuple[list[str], list[str]]:
    """(labels inside the filter's age range, labels it cuts)."""
    low = flt.age_min if flt.age_min is not None else 0
    high = np.inf if flt.age_max is None else flt.age_max
    keep, cut = [], []
    for label in labels:  # the few labels of one signature
        lo, top = _parsed(label)[0], _top(_parsed(label))
        if lo >= low and top <= high:
            keep.append(label)
        elif not (top < low or lo > high):
            cut.append(label)
    return keep, cut


def _merge(bands: set) -> list[tuple]:
    """Union of overlapping bands, in age order: (90, 94), (95, None), (90, None) -> (90, None)."""
    merged: list[list] = []
    for lo, hi in sorted(bands, key=lambda b: (b[0], _top(b))):
        if merged and lo <= _top(tuple(merged[-1])):
            if _top((lo, hi)) > _top(tuple(merged[-1])):
                merged[-1][1] = hi
        else:
            merged.append([lo, hi])
    return [tuple(b) for b in merged]


def _signatures(codes: np.ndarray, cell: np.ndarray, n_cells: int, n_labels: int):
    """(distinct signatures as bool rows (S, L), signature index of each cell)."""
    present = np.zeros(n_cells * n_labels, dtype=bool)
    present[cell * n_labels + codes] = True
    packed = np.packbits(present.reshape(n_cells, n_labels), axis=1)
    del present
    rows, inverse = np.unique(packed, axis=0, return_inverse=True)
    return np.unpackbits(rows, axis=1, count=n_labels).astype(bool), inverse.reshape(-1)


def _per_signature(labels, parsed, sig_rows, sig_of_cell, flt, need_bands, name, describe):
    """({signature: labels kept}, {signature: why its groups are not computable}); raises on overlaps."""
    kept_per_sig, reasons = {}, {}
    for s, row in enumerate(sig_rows):  # a handful of distinct band sets, not rows
        held = [labels[i] for i in np.nonzero(row)[0]]
        if not held:
            continue
        banded = [b for b in held if b != ALL_AGES]
        if not banded and (need_bands or flt.has_age_range):
            reasons[s] = "only all-ages rows ('all'), no age bands"
            continue
        use = banded or [ALL_AGES]
        clash = _overlapping([parsed[b] for b in use])
        if clash:
            cells = np.nonzero(sig_of_cell == s)[0]
            raise ComputeError(f"{name}: bands {format_band(clash[0])} and {format_band(clash[1])} overlap within "
                               f"the same area, period and sex (duplicated data) for {describe(cells)}")
        keep, cut = _keep(use, flt)
        if cut:
            reasons[s] = f"age band {', '.join(cut)} straddles the age range {_range_text(flt)}"
            continue
        kept_per_sig[s] = keep
    return kept_per_sig, reasons


def _uniform_plan(labels, parsed, codes, n_cells, flt, need_bands, name) -> BandPlan | None:
    """The common case, without per-group signatures (3-4 s on 21 M rows): one valid band set, no "all" mixed
    with bands. None when the labels overlap or mix "all" with bands (then groups must be told apart)."""
    banded = [b for b in labels if b != ALL_AGES]
    if banded and len(banded) != len(labels):
        return None
    if not banded:
        if need_bands or flt.has_age_range:
            raise ComputeError(f"{name}: the data has no age bands (only 'all'), the indicator needs them")
        return BandPlan([ALL_AGES], np.zeros(len(codes), dtype=np.int64), np.zeros(n_cells, dtype=bool))
    if _overlapping([parsed[b] for b in banded]):
        return None
    keep, cut = _keep(banded, flt)
    if cut:
        return None  # an error: the per-group path names the areas and periods
    if not keep:
        raise ComputeError(f"{name}: no age band lies within the age range {_range_text(flt)}")
    bands = _common_labels(_merge({parsed[b] for b in keep}), {0: keep}, name)
    lookup = np.array([bands.index(b) if b in bands else -1 for b in labels], dtype=np.int64)
    return BandPlan(bands, lookup[codes], np.zeros(n_cells, dtype=bool))


def plan_bands(labels: list[str], codes: np.ndarray, cell: np.ndarray, n_cells: int, flt: DataFilter, *,
               need_bands: bool, name: str, describe: Callable[[np.ndarray], str]) -> BandPlan:
    """Resolve the bands of observation rows (``codes`` index ``labels``; ``cell`` is the row's group).

    ``describe(cells)`` names groups (areas, periods) for messages.
    """
    try:
        parsed = {label: _parsed(label) for label in labels}
    except BandError as exc:
        raise ComputeError(f"{name}: {exc}") from None
    uniform = _uniform_plan(labels, parsed, codes, n_cells, flt, need_bands, name)
    if uniform is not None:
        return uniform
    sig_rows, sig_of_cell = _signatures(codes, cell, n_cells, len(labels))
    kept_per_sig, reasons = _per_signature(labels, parsed, sig_rows, sig_of_cell, flt, need_bands, name, describe)
    table = np.full((len(sig_rows), len(labels)), -1, dtype=np.int64)
    bad_sig = np.zeros(len(sig_rows), dtype=bool)
    bad_sig[list(reasons)] = True
    defective = bad_sig[sig_of_cell] & sig_rows[sig_of_cell].any(axis=1)
    if not kept_per_sig:
        return _no_computable_group(name, reasons, sig_of_cell, describe)
    common = _merge({parsed[b] for keep in kept_per_sig.values() for b in keep})
    if not common:
        raise ComputeError(f"{name}: no age band lies within the age range {_range_text(flt)}")
    bands = _common_labels(common, kept_per_sig, name)
    lows = np.array([lo for lo, _ in common])
    for s, keep in kept_per_sig.items():
        for label in keep:
            table[s, labels.index(label)] = np.searchsorted(lows, parsed[label][0], side="right") - 1
    notes = [f"{name}: {reason}; not computable for {describe(np.nonzero(defective & (sig_of_cell == s))[0])}"
             for s, reason in reasons.items()]
    if len(kept_per_sig) > 1 and len(set(map(tuple, kept_per_sig.values()))) > 1:
        everywhere = set.intersection(*(set(k) for k in kept_per_sig.values()))
        sets = sorted({" ".join(b for b in k if b not in everywhere) for k in kept_per_sig.values()})
        notes.append(f"{name}: band sets differ across areas/periods ({' | '.join(sets)}); "
                     f"merged into the common bands {', '.join(b for b in bands if b not in everywhere)}")
    return BandPlan(bands, table[sig_of_cell[cell], codes], defective, notes)


def _common_labels(common: list[tuple], kept_per_sig: dict, name: str) -> list[str]:
    if common == [WHOLE_LIFE] and all(k == [ALL_AGES] for k in kept_per_sig.values()):
        return [ALL_AGES]
    labels = [format_band(b) for b in common]
    try:
        validate_bands(labels, f"{name} age bands")
    except BandError as exc:
        raise ComputeError(f"{name}: {exc}") from None
    return labels


def _no_computable_group(name, reasons, sig_of_cell, describe):
    if all("no age bands" in r for r in reasons.values()):
        raise ComputeError(f"{name}: the data has no age bands (only 'all'), the indicator needs them")
    details = "; ".join(f"{reason} for {describe(np.nonzero(sig_of_cell == s)[0])}" for s, reason in reasons.items())
    raise ComputeError(f"{name}: no area/period has bands that give what the indicator asks: {details}")
