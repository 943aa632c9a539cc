"""Database cast for run/task/API tests: Bretagne with Brest, Quimper (29) and Vannes (56), an EPCI crossing
the 29/56 border, a territory set, commune-level deaths and population by sex for 2018-2020, and a crude
death-rate indicator on them."""

from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection

from geo.models import Area, CommuneMembership, Level, TerritorySet
from indicators.models import Dataset, Indicator, Observation
from indicators.services import runs

DEATHS = {  # commune -> (men, women) per year; Vannes women stay under 10 (suppressed)
    "29019": (120, 110),
    "29232": (60, 55),
    "56260": (40, 6),
}
POPULATION = {"29019": (70000, 72000), "29232": (30000, 33000), "56260": (25000, 28000)}
YEARS = (2018, 2019, 2020)


@dataclass
class EngineCast:
    areas: dict
    deaths: Dataset
    population: Dataset
    indicator: Indicator


def _area(level, code, name, parent=None, territory_set=None, km2=None):
    return Area.objects.create(level=level, code=code, name=name, search_name=name.lower(), parent=parent,
                               territory_set=territory_set, area_km2=km2)


def build_engine_cast(indicator_code: str = "mortalite-generale", *, observations: bool = True,
                      **indicator_fields) -> EngineCast:
    fr = _area(Level.COUNTRY, "FR", "France", km2=551695.0)
    bzh = _area(Level.REGION, "53", "Bretagne", fr, km2=27208.0)
    d29 = _area(Level.DEPARTMENT, "29", "Finistère", bzh, km2=6733.0)
    d56 = _area(Level.DEPARTMENT, "56", "Morbihan", bzh, km2=6823.0)
    epci = _area(Level.EPCI, "200000001", "EPCI Quimper-Vannes", d29, km2=800.0)
    tset = TerritorySet.objects.create(code="cpts-test", name="CPTS test")
    territory = _area(Level.TERRITORY, "T1", "Territoire Brest-Vannes", fr, territory_set=tset, km2=700.0)
    communes = {
        "29019": _area(Level.COMMUNE, "29019", "Brest", d29, km2=49.5),
        "29232": _area(Level.COMMUNE, "29232", "Quimper", d29, km2=84.5),
        "56260": _area(Level.COMMUNE, "56260", "Vannes", d56, km2=32.3),
    }
    containing = {"29019": [d29, territory], "29232": [d29, epci], "56260": [d56, epci, territory]}
    CommuneMembership.objects.bulk_create(
        CommuneMembership(commune=commune, area=area, level=area.level)
        for code, commune in communes.items()
        for area in [commune, bzh, fr, *containing[code]]
    )
    deaths = Dataset.objects.create(code="deces-communes", name="Décès", level=Level.COMMUNE)
    population = Dataset.objects.create(code="population-communes", name="Population", level=Level.COMMUNE)
    rows = []
    for year in YEARS:
        for code, commune in communes.items():
            for sex, d, p in zip("MF", DEATHS[code], POPULATION[code]):
                rows.append(Observation(dataset=deaths, area=commune, period=year, sex=sex, age_band="all", value=d))
                rows.append(Observation(dataset=population, area=commune, period=year, sex=sex, age_band="all",
                                        value=p))
    if observations:
        Observation.objects.bulk_create(rows)
    fields = {"label_fr": "Mortalité générale", "method": "crude_rate", "numerator_dataset": deaths,
              "denominator_dataset": population, "multiplier": 100000, "polarity": "low_is_good"}
    fields.update(indicator_fields)
    indicator = Indicator.objects.create(code=indicator_code, **fields)
    areas = {"FR": fr, "53": bzh, "29": d29, "56": d56, "epci": epci, "territory": territory, **communes}
    return EngineCast(areas, deaths, population, indicator)


@contextmanager
def locked_by_another_process(indicator_id):
    """The lock as a worker computing the indicator holds it (PostgreSQL: another session)."""
    if connection.vendor != "postgresql":
        with runs.indicator_lock([indicator_id]):
            yield
        return
    import psycopg

    settings = connection.settings_dict
    with psycopg.connect(host=settings["HOST"], port=settings["PORT"] or 5432, user=settings["USER"],
                         dbname=settings["NAME"], autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s, %s)", [runs.LOCK_NAMESPACE, indicator_id])
        yield


def write_engine_csvs(directory) -> tuple:
    """The cast's deaths and population as the long CSV files the importer reads."""
    paths = []
    for name, table in (("deces.csv", DEATHS), ("population.csv", POPULATION)):
        lines = ["area_code,period,sex,age_band,value"]
        lines += [f"{code},{year},{sex},all,{v}" for year in YEARS for code, pair in table.items()
                  for sex, v in zip("MF", pair)]
        path = directory / name
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(path)
    return tuple(paths)


def run_operator(username: str = "operatrice", *, staff: bool = True, can_start_runs: bool = True):
    """A user as the runs API sees them: staff or not, with or without ``indicators.add_run``."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    user = get_user_model().objects.create_user(username, password="x-long-password-1", is_staff=staff)
    if can_start_runs:
        user.user_permissions.add(Permission.objects.get(content_type__app_label="indicators", codename="add_run"))
    return user
