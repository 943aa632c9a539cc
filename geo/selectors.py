"""Reads of the geography: levels, area search, area detail and GeoJSON feature collections.

Parent filters, parents and children all go through ``CommuneMembership`` so that EPCIs crossing a
department border and user-defined territories behave like administrative areas.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Case, CharField, Count, F, FloatField, IntegerField, Max, Q, QuerySet, Value, When
from django.db.models.functions import Cast, Concat, NullIf

from geo.models import LEVEL_ORDER, Area, AreaGeometry, CommuneMembership, Detail, Level
from geo.text import normalize_name

# The levels whose areas can hold another level's areas, and what "above" means for each level.
LEVELS_ABOVE = {
    Level.COUNTRY: [],
    Level.REGION: [Level.COUNTRY],
    Level.DEPARTMENT: [Level.COUNTRY, Level.REGION],
    Level.EPCI: [Level.COUNTRY, Level.REGION, Level.DEPARTMENT],
    Level.COMMUNE: [Level.COUNTRY, Level.REGION, Level.DEPARTMENT, Level.EPCI],
    Level.TERRITORY: [Level.COUNTRY, Level.REGION, Level.DEPARTMENT],
}
LEVELS_BELOW = {
    Level.COUNTRY: [Level.REGION],
    Level.REGION: [Level.DEPARTMENT],
    Level.DEPARTMENT: [Level.EPCI, Level.COMMUNE],
    Level.EPCI: [Level.COMMUNE],
    Level.COMMUNE: [],
    Level.TERRITORY: [Level.COMMUNE],
}
# National maps of these levels show the overseas departments in insets unless told otherwise.
INSET_LEVELS = {Level.REGION, Level.DEPARTMENT}
TERRITORY_SEPARATOR = ":"


class AreaNotFound(LookupError):
    pass


def level_list() -> list[dict]:
    """Every level in map order with its translated label and how many areas it holds."""
    counts = dict(Area.objects.values_list("level").annotate(n=Count("id")).values_list("level", "n"))
    return [{"code": level.value, "label": str(level.label), "area_count": counts.get(level.value, 0)}
            for level in LEVEL_ORDER]


def area_get(level: str, code: str) -> Area:
    """One area by level and code; a territory's code is ``<set code>:<area code>``."""
    lookup = {"level": level}
    if level == Level.TERRITORY:
        set_code, sep, area_code = code.partition(TERRITORY_SEPARATOR)
        if not sep:
            raise AreaNotFound(f"territory code {code!r} must read <set code>{TERRITORY_SEPARATOR}<area code>")
        lookup.update(territory_set__code=set_code, code=area_code)
    else:
        lookup.update(code=code, territory_set__isnull=True)
    area = Area.objects.select_related("territory_set").filter(**lookup).first()
    if area is None:
        raise AreaNotFound(f"no area {level}/{code}")
    return area


def parent_resolve(code: str, level: str | None, child_level: str | None) -> Area:
    """The area a ``parent=`` filter names.

    Codes collide across levels (region 53 Bretagne, department 53 Mayenne), so without an explicit
    level the closest level above ``child_level`` that has the code wins: communes of "53" are
    Mayenne's, departments of "53" are Bretagne's.
    """
    if level:
        return area_get(level, code)
    candidates = LEVELS_ABOVE.get(child_level, []) if child_level else []
    order = list(reversed(candidates)) or [lv for lv in LEVEL_ORDER if lv != Level.TERRITORY]
    if TERRITORY_SEPARATOR in code:
        order = [Level.TERRITORY]
    for candidate in order:
        try:
            return area_get(candidate, code)
        except AreaNotFound:
            continue
    raise AreaNotFound(f"no area with code {code!r} above level {child_level}")


def _member_commune_ids(area: Area):
    return CommuneMembership.objects.filter(area=area).values("commune_id")


def area_ids_within(area: Area, level: str):
    """Ids of the areas of ``level`` sharing at least one commune with ``area`` (a subquery)."""
    return (CommuneMembership.objects.filter(level=level, commune_id__in=_member_commune_ids(area))
            .values("area_id").distinct())


