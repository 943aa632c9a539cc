"""Published values of the shipped catalog against an independent computation from the raw files.

The pipeline runs on the readers' frames (tests/indicators/real_frames.py); the expected values are read
here straight from the source files with the csv module, openpyxl and calamine, and computed with plain
formulas (scipy only for the chi-squared quantiles of the exact Poisson limits).
"""

import csv
import math

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from scipy.stats import chi2, norm

from indicators.catalog.loader import read_catalog
from indicators.services.reference import SOURCES

from . import real_frames as rf

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def catalog():
    entries, errors = read_catalog(None, set(SOURCES), ["esp2013"], "esp2013")
    assert not errors
    return {e["code"]: e for e in entries}


@pytest.fixture(scope="module")
def computed(catalog):
    cache = {}

    def get(code):
        if code not in cache:
            cache[code] = rf.compute_entry(catalog[code])
        return cache[code]

    return get


def row(values, code, period, level="department"):
    found = values[(values["code"] == code) & (values["period"] == str(period)) & (values["level"] == level)
                   & (values["sex"] == "T")]
    assert len(found) == 1, (code, period, level)
    return found.iloc[0]


@pytest.fixture(scope="module")
def insee_workbook(data_dir):
    return load_workbook(data_dir / "population/estim-pop-dep-sexe-aq-1975-2021.xlsx", read_only=True)


def insee_total(workbook, year: int, department: str) -> int:
    """Column 22 of the year's sheet (Ensemble, Total) on the department's row."""
    for cells in workbook[str(year)].iter_rows(min_row=6, values_only=True):
        if str(cells[0]).strip() == department:
            return int(cells[22])
    raise AssertionError(f"no row {department} in sheet {year}")


def insee_bands(workbook, year: int, departments: set[str]) -> np.ndarray:
    """Ensemble, 20 five-year bands (0-4 ... 95+), summed over ``departments``."""
    total = np.zeros(20)
    for cells in workbook[str(year)].iter_rows(min_row=6, values_only=True):
        if str(cells[0]).strip() in departments:
            total += np.array([float(c) for c in cells[2:22]])
    return total


def test_doctors_per_100000_in_finistere_2020_are_the_drees_count_over_the_insee_population(
        data_dir, insee_workbook, computed):
    with open(data_dir / "health/drees-rpps/Medecin_departement_annee.csv", encoding="latin-1") as f:
        reader = csv.reader(f)
        header = next(reader)
        line = next(r for r in reader if r[0].startswith("029"))
    doctors = int(line[header.index("2020")].replace(" ", ""))
    population = insee_total(insee_workbook, 2020, "29")
    value = row(computed("densite-medecins"), "29", 2020)
    assert value["numerator"] == doctors and value["denominator"] == population
    assert value["value"] == pytest.approx(doctors / population * 100_000, rel=1e-12)
    # Byar's limits (>= 10 doctors), by hand.
    z = norm.ppf(0.975)
    lower = doctors * (1 - 1 / (9 * doctors) - z / (3 * math.sqrt(doctors))) ** 3 / population * 100_000
    assert value["lower_95"] == pytest.approx(lower, rel=1e-9)


def _cumulative_on(data_dir, zone: str, day: str) -> dict[int, int]:
    with open(data_dir / "health/insee-deces/deces_quotidiens_departement.csv", encoding="latin-1") as f:
        for r in csv.DictReader(f):
            if r["Zone"] == zone and r["Date_evenement"] == day:
                return {y: int(r[f"Total_deces_{y}"]) for y in (2018, 2019, 2020)}
    raise AssertionError(f"no line {zone} {day}")


def test_the_2020_excess_mortality_ratio_of_bas_rhin_comes_from_the_raw_cumulative_file(data_dir, computed):
    deaths = _cumulative_on(data_dir, "Dept_67", "09-nov.")
    expected = (deaths[2018] + deaths[2019]) / 2
    observed = deaths[2020]
    value = row(computed("surmortalite-2020"), "67", 2020)
    assert value["numerator"] == observed and value["denominator"] == pytest.approx(expected)
    assert value["value"] == pytest.approx(observed / expected, rel=1e-12)
    # Exact Poisson limits (Garwood), at 95% and 99.8%.
    assert value["lower_95"] == pytest.approx(chi2.ppf(0.025, 2 * observed) / 2 / expected, rel=1e-9)
    assert value["upper_95"] == pytest.approx(chi2.ppf(0.975, 2 * observed + 2) / 2 / expected, rel=1e-9)
    assert value["upper_99_8"] == pytest.approx(chi2.ppf(0.999, 2 * observed + 2) / 2 / expected, rel=1e-9)
    assert value["value"] > 1.1  # Bas-Rhin was hit in spring 2020: more than 10% excess


