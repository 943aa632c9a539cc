"""GeoJSON payload sizes (raw and gzipped, as GZipMiddleware sends them) and build times per level and detail.

Budgets (from the Foundation issue): all departments with insets at national detail <= 150 KB gzipped;
the communes of any one department <= 250 KB gzipped (all 101 departments are checked, national and zoomed).
Baseline for build time: the naive way (parse every stored geometry and json.dumps the whole collection),
measured in the same run. Runs on the configured database; imports the geography first if it is missing.

    python -m benchmarks.geo_payloads
"""

import json
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.utils.text import compress_string  # noqa: E402

from geo.models import Area, AreaGeometry, Detail, Level  # noqa: E402
from geo.selectors import _geojson_build, area_ids_within  # noqa: E402
from benchmarks.timing import median_timed

KB = 1024
DEPARTMENTS_BUDGET = 150 * KB
COMMUNES_OF_ONE_DEPARTMENT_BUDGET = 250 * KB


def naive_build(level, detail, parent, insets):
    """What the endpoint avoids: parsing every geometry and re-serialising the whole collection."""
    rows = AreaGeometry.objects.filter(detail=detail, area__level=level)
    if parent is not None:
        rows = rows.filter(area_id__in=area_ids_within(parent, level))
    features = []
    for g in rows.select_related("area").order_by("area__code"):
        geometry = json.loads(g.inset_geojson if insets and g.inset_geojson else g.geojson)
        props = {"code": g.area.code, "name": g.area.name, "level": level, "population": g.area.population,
                 "area_km2": g.area.area_km2}
        features.append({"type": "Feature", "id": g.area.code, "properties": props, "geometry": geometry})
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False).encode()


def ensure_geography():
    if Area.objects.filter(level=Level.DEPARTMENT, has_geometry=True).count() < 101:
        print("importing the geography first", file=sys.stderr, flush=True)
        call_command("import_geography", verbosity=0, stdout=sys.stderr)  # stdout is the report


def national_rows():
    rows = []
    for level, detail, insets in [
        (Level.REGION, Detail.NATIONAL, True), (Level.DEPARTMENT, Detail.NATIONAL, True),
        (Level.DEPARTMENT, Detail.NATIONAL, False), (Level.DEPARTMENT, Detail.ZOOMED, False),
        (Level.EPCI, Detail.NATIONAL, False), (Level.COMMUNE, Detail.NATIONAL, False),
    ]:
        repeat = 1 if level == Level.COMMUNE else 3
        seconds, payload = median_timed(lambda: _geojson_build(level, detail, None, insets), repeat)
        budget = DEPARTMENTS_BUDGET if (level, detail, insets) == (Level.DEPARTMENT, Detail.NATIONAL, True) else None
        rows.append((level, "France", detail, insets, payload, seconds, budget))
    return rows


def department_rows():
    rows = []
    for department in Area.objects.filter(level=Level.DEPARTMENT).order_by("code"):
        for detail in (Detail.NATIONAL, Detail.ZOOMED):
            seconds, payload = median_timed(lambda: _geojson_build(Level.COMMUNE, detail, department, False), 1)
            rows.append((Level.COMMUNE, department.code, detail, False, payload, seconds,
                         COMMUNES_OF_ONE_DEPARTMENT_BUDGET))
    return rows


def main() -> int:
    ensure_geography()
    departments = Area.objects.get(level=Level.DEPARTMENT, code="29")
    fast, _ = median_timed(lambda: _geojson_build(Level.DEPARTMENT, Detail.NATIONAL, None, True), 5)
    slow, _ = median_timed(lambda: naive_build(Level.DEPARTMENT, Detail.NATIONAL, None, True), 5)
    fast_c, _ = median_timed(lambda: _geojson_build(Level.COMMUNE, Detail.ZOOMED, departments, False), 5)
    slow_c, _ = median_timed(lambda: naive_build(Level.COMMUNE, Detail.ZOOMED, departments, False), 5)

    print("## geo_payloads: GeoJSON sizes and build times\n")
    print("gzip as sent by GZipMiddleware (`django.utils.text.compress_string`). Build = uncached, median.\n")
    print("| level | within | detail | insets | features | raw KB | gzip KB | build ms | budget gzip KB | ok |")
    print("|---|---|---|---|---:|---:|---:|---:|---:|---|")
    failures = []
    per_department = department_rows()
    for level, within, detail, insets, payload, seconds, budget in national_rows():
        failures += print_row(level, within, detail, insets, payload, seconds, budget)
    for detail in (Detail.NATIONAL, Detail.ZOOMED):
        rows = [r for r in per_department if r[2] == detail]
        sizes = sorted((len(compress_string(r[4].content)), r) for r in rows)
        for label, (_, row) in (("smallest", sizes[0]), ("median", sizes[len(sizes) // 2]), ("largest", sizes[-1])):
            failures += print_row(*row[:1], f"{row[1]} ({label} of 101)", *row[2:])
        failures += [f"communes of {r[1]} {detail}" for size, r in sizes if size > COMMUNES_OF_ONE_DEPARTMENT_BUDGET]
    print()
    print(f"Build of all departments (national, insets): {fast * 1000:.0f} ms; naive parse + json.dumps: "
          f"{slow * 1000:.0f} ms (ratio {slow / fast:.1f}x).")
    print(f"Build of the communes of Finistère (zoomed): {fast_c * 1000:.0f} ms; naive: {slow_c * 1000:.0f} ms "
          f"(ratio {slow_c / fast_c:.1f}x).")
    print(f"\nAll 101 departments' communes checked at both details: "
          f"{'all within budget' if not failures else 'OVER BUDGET: ' + ', '.join(failures)}.")
    return 1 if failures else 0


def print_row(level, within, detail, insets, payload, seconds, budget):
    raw, gz = len(payload.content), len(compress_string(payload.content))
    ok = "" if budget is None else ("yes" if gz <= budget else "**NO**")
    print(f"| {level} | {within} | {detail} | {'yes' if insets else 'no'} | {payload.feature_count} | {raw / KB:.0f} "
          f"| {gz / KB:.0f} | {seconds * 1000:.0f} | {'' if budget is None else budget // KB} | {ok} |")
    return [f"{level} {within} {detail}"] if budget is not None and gz > budget else []


if __name__ == "__main__":
    sys.exit(main())
