"""A small hand-made geography for the API and map tests, built straight into the tables.

Real codes, names and populations (COG 2026); geometries are simple squares at roughly the right place,
so the tests do not depend on the importer. Memberships follow the real rule: every commune belongs to
itself and to each area containing it, EPCIs may cross a department border (CC Poher Communauté spans
Finistère and Côtes-d'Armor).
"""

import json

from geo.models import Area, AreaGeometry, CommuneMembership, Detail, Level, TerritorySet
from geo.text import normalize_name


def square(lon: float, lat: float, size: float = 0.1) -> str:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return json.dumps({"type": "Polygon", "coordinates": [ring]}, separators=(",", ":"))


def area(level, code, name, parent=None, population=None, area_km2=None, *, at=None, inset_at=None,
         overseas=False, territory_set=None, size=0.1):
    obj = Area.objects.create(
        level=level, code=code, name=name, search_name=normalize_name(name), parent=parent,
        population=population, area_km2=area_km2, is_overseas=overseas, has_geometry=at is not None,
        territory_set=territory_set,
    )
    if at is not None:
        inset = square(*inset_at, size) if inset_at else ""
        for detail in Detail.values:
            AreaGeometry.objects.create(area=obj, detail=detail, geojson=square(*at, size), inset_geojson=inset)
    return obj


def member(commune, *areas):
    CommuneMembership.objects.bulk_create(
        [CommuneMembership(commune=commune, area=a, level=a.level) for a in (commune, *areas)]
    )


def build_small_france() -> dict[str, Area]:
    """France, Bretagne/Pays de la Loire/Corse/Mayotte and a dozen communes; returns them by a short key."""
    a = {}
    a["FR"] = area(Level.COUNTRY, "FR", "France", population=68350798, area_km2=632734.0)
    a["r53"] = area(Level.REGION, "53", "Bretagne", a["FR"], 3453023, 27208.0, at=(-4.0, 48.0), size=2)
    a["r52"] = area(Level.REGION, "52", "Pays de la Loire", a["FR"], 3926389, 32082.0, at=(-1.0, 47.0), size=2)
    a["r94"] = area(Level.REGION, "94", "Corse", a["FR"], 351255, 8680.0, at=(8.6, 41.5), size=1)
    a["r06"] = area(Level.REGION, "06", "Mayotte", a["FR"], 256518, 376.0, at=(45.1, -12.9), inset_at=(-3.0, 43.0),
                    overseas=True, size=0.3)
    a["d29"] = area(Level.DEPARTMENT, "29", "Finistère", a["r53"], 919056, 6733.0, at=(-4.6, 48.0), size=1)
    a["d22"] = area(Level.DEPARTMENT, "22", "Côtes-d'Armor", a["r53"], 606686, 6878.0, at=(-3.4, 48.3), size=1)
    a["d53"] = area(Level.DEPARTMENT, "53", "Mayenne", a["r52"], 307062, 5175.0, at=(-0.8, 48.0), size=0.8)
    a["d2A"] = area(Level.DEPARTMENT, "2A", "Corse-du-Sud", a["r94"], 160814, 4014.0, at=(8.7, 41.6), size=0.6)
    a["d976"] = area(Level.DEPARTMENT, "976", "Mayotte", a["r06"], 256518, 376.0, at=(45.1, -12.9),
                     inset_at=(-3.0, 43.0), overseas=True, size=0.3)
    a["e_crozon"] = area(Level.EPCI, "200066868", "CC Presqu'île de Crozon-Aulne maritime", a["d29"], 23914, 374.0)
    a["e_pcp"] = area(Level.EPCI, "200067247", "CC Pleyben-Châteaulin-Porzay", a["d29"], 23029, 616.0)
    a["e_poher"] = area(Level.EPCI, "242900744", "CC Poher Communauté", a["d29"], 14888, 574.0)
    a["e_laval"] = area(Level.EPCI, "200083392", "CA Laval Agglomération", a["d53"], 114872, 680.0)
    a["e_ajaccio"] = area(Level.EPCI, "242010056", "CA du Pays Ajaccien", a["d2A"], 92766, 290.0)
    a["e_mamoudzou"] = area(Level.EPCI, "200060457", "CA de Dembeni / Mamoudzou", a["d976"], 87285, 80.0)
    communes = [
        # key, code, name, department, epci, population, km2, lon, lat
        ("c_chateaulin", "29026", "Châteaulin", "d29", "e_pcp", 5085, 20.0, -4.1, 48.2),
        ("c_port_launay", "29222", "Port-Launay", "d29", "e_pcp", 404, 1.4, -4.08, 48.21),
        ("c_crozon", "29042", "Crozon", "d29", "e_crozon", 7499, 80.0, -4.5, 48.25),
        ("c_carhaix", "29024", "Carhaix-Plouguer", "d29", "e_poher", 7100, 62.0, -3.6, 48.27),
        ("c_plevin", "22202", "Plévin", "d22", "e_poher", 754, 30.0, -3.5, 48.22),
        ("c_laval", "53130", "Laval", "d53", "e_laval", 49400, 34.0, -0.77, 48.07),
        ("c_ajaccio", "2A004", "Ajaccio", "d2A", "e_ajaccio", 76320, 82.0, 8.74, 41.93),
        ("c_afa", "2A001", "Afa", "d2A", "e_ajaccio", 3200, 24.0, 8.8, 41.98),
        ("c_mamoudzou", "97611", "Mamoudzou", "d976", "e_mamoudzou", 71437, 42.0, 45.2, -12.78),
    ]
    for key, code, name, dep, epci, pop, km2, lon, lat in communes:
        dep_area = a[dep]
        a[key] = area(Level.COMMUNE, code, name, dep_area, pop, km2, at=(lon, lat), size=0.05,
                      overseas=dep_area.is_overseas)
        member(a[key], a["FR"], dep_area.parent, dep_area, a[epci])
    # Saint-Étienne's department and region are not built: it only serves the search tests.
    a["c_saint_etienne"] = area(Level.COMMUNE, "42218", "Saint-Étienne", a["FR"], 173136, 80.0)
    member(a["c_saint_etienne"], a["FR"])
    health = TerritorySet.objects.create(code="ts-bretagne", name="Territoires de santé de Bretagne")
    a["t_ouest"] = area(Level.TERRITORY, "T1", "Territoire de santé Brest-Morlaix-Quimper", a["FR"],
                        territory_set=health)
    for key in ("c_chateaulin", "c_crozon"):
        CommuneMembership.objects.create(commune=a[key], area=a["t_ouest"], level=Level.TERRITORY)
    return a
