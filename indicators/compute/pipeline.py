"""The whole computation of one indicator: observations in, one row per (area, period, sex) out."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from indicators.stats.rebanding import reband_array

from . import compare, disclosure, methods, periods
from .cube import Cube, align, build_cube, describer, on_areas, pool, roll_up, subset, without_unmatched
from .geography import rollup
from .spec import SEXES, ComputeError, Geography, IndicatorSpec

BANDED_METHODS = {"dsr", "isr", "smr", "life_expectancy"}
# How far up the observation levels sit: a coarser level's areas are sums of a finer level's.
LEVEL_RANK = {"commune": 0, "epci": 1, "territory": 1, "department": 2, "region": 3, "country": 4}
NO_DENOMINATOR = {"count", "density", "published"}
VALUE_COLUMNS = [
    "area_id", "period", "sex", "value", *methods.CI_COLUMNS, "numerator", "denominator", "suppressed",
    "suppression", "unreliable", "not_computable", "cmp_parent", "cmp_france", "quantile", "map_class",
]


@dataclass
class ComputeResult:
    values: pd.DataFrame  # VALUE_COLUMNS
    breaks: dict  # "level|period|sex" -> {scheme: [upper bounds]}
    timings: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # data quirks handled (e.g. groups left not computable)
    disclosure: dict = field(default_factory=dict)  # cells withheld by each rule (disclosure.apply)


def _cubed(obs: pd.DataFrame, flt, spec: IndicatorSpec, geo: Geography, name: str) -> Cube:
    """Observed areas only (filtered, pooled), not rolled up yet."""
    if spec.method == "life_expectancy":
        flt = replace(flt, age_min=None, age_max=None)  # the life table needs every band; age_min picks e at age
    obs = periods.select_periods(obs, flt)
    cube = build_cube(obs, flt, need_bands=spec.method in BANDED_METHODS, name=name, area_labels=geo.area_labels())
    return pool(cube, spec.pooling)


def _rolled(cube: Cube, level: str, geo: Geography) -> Cube:
    targets, matrix = rollup(geo, level, cube.area_ids)
    return roll_up(cube, targets, matrix)


def _at_level(cube: Cube, level: str, geo: Geography, target_level: str) -> Cube:
    """A finer cube rolled up and kept at the areas of ``target_level`` (commune deaths -> departments)."""
    cube = _rolled(cube, level, geo)
    levels = geo.areas.set_index("id")["level"].reindex(cube.area_ids).to_numpy()
    return subset(cube, levels == target_level)


def _sources(geo: Geography, level: str, ids: np.ndarray) -> pd.DataFrame:
    """(target, source): the observed areas each published area sums, for the disclosure audit."""
    targets, matrix = rollup(geo, level, ids)
    rows, cols = matrix.nonzero()
    return pd.DataFrame({"target": targets[rows], "source": np.asarray(ids, dtype=np.int64)[cols]})


def _paired(spec: IndicatorSpec, geo: Geography, num: Cube, den: Cube) -> tuple[Cube, Cube, str, np.ndarray]:
    """Numerator and denominator rolled up over the same children (docs/adr/0013-parents-sum-same-children.md).

    A child counts in its parents' sums for a (period, sex) only where it has a denominator: a numerator
    without one (DREES dentists of Mayotte in 2012-2013, before INSEE counts Mayotte) is left out of both
    sums, as it is left out of the child's own rate. A child with a denominator and no numerator row counts
    zero events, as for the child itself. One mask and one sparse product: no loop over areas or groups.
    """
    need_bands = spec.method in BANDED_METHODS
    level, den_level = spec.numerator_level, spec.denominator_level
    if level != den_level:
        rank, den_rank = LEVEL_RANK.get(level), LEVEL_RANK.get(den_level)
        if rank is None or den_rank is None or rank == den_rank:  # EPCI vs territory: neither holds the other
            ids = num.area_ids
            return (*align(_rolled(num, level, geo), _rolled(den, den_level, geo), need_bands=need_bands), level, ids)
        if rank < den_rank:
            num, level = _at_level(num, level, geo, den_level), den_level
        else:
            den = _at_level(den, den_level, geo, level)
    observed = num.area_ids
    num, den = align(on_areas(num, den.area_ids), den, need_bands=need_bands)  # common periods and bands
    num, dropped = without_unmatched(num, den.present)
    if dropped.any():
        where = describer(num.area_ids, np.asarray(num.periods), geo.area_labels())(np.flatnonzero(dropped))
        num.notes = [*num.notes, f"numerator of {where} left out of its parents' sums: no denominator there"]
    targets, matrix = rollup(geo, level, den.area_ids)
    # Publish the areas both inputs reach, as before: a parent of denominator-only children has no numerator.
    reached = np.asarray(matrix @ np.isin(den.area_ids, observed).astype(np.float64)).ravel() > 0
    if not reached.any():
        raise ComputeError("numerator and denominator share no area or no period")
    return (subset(roll_up(num, targets, matrix), reached), subset(roll_up(den, targets, matrix), reached),
            level, den.area_ids)


def _selection(spec: IndicatorSpec, num: Cube, den: Cube | None) -> np.ndarray:
    """(A, P, 3) mask of the groups to publish."""
    if den is None:
        mask = num.present.copy()
    else:
        # A missing numerator row means no event, but only where the numerator was collected that year.
        mask = den.present & num.present.any(axis=0)[None, :, :]
    sex = spec.numerator_filter.sex
    if sex:
        mask[:, :, [i for i, s in enumerate(SEXES) if s != sex]] = False
    return mask


def _statistic(spec: IndicatorSpec, geo: Geography, num: Cube, den: Cube | None, mask: np.ndarray) -> pd.DataFrame:
    B = len(num.bands)
    x_bands = num.data.reshape(-1, B)[mask.ravel()]
    x = x_bands.sum(axis=1)
    if spec.method == "count":
        return methods.count(x)
    if spec.method == "published":
        return methods.published(x)
    if spec.method == "density":
        km2 = geo.areas.set_index("id")["area_km2"].reindex(num.area_ids).to_numpy(dtype=float)
        per_group = np.broadcast_to(km2[:, None, None], mask.shape)[mask]
        return methods.density(x, per_group)
    n_bands = den.data.reshape(-1, B)[mask.ravel()]
    if spec.method in ("crude_rate", "proportion", "mean"):
        return methods.ratio(spec.method, x, n_bands.sum(axis=1), spec.multiplier)
    if spec.method == "ratio":
        return methods.reference_ratio(x, n_bands.sum(axis=1), spec.multiplier)
    if spec.method == "dsr":
        if spec.standard_weights is None:
            raise ComputeError(f"{spec.code}: a DSR needs a standard population")
        w = spec.standard_weights
        weights = reband_array(w.to_numpy(dtype=float), list(w.index), num.bands)
        return methods.direct_standardised(x_bands, n_bands, weights, spec.multiplier)
    if spec.method in ("isr", "smr"):
        return _indirect(spec, geo, num, den, mask, x_bands, n_bands)
    if spec.method == "life_expectancy":
        return methods.life_expectancy_at(x_bands, n_bands, num.bands, spec.numerator_filter.age_min or 0)
    raise ComputeError(f"{spec.code}: unknown method {spec.method!r}")


def _indirect(spec, geo, num, den, mask, x_bands, n_bands) -> pd.DataFrame:
    france = geo.france_id()
    where = np.searchsorted(num.area_ids, france) if france is not None else len(num.area_ids)
    if where >= len(num.area_ids) or num.area_ids[where] != france:
        raise ComputeError(f"{spec.code}: indirect standardisation needs France's rates; the data does not reach France")
    group_index = np.nonzero(mask.reshape(len(num.area_ids), -1))[1]  # (period, sex) cell of each group
    B = len(num.bands)
    ref_x = num.data[where].reshape(-1, B)[group_index]
    ref_n = den.data[where].reshape(-1, B)[group_index]
    return methods.indirect_standardised(spec.method, x_bands, n_bands, ref_x, ref_n, spec.multiplier)


def _unusable(stats: pd.DataFrame, num: Cube, den: Cube | None, mask: np.ndarray) -> pd.DataFrame:
    """Groups built from data whose bands cannot give the indicator: not computable, no partial sums shown."""
    bad = num.defective[mask] if den is None else (num.defective | den.defective)[mask]
    if bad.any():
        stats.loc[bad, ["value", *methods.CI_COLUMNS, "numerator", "denominator"]] = np.nan
        stats.loc[bad, "not_computable"] = True
    return stats


def _withhold_masked(frame: pd.DataFrame, masked: np.ndarray) -> pd.DataFrame:
    """Groups built from a figure masked at source (a masked child makes its parents masked too): no number
    at all, whatever the masked figure could have been (docs/methods/disclosure.md, "Masked at source")."""
    if masked.any():
        frame.loc[masked, ["value", *methods.CI_COLUMNS, "numerator", "denominator"]] = np.nan
    return frame


def _frame(num: Cube, mask: np.ndarray, stats: pd.DataFrame) -> pd.DataFrame:
    a, p, s = np.nonzero(mask)
    frame = pd.DataFrame({
        "area_id": num.area_ids[a],
        "period": np.asarray(num.periods, dtype=object)[p],
        "sex": np.asarray(SEXES, dtype=object)[s],
    })
    for col in stats.columns:
        frame[col] = stats[col].to_numpy()
    return frame


def _level_groups(geo: Geography, area_ids: np.ndarray) -> pd.Series:
    """Quantiles and map classes rank areas among their own kind (each territory set on its own)."""
    areas = geo.areas.set_index("id")
    level = areas["level"].reindex(area_ids).astype(object)
    if "territory_set_id" in areas:
        sets = areas["territory_set_id"].reindex(area_ids)
        level = level.where(sets.isna(), "territory:" + sets.astype("Int64").astype(str))
    return pd.Series(level.to_numpy(), dtype=object)


def compute_indicator(spec: IndicatorSpec, geo: Geography, numerator: pd.DataFrame,
                      denominator: pd.DataFrame | None = None) -> ComputeResult:
    """Every value of one indicator for every area reached, period and sex. Raises ComputeError."""
    timings, started = {}, time.perf_counter()

    def lap(stage):
        nonlocal started
        now = time.perf_counter()
        timings[stage] = round(now - started, 3)
        started = now

    num = _cubed(numerator, spec.numerator_filter, spec, geo, _input_name("numerator", spec.numerator_dataset))
    numerator = None  # noqa: F841 - frees millions of rows when the caller kept no reference
    den = None
    base_level = base_ids = None  # the roll-up the disclosure audit models (none for a producer's rates)
    if spec.method == "published":
        pass  # a producer's rate is not additive: only the areas it was published for
    elif spec.method in NO_DENOMINATOR:
        base_level, base_ids = spec.numerator_level, num.area_ids
        num = _rolled(num, spec.numerator_level, geo)
    else:
        if denominator is None or spec.denominator_level is None:
            raise ComputeError(f"{spec.code}: method {spec.method} needs a denominator dataset")
        den = _cubed(denominator, spec.denominator_filter, spec, geo,
                     _input_name("denominator", spec.denominator_dataset))
        denominator = None  # noqa: F841
        den = periods.denominator_periods(den, num, spec.denominator_filter,
                                          _input_name("denominator", spec.denominator_dataset))
        num, den, base_level, base_ids = _paired(spec, geo, num, den)
    lap("aggregate")
    mask = _selection(spec, num, den)
    frame = _frame(num, mask, _unusable(_statistic(spec, geo, num, den, mask), num, den, mask))
    lap("statistic")
    masked = num.masked[mask] if den is None else (num.masked | den.masked)[mask]
    frame = _withhold_masked(frame, masked)
    parents = geo.areas.set_index("id")["parent_id"]
    sources = None if base_level is None else _sources(geo, base_level, base_ids)
    frame, withheld = disclosure.apply(frame, spec.method, spec.disclosure_threshold, spec.unreliable_below,
                                       sources, parents, masked)
    lap("disclosure")
    frame = compare.comparisons(frame, parents, geo.france_id(), spec.polarity)
    lap("compare")
    groups = _level_groups(geo, frame["area_id"].to_numpy())
    frame["quantile"] = compare.quantiles(frame, groups).to_numpy()
    classes, breaks = compare.map_classes(frame, groups)
    frame["map_class"] = classes.to_numpy()
    lap("classify")
    notes = list(dict.fromkeys(num.notes + (den.notes if den is not None else [])))
    return ComputeResult(frame[VALUE_COLUMNS], breaks, timings, notes, withheld)


def _input_name(role: str, dataset: str) -> str:
    return f"{role} (dataset {dataset})" if dataset else role
