"""The disclosure audit's exact part: bounds of withheld cells by linear programming (scipy's HiGHS).

Used for what the certificates from a known feasible point leave open, and on its own when no feasible
point is known (an audit from the published cells only, as an outsider would run it): peeling first (what
plain subtraction gives), then per connected component vertex, twin, swap and local certificates, then a
pair of exact programs per cell still open. Plain numpy/scipy, no Django, no file I/O.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from .certificates import (TOLERANCE, local_certificate, optimum, swap_certificates, twin_certificates,
                           vertex_certificates)

MAX_PEELING_ROUNDS = 50


def exact_intervals(matrix: sparse.csr_matrix, partner: np.ndarray, known: np.ndarray, values: np.ndarray,
                    objective_rows: np.ndarray, threshold: float):
    """(lower, upper, exact, inconsistent) of the rows ``objective_rows`` of ``matrix`` given the rows
    ``known`` (a mask) with their ``values``; ``partner``: each base cell's other-sex base cell or -1."""
    n_vars = matrix.shape[1]
    known_matrix, known_values = matrix[known], values[known]
    fixed_value, is_fixed = _fixed_variables(known_matrix, known_values, n_vars)
    free = np.flatnonzero(~is_fixed)
    reduced_known = known_matrix[:, free]
    reduced_values = known_values - known_matrix[:, is_fixed] @ fixed_value[is_fixed]
    objectives = matrix[objective_rows]
    offsets = objectives[:, is_fixed] @ fixed_value[is_fixed]
    local = np.full(n_vars + 1, -1)
    local[free] = np.arange(len(free))
    lower, upper, exact, inconsistent = _solve(reduced_known.tocsr(), reduced_values, objectives[:, free].tocsr(),
                                               threshold, local[partner[free]])
    return lower + offsets, upper + offsets, exact, inconsistent


def _fixed_variables(known: sparse.csr_matrix, values: np.ndarray, n_vars: int):
    """Base cells the published counts give exactly, by peeling: a published count with a single unknown
    term fixes it (a base cell published on its own, a parent minus all its other published parts), which
    may leave another count with a single unknown, and so on. What this finds, an attacker finds by
    subtraction; the linear programs only handle what is left."""
    fixed_value = np.zeros(n_vars)
    is_fixed = np.zeros(n_vars, dtype=bool)
    known = known.tocsr()
    for _ in range(MAX_PEELING_ROUNDS):
        open_part = known @ sparse.diags((~is_fixed).astype(float))
        open_part.eliminate_zeros()
        single = np.flatnonzero(np.diff(open_part.indptr) == 1)
        if len(single) == 0:
            break
        cols = open_part.indices[open_part.indptr[single]]
        cols, first = np.unique(cols, return_index=True)  # two counts fixing one cell: the first wins
        residual = values[single[first]] - known[single[first]] @ fixed_value
        fixed_value[cols] = residual
        is_fixed[cols] = True
    return fixed_value, is_fixed


def _solve(known: sparse.csr_matrix, values: np.ndarray, objectives: sparse.csr_matrix, threshold: float,
           partner: np.ndarray):
    """Bounds of each objective row over {known @ v = values, v >= 0}, one component at a time.

    ``exact`` marks the rows whose bounds are the true minimum and maximum; the others hold a sub-interval
    already at least ``threshold`` wide (so the cell is protected, and its true interval is wider).
    """
    n_known, n_vars = known.shape
    n_obj = objectives.shape[0]
    lower = np.zeros(n_obj)
    upper = np.full(n_obj, np.inf)
    inconsistent: list[str] = []
    # Components of the bipartite graph rows <-> variables: an objective only depends on its own component.
    rows = sparse.vstack([known, objectives]).tocsr()
    n_rows = rows.shape[0]
    graph = sparse.bmat([[None, rows], [rows.T, None]]).tocsr()
    _, labels = connected_components(graph, directed=False)
    row_label, var_label = labels[:n_rows], labels[n_rows:]
    # Known rows left without free variables must be satisfied by the fixed ones already.
    empty_rows = np.flatnonzero(np.diff(known.indptr) == 0)
    if len(empty_rows) and np.abs(values[empty_rows]).max() > TOLERANCE * max(1.0, np.abs(values).max()):
        inconsistent.append(f"{int((np.abs(values[empty_rows]) > TOLERANCE).sum())} published counts disagree "
                            "with the published counts of their parts")
    obj_label = row_label[n_known:]
    exact = np.zeros(n_obj, dtype=bool)
    for label in np.unique(obj_label):
        obj_rows = np.flatnonzero(obj_label == label)
        var_idx = np.flatnonzero(var_label == label)
        if len(var_idx) == 0:  # withheld cell made only of fixed base cells: known exactly
            upper[obj_rows] = 0.0
            exact[obj_rows] = True
            continue
        known_rows = np.flatnonzero(row_label[:n_known] == label)
        a_eq = known[known_rows][:, var_idx]
        b_eq = values[known_rows]
        block = objectives[obj_rows][:, var_idx].tocsr()
        to_local = np.full(n_vars + 1, -1)
        to_local[var_idx] = np.arange(len(var_idx))
        pairs = to_local[partner[var_idx]]
        if not _component_bounds(block, a_eq, b_eq, lower, upper, obj_rows, exact, threshold, pairs):
            inconsistent.append(f"component {label}: no non-negative solution")
    return lower, upper, exact, inconsistent


