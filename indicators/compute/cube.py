"""Observations -> dense arrays (area x period x sex x age band), filtered, sex-completed, pooled, rolled up.

A dense cube makes every later step one numpy operation over all areas at once: building "T" from M + F,
rolling periods up into 3- or 5-year windows (a cumulative sum), and aggregating areas to every level (one
sparse matrix product). A France-scale commune dataset (35k x 10 x 3 x 20) is 21 M cells, 170 MB.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from indicators.stats.rebanding import BandError, format_band, parse_band, reband_matrix

from .bands import ALL_AGES, plan_bands
from .spec import SEXES, ComputeError, DataFilter

__all__ = ["ALL_AGES", "Cube", "align", "band_labels", "build_cube", "on_areas", "pool", "reband", "roll_up",
           "subset", "without_unmatched"]
SEX_INDEX = {sex: i for i, sex in enumerate(SEXES)}


@dataclass
class Cube:
    area_ids: np.ndarray  # int64, sorted
    periods: list[str]  # "2019" or "2017-2019"
    bands: list[str]
    data: np.ndarray  # float64 (A, P, 3, B)
    present: np.ndarray  # bool (A, P, 3): the dataset has data for this area, period and sex
    # bool (A, P, 3): data present but unusable for the indicator (its bands cannot give the age range):
    # never summed, and anything built from it (T, pooled windows, parents) is not computable either.
    defective: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)
    # bool (A, P, 3): the group holds a figure the publisher masked (CNAM's "<10"), counted as 0 in ``data``
    # but unknown: anything built from it (T, pooled windows, parents) is masked too, never a number.
    masked: np.ndarray | None = None

    def __post_init__(self):
        if self.defective is None:
            self.defective = np.zeros(self.present.shape, dtype=bool)
        if self.masked is None:
            self.masked = np.zeros(self.present.shape, dtype=bool)

    def band_totals(self) -> np.ndarray:
        return self.data.sum(axis=3)


def _sorted_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sorted unique values, position of each value): np.unique(return_inverse) without sorting 14 M rows."""
    uniques = np.sort(pd.unique(values))
    return uniques, np.searchsorted(uniques, values)


def build_cube(obs: pd.DataFrame, flt: DataFilter, *, need_bands: bool, name: str,
               area_labels: pd.Series | None = None) -> Cube:
    """Dense cube from long observations (columns area_id, period, sex, age_band, category, value).

    ``area_labels`` (area id -> code) only makes messages readable.
    """
    if flt.category is not None:
        obs = obs[obs["category"] == flt.category]
    if obs.empty:
        raise ComputeError(f"{name}: no observation matches the filter {flt}")
    sex_codes, sex_labels = pd.factorize(obs["sex"])
    unknown = [s for s in sex_labels if s not in SEX_INDEX]
    if unknown:
        raise ComputeError(f"{name}: unknown sex code(s) {unknown}")
    s_idx = np.array([SEX_INDEX[s] for s in sex_labels], dtype=np.int64)[sex_codes]
    area_ids, a_idx = _sorted_codes(obs["area_id"].to_numpy(dtype=np.int64))
    years, p_idx = _sorted_codes(obs["period"].to_numpy(dtype=np.int64))
    A, P = len(area_ids), len(years)
    cell = (a_idx * P + p_idx) * 3 + s_idx
    band_codes, band_names = pd.factorize(obs["age_band"])
    describe = describer(area_ids, years, area_labels)
    plan = plan_bands([str(b) for b in band_names], band_codes, cell, A * P * 3, flt, need_bands=need_bands,
                      name=name, describe=describe)
    b_idx, B = plan.row_band, len(plan.bands)
    keep = b_idx >= 0
    values = obs["value"].to_numpy(dtype=np.float64)
    source_masked = (obs["masked"].to_numpy(dtype=bool) if "masked" in obs else np.isnan(values))
    kept_cells = cell[keep]
    # A masked figure adds nothing to the sums; its group is flagged masked instead (never a number).
    weights = np.where(source_masked, 0.0, values)[keep]
    data = np.bincount(kept_cells * B + b_idx[keep], weights=weights, minlength=A * P * 3 * B)
    present = np.bincount(kept_cells, minlength=A * P * 3) > 0
    masked = np.bincount(kept_cells, weights=source_masked[keep].astype(np.float64), minlength=A * P * 3) > 0
    defective = plan.defective
    cube = Cube(area_ids, [str(y) for y in years], plan.bands, data.reshape(A, P, 3, B),
                (present | defective).reshape(A, P, 3), defective.reshape(A, P, 3), plan.notes,
                masked.reshape(A, P, 3))
    _complete_both_sexes(cube)
    return cube


