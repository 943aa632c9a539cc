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

import numpy as np
import pandas as pd

from .audit import feasible_intervals, period_years
from .disclosure import secondary_across_sex

MAX_ROUNDS = 30
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
    """Extend ``withheld`` (primary and sex rule) until every withheld count is protected.

    ``cells``: area_id, period, sex, numerator (the true counts). ``sources``: target, source, as for the
    audit. ``parents``: parent area id by area id. Returns the new mask (a superset of ``withheld``).
    """
    cells = cells.reset_index(drop=True)
    counts = cells["numerator"].to_numpy(dtype=float)
    withheld = withheld.copy()
    membership = groups_of(cells, sources, parents)
    container_cell = _container_cells(cells)
    for _ in range(MAX_ROUNDS):
        audited = cells[["area_id", "period", "sex"]].copy()
        audited["numerator"] = np.where(withheld, np.nan, counts)
        audited["withheld"] = withheld
        result = feasible_intervals(audited, sources, threshold)
        if result.ok:
            return withheld
        narrow = _cell_index(cells, result.recoverable)
        added = _round(narrow, membership, container_cell, counts, withheld, threshold)
        if not added.any():
            raise ComplementaryError(f"{len(narrow)} withheld cell(s) stay recoverable and no cell is left to "
                                     "withhold around them")
        withheld |= added
        withheld = secondary_across_sex(cells, withheld, counts)
    raise ComplementaryError(f"withheld cells still recoverable after {MAX_ROUNDS} rounds")


def _cell_index(cells: pd.DataFrame, rows: pd.DataFrame) -> np.ndarray:
    index = pd.MultiIndex.from_frame(cells[["area_id", "period", "sex"]])
    return index.get_indexer(pd.MultiIndex.from_frame(rows[["area_id", "period", "sex"]]))


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
