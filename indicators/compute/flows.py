"""Complementary cells chosen by one small linear program per open cell.

The model is the LP relaxation of optimal cell suppression (Fischetti and Salazar-González, "Models and
algorithms for optimizing cell suppression in tabular data with linear constraints", JASA 95, 2000; the
model behind tau-argus' Optimal and Modular methods, Hundepool et al., *Statistical Disclosure Control*,
Wiley 2012, section 4.4). For an open withheld cell x it looks for a move ``y`` of the base cells (observed
area x single year x base sex) that

- raises x by the threshold: x's feasible interval is then at least the threshold wide;
- keeps every base cell non-negative from the true counts (``center + y >= 0``);
- changes published cells as little as possible, each weighted by its count plus one (smallest counts
  first: communes before their EPCI, department before region, and France last).

Every published cell the move changes is withheld; the move stays feasible when more is withheld later
(withholding only removes constraints), so x is protected for good and the rounds terminate. The program
is restricted to x's neighbourhood (the observed areas under its small containers: EPCI, department,
territory, region; the years its periods pool with), a sound restriction: a move found there is a move.
Plain numpy/scipy, no Django and no file I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import linprog

from .audit import _expand, period_years

# A container of at most this many observed areas bounds a neighbourhood: first the small ones (EPCI,
# department, territory), then, when the move found there changes a large count, the larger ones (a region).
# France, holding every commune, never does at commune scale.
NEIGHBOURHOOD_LIMITS = (None, 400, 2_500)  # None: x's atom (the areas under exactly x's containers)
# A move that changes a published count this large is looked for again in the larger neighbourhood.
LARGE_COUNT = 1_000
MOVED = 1e-7
BATCH = 400
FREE_SEARCH_LIMIT = 400  # free moves are looked for up to this neighbourhood (a region's rarely pays)  # atom programs per solver call
FREE = 1e-6  # a move's cost below this changes no published count (published cells cost 1 + count per unit)


@dataclass
class FlowContext:
    """What every program of one protection call shares (built once)."""

    csr: sparse.csr_matrix  # cells x base cells
    csc: sparse.csc_matrix  # the same, by column
    base_source: np.ndarray
    base_year: np.ndarray
    spans: list[set]  # the years of each period label, to link pooled periods with their single years
    counts: np.ndarray
    weights: np.ndarray  # cost of withholding each cell
    atom_of: pd.Series  # atom code by observed area (areas under exactly the same containers)
    atom_areas: dict  # atom code -> its observed areas
    starts: np.ndarray  # per observed area (sorted ``areas``): its first base cell; base cells are by area
    ends: np.ndarray
    areas: np.ndarray
    holders_of: tuple  # (keys, starts, values): an observed area's containers, as sorted arrays
    members_of: tuple  # a container's observed areas
    size_of: pd.Series  # observed areas per container


def _index(keys: np.ndarray, values: np.ndarray) -> tuple:
    order = np.argsort(keys, kind="stable")
    keys, values = keys[order], values[order]
    unique, starts = np.unique(keys, return_index=True)
    return unique, np.append(starts, len(keys)), values


def _lookup(index: tuple, keys: np.ndarray) -> np.ndarray:
    """Every value of the given keys (unique), from an ``_index``."""
    unique, starts, values = index
    at = np.searchsorted(unique, keys)
    at = at[(at < len(unique)) & (unique[np.minimum(at, len(unique) - 1)] == keys)]
    if not len(at):
        return np.array([], dtype=values.dtype)
    return np.unique(np.concatenate([values[starts[i]:starts[i + 1]] for i in at]))


def flow_context(model, sources: pd.DataFrame, cells: pd.DataFrame, counts: np.ndarray,
                 atom_of: pd.Series) -> FlowContext:
    pairs = sources.loc[sources["target"].to_numpy() != sources["source"].to_numpy(), ["target", "source"]]
    size = pairs.groupby("target")["source"].transform("size").to_numpy()
    small = pairs[size <= NEIGHBOURHOOD_LIMITS[-1]].astype(np.int64).assign(size=size[size <= NEIGHBOURHOOD_LIMITS[-1]])
    labels = pd.unique(cells["period"])
    spans = [set(period_years(label)) for label in labels]
    weights = 1.0 + np.nan_to_num(np.asarray(counts, dtype=float), nan=0.0)
    base_source = model.base["source"].to_numpy(np.int64)
    areas = np.unique(base_source)
    groups = pd.Series(atom_of.index.to_numpy(), index=atom_of.to_numpy()).groupby(level=0)
    target, source = small["target"].to_numpy(), small["source"].to_numpy()
    sizes = small.groupby("target")["size"].first()
    return FlowContext(model.matrix, model.matrix.tocsc(), base_source, model.base["year"].to_numpy(np.int64),
                       spans, counts, weights, atom_of, {k: v.to_numpy() for k, v in groups},
                       np.searchsorted(base_source, areas, "left"), np.searchsorted(base_source, areas, "right"),
                       areas, _index(source, target), _index(target, source),
                       pd.Series(sizes.to_numpy(), index=sizes.index))


def _base_of(ctx: FlowContext, areas: np.ndarray, years: set) -> np.ndarray:
    """Base cells of ``areas`` (observed areas) in ``years``: contiguous ranges, base cells being by area."""
    at = np.searchsorted(ctx.areas, areas)
    at = at[(at < len(ctx.areas)) & (ctx.areas[np.minimum(at, len(ctx.areas) - 1)] == areas)]
    lengths = ctx.ends[at] - ctx.starts[at]
    _, columns = _expand(lengths, ctx.starts[at])
    return columns[np.isin(ctx.base_year[columns], list(years))]


def _years(ctx: FlowContext, columns: np.ndarray) -> set:
    years = set(np.unique(ctx.base_year[columns]).tolist())
    for span in ctx.spans:
        if span & years:
            years |= span
    return years


def _neighbourhood(ctx: FlowContext, columns: np.ndarray, limit: int | None) -> np.ndarray | None:
    """Base cells of the observed areas under x's containers of at most ``limit`` areas (``None``: x's
    atom, when x is one observed area), in the years x's periods pool with."""
    mine = np.unique(ctx.base_source[columns])
    if limit is None:
        if len(mine) != 1 or mine[0] not in ctx.atom_of.index:
            return None
        areas = ctx.atom_areas[ctx.atom_of[mine[0]]]
    else:
        holders = _lookup(ctx.holders_of, mine)
        holders = holders[ctx.size_of.reindex(holders).to_numpy() <= limit] if len(holders) else holders
        areas = np.union1d(mine, _lookup(ctx.members_of, holders))
    return _base_of(ctx, np.asarray(areas, dtype=np.int64), _years(ctx, columns))