def describer(area_ids: np.ndarray, years: np.ndarray, area_labels: pd.Series | None, limit: int = 8):
    """cells -> "971 (1990-1998), 972 (1990-1998), ... (12 areas)": names the groups in messages."""

    def describe(cells: np.ndarray) -> str:
        a, p = np.divmod(np.asarray(cells) // 3, len(years))
        pairs = pd.DataFrame({"a": area_ids[a], "y": years[p]}).drop_duplicates()
        spans = pairs.groupby("a")["y"].agg(["min", "max", "size"])
        names = spans.index.to_series()
        if area_labels is not None:
            names = area_labels.reindex(spans.index).fillna(names.astype(str)).astype(str)
        parts = [f"area {n} ({lo}-{hi}, {k} year(s))" if lo != hi else f"area {n} ({lo})"
                 for n, lo, hi, k in zip(names.iloc[:limit], spans["min"], spans["max"], spans["size"])]
        more = f" and {len(spans) - limit} more" if len(spans) > limit else ""
        return ", ".join(parts) + more

    return describe


def _complete_both_sexes(cube: Cube) -> None:
    """Build "T" = M + F where the data gives men and women but not both sexes."""
    missing = ~cube.present[:, :, 2] & (cube.present[:, :, 0] | cube.present[:, :, 1])
    if missing.any():
        total = cube.data[:, :, 0, :] + cube.data[:, :, 1, :]
        cube.data[:, :, 2, :] = np.where(missing[:, :, None], total, cube.data[:, :, 2, :])
        cube.present[:, :, 2] |= missing
        cube.defective[:, :, 2] |= missing & (cube.defective[:, :, 0] | cube.defective[:, :, 1])
        cube.masked[:, :, 2] |= missing & (cube.masked[:, :, 0] | cube.masked[:, :, 1])


def pool(cube: Cube, years: int) -> Cube:
    """Rolling sums over ``years`` consecutive years; a window needs every one of its years present."""
    if years == 1:
        return cube
    given = np.array([int(p) for p in cube.periods])
    full = np.arange(given.min(), given.max() + 1)
    if len(full) < years:
        raise ComputeError(f"pooling over {years} years needs {years} consecutive years; the data has {list(given)}")
    pos = np.searchsorted(full, given)
    A, _, S, B = cube.data.shape
    data = np.zeros((A, len(full) + 1, S, B))
    data[:, pos + 1] = cube.data
    count = np.zeros((A, len(full) + 1, S), dtype=np.int16)
    count[:, pos + 1] = cube.present
    csum, ccount = np.cumsum(data, axis=1), np.cumsum(count, axis=1)
    ends = np.arange(years, len(full) + 1)
    pooled = csum[:, ends] - csum[:, ends - years]
    present = (ccount[:, ends] - ccount[:, ends - years]) == years
    labels = [f"{full[e - years]}-{full[e - 1]}" for e in ends]
    bad = np.zeros((A, len(full) + 1, S), dtype=np.int16)
    bad[:, pos + 1] = cube.defective
    cbad = np.cumsum(bad, axis=1)
    defective = (cbad[:, ends] - cbad[:, ends - years]) > 0
    hidden = np.zeros((A, len(full) + 1, S), dtype=np.int16)
    hidden[:, pos + 1] = cube.masked
    chidden = np.cumsum(hidden, axis=1)
    masked = (chidden[:, ends] - chidden[:, ends - years]) > 0
    return Cube(cube.area_ids, labels, cube.bands, pooled, present, defective, cube.notes, masked)


def roll_up(cube: Cube, target_ids: np.ndarray, matrix) -> Cube:
    """Sum observed areas into every target area (one sparse product for all levels)."""
    A, P, S, B = cube.data.shape
    data = np.asarray(matrix @ cube.data.reshape(A, P * S * B)).reshape(len(target_ids), P, S, B)
    present = np.asarray(matrix @ cube.present.reshape(A, P * S).astype(np.float64)) > 0
    # A parent built from an unusable child is unusable too (its sum would miss that child).
    defective = np.asarray(matrix @ cube.defective.reshape(A, P * S).astype(np.float64)) > 0
    # A parent whose sum includes a masked child is not known exactly: masked too (docs/methods/disclosure.md).
    masked = np.asarray(matrix @ cube.masked.reshape(A, P * S).astype(np.float64)) > 0
    shape = (len(target_ids), P, S)
    return Cube(target_ids, cube.periods, cube.bands, data, present.reshape(shape), defective.reshape(shape),
                cube.notes, masked.reshape(shape))


def on_areas(cube: Cube, area_ids: np.ndarray) -> Cube:
    """The cube over ``area_ids`` (sorted): areas it lacks get zeros and are not present."""
    if np.array_equal(cube.area_ids, area_ids):
        return cube
    A, P, S, B = len(area_ids), len(cube.periods), cube.data.shape[2], len(cube.bands)
    where = np.searchsorted(cube.area_ids, area_ids).clip(max=len(cube.area_ids) - 1)
    found = cube.area_ids[where] == area_ids
    data, present, defective = np.zeros((A, P, S, B)), np.zeros((A, P, S), bool), np.zeros((A, P, S), bool)
    masked = np.zeros((A, P, S), bool)
    data[found], present[found], defective[found] = (cube.data[where[found]], cube.present[where[found]],
                                                     cube.defective[where[found]])
    masked[found] = cube.masked[where[found]]
    return Cube(np.asarray(area_ids), cube.periods, cube.bands, data, present, defective, cube.notes, masked)


def without_unmatched(num: Cube, usable: np.ndarray) -> tuple[Cube, np.ndarray]:
    """``num`` with its groups outside ``usable`` (A, P, S) emptied, in place; returns the cube and the
    (A, P, S) mask of the groups that held numerator data and were emptied."""
    dropped = num.present & ~usable
    num.data *= usable[..., None]
    num.present &= usable
    num.defective &= usable
    num.masked &= usable
    return num, dropped


def subset(cube: Cube, keep: np.ndarray) -> Cube:
    """The cube restricted to the areas where ``keep`` (A,) is true."""
    if keep.all():
        return cube
    return Cube(cube.area_ids[keep], cube.periods, cube.bands, cube.data[keep], cube.present[keep],
                cube.defective[keep], cube.notes, cube.masked[keep])


def reband(cube: Cube, bands: list[str]) -> Cube:
    if cube.bands == bands:
        return cube
    matrix = reband_matrix(cube.bands, bands)
    return Cube(cube.area_ids, cube.periods, bands, cube.data @ matrix.T, cube.present, cube.defective, cube.notes,
                cube.masked)


def align(num: Cube, den: Cube, *, need_bands: bool) -> tuple[Cube, Cube]:
    """Restrict both cubes to common areas and periods; bring their age bands to a common set."""
    areas = np.intersect1d(num.area_ids, den.area_ids)
    periods = [p for p in num.periods if p in set(den.periods)]
    if len(areas) == 0 or not periods:
        raise ComputeError("numerator and denominator share no area or no period")

    def take(c: Cube) -> Cube:
        ai = np.searchsorted(c.area_ids, areas)
        pi = [c.periods.index(p) for p in periods]
        return Cube(areas, periods, c.bands, c.data[ai][:, pi], c.present[ai][:, pi], c.defective[ai][:, pi], c.notes,
                    c.masked[ai][:, pi])

    num, den = take(num), take(den)
    if not need_bands and num.bands != den.bands:
        # Totals only (a rate or a share): each side's bands add up to its total, whatever they are.
        return _total(num), _total(den)
    if need_bands and num.bands != den.bands:
        for source, target in ((num, den), (den, num)):
            try:
                rebanded = reband(source, target.bands)
            except BandError:
                continue
            return (rebanded, den) if source is num else (num, rebanded)
        raise ComputeError(f"numerator bands {num.bands} and denominator bands {den.bands} cannot be aligned "
                           "(neither set is made of whole bands of the other)")
    return num, den


def _total(cube: Cube) -> Cube:
    if len(cube.bands) == 1:
        return cube
    return Cube(cube.area_ids, cube.periods, [ALL_AGES], cube.band_totals()[..., None], cube.present,
                cube.defective, cube.notes, cube.masked)


def band_labels(bands) -> list[str]:
    return [format_band(parse_band(b)) for b in bands]
