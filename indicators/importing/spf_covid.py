"""Readers of Santé publique France's COVID-19 files (data.gouv.fr, Licence Ouverte v2.0; pandas, no Django).

Each returns the long format of the import (``sources.COLUMNS``, every cell a string) and the skipped rows
(``{"line", "value", "reason"}``): the rows of the collectivités d'outre-mer (977 Saint-Barthélemy, 978
Saint-Martin), which are not departments. The whole file is checked first (sources.py).

Periods are integer years (``Observation.period``), so:

* ``read_spf_hospital_daily`` (``covid-hospit-incid-*.csv``, daily new events by department) sums each
  department's days by calendar year, one category per event: ``hospitalisations`` (incid_hosp),
  ``reanimations`` (incid_rea, ICU admissions), ``deces-hopital`` (incid_dc, in-hospital deaths only),
  ``retours-domicile`` (incid_rad). The file runs from 2020-03-19 to 2023-03-31: 2020 and 2023 are partial
  years (``coverage`` gives each year's first and last day).
* ``read_spf_admissions_age`` (``covid-hosp-ad-age-*.csv``, weekly admissions by region x 10-year class)
  sums the weeks by the year of their label (``2020-S53`` counts in 2020: ISO week-years, so a week that
  straddles 1 January belongs to the year holding its Thursday). ``cl_age90`` becomes the project's bands:
  ``0-9`` ... ``80-89``, ``90+``, and ``all`` for class 0. SPF's all-ages row is not the sum of its classes
  (it also counts admissions of unknown age): both are kept as published. The areas are region codes.
* ``read_spf_vaccination_age`` / ``read_spf_vaccination_sex`` (``vacsi-tot-a-dep-*``, ``vacsi-tot-s-dep-*``)
  hold cumulative counts at a date (``jour``). For each year present the LAST date of that year is kept
  (cumulative counts at the end of the year, or at the snapshot): the stored files hold one snapshot,
  2023-07-10, hence period 2023. Categories: ``dose1``, ``complet`` (complete schedule), ``rappel``
  (first booster), ``2-rappel``, ``rappel-biv`` (bivalent booster), ``3-rappel``, and, in the age file,
  ``population-spf``: SPF's own denominator (``pop``, INSEE-based, not the INSEE estimates of
  population/). The published coverage percentages (``couv_tot_*``) are checked but not returned: they are
  the counts over ``pop``. Lozère (48) and Mayenne (53) have no ``0-4`` row in the age file.

``line`` is the source line of the first row summed (hospital files) or of the row itself.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .sources import (
    COLUMNS, DECIMAL, INTEGER, check_cells, check_complete, check_unique, first_error, read_source_csv,
    source_error, split_departments,
)

SPF_DIR = Path("health/spf-covid19")
SPF_FILES = {
    "hospital_daily": SPF_DIR / "covid-hospit-incid-2023-03-31-18h01.csv",
    "admissions_age": SPF_DIR / "covid-hosp-ad-age-2023-06-30-16h29.csv",
    "vaccination_age": SPF_DIR / "vacsi-tot-a-dep-2023-07-13-15h50.csv",
    "vaccination_sex": SPF_DIR / "vacsi-tot-s-dep-2023-07-13-15h51.csv",
}
HOSPITAL_EVENTS = {"incid_hosp": "hospitalisations", "incid_rea": "reanimations", "incid_dc": "deces-hopital",
                   "incid_rad": "retours-domicile"}
HOSPITAL_HEADER = ["dep", "jour", *HOSPITAL_EVENTS]
AGE_HEADER = ["reg", "Semaine", "cl_age90", "NewAdmHospit"]
REGIONS = ("01", "02", "03", "04", "06", "11", "24", "27", "28", "32", "44", "52", "53", "75", "76", "84", "93",
           "94")
CL_AGE90 = {"0": "all", "09": "0-9", "19": "10-19", "29": "20-29", "39": "30-39", "49": "40-49", "59": "50-59",
            "69": "60-69", "79": "70-79", "89": "80-89", "90": "90+"}
DOSES = {"n_tot_dose1": "dose1", "n_tot_complet": "complet", "n_tot_rappel": "rappel",
         "n_tot_2_rappel": "2-rappel", "n_tot_rappel_biv": "rappel-biv", "n_tot_3_rappel": "3-rappel"}
COVERAGES = [f"couv_tot_{name[len('n_tot_'):]}" for name in DOSES]
VACSI_AGE_HEADER = ["dep", "clage_vacsi", "jour", *DOSES, "pop", *COVERAGES]
VACSI_SEX_HEADER = ["dep", "sexe", "jour", *DOSES, *COVERAGES]
CLAGE_VACSI = {"0": "all", "04": "0-4", "09": "5-9", "11": "10-11", "17": "12-17", "24": "18-24", "29": "25-29",
               "39": "30-39", "49": "40-49", "59": "50-59", "64": "60-64", "69": "65-69", "74": "70-74",
               "79": "75-79", "80": "80+"}
SEXE = {"0": "T", "1": "M", "2": "F"}
ISO_DATE = r"\d{4}-\d{2}-\d{2}"


def _dates(path: Path, table: pd.DataFrame, field: str) -> pd.Series:
    dates = pd.to_datetime(table[field].where(table[field].str.fullmatch(ISO_DATE)), format="%Y-%m-%d",
                           errors="coerce")
    first_error(path, table, dates.isna(), field, "not a date YYYY-MM-DD")
    return dates


def read_spf_hospital_daily(path: Path) -> tuple[pd.DataFrame, list[dict]]:
    """Yearly sums of the daily hospital events by department (see the module docstring)."""
    path = Path(path)
    table = read_source_csv(path, HOSPITAL_HEADER, ";")
    check_cells(path, table, list(HOSPITAL_EVENTS), INTEGER, "a count (a whole number >= 0)")
    dates = _dates(path, table, "jour")
    keep, skipped = split_departments(path, table, "dep")
    check_unique(path, table, ["dep", "jour"], "jour")
    # Every department reports every day: fewer days for one means lines are missing.
    check_complete(path, table, ["dep"], "jour", int(dates.nunique()))
    rows = table[keep].astype({c: "int64" for c in HOSPITAL_EVENTS}).assign(period=dates[keep].dt.year.astype(str))
    yearly = rows.groupby(["dep", "period"], sort=False).agg(
        {**{c: "sum" for c in HOSPITAL_EVENTS}, "line": "min"}).reset_index()
    long = yearly.melt(id_vars=["dep", "period", "line"], value_vars=list(HOSPITAL_EVENTS), var_name="event")
    long = long.assign(area_code=long["dep"], category=long["event"].map(HOSPITAL_EVENTS),
                       value=long["value"].astype(str), sex="T", age_band="all")
    return long[COLUMNS].reset_index(drop=True), skipped


def coverage(path: Path) -> pd.DataFrame:
    """First and last day of each year in the daily hospital file (index: year; columns first, last)."""
    table = read_source_csv(Path(path), HOSPITAL_HEADER, ";")
    dates = _dates(Path(path), table, "jour")
    return dates.groupby(dates.dt.year).agg(first="min", last="max").rename_axis("year")


def _weeks(path: Path, table: pd.DataFrame) -> pd.Series:
    """The year of each ``YYYY-SWW`` label (weeks 01-53)."""
    parts = table["Semaine"].str.extract(r"^(?P<year>\d{4})-S(?P<week>\d{2})$")
    week = pd.to_numeric(parts["week"], errors="coerce")
    first_error(path, table, parts["year"].isna() | ~week.between(1, 53), "Semaine", "not a week YYYY-SWW (01-53)")
    return parts["year"]


def read_spf_admissions_age(path: Path) -> tuple[pd.DataFrame, list[dict]]:
    """Yearly sums of the weekly admissions by region x 10-year age class (see the module docstring)."""
    path = Path(path)
    table = read_source_csv(path, AGE_HEADER, ";")
    check_cells(path, table, ["NewAdmHospit"], INTEGER, "a count (a whole number >= 0)")
    first_error(path, table, ~table["reg"].isin(REGIONS), "reg", "not one of the 18 region codes")
    first_error(path, table, ~table["cl_age90"].isin(list(CL_AGE90)), "cl_age90",
                f"not an age class of SPF ({', '.join(CL_AGE90)})")
    years = _weeks(path, table)
    check_unique(path, table, ["reg", "Semaine", "cl_age90"], "Semaine")
    missing = sorted(set(REGIONS) - set(table["reg"]))
    if missing:
        raise source_error(path, int(table["line"].iloc[-1]), "reg", None,
                           f"region(s) {', '.join(missing)} missing: the file looks truncated")
    check_complete(path, table, ["reg", "cl_age90"], "Semaine", int(table["Semaine"].nunique()))
    rows = table.assign(period=years, count=table["NewAdmHospit"].astype("int64"))
    yearly = rows.groupby(["reg", "period", "cl_age90"], sort=False).agg(value=("count", "sum"), line=("line", "min"))
    yearly = yearly.reset_index()
    long = yearly.assign(area_code=yearly["reg"], age_band=yearly["cl_age90"].map(CL_AGE90), sex="T",
                         category="", value=yearly["value"].astype(str))
    return long[COLUMNS], []


def _read_vaccination(path: Path, header: list[str], by: str, codes: dict, counts: dict
                      ) -> tuple[pd.DataFrame, list[dict]]:
    path = Path(path)
    table = read_source_csv(path, header, ";")
    check_cells(path, table, list(DOSES), INTEGER, "a count (a whole number >= 0)")
    check_cells(path, table, [c for c in header if c == "pop" or c.startswith("couv_")], DECIMAL,
                "a number >= 0 written 123 or 123.4")
    first_error(path, table, ~table[by].isin(list(codes)), by, f"not one of {', '.join(codes)}")
    dates = _dates(path, table, "jour")
    check_unique(path, table, ["dep", by, "jour"], by)
    # Cumulative counts: each year's last date stands for the year.
    last = dates.groupby(dates.dt.year).transform("max")
    table = table[dates.eq(last)]
    keep, skipped = split_departments(path, table, "dep")
    first_error(path, table, ~table.groupby(["dep", "jour"])[by].transform(lambda s: s.eq("0").any()), by,
                "this department has no all-ages/both-sexes row (code 0): the file looks truncated")
    rows = table[keep].assign(period=dates[table.index][keep].dt.year.astype(str))
    long = rows.melt(id_vars=["dep", by, "period", "line"], value_vars=list(counts), var_name="column")
    long = long.assign(area_code=long["dep"], category=long["column"].map(counts),
                       sex=long[by].map(codes) if by == "sexe" else "T",
                       age_band=long[by].map(codes) if by != "sexe" else "all")
    return long[COLUMNS].sort_values(["line", "category"], kind="stable").reset_index(drop=True), skipped


def read_spf_vaccination_age(path: Path) -> tuple[pd.DataFrame, list[dict]]:
    """Cumulative vaccinations by department x age class at each year's last date, and SPF's ``pop``."""
    return _read_vaccination(path, VACSI_AGE_HEADER, "clage_vacsi", CLAGE_VACSI, {**DOSES, "pop": "population-spf"})


def read_spf_vaccination_sex(path: Path) -> tuple[pd.DataFrame, list[dict]]:
    """Cumulative vaccinations by department x sex (T/M/F, all ages) at each year's last date."""
    return _read_vaccination(path, VACSI_SEX_HEADER, "sexe", SEXE, DOSES)
