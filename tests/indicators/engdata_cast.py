"""The named cast of real territories used by the data-import tests (engdata), built directly as Area rows."""

import pytest

from geo.models import Area, CommuneAlias, Level
from indicators.models import Dataset

CAST = [
    # level, code, name, parent code
    (Level.COUNTRY, "FR", "France", None),
    (Level.REGION, "53", "Bretagne", "FR"),
    (Level.REGION, "94", "Corse", "FR"),
    (Level.REGION, "06", "Mayotte", "FR"),
    (Level.REGION, "11", "Île-de-France", "FR"),
    (Level.DEPARTMENT, "29", "Finistère", "53"),
    (Level.DEPARTMENT, "2A", "Corse-du-Sud", "94"),
    (Level.DEPARTMENT, "976", "Mayotte", "06"),
    (Level.DEPARTMENT, "75", "Paris", "11"),
    (Level.DEPARTMENT, "01", "Ain", "FR"),
    (Level.COMMUNE, "29019", "Brest", "29"),
    (Level.COMMUNE, "29042", "Châteaulin", "29"),
    (Level.COMMUNE, "2A004", "Ajaccio", "2A"),
    (Level.COMMUNE, "75056", "Paris", "75"),
    (Level.COMMUNE, "01004", "Ambérieu-en-Bugey", "01"),
]


def build_cast() -> dict:
    areas = {}
    for level, code, name, parent in CAST:
        areas[code] = Area.objects.create(
            level=level, code=code, name=name, search_name=name.lower(), parent=areas.get(parent),
            is_overseas=code in {"976", "06"}, area_km2={"29": 6733.0, "2A": 4014.0, "976": 376.0}.get(code),
        )
    for arrondissement in ("75101", "75102"):
        CommuneAlias.objects.create(code=arrondissement, commune=areas["75056"], kind="arrondissement-municipal")
    return areas


@pytest.fixture
def cast(db):
    return build_cast()


@pytest.fixture
def department_dataset(db):
    return Dataset.objects.create(code="deces", name="Décès", level=Level.DEPARTMENT, publisher="INSEE")


@pytest.fixture
def commune_dataset(db):
    return Dataset.objects.create(code="naissances", name="Naissances", level=Level.COMMUNE)


def write(tmp_path, text, name="data.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def errors_of(result):
    return [(e["line"], e["column"], e["value"], e["reason"]) for e in result.report["errors"]]
