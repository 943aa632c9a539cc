"""Period operations on the denominator: a reference-period mean, and carrying the last year forward.

* ``reference_periods`` (excess mortality): the denominator is the mean, over those years, of the same
  observations (deaths of March-November 2018 and 2019), and stands for every numerator year. A group needs
  every reference year present; unusable in any year makes it unusable in the mean.
* ``carry_forward`` (INSEE estimates stop at 2021): a numerator year after the denominator's last year
  uses the last year's denominator, and a note says so (the indicator's sheet states it too).

Both are pure numpy on the cubes (indicators.compute.cube); docs/methods/ratio.md and docs/catalog.md.
"""

from __future__ import annotations

import numpy as np

from .cube import Cube
from .spec import ComputeError, DataFilter


def select_periods(obs, flt: DataFilter):
    """Observations of the filter's years: ``periods``, or the ``reference_periods`` of a denominator."""
    years = flt.reference_periods or flt.periods
    if years is None:
        return obs
    return obs[obs["period"].astype("int64").isin(years)]


def reference_mean(den: Cube, years: tuple[int, ...], target_periods: list[str], name: str) -> Cube:
    """The mean over ``years`` of the cube, repeated for each target period."""
    missing = [y for y in years if str(y) not in den.periods]
    if missing:
        raise ComputeError(f"{name}: reference year(s) {', '.join(map(str, missing))} missing from the data")
    pick = [den.periods.index(str(y)) for y in years]
    present = den.present[:, pick].all(axis=1)
    # An area lacking a reference year has no mean: zero it, or its partial sum would reach its parents.
    data = den.data[:, pick].mean(axis=1) * present[..., None]
    defective = den.defective[:, pick].any(axis=1)
    masked = den.masked[:, pick].any(axis=1)  # a mean over a masked year is unknown too
    P = len(target_periods)

    def repeat(a):
        return np.repeat(a[:, None], P, axis=1)

    note = f"{name}: mean of {', '.join(map(str, years))} used for {', '.join(target_periods)}"
    return Cube(den.area_ids, list(target_periods), den.bands, repeat(data), repeat(present), repeat(defective),
                [*den.notes, note], repeat(masked))


def carried_forward(den: Cube, target_periods: list[str], name: str) -> Cube:
    """The cube with each target period after its last period filled with that last period's figures."""
    last = max(int(p) for p in den.periods)
    later = sorted({p for p in target_periods if int(p) > last}, key=int)
    if not later:
        return den
    source = den.periods.index(str(last))
    extra = len(later)

    def extend(a):
        return np.concatenate([a, np.repeat(a[:, source:source + 1], extra, axis=1)], axis=1)

    note = f"{name}: {', '.join(later)} use(s) the figures of {last}, the latest year of the data"
    return Cube(den.area_ids, [*den.periods, *later], den.bands, extend(den.data), extend(den.present),
                extend(den.defective), [*den.notes, note], extend(den.masked))


def denominator_periods(den: Cube, num: Cube, flt: DataFilter, name: str) -> Cube:
    if flt.reference_periods:
        return reference_mean(den, flt.reference_periods, num.periods, name)
    if flt.carry_forward:
        return carried_forward(den, num.periods, name)
    return den
