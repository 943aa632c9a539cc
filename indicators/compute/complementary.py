"""Complementary suppression: withhold more counts until the audit proves no withheld count recoverable.

After primary suppression (counts under the threshold) and the sex rule, a withheld count can still come
back by subtraction across areas (a department from France minus the others) or periods. Each round:

1. the audit (``audit.feasible_intervals``) names the withheld cells narrower than the threshold;
2. for each such cell and each *group* it belongs to (the areas directly under one of its containers, for
   its period and sex: the other departments of its region, the other communes of its department, of its
   EPCI, of its territory set...), a group that hides fewer than two cells, or less than the threshold in
   total, gives up its smallest published count (children before parents, smallest counts first, ties by
   area id so that the same inputs always withhold the same cells);
3. a group with no published member left gives up its container's own count (a pooled period is the
   container of its single years);
4. the sex rule runs again (the same cells across sexes where that suffices).

The pipeline knows the true counts, so "hides less than the threshold" is computed on them. Rounds stop
when the audit passes; a table that cannot be protected in ``MAX_ROUNDS`` raises ComplementaryError.
Method and references: docs/methods/disclosure.md. Plain pandas/numpy, no Django, no file I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .audit import LOCAL_BUDGET, AuditResult, audit_model, certify, interval_result, period_years, truth_center
from .certificates import SEED, solution
from .flows import flow_context, flow_rule
from .sex_rule import secondary_across_sex

MAX_ROUNDS = 30
# Rounds in which the mirror rule may run; later rounds use programs only, so that the rounds terminate.
MIRROR_ROUNDS = 2
# Open cells beyond this many go to the mirror rule first (a program each would take too long).
PROGRAM_BUDGET = 1_500
# A container of at most this many observed areas may lose its counts to merge two atoms (not France).
MERGE_CONTAINER_LIMIT = 2_000
GROUP = ["container", "kind", "period", "sex"]


class ComplementaryError(ValueError):
    """No protection found within the round limit (the message names the cells still recoverable)."""


def groups_of(cells: pd.DataFrame, sources: pd.DataFrame, parents: pd.Series) -> pd.DataFrame:
    """(cell, group) memberships: a group is (container, period, sex); its members are the cells of the
    areas directly under the container: observed areas it sums (``sources``) and areas whose parent it is."""
    direct = pd.DataFrame({"container": parents.to_numpy(), "area_id": parents.index.to_numpy()}).dropna()
    summed = sources.rename(columns={"target": "container", "source": "area_id"})
    # Kept apart: France's regions and France's departments are two groups, not one mixing levels.
    under = pd.concat([direct.assign(kind="direct"), summed.assign(kind="summed")], ignore_index=True)
    under = under[under["container"].to_numpy() != under["area_id"].to_numpy()]
    under = under.astype({"container": np.int64, "area_id": np.int64}).drop_duplicates()
    keyed = cells[["area_id", "period", "sex"]].reset_index(names="cell")
    by_area = keyed.merge(under, on="area_id")[["cell", *GROUP]]
    periods = _period_groups(keyed)
    return by_area if periods is None else pd.concat([by_area, periods], ignore_index=True)


def _period_groups(keyed: pd.DataFrame) -> pd.DataFrame | None:
    """A pooled cell ("2017-2019") is a container too: of the single years of its area and sex."""
    labels = pd.Series(keyed["period"].unique(), dtype=object)
    pooled = labels[labels.astype(str).str.contains("-")]
    if pooled.empty:
        return None
    years = pd.DataFrame([(label, str(y)) for label in pooled for y in period_years(label)],
                         columns=["pooled", "year"])
    singles = keyed.assign(year=keyed["period"].astype(str)).merge(years, on="year")
    pooled_cells = keyed.rename(columns={"period": "pooled", "cell": "container_cell"})
    out = singles.merge(pooled_cells, on=["area_id", "sex", "pooled"])
    return pd.DataFrame({"cell": out["cell"], "container": out["area_id"], "kind": "period",
                         "period": out["pooled"], "sex": out["sex"]})


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
    """Atom by observed area (areas held by exactly the same containers: a commune's EPCI, department,
    region, territory... are one atom; two withheld areas of one atom are twins an attacker cannot split),
    and the small containers of each atom (an EPCI, a department, a territory; not France)."""

    of_area: pd.Series
    holds: dict  # atom -> frozenset of its small containers
    holders: dict  # small container -> atoms under it


def _atoms(sources: pd.DataFrame) -> Atoms:
    pairs = sources[sources["target"].to_numpy() != sources["source"].to_numpy()]
    observed = np.unique(sources["source"].to_numpy())
    targets, target_codes = np.unique(pairs["target"].to_numpy(), return_inverse=True)
    weights = np.random.default_rng(SEED).random((2, len(targets)))
    at = np.searchsorted(observed, pairs["source"].to_numpy())
    hashes = [np.bincount(at, weights=w[target_codes], minlength=len(observed)).round(9) for w in weights]
    codes, _ = pd.factorize(pd.MultiIndex.from_arrays(hashes))
    size = np.bincount(target_codes)
    small = pairs[size[target_codes] <= MERGE_CONTAINER_LIMIT]
    holds = pd.DataFrame({"atom": codes[np.searchsorted(observed, small["source"].to_numpy())],
                          "target": small["target"].to_numpy()}).drop_duplicates()
    return Atoms(pd.Series(codes, index=observed), holds.groupby("atom")["target"].apply(frozenset).to_dict(),
                 holds.groupby("target")["atom"].apply(list).to_dict())


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


def _merge_atoms(rest: np.ndarray, keyed: pd.DataFrame, withheld: np.ndarray, atoms: Atoms,
                 cell_of: pd.Series) -> np.ndarray:
    """Open cells of an atom with nothing left to give (all its areas withheld, less than the threshold in
    all): the atom is merged with the sibling atom that costs least, by withholding the containers' counts
    that tell the two apart (every sex, for the period): an EPCI cut by a department border leaves a
    two-commune atom whose twins are then the withheld communes of a neighbouring EPCI of that department."""
    added = np.zeros(len(keyed), dtype=bool)
    stuck = keyed.iloc[rest].dropna(subset=["atom"])[["atom", "period"]].drop_duplicates()
    if stuck.empty:
        return added
    withheld_mass = keyed[withheld].dropna(subset=["atom"]).groupby("atom")["count"].sum()
    cost_of = keyed.loc[~withheld].groupby(["area_id", "period"])["count"].sum().to_dict()
    for atom, period in stuck.itertuples(index=False):  # a handful per round: the atoms the mirror rule cannot help
        mine = atoms.holds.get(atom, frozenset())
        siblings = {b for k in mine for b in atoms.holders.get(k, [])
                    if b != atom and withheld_mass.get(b, 0.0) > 0}
        best = None
        for b in sorted(siblings):
            apart = mine ^ atoms.holds[b]
            cost = sum(cost_of.get((k, period), 0.0) for k in apart)  # the counts lost, smallest first
            if best is None or cost < best[0]:
                best = (cost, sorted(apart))
        if best is None:
            continue
        keys = pd.MultiIndex.from_tuples([(k, period, sex) for k in best[1] for sex in ("M", "F", "T")])
        where = cell_of.index.get_indexer(keys)
        added[cell_of.to_numpy()[where[where >= 0]]] = True
    return added & ~withheld


def _container_cells(cells: pd.DataFrame) -> pd.Series:
    """Cell number by (area, period, sex), to find a container's own count."""
    return pd.Series(np.arange(len(cells)), index=pd.MultiIndex.from_frame(cells[["area_id", "period", "sex"]]))