def _component_bounds(block, a_eq, b_eq, lower, upper, obj_rows, exact, threshold, pairs) -> bool:
    """Fill lower/upper for one component's withheld cells; False when the published counts contradict.

    Every feasible point an attacker cannot rule out widens a cell's known sub-interval of its true
    interval (which is convex), so cheap certificates come first and prove most cells protected:
    1. vertices minimising and maximising random positive combinations of the withheld cells (the plain
       sum is often fixed by the published totals, so both ends would be one vertex);
    2. *twin moves* from their average: base cells that sit in exactly the same published counts can trade
       mass freely (two withheld communes of one department and one EPCI), so a cell can take anything from
       the mass it cannot shed to all its twins' mass;
    3. *sex swaps* from the same point: where a commune's men and women are withheld but its total is
       published, men can gain what women lose if another such commune in the same counts does the reverse.
    4. *local programs*: every base cell outside the cell's neighbourhood (the base cells sharing a count
       of at most LOCAL_ROW_LIMIT terms with it: its department, its EPCI...) held at that point, the
       cell's minimum and maximum over the neighbourhood alone; a few hundred unknowns, not the whole country.
    Cells still under ``threshold`` get exact programs (their minimum and maximum). Certificates only ever
    prove protection, so the verdict does not depend on the random weights (seeded anyway).
    """
    if a_eq.shape[0] == 0:  # nothing published constrains these cells: [0, inf)
        upper[obj_rows] = np.inf
        exact[obj_rows] = True
        return True
    seen_low = np.full(len(obj_rows), np.inf)
    seen_high = np.full(len(obj_rows), -np.inf)
    solutions = vertex_certificates(block, a_eq, b_eq, seen_low, seen_high)
    if solutions is None:
        return False
    if solutions:
        center = np.mean(solutions, axis=0)
        for low, high in (twin_certificates(block, a_eq, center), swap_certificates(block, a_eq, center, pairs)):
            seen_low, seen_high = np.minimum(seen_low, low), np.maximum(seen_high, high)
    certified = seen_high - seen_low >= threshold - TOLERANCE
    if solutions and not certified.all():
        a_csc = a_eq.tocsc()
        for k in np.flatnonzero(~certified):
            low, high = local_certificate(block[k].toarray().ravel(), a_eq, a_csc, b_eq, center)
            seen_low[k], seen_high[k] = min(seen_low[k], low), max(seen_high[k], high)
        certified = seen_high - seen_low >= threshold - TOLERANCE
    lower[obj_rows[certified]] = seen_low[certified]
    upper[obj_rows[certified]] = seen_high[certified]
    for k in np.flatnonzero(~certified):
        c = block[k].toarray().ravel()
        i = obj_rows[k]
        low = optimum(c, a_eq, b_eq)
        if low is None:
            return False
        high = optimum(-c, a_eq, b_eq)
        lower[i] = low
        upper[i] = np.inf if high == -np.inf else -high
        exact[i] = True
    return True


