"""Certificates of protection for the disclosure audit (docs/methods/disclosure.md).

A certificate is a feasible point, or a family of them, that an attacker cannot rule out: every published
count keeps its value while a withheld cell moves. The feasible set is convex, so the span of the values a
cell takes over any feasible points lies inside its true interval: a span at least the threshold wide
proves the cell protected without solving its own pair of linear programs. Plain numpy/scipy/pandas.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import linprog

TOLERANCE = 1e-6
SEED = 20_261_202
LOCAL_ROW_LIMIT = 2_000
SHORTCUT_ROUNDS = 4
# Stop the shortcut rounds once a round certifies fewer than this share of the cells still open.
SHORTCUT_MIN_GAIN = 0.05


def vertex_certificates(block, a_eq, b_eq, seen_low, seen_high) -> list | None:
    """Shortcut rounds of step 1; the feasible solutions found (None: the counts contradict)."""
    rng = np.random.default_rng(SEED)
    solutions = []
    for _ in range(SHORTCUT_ROUNDS):
        direction = rng.uniform(0.5, 1.5, block.shape[0]) @ block
        low_solution = solution(direction, a_eq, b_eq)
        if low_solution is None:  # a non-negative direction is bounded below: the counts contradict
            return None
        high_solution = solution(-direction, a_eq, b_eq)
        found = [low_solution] + ([high_solution] if high_solution is not None else [])
        before = seen_high - seen_low
        for point in found:
            values = block @ point
            np.minimum(seen_low, values, out=seen_low)
            np.maximum(seen_high, values, out=seen_high)
        solutions += found
        gained = (seen_high - seen_low) - np.nan_to_num(before, neginf=0.0, posinf=0.0)
        if high_solution is None or (gained > TOLERANCE).mean() < SHORTCUT_MIN_GAIN:
            break
    return solutions


def signature(matrix: sparse.csr_matrix, rows: np.ndarray | None = None) -> np.ndarray:
    """(base cells x 2) random projections of the columns of ``matrix`` restricted to the rows ``rows``
    (a mask; all rows by default): columns holding the same rows (all coefficients are 1) project alike,
    and a column difference a_m - a_f projects to the difference of the two projections."""
    rng = np.random.default_rng(SEED + 1)
    weights = rng.random((2, matrix.shape[0]))
    if rows is not None:
        weights = weights * rows
    return np.asarray(matrix.T @ weights.T)


def _classes(sig: np.ndarray) -> np.ndarray:
    """Class code per row of equal (rounded) projections: hashed int64 factorisations, no sort."""
    first, _ = pd.factorize(np.rint(sig[:, 0] * 1e9).astype(np.int64))
    second, uniques = pd.factorize(np.rint(sig[:, 1] * 1e9).astype(np.int64))
    codes, _ = pd.factorize(first.astype(np.int64) * max(len(uniques), 1) + second)
    return codes


def twin_certificates(block, a_eq, center: np.ndarray):
    """Step 2 from a matrix of published counts: see ``twin_bounds``."""
    return twin_bounds(block, signature(a_eq), center)


def twin_bounds(block, sig: np.ndarray, center: np.ndarray):
    """Bounds of each cell (row of ``block``) reachable from ``center`` by moving mass between twin base
    cells: base cells with the same published counts (same ``sig``) trade mass freely."""
    groups = _classes(sig)
    n_groups = int(groups.max()) + 1
    member = sparse.csr_matrix((np.ones(len(groups)), (np.arange(len(groups)), groups)),
                               shape=(len(groups), n_groups))
    size = np.bincount(groups, minlength=n_groups)
    mass = np.bincount(groups, weights=np.clip(center, 0, None), minlength=n_groups)
    inside = (block @ member).tocsr()  # cells x groups: how many of the group's base cells the cell holds
    whole = inside.data >= size[inside.indices] - 0.5
    weighted = inside.copy()
    weighted.data = mass[inside.indices] * whole
    low = np.asarray(weighted.sum(axis=1)).ravel()
    weighted.data = mass[inside.indices] * ~whole
    return low, low + np.asarray(weighted.sum(axis=1)).ravel()


def local_certificate(c: np.ndarray, a_eq, a_csc, b_eq, center: np.ndarray) -> tuple[float, float]:
    """Step 4: min and max of c @ v with only the cell's neighbourhood free (the rest held at ``center``)."""
    own = np.flatnonzero(c)
    rows = np.unique(a_csc[:, own].indices)
    small = rows[np.diff(a_eq.indptr)[rows] <= LOCAL_ROW_LIMIT]
    hood = np.union1d(own, a_eq[small].indices)
    touched = np.unique(a_csc[:, hood].indices)
    a_local = a_eq[touched]
    outside = np.ones(a_eq.shape[1], dtype=bool)
    outside[hood] = False
    b_local = b_eq[touched] - a_local[:, outside] @ center[outside]
    a_local = a_local[:, hood]
    fixed = c[outside] @ center[outside]
    low = optimum(c[hood], a_local, b_local)
    high = optimum(-c[hood], a_local, b_local)
    if low is None or high is None:  # numerical noise at the center: no certificate
        value = c @ center
        return value, value
    return fixed + low, fixed + (np.inf if high == -np.inf else -high)


