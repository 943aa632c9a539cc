"""Complementary suppression: withhold more counts until every withheld count is proven protected.

After primary suppression (counts under the threshold) and the sex rule, a withheld count can still come
back by subtraction across areas (a department from France minus the others) or periods. Each round:

1. certify (``audit.certify``: twin and sex-swap moves from the true counts) the open withheld cells;
2. while many cells are open, the mirror rule: the smallest published count of the same atom (areas held
   by exactly the same containers), period and sex goes, so the two areas' cells become twins;
3. every other open cell gets one small linear program (``flows.py``): the cheapest move of the threshold,
   whose changed published counts are withheld; the move proves the cell protected for good;
4. the sex rule runs again (the same cells across sexes where that suffices).

Rounds stop when every withheld cell is certified or proven; a table that cannot be protected in
``MAX_ROUNDS`` raises ComplementaryError. Method and references: docs/methods/disclosure.md, ADR 0015.
Plain pandas/numpy, no Django, no file I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .audit import AuditResult, audit_model, certify, interval_result, truth_center
from .certificates import SEED, solution
from .flows import flow_context, flow_rule
from .sex_rule import secondary_across_sex

MAX_ROUNDS = 30
# Rounds in which the mirror rule may run; later rounds use programs only, so that the rounds terminate.
MIRROR_ROUNDS = 2
# Open cells beyond this many go to the mirror rule first (a program each would take too long).
PROGRAM_BUDGET = 1_500


class ComplementaryError(ValueError):
    """No protection found within the round limit (the message names the cells still recoverable)."""


def complementary_suppression(cells: pd.DataFrame, withheld: np.ndarray, sources: pd.DataFrame,
                              parents: pd.Series, threshold: float) -> np.ndarray:
    """Extend ``withheld`` (primary and sex rule) until every withheld count is protected; the mask."""
    return complementary_protection(cells, withheld, sources, parents, threshold).mask


@dataclass
class Protection:
    mask: np.ndarray  # withheld cells, a superset of the input mask
    audit: AuditResult  # every withheld cell's certified interval (all protected)
    rounds: int


def complementary_protection(cells: pd.DataFrame, withheld: np.ndarray, sources: pd.DataFrame,
                             parents: pd.Series, threshold: float) -> Protection:
    """``cells``: area_id, period, sex, numerator (the true counts). ``sources``: target, source, as for the
    audit. ``parents``: parent area id by area id. Raises ComplementaryError when no protection is found."""
    cells = cells.reset_index(drop=True)
    counts = cells["numerator"].to_numpy(dtype=float)
    withheld = withheld.copy()
    model = audit_model(cells, sources)
    center = truth_center(model, cells, counts)
    if center is None:  # pooled periods only: any feasible point of the primary pattern serves
        center = _feasible_point(model, ~withheld, counts)
    atoms = _atoms(sources)
    keyed = _keyed(cells, counts, atoms.of_area)
    cell_of = _container_cells(cells)  # cell number by (area, period, sex), built once
    flows = None
    low = np.zeros(len(cells))
    high = np.zeros(len(cells))
    # Not computable cells (no count) are unknowns, not secrets. Certificates only widen as more is withheld:
    # certified cells stay certified, so each round looks at the open and the newly withheld cells only.
    open_ = withheld & np.isfinite(counts)
    proven = np.zeros(len(cells), dtype=bool)  # witnessed by a program's move: protected for good
    for round_ in range(1, MAX_ROUNDS + 1):
        rows = np.flatnonzero(open_ & ~proven)
        row_low, row_high, certified = certify(model, withheld, counts, center, threshold, 0, rows)
        low[rows], high[rows] = row_low, row_high
        narrow = rows[~certified]
        open_[:] = False
        if len(narrow) == 0:
            return Protection(withheld, _audit(cells, withheld, low, high, threshold), round_)
        # Many open cells (communes at France scale): the mirror rule first, vectorised; the cells it cannot
        # help, and every open cell once they are few, get one small program each (free when the withheld
        # cells alone already allow a move of the threshold).
        mirror = round_ <= MIRROR_ROUNDS and len(narrow) > PROGRAM_BUDGET
        added = _mirror(narrow, keyed, withheld, cell_of) if mirror else np.zeros_like(withheld)
        rest = narrow if not mirror else np.setdiff1d(
            narrow, _atom_mates(keyed, narrow, ~(withheld | added))["cell"].to_numpy())
        newly_proven = np.zeros_like(withheld)
        if len(rest):
            flows = flow_context(model, sources, cells, counts, atoms.of_area) if flows is None else flows
            outcome = flow_rule(flows, rest, withheld | added, center, threshold)
            added |= outcome.added
            newly_proven = outcome.proven & ~proven
            low[newly_proven], high[newly_proven] = outcome.low[newly_proven], outcome.high[newly_proven]
            proven |= newly_proven
        if not added.any() and not newly_proven.any():
            raise ComplementaryError(f"{len(narrow)} withheld cell(s) stay recoverable and no cell is left to "
                                     f"withhold around them: {_names(cells, narrow)}")
        before = withheld
        withheld = secondary_across_sex(cells, withheld | added, counts)
        open_ = (_mask(len(cells), narrow) | (withheld & ~before)) & np.isfinite(counts)
    raise ComplementaryError(f"withheld cells still recoverable after {MAX_ROUNDS} rounds: {_names(cells, narrow)}")


def _mask(n: int, rows: np.ndarray) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    mask[rows] = True
    return mask


def _names(cells: pd.DataFrame, rows: np.ndarray, limit: int = 5) -> str:
    shown = cells.iloc[rows[:limit]]
    text = ", ".join(f"area {a} {p} {s}" for a, p, s in shown[["area_id", "period", "sex"]].to_numpy())
    return text + (f" and {len(rows) - limit} more" if len(rows) > limit else "")


def _audit(cells, withheld, low, high, threshold) -> AuditResult:
    out = cells.loc[withheld, ["area_id", "period", "sex"]].reset_index(drop=True)
    out["lower"], out["upper"] = low[withheld], high[withheld]
    out["exact"] = False
    return interval_result(out, threshold, [])


def _feasible_point(model, known: np.ndarray, counts: np.ndarray) -> np.ndarray:
    point = solution(np.ones(model.matrix.shape[1]), model.matrix[known], counts[known])
    if point is None:
        raise ComplementaryError("the published counts contradict each other: no non-negative solution")
    return point


@dataclass
class Atoms:
    """Atom by observed area: areas held by exactly the same containers (a commune's EPCI, department,
    region, territory...); two withheld areas of one atom are twins an attacker cannot split."""

    of_area: pd.Series


def _atoms(sources: pd.DataFrame) -> Atoms:
    """Atoms from two random hashes of each observed area's set of containers (one sparse sum each)."""
    pairs = sources[sources["target"].to_numpy() != sources["source"].to_numpy()]
    observed = np.unique(sources["source"].to_numpy())
    targets, target_codes = np.unique(pairs["target"].to_numpy(), return_inverse=True)
    weights = np.random.default_rng(SEED).random((2, len(targets)))
    at = np.searchsorted(observed, pairs["source"].to_numpy())
    hashes = [np.bincount(at, weights=w[target_codes], minlength=len(observed)).round(9) for w in weights]
    codes, _ = pd.factorize(pd.MultiIndex.from_arrays(hashes))
    return Atoms(pd.Series(codes, index=observed))


