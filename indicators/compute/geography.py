"""Where observed areas roll up to: a sparse 0/1 matrix (target areas x observed areas).

Commune data goes through ``CommuneMembership`` (correct for EPCIs crossing department borders and for
territory sets), plus the commune's parent chain in case a membership row is missing. Department and
region data go up their parent chain (department -> region -> France), which is containment for those
levels. An EPCI's parent is only "the department holding most of its population", not a container, so
EPCI and territory data are never rolled up. Data is never pushed down a level.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

from .spec import LEVELS_WITH_CONTAINING_PARENT, ComputeError, Geography

MAX_DEPTH = 6


def _ancestor_pairs(areas: pd.DataFrame, source_ids: np.ndarray) -> pd.DataFrame:
    """(source, ancestor) pairs following parent_id while the area's parent contains it."""
    parent = areas.set_index("id")["parent_id"]
    contains = areas.set_index("id")["level"].isin(LEVELS_WITH_CONTAINING_PARENT)
    pairs = [pd.DataFrame({"source": source_ids, "target": source_ids})]
    current = pd.Series(source_ids, index=source_ids)
    for _ in range(MAX_DEPTH):  # a loop over levels, never over areas
        current = current[contains.reindex(current.to_numpy(), fill_value=False).to_numpy()]
        up = parent.reindex(current.to_numpy()).to_numpy()
        keep = ~pd.isna(up)
        current = pd.Series(up[keep].astype(np.int64), index=current.index[keep])
        if current.empty:
            break
        pairs.append(pd.DataFrame({"source": current.index.to_numpy(), "target": current.to_numpy()}))
    return pd.concat(pairs, ignore_index=True)


def rollup(geo: Geography, observed_level: str, source_ids) -> tuple[np.ndarray, sparse.csr_matrix]:
    """(target area ids, matrix T x S) such that ``matrix @ cube`` sums observed areas into every target."""
    source_ids = np.asarray(source_ids, dtype=np.int64)
    if observed_level == "commune":
        members = geo.memberships
        members = members[members["commune_id"].isin(source_ids)]
        pairs = pd.concat(
            [members.rename(columns={"commune_id": "source", "area_id": "target"})[["source", "target"]],
             _ancestor_pairs(geo.areas, source_ids)],
            ignore_index=True,
        ).drop_duplicates()
    elif observed_level in LEVELS_WITH_CONTAINING_PARENT or observed_level == "country":
        pairs = _ancestor_pairs(geo.areas, source_ids)
    elif observed_level in ("epci", "territory"):
        pairs = pd.DataFrame({"source": source_ids, "target": source_ids})
    else:
        raise ComputeError(f"unknown observation level {observed_level!r}")
    targets = np.unique(pairs["target"].to_numpy())
    rows = np.searchsorted(targets, pairs["target"].to_numpy())
    cols = pd.Index(source_ids).get_indexer(pairs["source"].to_numpy())
    matrix = sparse.csr_matrix((np.ones(len(pairs)), (rows, cols)), shape=(len(targets), len(source_ids)))
    return targets, matrix