def _round(narrow, membership, container_cell, counts, withheld, threshold) -> np.ndarray:
    """The cells to withhold this round for the groups of the narrow cells: the weak groups first; when
    they have nothing left to give, every group of the narrow cells (a channel through several groups)."""
    touched = membership[membership["cell"].isin(narrow)][GROUP].drop_duplicates()
    members = membership.merge(touched, on=GROUP)
    members["withheld"] = withheld[members["cell"].to_numpy()]
    members["count"] = counts[members["cell"].to_numpy()]
    members["hidden"] = np.where(members["withheld"], members["count"], 0.0)
    stats = members.groupby(GROUP, sort=False).agg(n_withheld=("withheld", "sum"), hidden=("hidden", "sum"))
    weak = stats[(stats["n_withheld"] < 2) | (stats["hidden"] < threshold)].index
    added = _give_up(members, weak, container_cell, withheld)
    if not added.any():
        added = _give_up(members, stats.index, container_cell, withheld)
    return added


def _give_up(members, groups, container_cell, withheld) -> np.ndarray:
    """Each group's smallest published count (ties by cell order), or its container's own when none is left."""
    added = np.zeros(len(withheld), dtype=bool)
    in_groups = pd.MultiIndex.from_frame(members[GROUP]).isin(groups)
    candidates = members[in_groups & ~members["withheld"].to_numpy()]
    candidates = candidates.sort_values(GROUP + ["count", "cell"], kind="stable")
    added[candidates.drop_duplicates(GROUP)["cell"].to_numpy()] = True
    given = pd.MultiIndex.from_frame(candidates[GROUP].drop_duplicates())
    empty = pd.MultiIndex.from_frame(pd.DataFrame(list(groups), columns=GROUP)).difference(given)
    if len(empty):
        own_key = pd.MultiIndex.from_arrays([empty.get_level_values("container"), empty.get_level_values("period"),
                                             empty.get_level_values("sex")])
        own = container_cell.reindex(own_key).dropna().astype(np.int64).to_numpy()
        added[own] = True
    return added & ~withheld