def test_the_april_2020_ratio_of_bas_rhin_is_april_deaths_over_the_mean_of_april_2018_2019(data_dir, computed):
    end, start = _cumulative_on(data_dir, "Dept_67", "30-avr."), _cumulative_on(data_dir, "Dept_67", "31-mars")
    april = {y: end[y] - start[y] for y in end}
    value = row(computed("surmortalite-2020-04"), "67", 2020)
    assert value["value"] == pytest.approx(april[2020] / ((april[2018] + april[2019]) / 2), rel=1e-12)


def _cnam_sheet(data_dir, name: str) -> pd.DataFrame:
    path = data_dir / "health/cnam-ald/2019_ALD-prevalentes-par-departement_serie-annuelle.xls"
    return pd.read_excel(path, sheet_name=name, header=None, dtype=str, engine="calamine")


def test_diabetes_prevalence_in_finistere_is_the_ald8_count_over_the_2019_population(
        data_dir, insee_workbook, computed):
    sheet = _cnam_sheet(data_dir, "Prévalence_tableauVII_2019")
    column = next(i for i, h in enumerate(sheet.iloc[1]) if str(h).endswith("(ALD8)"))
    count = int(sheet[sheet[0].str.strip() == "29"].iloc[0, column])
    population = insee_total(insee_workbook, 2019, "29")
    value = row(computed("ald-prevalence-diabete"), "29", 2019)
    assert value["value"] == pytest.approx(count / population * 100_000, rel=1e-12)
    assert value["numerator"] == count and value["suppression"] == ""


def test_cnam_standardised_rates_are_published_as_cnam_wrote_them_and_only_for_departments(data_dir, computed):
    sheet = _cnam_sheet(data_dir, "Prévalence_tableauVIII_2019")
    column = next(i for i, h in enumerate(sheet.iloc[1]) if str(h).endswith("(ALD8)"))
    published = float(sheet[sheet[0].str.strip() == "29"].iloc[0, column])
    values = computed("ald-taux-standardise-diabete")
    value = row(values, "29", 2019)
    assert value["value"] == published
    assert np.isnan(value["lower_95"]) and np.isnan(value["numerator"])
    assert set(values["level"]) == {"department"}  # a standardised rate is never summed into a region


def test_a_count_cnam_masks_is_never_turned_into_a_number(computed):
    # Mayotte's ALD15 count is "<10": Mayotte, its region and France (whose sums hold it) have no number.
    values = computed("ald-prevalence-alzheimer")
    where = values["code"] + "/" + values["level"]
    hidden = where.isin(["976/department", "06/region", "FR/country"])
    assert hidden.sum() == 3
    numbers = ["value", "lower_95", "upper_95", "lower_99_8", "upper_99_8", "numerator"]
    assert values.loc[hidden, numbers].isna().all().all()
    assert (values.loc[hidden, "suppression"] == "masked_at_source").all() and values.loc[hidden, "suppressed"].all()
    assert values.loc[~hidden, "value"].notna().all()


