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
    var_codes, _ = pd.factorize(pd.MultiIndex.from_frame(terms[["source", "year", "base_sex"]]))
    n_vars = int(var_codes.max()) + 1
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
    lower, upper, exact, inconsistent = _solve(reduced_known.tocsr(), reduced_values, objectives[:, free].tocsr(),
                                               threshold)
    keep = ["area_id", "period", "sex"] + (["suppressed"] if "suppressed" in cells else [])
    out = cells.loc[withheld, keep].reset_index(drop=True)
    out["lower"] = lower + offsets
    out["upper"] = upper + offsets
    out["width"] = out["upper"] - out["lower"]
    out["exact"] = exact
    out["protected"] = out["width"] >= threshold - TOLERANCE
    return AuditResult(out, threshold, inconsistent)


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


def _solve(known: sparse.csr_matrix, values: np.ndarray, objectives: sparse.csr_matrix, threshold: float):
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
        if not _component_bounds(block, a_eq, b_eq, lower, upper, obj_rows, exact, threshold):
            inconsistent.append(f"component {label}: no non-negative solution")
    return lower, upper, exact, inconsistent


def _component_bounds(block, a_eq, b_eq, lower, upper, obj_rows, exact, threshold) -> bool:
    """Fill lower/upper for one component's withheld cells; False when the published counts contradict.

    Shortcut first: minimise, then maximise, a random positive combination of the withheld cells still
    open (the plain sum is often fixed by the published totals, so both ends would be one vertex). Both
    solutions are feasible, so each cell's true interval contains the two values it takes in them; a cell
    they already set ``threshold`` apart is protected without programs of its own (with thousands of
    withheld communes in one component this saves most of the 2 x n programs). The others get their
    exact minimum and maximum. The shortcut only ever proves protection, so the verdict does not depend
    on the random weights (seeded anyway, for repeatable intervals).
    """
    rng = np.random.default_rng(SEED)
    open_cells = np.ones(len(obj_rows), dtype=bool)
    for _ in range(SHORTCUT_ROUNDS if a_eq.shape[0] else 0):
        weights = np.zeros(len(obj_rows))
        weights[open_cells] = rng.uniform(0.5, 1.5, open_cells.sum())
        direction = weights @ block
        low_solution = _solution(direction, a_eq, b_eq)
        if low_solution is None:  # a non-negative direction is bounded below: the counts contradict
            return False
        high_solution = _solution(-direction, a_eq, b_eq)
        if high_solution is None:  # unbounded above: leave it to the exact programs
            break
        seen = np.sort(np.stack([block @ low_solution, block @ high_solution]), axis=0)
        certified = open_cells & (seen[1] - seen[0] >= threshold - TOLERANCE)
        lower[obj_rows[certified]] = seen[0][certified]
        upper[obj_rows[certified]] = seen[1][certified]
        open_cells &= ~certified
        if certified.sum() < SHORTCUT_MIN_GAIN * max(open_cells.sum(), 1):
            break
    for k in np.flatnonzero(open_cells):
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