def area_list(*, level: str | None = None, parent: Area | None = None, q: str | None = None) -> QuerySet[Area]:
    """Areas, optionally of one level, within one area, matching a search; annotated with ``public_code``
    (``<set code>:<code>`` for territories) and ``density`` (inhabitants per km²)."""
    areas = Area.objects.select_related("parent").annotate(
        public_code=Case(
            When(territory_set__isnull=False,
                 then=Concat(F("territory_set__code"), Value(TERRITORY_SEPARATOR), F("code"), output_field=CharField())),
            default=F("code"), output_field=CharField(),
        ),
        density=Cast("population", FloatField()) / NullIf(F("area_km2"), Value(0.0)),
    )
    if level:
        areas = areas.filter(level=level)
    if parent is not None:
        if level:
            areas = areas.filter(id__in=area_ids_within(parent, level))
        else:
            areas = areas.filter(id__in=CommuneMembership.objects.filter(
                commune_id__in=_member_commune_ids(parent)).values("area_id")).exclude(id=parent.id)
    if q:
        areas = area_search(areas, q)
    return areas


def area_search(areas: QuerySet[Area], q: str) -> QuerySet[Area]:
    """Accent- and case-insensitive search on name words and code prefix, best matches first."""
    raw = q.strip()
    name = normalize_name(raw)
    code = raw.upper()
    words = name.split()
    by_name = Q()
    for word in words:
        by_name &= Q(search_name__contains=word)
    matches = Q(code__startswith=code) | (by_name if words else Q(pk__in=[]))
    relevance = Case(
        When(code=code, then=Value(0)),
        When(search_name=name, then=Value(1)),
        When(code__startswith=code, then=Value(2)),
        When(search_name__startswith=name, then=Value(3)),
        default=Value(4),
        output_field=IntegerField(),
    )
    # Within a relevance, larger levels first, then the most populous: "Bretagne" is the region before
    # any commune whose name holds the word.
    # Code-prefix matches ("290") stay in code order.
    code_order = Case(When(relevance=2, then=F("code")), default=Value(""), output_field=CharField())
    return (areas.filter(matches).annotate(relevance=relevance, level_rank=LEVEL_RANK, code_order=code_order)
            .order_by("relevance", "level_rank", "code_order", F("population").desc(nulls_last=True),
                      "search_name", "code"))


LEVEL_RANK = Case(*[When(level=level, then=Value(i)) for i, level in enumerate(LEVEL_ORDER)],
                  default=Value(len(LEVEL_ORDER)), output_field=IntegerField())
FUZZY_LEVELS = [Level.REGION, Level.DEPARTMENT, Level.EPCI, Level.COMMUNE]


def area_search_ranked(q: str, *, limit: int = 20) -> list[Area]:
    """The search of the home page: accent-insensitive matches ranked as ``area_search`` does; when nothing
    matches, names close to the query (one or two typos: "finistre", "bretagen"), closest first."""
    found = list(area_search(area_list(), q)[:limit])
    if found:
        return found
    return area_fuzzy_search(q, limit=limit)


def area_fuzzy_search(q: str, *, limit: int = 20, cutoff: float = 0.8) -> list[Area]:
    import difflib

    name = normalize_name(q)
    if len(name) < 3:
        return []
    # Typos rarely hit the first letter: the candidates share it, which bounds the names compared. Ordered
    # by population so that, of two areas with one name, the dict keeps the more populous.
    candidates = dict(Area.objects.filter(level__in=FUZZY_LEVELS, territory_set__isnull=True,
                                          search_name__startswith=name[0])
                      .values_list("search_name", "id").order_by(F("population").asc(nulls_first=True)))
    close = difflib.get_close_matches(name, list(candidates), n=limit, cutoff=cutoff)
    if not close:
        return []
    by_id = {a.id: a for a in area_list().filter(id__in=[candidates[c] for c in close])}
    return [by_id[candidates[c]] for c in close if candidates[c] in by_id]


def _area_refs(ids_query, levels) -> list[dict]:
    rows = (Area.objects.filter(id__in=ids_query, level__in=levels)
            .values("level", "code", "name", "population", "territory_set__code"))
    rank = {lv: i for i, lv in enumerate(LEVEL_ORDER)}
    return sorted((_public_ref(row) for row in rows), key=lambda r: (rank[r["level"]], r["name"], r["code"]))


def _public_ref(row: dict) -> dict:
    set_code = row.pop("territory_set__code")
    if set_code:
        row["code"] = f"{set_code}{TERRITORY_SEPARATOR}{row['code']}"
    return row


@dataclass
class AreaDetail:
    area: Area
    density: float | None
    parents: list[dict]
    children: list[dict]
    territories: list[dict]