def swap_certificates(block, a_eq, center: np.ndarray, pairs: np.ndarray):
    """Step 3 from a matrix of published counts: see ``swap_bounds``."""
    return swap_bounds(block, signature(a_eq), center, pairs)


def swap_bounds(block, sig: np.ndarray, center: np.ndarray, pairs: np.ndarray):
    """Bounds of single-base-cell cells reachable from ``center`` by men <-> women swaps.

    A pair (men m, women f of one area and year) moves by +d on m and -d on f; pairs whose column
    differences a_m - a_f are equal compensate each other, so every published count stays the same.
    """
    values = block @ center
    low, high = values.copy(), values.copy()
    m = np.flatnonzero((pairs >= 0) & (np.arange(len(pairs)) < np.where(pairs >= 0, pairs, -1)))
    if len(m) < 2:
        return low, high
    f = pairs[m]
    groups = _classes(sig[m] - sig[f])
    vm, vf = np.clip(center[m], 0, None), np.clip(center[f], 0, None)
    sum_m = np.bincount(groups, weights=vm)[groups]
    sum_f = np.bincount(groups, weights=vf)[groups]
    up = np.minimum(vf, sum_m - vm)  # m gains d <= its own women and <= the other pairs' men
    down = np.minimum(vm, sum_f - vf)
    single = np.diff(block.indptr) == 1
    var_of_cell = np.where(single, block.indices[np.minimum(block.indptr[:-1], max(len(block.indices) - 1, 0))], -1)
    gain = np.zeros(len(pairs))
    loss = np.zeros(len(pairs))
    gain[m], loss[m] = up, down
    gain[f], loss[f] = down, up  # women move the other way
    hit = single & (var_of_cell >= 0)
    low[hit] -= loss[var_of_cell[hit]]
    high[hit] += gain[var_of_cell[hit]]
    return low, high


def solution(c: np.ndarray, a_eq, b_eq) -> np.ndarray | None:
    """A vertex minimising c @ v (None when infeasible or unbounded)."""
    if a_eq.shape[0] == 0:
        return None if (c < 0).any() else np.zeros(len(c))
    result = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    return result.x if result.status == 0 else None


def optimum(c: np.ndarray, a_eq, b_eq) -> float | None:
    """Minimum of c @ v (None when infeasible, -inf when unbounded below)."""
    if a_eq.shape[0] == 0:
        return 0.0 if (c >= 0).all() else -np.inf
    result = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    if result.status == 2:
        return None
    if result.status == 3:
        return -np.inf
    if result.status != 0:
        raise RuntimeError(f"linear program failed: {result.message}")
    return float(result.fun)
