"""Disclosure audit: how precisely can an attacker pin down each withheld count from what is published?

The attacker's model (docs/methods/disclosure.md): every published count of an indicator is a sum of
unknown non-negative *base cells* (observed area x single year x base sex), because parents are sums of
their children along every hierarchy (commune -> EPCI, commune -> department -> region -> France,
territory sets), T = M + F and a pooled period is the sum of its single years. For a withheld cell, the
values consistent with all the published counts form an interval [lower, upper]; its ends are linear
programs (scipy's HiGHS), as in tau-argus' audit (Hundepool et al., *Statistical Disclosure Control*,
Wiley 2012, section 4.3). A cell is protected when ``upper - lower >= threshold``.

Two ways in:
- from the published cells only (``feasible_intervals`` without ``true_counts``, as an outsider would):
  peeling, certificates from LP vertices, exact programs (``audit_exact``);
- with the true counts (the pipeline has them): the truth is a feasible point, so the twin and swap
  certificates from it (``certificates``) prove nearly every cell protected in a few sparse products, at
  France scale, and only the cells they leave open get local, then exact, programs.

Plain pandas/numpy/scipy, no Django and no file I/O: the caller gives the cells and, for each published
area, the observed areas it sums (``sources``, e.g. from ``geography.rollup``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from .audit_exact import exact_intervals
from .certificates import TOLERANCE, local_certificate, signature, swap_bounds, twin_bounds

CELL_COLUMNS = ["area_id", "period", "sex", "numerator", "withheld"]
SEX_CODES = {"M": 0, "F": 1, "T": 2}
# Local programs per certification; beyond it the open cells are left open (complementary suppression
# withholds around them rather than spend a program on each).
LOCAL_BUDGET = 1000


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


@dataclass
class AuditModel:
    """Each cell as a 0/1 row over the base cells it sums (built once, audited under many masks)."""

    matrix: sparse.csr_matrix  # cells x base cells
    base: pd.DataFrame  # per base cell: source, year, base_sex (0 M, 1 F, 2 T when sexes are not split)
    partner: np.ndarray  # per base cell: the other sex's base cell of the same area and year, or -1


def period_years(label) -> tuple[int, ...]:
    """2019 -> (2019,); "2017-2019" -> (2017, 2018, 2019)."""
    text = str(label)
    if "-" in text:
        first, last = text.split("-", 1)
        return tuple(range(int(first), int(last) + 1))
    return (int(text),)


def _period_spans(cells: pd.DataFrame) -> tuple[np.ndarray, list[tuple[int, ...]]]:
    """(label code per cell, years of each distinct label): parsed once per label, not per cell."""
    codes, labels = pd.factorize(cells["period"])
    return codes, [period_years(label) for label in labels]


def _expand(counts: np.ndarray, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For row r repeated counts[r] times: (row numbers, starts[r] + 0..counts[r]-1)."""
    rows = np.repeat(np.arange(len(counts)), counts)
    within = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    return rows, np.repeat(starts, counts) + within


