"""Disclosure audit: how precisely can an attacker pin down each withheld count from what is published?

The attacker's model (docs/methods/disclosure.md): every published count of an indicator is a sum of
unknown non-negative *base cells* (observed area x single year x base sex), because parents are sums of
their children along every hierarchy (commune -> EPCI, commune -> department -> region -> France,
territory sets), T = M + F and a pooled period is the sum of its single years. For a withheld cell, the
values consistent with all the published counts form an interval [lower, upper]; we compute both ends by
linear programming (scipy's HiGHS), as tau-argus' audit does (Hundepool et al., *Statistical Disclosure
Control*, Wiley 2012, section 4.3; de Wolf, "Hypercube" and "Modular" methods). A cell is protected when
``upper - lower >= threshold``.

Plain pandas/numpy/scipy, no Django and no file I/O: the caller gives the published cells and, for each
published area, the observed areas it sums (``sources``, e.g. from ``geography.rollup``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import linprog
from scipy.sparse.csgraph import connected_components

CELL_COLUMNS = ["area_id", "period", "sex", "numerator", "withheld"]
BASE_SEXES = {"M": ("M",), "F": ("F",), "T": ("M", "F")}
TOLERANCE = 1e-6
SEED = 20_261_202
MAX_PEELING_ROUNDS = 50
LOCAL_ROW_LIMIT = 2_000
SHORTCUT_ROUNDS = 4
# Stop the shortcut rounds once a round certifies fewer than this share of the cells still open.
SHORTCUT_MIN_GAIN = 0.05


@dataclass
class AuditResult:
    intervals: pd.DataFrame  # per withheld cell: area_id, period, sex, lower, upper, width, exact, protected
    threshold: float
    inconsistent: list[str]  # components whose published counts contradict each other (should be empty)

    @property
    def narrowest(self) -> pd.Series | None:
        if self.intervals.empty:
            return None
        return self.intervals.sort_values(["width", "area_id"]).iloc[0]

    @property
    def recoverable(self) -> pd.DataFrame:
        """Withheld by disclosure control (not merely not computable) and pinned down too narrowly."""
        audited = self.intervals["suppressed"] if "suppressed" in self.intervals else True
        return self.intervals[~self.intervals["protected"] & audited]

    @property
    def ok(self) -> bool:
        return self.recoverable.empty and not self.inconsistent


def period_years(label) -> tuple[int, ...]:
    """2019 -> (2019,); "2017-2019" -> (2017, 2018, 2019)."""
    text = str(label)
    if "-" in text:
        first, last = text.split("-", 1)
        return tuple(range(int(first), int(last) + 1))
    return (int(text),)


def _cell_terms(cells: pd.DataFrame, sources: pd.DataFrame, split_sexes: bool) -> pd.DataFrame:
    """One row per (cell, base cell) term: cell index, source area, year, base sex."""
    frame = cells[["area_id", "period", "sex"]].copy()
    frame["cell"] = np.arange(len(frame))
    terms = frame.merge(sources.rename(columns={"target": "area_id"}), on="area_id", how="left")
    # An area absent from ``sources`` is its own only source (observed-level areas).
    terms["source"] = terms["source"].fillna(terms["area_id"]).astype(np.int64)
    periods = pd.Series(frame["period"].unique(), dtype=object)
    years = pd.DataFrame([(p, y) for p in periods for y in period_years(p)], columns=["period", "year"])
    terms = terms.merge(years, on="period")
    if split_sexes:
        sexes = pd.DataFrame([(s, b) for s, bases in BASE_SEXES.items() for b in bases], columns=["sex", "base_sex"])
    else:
        sexes = pd.DataFrame({"sex": ["M", "F", "T"], "base_sex": ["M", "F", "T"]})
    return terms.merge(sexes, on="sex")


def feasible_intervals(cells: pd.DataFrame, sources: pd.DataFrame, threshold: float) -> AuditResult:
    """Each withheld cell's feasible interval given the published counts of the same indicator.

    ``cells``: area_id, period (2019 or "2017-2019"), sex (M/F/T), numerator (the published count; NaN where
    withheld), withheld (bool), and optionally suppressed (bool: withheld by disclosure control; other
    withheld cells, e.g. not computable, are unknowns too but only suppressed ones must be protected). ``sources``: target, source: the observed areas each published area sums
    (including each observed area for itself). Areas that are sources but have no published cell are
    unknowns like withheld cells.
    """
    cells = cells.reset_index(drop=True)
    withheld = cells["withheld"].to_numpy(dtype=bool)
    empty = pd.DataFrame(columns=["area_id", "period", "sex", "lower", "upper", "width", "exact", "protected"])
    if not withheld.any():
        return AuditResult(empty, threshold, [])
    split_sexes = bool(cells["sex"].isin(["M", "F"]).any())
    terms = _cell_terms(cells, sources, split_sexes)
    var_codes, var_keys = pd.factorize(pd.MultiIndex.from_frame(terms[["source", "year", "base_sex"]]))
    n_vars = int(var_codes.max()) + 1
    partner = _sex_partners(pd.DataFrame(list(var_keys), columns=["source", "year", "base_sex"]))
    matrix = sparse.csr_matrix((np.ones(len(terms)), (terms["cell"].to_numpy(), var_codes)),
                               shape=(len(cells), n_vars))
    known = ~withheld
    values = cells["numerator"].to_numpy(dtype=float)
    known_matrix, known_values = matrix[known], values[known]
    fixed_value, is_fixed = _fixed_variables(known_matrix, known_values, n_vars)
    free = np.flatnonzero(~is_fixed)
    reduced_known = known_matrix[:, free]
    reduced_values = known_values - known_matrix[:, is_fixed] @ fixed_value[is_fixed]
    objectives = matrix[withheld]
    offsets = objectives[:, is_fixed] @ fixed_value[is_fixed]
    local = np.full(n_vars + 1, -1)
    local[free] = np.arange(len(free))
    lower, upper, exact, inconsistent = _solve(reduced_known.tocsr(), reduced_values, objectives[:, free].tocsr(),
                                               threshold, local[partner[free]])
    keep = ["area_id", "period", "sex"] + (["suppressed"] if "suppressed" in cells else [])
    out = cells.loc[withheld, keep].reset_index(drop=True)
    out["lower"] = lower + offsets
    out["upper"] = upper + offsets
    out["width"] = out["upper"] - out["lower"]
    out["exact"] = exact
    out["protected"] = out["width"] >= threshold - TOLERANCE
    return AuditResult(out, threshold, inconsistent)


def _sex_partners(keys: pd.DataFrame) -> np.ndarray:
    """For each base cell, the base cell of the other sex for the same area and year (-1: none)."""
    keys = keys.reset_index(names="var")
    other = keys.assign(base_sex=keys["base_sex"].map({"M": "F", "F": "M"})).dropna(subset=["base_sex"])
    found = other.merge(keys, on=["source", "year", "base_sex"], suffixes=("", "_partner"))
    partner = np.full(len(keys), -1)
    partner[found["var"].to_numpy()] = found["var_partner"].to_numpy()
    return partner


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
    solutions = _vertex_certificates(block, a_eq, b_eq, seen_low, seen_high)
    if solutions is None:
        return False
    if solutions:
        center = np.mean(solutions, axis=0)
        for low, high in (_twin_certificates(block, a_eq, center), _swap_certificates(block, a_eq, center, pairs)):
            seen_low, seen_high = np.minimum(seen_low, low), np.maximum(seen_high, high)
    certified = seen_high - seen_low >= threshold - TOLERANCE
    if solutions and not certified.all():
        a_csc = a_eq.tocsc()
        for k in np.flatnonzero(~certified):
            low, high = _local_certificate(block[k].toarray().ravel(), a_eq, a_csc, b_eq, center)
            seen_low[k], seen_high[k] = min(seen_low[k], low), max(seen_high[k], high)
        certified = seen_high - seen_low >= threshold - TOLERANCE
    lower[obj_rows[certified]] = seen_low[certified]
    upper[obj_rows[certified]] = seen_high[certified]
    for k in np.flatnonzero(~certified):
        c = block[k].toarray().ravel()
        i = obj_rows[k]
        low = _optimum(c, a_eq, b_eq)
        if low is None:
            return False
        high = _optimum(-c, a_eq, b_eq)
        lower[i] = low
        upper[i] = np.inf if high == -np.inf else -high
        exact[i] = True
    return True


def _vertex_certificates(block, a_eq, b_eq, seen_low, seen_high) -> list | None:
    """Shortcut rounds of step 1; the feasible solutions found (None: the counts contradict)."""
    rng = np.random.default_rng(SEED)
    solutions = []
    for _ in range(SHORTCUT_ROUNDS):
        direction = rng.uniform(0.5, 1.5, block.shape[0]) @ block
        low_solution = _solution(direction, a_eq, b_eq)
        if low_solution is None:  # a non-negative direction is bounded below: the counts contradict
            return None
        high_solution = _solution(-direction, a_eq, b_eq)
        found = [low_solution] + ([high_solution] if high_solution is not None else [])
        before = seen_high - seen_low
        for solution in found:
            values = block @ solution
            np.minimum(seen_low, values, out=seen_low)
            np.maximum(seen_high, values, out=seen_high)
        solutions += found
        gained = (seen_high - seen_low) - np.nan_to_num(before, neginf=0.0, posinf=0.0)
        if high_solution is None or (gained > TOLERANCE).mean() < SHORTCUT_MIN_GAIN:
            break
    return solutions


def _twin_certificates(block, a_eq, center: np.ndarray):
    """Step 2: bounds of each cell reachable from ``center`` by moving mass between twin base cells."""
    # Columns with the same rows (all coefficients are 1) have the same random projection.
    rng = np.random.default_rng(SEED + 1)
    signature = np.stack([rng.random(a_eq.shape[0]) @ a_eq, rng.random(a_eq.shape[0]) @ a_eq], axis=1)
    groups, _ = pd.factorize(pd.MultiIndex.from_arrays([signature[:, 0].round(9), signature[:, 1].round(9)]))
    n_groups = int(groups.max()) + 1
    member = sparse.csr_matrix((np.ones(len(groups)), (np.arange(len(groups)), groups)),
                               shape=(len(groups), n_groups))
    size = np.asarray(member.sum(axis=0)).ravel()
    mass = member.T @ np.clip(center, 0, None)
    inside = (block @ member).tocsr()  # cells x groups: how many of the group's base cells the cell holds
    whole = inside.data >= size[inside.indices] - 0.5
    weighted = inside.copy()
    weighted.data = mass[inside.indices] * whole
    low = np.asarray(weighted.sum(axis=1)).ravel()
    weighted.data = mass[inside.indices] * ~whole
    return low, low + np.asarray(weighted.sum(axis=1)).ravel()


def _local_certificate(c: np.ndarray, a_eq, a_csc, b_eq, center: np.ndarray) -> tuple[float, float]:
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
    low = _optimum(c[hood], a_local, b_local)
    high = _optimum(-c[hood], a_local, b_local)
    if low is None or high is None:  # numerical noise at the center: no certificate
        value = c @ center
        return value, value
    return fixed + low, fixed + (np.inf if high == -np.inf else -high)


def _swap_certificates(block, a_eq, center: np.ndarray, pairs: np.ndarray):
    """Step 3: bounds of single-base-cell cells reachable from ``center`` by men <-> women swaps.

    A pair (men m, women f of one area and year) moves by +d on m and -d on f; pairs whose column
    differences a_m - a_f are equal compensate each other, so every published count stays the same.
    """
    values = block @ center
    low, high = values.copy(), values.copy()
    m = np.flatnonzero((pairs >= 0) & (np.arange(len(pairs)) < np.where(pairs >= 0, pairs, -1)))
    if len(m) < 2:
        return low, high
    f = pairs[m]
    diff = a_eq[:, m] - a_eq[:, f]
    rng = np.random.default_rng(SEED + 2)
    signature = np.stack([rng.random(a_eq.shape[0]) @ diff, rng.random(a_eq.shape[0]) @ diff], axis=1)
    groups, _ = pd.factorize(pd.MultiIndex.from_arrays([signature[:, 0].round(9), signature[:, 1].round(9)]))
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


def _solution(c: np.ndarray, a_eq, b_eq) -> np.ndarray | None:
    """A vertex minimising c @ v (None when infeasible or unbounded)."""
    if a_eq.shape[0] == 0:
        return None if (c < 0).any() else np.zeros(len(c))
    result = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    return result.x if result.status == 0 else None


def _optimum(c: np.ndarray, a_eq, b_eq) -> float | None:
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
