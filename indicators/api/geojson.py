"""GeoJSON of one indicator x level x period x sex: the level's geometries with each area's published value
(or nulls) in its properties. Stored geometry text is already GeoJSON: concatenated, never parsed."""

from __future__ import annotations

from geo.models import AreaGeometry
from geo.selectors import TERRITORY_SEPARATOR, insets_default
from indicators.api.formats import dumps, geojson_properties
from indicators.selectors import values as value_selectors


def value_feature_collection(selection: value_selectors.ValueSelection, *, detail: str, insets: str | None,
                             language: str) -> bytes:
    (info,) = selection.indicators.values()
    by_area = {}
    for row in value_selectors.value_rows(selection):
        by_area[row[-1]] = value_selectors.public_row(row)
    geometries = AreaGeometry.objects.filter(detail=detail, area__level=selection.level)
    if selection.within is not None:
        geometries = geometries.filter(area_id__in=selection.within)
    if selection.area_ids is not None:
        geometries = geometries.filter(area_id__in=selection.area_ids)
    draw_insets = (insets == "true") if insets else insets_default(selection.level, detail, selection.within)
    rows = geometries.order_by("area__code", "area_id").values_list(
        "area_id", "area__code", "area__name", "area__territory_set__code", "geojson", "inset_geojson")
    features = []
    for area_id, code, name, set_code, shape, inset in rows.iterator(chunk_size=2000):
        if set_code:
            code = f"{set_code}{TERRITORY_SEPARATOR}{code}"
        props = {"code": code, "name": name, "level": selection.level,
                 **geojson_properties(by_area.get(area_id), info, language)}
        geometry = inset if draw_insets and inset else shape
        features.append(f'{{"type":"Feature","id":{dumps(code)},"properties":{dumps(props)},"geometry":{geometry}}}')
    return ('{"type":"FeatureCollection","features":[' + ",".join(features) + "]}").encode()
