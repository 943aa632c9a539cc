"""Life expectancy from an abridged life table (Chiang II) with Silcocks' variance.

Sources: Chiang CL, The life table and its applications (Krieger, 1984); Silcocks PBS, Jenner DA,
Reza R, "Life expectancy as a summary of mortality in a population: statistical considerations and
suitability for use by health authorities", J Epidemiol Community Health 2001;55:38-43; PHE
"Technical Guide: Life expectancy" and PHEindicatormethods 2.1.0 ``phe_life_expectancy``
(R/LifeExpectancy.R:142-530), whose test data is our oracle. Method page: docs/methods/life-expectancy.md.

All groups are computed at once on (n_groups, 20) arrays; there is no loop over groups.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ._core import ci_tag, confidence_levels, factorize_groups, z_value
from ._validation import StatsInputError, as_float_array

AGE_CONTENTS: tuple[int, ...] = (0, 1) + tuple(range(5, 95, 5))
RADIX = 100_000.0
#: Values whose 95% CI is wider than 20 years are suppressed; R hard-codes 1.959964 (LifeExpectancy.R:434).
Z_SUPPRESS = 1.959964
MIN_TOTAL_POPULATION = 5000

REASONS = (
    "negative deaths",
    "population <= 0 in an age band",
    "deaths greater than population in an age band",
    "missing deaths or population",
    "age bands missing (20 required)",
    "total population <= 5000",
    "no deaths in the open age band",
    "95% confidence interval wider than 20 years",
)


def _check_age_contents(age_contents: Sequence[int]) -> np.ndarray:
    ages = np.asarray(age_contents, dtype=float)
    if ages.ndim != 1 or len(ages) < 2 or ages[0] != 0:
        raise StatsInputError("age_contents: the first age band must start at 0")
    if (np.diff(ages) <= 0).any():
        raise StatsInputError(f"age_contents: start ages must be ascending, got {list(age_contents)}")
    return ages


def _band_positions(age: np.ndarray, ages: np.ndarray, groups: pd.DataFrame, age_col: str) -> np.ndarray:
    pos = np.searchsorted(ages, age)
    pos = np.minimum(pos, len(ages) - 1)
    bad = ages[pos] != age
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise StatsInputError(f"{age_col}: start age {age[i]:g} in {_where(groups, i)} is not one of the "
                              f"life-table bands {[int(a) for a in ages]}")
    return pos


def _where(groups: pd.DataFrame, i: int) -> str:
    if groups.shape[1] == 0:
        return f"row {i}"
    key = tuple(groups.iloc[i]) if groups.shape[1] > 1 else groups.iloc[i, 0]
    return f"group {key!r} (row {i})"


def _scatter(codes, pos, values, n_groups, n_bands) -> np.ndarray:
    out = np.full((n_groups, n_bands), np.nan)
    out[codes, pos] = values
    return out


def _group_reasons(deaths, pops, present) -> np.ndarray:
    """First applicable reason code per group (-1 = valid), in the order R checks them."""
    with np.errstate(invalid="ignore"):
        conditions = [
            (deaths < 0).any(axis=1),
            (pops <= 0).any(axis=1),
            (deaths > pops).any(axis=1),
            (present & (np.isnan(deaths) | np.isnan(pops))).any(axis=1),
            ~present.all(axis=1),
            np.nansum(pops, axis=1) <= MIN_TOTAL_POPULATION,
            present[:, -1] & (deaths[:, -1] == 0),
        ]
    return np.select(conditions, list(range(len(conditions))), default=-1)


def life_table(deaths: np.ndarray, pops: np.ndarray, ages: np.ndarray):
    """Chiang II life table and Silcocks standard errors for (G, B) arrays; returns (e, se), both (G, B)."""
    n_bands = ages.size
    a = np.full(n_bands, 0.5)
    a[0] = 0.1
    with np.errstate(divide="ignore", invalid="ignore"):
        m = deaths / pops
        n = np.empty_like(m)
        n[:, :-1] = np.diff(ages)
        n[:, -1] = 2 / m[:, -1]
        q = np.where(deaths <= pops / n / a, m * n / (1 + m * n * (1 - a)), 1.0)
        q[:, -1] = 1.0
        l = np.empty_like(q)
        l[:, 0] = RADIX
        l[:, 1:] = RADIX * np.cumprod(1 - q[:, :-1], axis=1)
        dl = np.empty_like(l)
        dl[:, :-1] = l[:, :-1] - l[:, 1:]
        dl[:, -1] = l[:, -1]
        big_l = np.empty_like(l)
        big_l[:, :-1] = n[:, :-1] * (l[:, 1:] + a[:-1] * dl[:, :-1])
        big_l[:, -1] = l[:, -1] / m[:, -1]
        t = np.cumsum(big_l[:, ::-1], axis=1)[:, ::-1]
        # R (LifeExpectancy.R) sets e = 0 once the cohort is extinct (l = 0) rather than 0/0.
        e = np.where(l == 0, 0.0, t / l)
        # Silcocks: the binomial variance of q uses the OBSERVED deaths of the band, not the table's d.
        s2 = np.where(dl == 0, 0.0, q**2 * (1 - q) / deaths)
        s2[:, -1] = 4 / (deaths[:, -1] * m[:, -1] ** 2)
        w = np.empty_like(l)
        w[:, :-1] = s2[:, :-1] * l[:, :-1] ** 2 * ((1 - a[:-1]) * n[:, :-1] + e[:, 1:]) ** 2
        w[:, -1] = (l[:, -1] / 2) ** 2 * s2[:, -1]
        se = np.sqrt(np.cumsum(w[:, ::-1], axis=1)[:, ::-1] / l**2)
    return e, se


def life_expectancy(data: pd.DataFrame, group_cols: Sequence[str] = (), *, age_col: str = "startage",
                    deaths_col: str = "deaths", pop_col: str = "pop", confidence=0.95,
                    le_age="all", age_contents: Sequence[int] = AGE_CONTENTS) -> pd.DataFrame:
    """Life expectancy at each start age, per group.

    ``data`` is long: one row per group x age band, ``age_col`` holding the numeric start of the band
    (0, 1, 5, ..., 90). Returns one row per input row, indexed by (group_cols..., age_col) and sorted,
    with ``value``, ``lower_<tag>``/``upper_<tag>`` per level, ``pops_used``/``dths_used`` (population
    and deaths from that age up) and ``reason`` (why a value is NaN, else missing).
    Invalid groups are NaN with a reason, as PHEindicatormethods; malformed input raises.
    """
    levels = confidence_levels(confidence)
    ages = _check_age_contents(age_contents)
    group_cols = list(group_cols)
    for col in group_cols + [age_col, deaths_col, pop_col]:
        if col not in data.columns:
            raise StatsInputError(f"{col}: not a column of the data")
    groups = data[group_cols]
    age = as_float_array(age_col, data[age_col])
    deaths = as_float_array(deaths_col, data[deaths_col])
    pops = as_float_array(pop_col, data[pop_col])
    codes, keys, n_groups = factorize_groups(data, group_cols)
    pos = _band_positions(age, ages, groups, age_col)
    _check_duplicates(codes, pos, n_groups, ages.size, groups, age_col, age)

    present = np.zeros((n_groups, ages.size), dtype=bool)
    present[codes, pos] = True
    d = _scatter(codes, pos, deaths, n_groups, ages.size)
    p = _scatter(codes, pos, pops, n_groups, ages.size)
    reason = _group_reasons(d, p, present)
    valid = reason < 0
    e = np.full(d.shape, np.nan)
    se = np.full(d.shape, np.nan)
    if valid.any():
        e[valid], se[valid] = life_table(d[valid], p[valid], ages)
    row_reason = np.where(valid[:, None], -1, reason[:, None]).repeat(ages.size, axis=1)
    wide = valid[:, None] & (Z_SUPPRESS * se > 10)
    row_reason[wide] = len(REASONS) - 1

    with np.errstate(invalid="ignore"):
        pops_used = np.cumsum(np.nan_to_num(p)[:, ::-1], axis=1)[:, ::-1]
        dths_used = np.cumsum(np.nan_to_num(d)[:, ::-1], axis=1)[:, ::-1]
    order = np.lexsort((pos, codes))
    c, b = codes[order], pos[order]
    out = {"value": np.where(wide, np.nan, e)[c, b]}
    for level in levels:
        z = z_value(level)
        out[f"lower_{ci_tag(level)}"] = (e - z * se)[c, b]
        out[f"upper_{ci_tag(level)}"] = (e + z * se)[c, b]
    out["pops_used"] = pops_used[c, b]
    out["dths_used"] = dths_used[c, b]
    out["reason"] = pd.Categorical.from_codes(row_reason[c, b], categories=list(REASONS))
    index = _output_index(keys, c, ages[b], group_cols, age_col)
    result = pd.DataFrame(out, index=index)
    return _select_ages(result, le_age, ages, age_col)


def _check_duplicates(codes, pos, n_groups, n_bands, groups, age_col, age) -> None:
    flat = codes * n_bands + pos
    counts = np.bincount(flat, minlength=n_groups * n_bands)
    if (counts > 1).any():
        first = int(np.flatnonzero(counts[flat] > 1)[0])
        raise StatsInputError(f"{age_col}: start age {age[first]:g} appears more than once in {_where(groups, first)}")


def _output_index(keys: pd.Index, codes, start_ages, group_cols, age_col) -> pd.Index:
    age_level = pd.Index(start_ages.astype(int), name=age_col)
    if not group_cols:
        return age_level
    # Built from the codes we already have: re-factorising 700,000 keys would double the run time.
    ages, age_codes = np.unique(age_level.to_numpy(), return_inverse=True)
    if isinstance(keys, pd.MultiIndex):
        levels = list(keys.levels) + [pd.Index(ages)]
        level_codes = [np.asarray(kc)[codes] for kc in keys.codes] + [age_codes]
    else:
        levels = [keys, pd.Index(ages)]
        level_codes = [codes, age_codes]
    return pd.MultiIndex(levels=levels, codes=level_codes, names=group_cols + [age_col], verify_integrity=False)


def _select_ages(result: pd.DataFrame, le_age, ages: np.ndarray, age_col: str) -> pd.DataFrame:
    if isinstance(le_age, str) and le_age == "all":
        return result
    wanted = np.atleast_1d(np.asarray(le_age, dtype=float))
    unknown = [a for a in wanted if a not in set(ages)]
    if unknown:
        raise StatsInputError(f"le_age: {unknown} not among the life-table start ages {[int(a) for a in ages]}")
    mask = np.isin(result.index.get_level_values(age_col), wanted)
    return result[mask]