def _hospital_admissions(data_dir, department: str) -> dict[int, int]:
    totals = {}
    with open(data_dir / "health/spf-covid19/covid-hospit-incid-2023-03-31-18h01.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f, delimiter=";"):
            if r["dep"] == department:
                year = int(r["jour"][:4])
                totals[year] = totals.get(year, 0) + int(r["incid_hosp"])
    return totals


def test_the_covid_hospitalisation_rate_is_the_yearly_sum_of_admissions_over_the_insee_population(
        data_dir, insee_workbook, computed):
    admissions = _hospital_admissions(data_dir, "29")
    values = computed("covid-taux-hospitalisation")
    assert sorted(values["period"].unique()) == ["2020", "2021", "2022"]
    for year, population_year in ((2021, 2021), (2022, 2021)):  # 2022: the 2021 estimate, carried forward
        population = insee_total(insee_workbook, population_year, "29")
        value = row(values, "29", year)
        assert value["value"] == pytest.approx(admissions[year] / population * 100_000, rel=1e-12)


ESP2013_10Y = np.array([10500, 11000, 12000, 13500, 14000, 13500, 11500, 9000, 4000, 1000], dtype=float)


CLASSES = ["09", "19", "29", "39", "49", "59", "69", "79", "89", "90"]
BRETAGNE = {"22", "29", "35", "56"}


def _admissions_by_class(data_dir, year: int) -> dict[str, np.ndarray]:
    """Region -> admissions of ``year`` (weeks labelled year-Sxx) in SPF's 10 classes, from the raw file."""
    counts = {}
    with open(data_dir / "health/spf-covid19/covid-hosp-ad-age-2023-06-30-16h29.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f, delimiter=";"):
            if r["Semaine"].startswith(f"{year}-") and r["cl_age90"] in CLASSES:
                counts.setdefault(r["reg"], np.zeros(10))[CLASSES.index(r["cl_age90"])] += int(r["NewAdmHospit"])
    return counts


def _ten_year(five: np.ndarray) -> np.ndarray:
    return np.append(five[:18].reshape(9, 2).sum(axis=1), five[18:].sum())  # 0-9 ... 80-89, 90+


def test_the_age_standardised_covid_rate_of_bretagne_is_the_dsr_on_esp2013_in_10_year_classes(
        data_dir, insee_workbook, computed):
    x = _admissions_by_class(data_dir, 2021)["53"]
    n = _ten_year(insee_bands(insee_workbook, 2021, BRETAGNE))
    expected = (x / n * ESP2013_10Y).sum() / ESP2013_10Y.sum() * 100_000
    value = row(computed("covid-tsa-hospitalisation-region"), "53", 2021, level="region")
    assert value["value"] == pytest.approx(expected, rel=1e-9)
    # Dobson limits: the DSR's variance from the weighted Poisson counts.
    w = ESP2013_10Y / ESP2013_10Y.sum() / n * 100_000
    variance, total = (w ** 2 * x).sum(), x.sum()
    lower_count = total * (1 - 1 / (9 * total) - norm.ppf(0.975) / (3 * math.sqrt(total))) ** 3
    assert value["lower_95"] == pytest.approx(expected + math.sqrt(variance / total) * (lower_count - total), rel=1e-9)


def test_the_indirectly_standardised_covid_rate_of_bretagne_is_its_smr_times_france_s_crude_rate(
        data_dir, insee_workbook, computed):
    admissions = _admissions_by_class(data_dir, 2021)
    france_x = sum(admissions.values())
    every_department = {str(c[0]).strip() for c in insee_workbook["2021"].iter_rows(min_row=6, values_only=True)
                        if c[0] is not None and (str(c[0]).strip()[:2].isdigit() or str(c[0]).strip()[:1] == "2")
                        and len(str(c[0]).strip()) in (2, 3)}
    france_n = _ten_year(insee_bands(insee_workbook, 2021, every_department))
    n = _ten_year(insee_bands(insee_workbook, 2021, BRETAGNE))
    expected = (n * france_x / france_n).sum()
    smr = admissions["53"].sum() / expected
    isr = row(computed("covid-tsi-hospitalisation-region"), "53", 2021, level="region")
    icm = row(computed("covid-icm-hospitalisation-region"), "53", 2021, level="region")
    assert icm["value"] == pytest.approx(smr * 100, rel=1e-9)
    assert isr["value"] == pytest.approx(smr * france_x.sum() / france_n.sum() * 100_000, rel=1e-9)


def test_complete_vaccination_of_the_over_80s_in_finistere_has_its_wilson_interval(data_dir, computed):
    with open(data_dir / "health/spf-covid19/vacsi-tot-a-dep-2023-07-13-15h50.csv", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f, delimiter=";") if r["dep"] == "29"]
    over_80 = next(r for r in rows if r["clage_vacsi"] == "80")
    x, n = int(over_80["n_tot_complet"]), float(over_80["pop"])
    value = row(computed("couverture-vaccinale-complete-80-ans-et-plus"), "29", 2023)
    assert value["value"] == pytest.approx(x / n * 100, rel=1e-12)
    assert value["value"] == pytest.approx(float(over_80["couv_tot_complet"]), abs=0.05)  # SPF's own figure
    z, p = norm.ppf(0.975), x / n
    centre, half = p + z * z / (2 * n), z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    assert value["lower_95"] == pytest.approx((centre - half) / (1 + z * z / n) * 100, rel=1e-9)
    assert value["upper_95"] == pytest.approx((centre + half) / (1 + z * z / n) * 100, rel=1e-9)
    every_class = [r for r in rows if r["clage_vacsi"] != "0"]
    whole = row(computed("couverture-vaccinale-complete"), "29", 2023)
    assert whole["numerator"] == sum(int(r["n_tot_complet"]) for r in every_class)
    assert whole["denominator"] == pytest.approx(sum(float(r["pop"]) for r in every_class))


def test_the_simulated_deaths_of_an_epci_are_the_sum_of_its_member_communes(data_dir, catalog):
    import json

    values = rf.compute_entry(catalog["deces-simules-communes"])
    # Brest Métropole (242900314): its 8 communes, from the COG's EPCI file.
    members = next(e for e in json.loads((data_dir / "cog/epci.json").read_text()) if e["code"] == "242900314")
    codes = {m["code"] for m in members["membres"]}
    deaths = rf.observations("simulation-deces")
    ids = rf.geography(communes=True).areas.set_index("code")
    commune_ids = ids[ids["level"] == "commune"].loc[sorted(codes), "id"]
    expected = deaths[deaths["area_id"].isin(commune_ids) & (deaths["period"] == 2020)]["value"].sum()
    epci = row(values, "242900314", 2020, level="epci")
    assert epci["value"] == expected and expected > 1000
    assert {"commune", "epci", "department", "region", "country"} == set(values["level"])