def _keyed(cells: pd.DataFrame, counts: np.ndarray, atom_of_area: pd.Series) -> pd.DataFrame:
    """Cells with their number, atom (NaN: not an observed area) and true count."""
    keyed = cells[["area_id", "period", "sex"]].reset_index(names="cell")
    keyed["atom"] = atom_of_area.reindex(keyed["area_id"].to_numpy()).to_numpy()
    keyed["count"] = counts
    return keyed


def _atom_mates(keyed: pd.DataFrame, narrow: np.ndarray, eligible: np.ndarray) -> pd.DataFrame:
    """(open cell, cell of another area of its atom, same period and sex) pairs whose mate is ``eligible``."""
    open_cells = keyed.iloc[narrow].dropna(subset=["atom"])
    mates = keyed[eligible].dropna(subset=["atom"])
    pairs = open_cells.merge(mates, on=["atom", "period", "sex"], suffixes=("", "_j"))
    return pairs[pairs["area_id"] != pairs["area_id_j"]]


def _mirror(narrow: np.ndarray, keyed: pd.DataFrame, withheld: np.ndarray, cell_of: pd.Series) -> np.ndarray:
    """For each open cell of an observed area: the smallest published count of the same period and sex in
    its atom (ties by area id) goes, with every sex its area withholds where the open cell's area does, so
    the two areas' base cells become twins (or swap pairs when both totals stay published)."""
    added = np.zeros(len(keyed), dtype=bool)
    pairs = _atom_mates(keyed, narrow, ~withheld)
    if pairs.empty:
        return added
    pick = pairs.sort_values(["cell", "count_j", "area_id_j"], kind="stable").drop_duplicates("cell")
    pattern = keyed.loc[withheld, ["area_id", "period", "sex"]]
    mirrored = pick[["area_id", "area_id_j", "period"]].drop_duplicates().merge(pattern, on=["area_id", "period"])
    where = cell_of.index.get_indexer(pd.MultiIndex.from_arrays(
        [mirrored["area_id_j"], mirrored["period"], mirrored["sex"]]))
    added[cell_of.to_numpy()[where[where >= 0]]] = True
    added[pick["cell_j"].to_numpy()] = True
    return added & ~withheld


def _container_cells(cells: pd.DataFrame) -> pd.Series:
    """Cell number by (area, period, sex), to find a container's own count."""
    return pd.Series(np.arange(len(cells)), index=pd.MultiIndex.from_frame(cells[["area_id", "period", "sex"]]))


