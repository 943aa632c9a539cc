"""SIMULATED commune deaths (données simulées): Poisson draws, seeded, reproducible (numpy, no Django, no I/O).

The real health data stops at the department. To show and test the commune and EPCI levels, deaths are
DRAWN, never observed (docs/methods/simulation.md):

1. Commune populations: the COG's populations légales (millésime 2023, ``cog/communes.json``), split by sex
   with the sex ratio of the commune's department (INSEE estimates of ``POPULATION_YEAR``).
2. Age structure: each commune is given its department's structure by sex and 5-year band (INSEE).
3. National age-specific death rates: a Gompertz-Makeham schedule per sex (``SCHEDULE``: the shape of French
   mortality, rates doubling about every 7 years after 30) scaled, for each year, so that the expected
   deaths of France equal the year's INSEE deaths (``insee-deces``: 1 March - 9 November, all departments,
   annualised by 365/254 days).
4. Deaths of commune c, sex s, year y ~ Poisson(population(c, s) x sum over bands of
   share(department, s, band) x rate(y, s, band)), from ``numpy.random.default_rng([SEED, y])``: the same
   seed gives the same draws, whatever the order or the number of years.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SEED = 20_231_102
POPULATION_YEAR = "2021"
DAYS_COVERED = 254  # 1 March - 9 November in the INSEE file
# m(x) = makeham + a * exp(b * x) per sex (x = middle of the band; 97 for 95+), before the yearly scaling.
SCHEDULE = {"M": {"makeham": 2e-4, "a": 2.0e-5, "b": 0.095}, "F": {"makeham": 1e-4, "a": 8.0e-6, "b": 0.100}}
INFANT_RATE = {"M": 9e-4, "F": 7e-4}  # band 0-4: infant deaths spread over five years of age


def band_middle(band: str) -> float:
    if band.endswith("+"):
        return float(band[:-1]) + 2.0
    low, high = band.split("-")
    return (float(low) + float(high) + 1) / 2


def schedule(bands: list[str], sex: str) -> np.ndarray:
    """Unscaled death rates per person-year of each band for one sex."""
    params = SCHEDULE[sex]
    ages = np.array([band_middle(b) for b in bands])
    rates = params["makeham"] + params["a"] * np.exp(params["b"] * ages)
    rates[np.array([b == "0-4" for b in bands])] = INFANT_RATE[sex]
    return rates


def department_structure(population: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """(shares, bands): per department and sex M/F, the share of each 5-year band and the sex's share.

    ``population``: the INSEE long frame (area_code, period, sex, age_band, value as text), one year.
    """
    rows = population[population["sex"].isin(["M", "F"]) & population["age_band"].ne("all")]
    rows = rows.assign(value=rows["value"].astype(float))
    table = rows.pivot_table(index=["area_code", "sex"], columns="age_band", values="value", aggfunc="sum")
    bands = sorted(table.columns, key=band_middle)
    table = table[bands]
    totals = table.sum(axis=1)
    shares = table.div(totals, axis=0)
    by_department = totals.groupby(level="area_code").transform("sum")
    shares["sex_share"] = totals / by_department
    return shares, bands


def expected_rates(shares: pd.DataFrame, bands: list[str]) -> pd.Series:
    """Crude death rate of each (department, sex) from its age structure and the unscaled schedule."""
    sexes = shares.index.get_level_values("sex")
    rates = np.vstack([schedule(bands, s) for s in sexes])
    return pd.Series((shares[bands].to_numpy() * rates).sum(axis=1), index=shares.index)


def commune_populations(communes: pd.DataFrame, shares: pd.DataFrame) -> pd.DataFrame:
    """Commune x sex populations: the COG total split by the department's sex ratio (M rounded, F = rest)."""
    male_share = shares.xs("M", level="sex")["sex_share"]
    share = communes["department"].map(male_share)
    men = np.rint(communes["population"].to_numpy() * share.to_numpy()).astype(np.int64)
    women = communes["population"].to_numpy(dtype=np.int64) - men
    return pd.DataFrame({
        "area_code": np.concatenate([communes["code"].to_numpy()] * 2),
        "department": np.concatenate([communes["department"].to_numpy()] * 2),
        "sex": np.repeat(["M", "F"], len(communes)),
        "population": np.concatenate([men, women]),
    })


def simulate_deaths(communes: pd.DataFrame, population: pd.DataFrame, national_deaths: dict[int, float],
                    seed: int = SEED) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(deaths, populations) in the long format of the import (strings), one row per commune, year and sex.

    ``communes``: code, department, population (COG); ``population``: INSEE long frame of POPULATION_YEAR;
    ``national_deaths``: {year: deaths of France in the year} the rates are scaled to.
    """
    shares, bands = department_structure(population)
    missing = sorted(set(communes["department"]) - set(shares.index.get_level_values("area_code")))
    if missing:
        raise ValueError(f"no INSEE age structure for department(s) {', '.join(missing)}")
    people = commune_populations(communes, shares)
    crude = expected_rates(shares, bands)
    base = people["population"].to_numpy() * crude.reindex(
        pd.MultiIndex.from_arrays([people["department"], people["sex"]])).to_numpy()
    deaths, populations = [], []
    for year in sorted(national_deaths):
        scale = national_deaths[year] / base.sum()
        drawn = np.random.default_rng([seed, year]).poisson(base * scale)
        deaths.append(people.assign(period=str(year), value=drawn.astype(str)))
        populations.append(people.assign(period=str(year), value=people["population"].astype(str)))
    columns = ["area_code", "period", "sex", "age_band", "category", "value"]
    finish = lambda frames: pd.concat(frames, ignore_index=True).assign(age_band="all", category="")[columns]  # noqa: E731
    return finish(deaths), finish(populations)


def annual_national_deaths(deaths: pd.DataFrame) -> dict[int, float]:
    """{year: deaths of France} from the INSEE deaths long frame (mars-novembre, annualised by days)."""
    whole = deaths[deaths["category"] == "mars-novembre"]
    totals = whole.assign(value=whole["value"].astype(float)).groupby("period")["value"].sum()
    return {int(year): float(total) * 365 / DAYS_COVERED for year, total in totals.items()}