def audit_model(cells: pd.DataFrame, sources: pd.DataFrame) -> AuditModel:
    """Vectorised: one repeat per dimension (sources, years, sexes), no merge of millions of rows."""
    area = cells["area_id"].to_numpy(dtype=np.int64)
    pairs = sources[["target", "source"]].astype(np.int64).drop_duplicates()
    alone = np.setdiff1d(np.unique(area), pairs["target"].to_numpy())  # observed areas: their own source
    pairs = pd.concat([pairs, pd.DataFrame({"target": alone, "source": alone})]).sort_values(["target", "source"])
    targets, source_ids = pairs["target"].to_numpy(), pairs["source"].to_numpy()
    left = np.searchsorted(targets, area, "left")
    cell, at = _expand(np.searchsorted(targets, area, "right") - left, left)
    source = source_ids[at]
    period_codes, spans = _period_spans(cells)
    years = np.unique(np.concatenate([np.asarray(s) for s in spans])) if spans else np.array([], dtype=np.int64)
    flat = np.concatenate([np.searchsorted(years, s) for s in spans]) if spans else np.array([], dtype=np.int64)
    span_len = np.array([len(s) for s in spans], dtype=np.int64)
    span_start = np.cumsum(span_len) - span_len
    codes = period_codes[cell]
    rows, at = _expand(span_len[codes], span_start[codes])
    cell, source, year = cell[rows], source[rows], flat[at]
    sex = cells["sex"].map(SEX_CODES).to_numpy(dtype=np.int64)[cell]
    split = bool((cells["sex"] != "T").any())
    if split:  # T is the sum of the two base sexes
        doubled = np.where(sex == 2, 2, 1)
        rows, at = _expand(doubled, np.where(sex == 2, 0, sex))
        cell, source, year, base_sex = cell[rows], source[rows], year[rows], at
    else:
        base_sex = np.full(len(cell), 2)
    sources_sorted = np.unique(source)
    n_years = max(len(years), 1)
    key = (np.searchsorted(sources_sorted, source) * n_years + year) * 3 + base_sex
    unique_keys, var = np.unique(key, return_inverse=True)
    matrix = sparse.csr_matrix((np.ones(len(var)), (cell, var)), shape=(len(cells), len(unique_keys)))
    base = pd.DataFrame({"source": sources_sorted[unique_keys // (3 * n_years)],
                         "year": years[(unique_keys // 3) % n_years] if len(years) else unique_keys * 0,
                         "base_sex": unique_keys % 3})
    other = np.where(base["base_sex"].to_numpy() == 0, unique_keys + 1,
                     np.where(base["base_sex"].to_numpy() == 1, unique_keys - 1, -1))
    found = np.searchsorted(unique_keys, other)
    found = np.minimum(found, len(unique_keys) - 1)
    partner = np.where((other >= 0) & (unique_keys[found] == other), found, -1)
    return AuditModel(matrix.tocsr(), base, partner)


def truth_center(model: AuditModel, cells: pd.DataFrame, true_counts: np.ndarray) -> np.ndarray | None:
    """The base cells' true values from the cells' true counts: a feasible point with no program solved.

    None when the cells do not give every base cell (pooled periods only) or the point does not add up to
    the published counts (e.g. counts left not computable): the caller then finds a point by programming.
    """
    codes, spans = _period_spans(cells)
    single = np.array([len(s) == 1 for s in spans], dtype=bool)[codes] if spans else np.zeros(0, dtype=bool)
    if not single.any():
        return None
    first_year = np.array([s[0] for s in spans], dtype=np.int64)
    split = bool((cells["sex"] != "T").any())
    own = pd.DataFrame({"source": cells["area_id"].to_numpy(dtype=np.int64)[single],
                        "year": first_year[codes[single]],
                        "base_sex": cells["sex"].map(SEX_CODES).to_numpy()[single],
                        "count": np.asarray(true_counts, dtype=float)[single]})
    if split:
        own = own[own["base_sex"] != 2]
    found = model.base.merge(own, on=["source", "year", "base_sex"], how="left")["count"].to_numpy()
    center = np.nan_to_num(found, nan=0.0)
    known = ~np.isnan(np.asarray(true_counts, dtype=float))
    residual = model.matrix[known] @ center - np.asarray(true_counts, dtype=float)[known]
    scale = max(1.0, float(np.nanmax(np.abs(true_counts))) if len(true_counts) else 1.0)
    return center if np.abs(residual).max(initial=0.0) <= TOLERANCE * scale else None


def certify(model: AuditModel, withheld: np.ndarray, values: np.ndarray, center: np.ndarray, threshold: float,
            local_budget: int = LOCAL_BUDGET, rows: np.ndarray | None = None):
    """(low, high, certified) for the cells ``rows`` (default: every withheld cell, in cell order): a
    sub-interval of each one's feasible interval from feasible points around ``center`` (twin moves, sex
    swaps, then local programs when at most ``local_budget`` cells are left open). One sparse product gives
    every base cell's published counts; no matrix of published rows is built unless programs run."""
    rows = np.flatnonzero(withheld) if rows is None else rows
    published = ~withheld
    sig = signature(model.matrix, published)
    block = model.matrix[rows]
    low, high = twin_bounds(block, sig, center)
    swap_low, swap_high = swap_bounds(block, sig, center, model.partner)
    low, high = np.minimum(low, swap_low), np.maximum(high, swap_high)
    certified = high - low >= threshold - TOLERANCE
    todo = np.flatnonzero(~certified)
    if 0 < len(todo) <= local_budget:
        a_pub = model.matrix[published]
        a_csc, b_pub = a_pub.tocsc(), values[published]
        for k in todo:
            local_low, local_high = local_certificate(block[k].toarray().ravel(), a_pub, a_csc, b_pub, center)
            low[k], high[k] = min(low[k], local_low), max(high[k], local_high)
        certified = high - low >= threshold - TOLERANCE
    return low, high, certified


def feasible_intervals(cells: pd.DataFrame, sources: pd.DataFrame, threshold: float,
                       true_counts: np.ndarray | None = None, model: AuditModel | None = None) -> AuditResult:
    """Each withheld cell's feasible interval given the published counts of the same indicator.

    ``cells``: area_id, period (2019 or "2017-2019"), sex (M/F/T), numerator (the published count; NaN where
    withheld), withheld (bool), and optionally suppressed (bool: withheld by disclosure control; other
    withheld cells, e.g. not computable, are unknowns too but only suppressed ones must be protected).
    ``sources``: target, source: the observed areas each published area sums (including each observed area
    for itself). Areas that are sources but have no published cell are unknowns like withheld cells.
    ``true_counts`` (aligned with ``cells``): the counts before withholding, when the caller has them; the
    intervals are then certified sub-intervals (``exact`` False) where that proves protection.
    """
    cells = cells.reset_index(drop=True)
    withheld = cells["withheld"].to_numpy(dtype=bool)
    keep = ["area_id", "period", "sex"] + (["suppressed"] if "suppressed" in cells else [])
    out = cells.loc[withheld, keep].reset_index(drop=True)
    if not withheld.any():
        return interval_result(out.assign(lower=[], upper=[], exact=[]), threshold, [])
    model = model or audit_model(cells, sources)
    values = cells["numerator"].to_numpy(dtype=float)
    rows = np.flatnonzero(withheld)
    center = truth_center(model, cells, true_counts) if true_counts is not None else None
    lower, upper = np.zeros(len(rows)), np.full(len(rows), np.inf)
    exact, inconsistent = np.zeros(len(rows), dtype=bool), []
    open_ = np.ones(len(rows), dtype=bool)
    if center is not None:
        lower, upper, certified = certify(model, withheld, values, center, threshold)
        open_ = ~certified
    if open_.any():
        low, high, is_exact, inconsistent = exact_intervals(model.matrix, model.partner, ~withheld, values,
                                                            rows[open_], threshold)
        lower[open_], upper[open_], exact[open_] = low, high, is_exact
    return interval_result(out.assign(lower=lower, upper=upper, exact=exact), threshold, inconsistent)


def interval_result(out: pd.DataFrame, threshold: float, inconsistent: list[str]) -> AuditResult:
    out["width"] = out["upper"] - out["lower"]
    out["protected"] = out["width"] >= threshold - TOLERANCE
    columns = ["area_id", "period", "sex", "lower", "upper", "width", "exact", "protected"]
    return AuditResult(out[[*columns, *(["suppressed"] if "suppressed" in out else [])]], threshold, inconsistent)