def flow_move(ctx: FlowContext, x: int, withheld: np.ndarray, center: np.ndarray, threshold: float,
              limits=NEIGHBOURHOOD_LIMITS, best=None):
    """(local cell numbers, their change, cost) of the cheapest move raising x by ``threshold``: a free
    move (only withheld cells move) in the atom or the small neighbourhood; else the cheapest move in the
    small neighbourhood, and in the larger one while the move found costs a large published count."""
    columns = ctx.csr[x].indices
    hoods = {}

    def hood(limit):
        if limit not in hoods:
            hoods[limit] = _neighbourhood(ctx, columns, limit)
        return hoods[limit]

    for limit in limits:
        if limit is not None and limit > FREE_SEARCH_LIMIT or hood(limit) is None:
            continue
        free = _solve([_program(ctx, x, withheld, center, threshold, hood(limit), free=True)])[0]
        if free is not None and free[1][free[0] == x][0] >= threshold * (1 - 1e-9):
            return free[0], free[1], 0.0  # nothing more to withhold
    for limit in limits:
        if limit is None or hood(limit) is None:
            continue
        move = _solve([_program(ctx, x, withheld, center, threshold, hood(limit))])[0]
        if move is not None and (best is None or move[2] < best[2]):
            best = move
        if best is not None and not _costs_large(ctx, best, withheld):
            break
    return best