def area_detail(level: str, code: str) -> AreaDetail:
    """An area with its parents at every level above, its children one level down and the territories
    that share communes with it."""
    area = area_get(level, code)
    members = _member_commune_ids(area)
    touching = CommuneMembership.objects.filter(commune_id__in=members).values("area_id")
    parents = _area_refs(touching, LEVELS_ABOVE[area.level])
    # A department's EPCIs are those touching it: an EPCI may cross the border.
    children = _area_refs(touching, LEVELS_BELOW[area.level])
    territories = _area_refs(touching.filter(level=Level.TERRITORY), [Level.TERRITORY])
    if area.level == Level.TERRITORY:
        territories = [t for t in territories if t["code"] != f"{area.territory_set.code}:{area.code}"]
    density = area.population / area.area_km2 if area.population is not None and area.area_km2 else None
    return AreaDetail(area=area, density=density, parents=parents, children=children, territories=territories)


# --- GeoJSON feature collections -------------------------------------------------------------------

GEOJSON_CACHE_SECONDS = 24 * 3600
_VERSION_KEY = "geo:geography-version"


def geography_version() -> str:
    """A token that changes whenever the geography tables change.

    Row counts and highest ids catch every import that inserts or replaces rows; the generation held in
    the cache lets a write that edits rows in place invalidate every built payload at once
    (``geography_cache_invalidate``).
    """
    area = Area.objects.aggregate(n=Count("id"), top=Max("id"))
    geometry = AreaGeometry.objects.aggregate(n=Count("id"), top=Max("id"))
    generation = cache.get(_VERSION_KEY, 0)
    return f"{generation}-{area['n']}-{area['top']}-{geometry['n']}-{geometry['top']}"


def geography_generation() -> int:
    """The cache generation alone (no table scan): bumped by every geography import (geo.services)."""
    return cache.get(_VERSION_KEY, 0)


def geography_cache_invalidate() -> None:
    try:
        cache.incr(_VERSION_KEY)
    except ValueError:
        cache.set(_VERSION_KEY, 1, None)
    from config.api_fastcache import api_version_forget

    api_version_forget()


@dataclass(frozen=True)
class GeoJSONPayload:
    content: bytes
    etag: str
    feature_count: int


def insets_default(level: str, detail: str, parent: Area | None) -> bool:
    return detail == Detail.NATIONAL and level in INSET_LEVELS and parent is None


def area_geojson(level: str, *, detail: str = Detail.NATIONAL, parent: Area | None = None,
                 insets: bool | None = None) -> GeoJSONPayload:
    """The FeatureCollection of ``level`` (only the areas within ``parent`` if given), built once per
    geography version and kept in the cache as bytes."""
    if insets is None:
        insets = insets_default(level, detail, parent)
    key = f"geo:geojson:{geography_version()}:{level}:{parent.id if parent else '-'}:{detail}:{int(insets)}"
    payload = cache.get(key)
    if payload is None:
        payload = _geojson_build(level, detail, parent, insets)
        cache.set(key, payload, GEOJSON_CACHE_SECONDS)
    return payload


def _geojson_build(level: str, detail: str, parent: Area | None, insets: bool) -> GeoJSONPayload:
    rows = AreaGeometry.objects.filter(detail=detail, area__level=level)
    if parent is not None:
        rows = rows.filter(area_id__in=area_ids_within(parent, level))
    rows = rows.order_by("area__code").values_list(
        "area__code", "area__name", "area__population", "area__area_km2", "area__territory_set__code",
        "geojson", "inset_geojson",
    )
    features = []
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    for code, name, population, area_km2, set_code, geojson, inset in rows.iterator(chunk_size=2000):
        if set_code:
            code = f"{set_code}{TERRITORY_SEPARATOR}{code}"
        props = dumps({"code": code, "name": name, "level": level, "population": population,
                       "area_km2": None if area_km2 is None else round(area_km2, 2)})
        geometry = inset if insets and inset else geojson
        # Stored geometry text is already GeoJSON: concatenated, never parsed.
        features.append(f'{{"type":"Feature","id":{dumps(code)},"properties":{props},"geometry":{geometry}}}')
    content = ('{"type":"FeatureCollection","features":[' + ",".join(features) + "]}").encode()
    etag = hashlib.sha256(content).hexdigest()[:32]
    return GeoJSONPayload(content=content, etag=f'"{etag}"', feature_count=len(features))