def _costs_large(ctx: FlowContext, move, withheld: np.ndarray) -> bool:
    rows, change, _ = move
    moved = rows[(np.abs(change) > MOVED) & ~withheld[rows]]
    return bool((np.nan_to_num(ctx.counts[moved], nan=0.0) >= LARGE_COUNT).any())


@dataclass
class _Program:
    """min cost(p + q) s.t. A_pub y = p - q, a_x y = threshold, y >= -center, p, q >= 0 on ``local``."""

    rows: np.ndarray  # the cells the local base cells make up
    block: sparse.csr_matrix  # those cells x local base cells
    c: np.ndarray
    a_eq: sparse.csr_matrix
    b_eq: np.ndarray
    lower: np.ndarray


def _local_block(ctx: FlowContext, local: np.ndarray) -> tuple[sparse.csr_matrix, np.ndarray]:
    """(cells x local base cells, those cells' numbers), built from the columns' own entries: converting
    the column slice to rows would cost a pass over every cell of the table."""
    starts, ends = ctx.csc.indptr[local], ctx.csc.indptr[local + 1]
    lengths = ends - starts
    _, at = _expand(lengths, starts)
    rows, inverse = np.unique(ctx.csc.indices[at], return_inverse=True)
    columns = np.repeat(np.arange(len(local)), lengths)
    block = sparse.csr_matrix((ctx.csc.data[at], (inverse, columns)), shape=(len(rows), len(local)))
    return block, rows


def _program(ctx: FlowContext, x: int, withheld: np.ndarray, center: np.ndarray, threshold: float,
             local: np.ndarray, free: bool = False) -> _Program:
    """The cost program; ``free``: only withheld cells may move (presolve then drops every published
    area's base cells), with a slack on x's target so that a batch of them is always feasible."""
    block, rows = _local_block(ctx, local)
    published = ~withheld[rows]
    n_base, n_pub = len(local), int(published.sum())
    target = block[rows == x]
    if free:
        a_eq = sparse.vstack([sparse.hstack([block[published], sparse.csr_matrix((n_pub, 1))]),
                              sparse.hstack([target, sparse.csr_matrix(([1.0], ([0], [0])), shape=(1, 1))])])
        return _Program(rows, block, np.concatenate([np.zeros(n_base), [1.0]]), a_eq.tocsr(),
                        np.concatenate([np.zeros(n_pub), [float(threshold)]]),
                        np.concatenate([-center[local], [0.0]]))
    identity = sparse.identity(n_pub, format="csr")
    a_eq = sparse.vstack([sparse.hstack([block[published], -identity, identity]),
                          sparse.hstack([target, sparse.csr_matrix((1, 2 * n_pub))])]).tocsr()
    cost_pub = ctx.weights[rows[published]]
    return _Program(rows, block, np.concatenate([np.zeros(n_base), cost_pub, cost_pub]), a_eq,
                    np.concatenate([np.zeros(n_pub), [float(threshold)]]),
                    np.concatenate([-center[local], np.zeros(2 * n_pub)]))


def _solve(programs: list[_Program]) -> list:
    """Independent programs solved as one block-diagonal program (one solver call for many small ones):
    per program (cells, change, cost), or None where the solver fails (never infeasible: raising x's own
    base cells and all their containers is a move)."""
    if not programs:
        return []
    sizes = np.array([len(p.c) for p in programs])
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    lower = np.concatenate([p.lower for p in programs])
    result = linprog(np.concatenate([p.c for p in programs]),
                     A_eq=sparse.block_diag([p.a_eq for p in programs], format="csr"),
                     b_eq=np.concatenate([p.b_eq for p in programs]),
                     bounds=np.column_stack([lower, np.full(len(lower), np.inf)]), method="highs")
    if result.status != 0:
        return [_solve([p])[0] for p in programs] if len(programs) > 1 else [None]
    moves = []
    for p, start, stop in zip(programs, offsets[:-1], offsets[1:]):
        part = result.x[start:stop]
        moves.append((p.rows, p.block @ part[:p.block.shape[1]], float(p.c @ part)))
    return moves


@dataclass
class FlowOutcome:
    added: np.ndarray  # published cells to withhold
    proven: np.ndarray  # cells a move of at least the threshold witnesses (protected for good)
    low: np.ndarray  # per cell, where proven: the witnessed interval's ends (true count and moved count)
    high: np.ndarray


def flow_rule(ctx: FlowContext, narrow: np.ndarray, withheld: np.ndarray, center: np.ndarray,
              threshold: float) -> FlowOutcome:
    """The published cells to withhold so that every cell of ``narrow`` has a move of the threshold (free
    when the withheld cells alone allow one: the program then withholds nothing). First every open cell's
    program within its atom, all in one solver call; then, one by one, larger programs for the cells whose
    atom offers no free move (each sees what the earlier ones withheld)."""
    n = len(withheld)
    out = FlowOutcome(np.zeros(n, dtype=bool), np.zeros(n, dtype=bool), np.full(n, np.nan), np.full(n, np.nan))
    counts = np.nan_to_num(np.asarray(ctx.counts, dtype=float), nan=0.0)
    best = _batched(ctx, narrow, withheld, center, threshold, None, {})
    for x in narrow:
        if out.proven[x]:
            continue
        move = best.get(int(x))
        if move is None or move[2] >= FREE:
            # The atom again first when the earlier programs of this round withheld some of its cells: that
            # often frees a move there.
            changed = move is not None and bool(out.added[move[0]].any())
            limits = NEIGHBOURHOOD_LIMITS if changed else NEIGHBOURHOOD_LIMITS[1:]
            move = flow_move(ctx, int(x), withheld | out.added, center, threshold, limits, None)
        if move is not None:
            _apply(out, move, counts, threshold)
    out.added &= ~withheld
    return out


def _batched(ctx: FlowContext, cells: np.ndarray, withheld: np.ndarray, center: np.ndarray, threshold: float,
             limit, best: dict, free: bool = False) -> dict:
    """Each cell's program in its ``limit`` neighbourhood, many per solver call; the cheaper move kept
    (``free`` programs: only their free moves, those that reach the threshold)."""
    best = dict(best)
    for chunk in np.array_split(cells, max(1, -(-len(cells) // BATCH))):
        programs, numbers = [], []
        for x in chunk:
            local = _neighbourhood(ctx, ctx.csr[x].indices, limit)
            if local is not None:
                programs.append(_program(ctx, int(x), withheld, center, threshold, local, free))
                numbers.append(int(x))
        for x, move in zip(numbers, _solve(programs)):
            if free and move is not None:  # free when x itself moved the whole threshold (no slack left)
                reached = move[1][move[0] == x]
                move = (move[0], move[1], 0.0) if len(reached) and reached[0] >= threshold * (1 - 1e-9) else None
            if move is not None and (best.get(x) is None or move[2] < best[x][2]):
                best[x] = move
    return best


def _apply(out: FlowOutcome, move, counts: np.ndarray, threshold: float) -> None:
    rows, change, _ = move
    out.added[rows[np.abs(change) > MOVED * max(1.0, threshold)]] = True
    far = np.abs(change) >= threshold * (1 - 1e-9)
    far_rows = rows[far]
    out.proven[far_rows] = True
    out.low[far_rows] = counts[far_rows] + np.minimum(change[far], 0.0)
    out.high[far_rows] = counts[far_rows] + np.maximum(change[far], 0.0)
