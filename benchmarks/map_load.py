"""Indicator map load in headless Chromium: from navigation to a drawn map, and bytes on first and repeat visit.

Targets (issue 12): departments <= 1.5 s, the communes of Bretagne (about 1,200 shapes) <= 3 s; a repeat visit
downloads under 50 KB (static files have hashed names and a far-future immutable Cache-Control).
Baseline measured in the same run: the population-density page (/densite/), which loads the full plotly.js
bundle from the plotly Python package, as the home page did before the atlas pages.

The site runs as in production: `collectstatic` into a temporary STATIC_ROOT (manifest storage, gzip), gunicorn
with two workers, DEBUG off. The benchmark publishes its own indicator (population density of every area,
dataset flagged simulated) on the configured database and removes it at the end.

    python -m benchmarks.map_load
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from geo.models import Area, Level  # noqa: E402
from indicators.models import Dataset, Indicator, IndicatorPublication, Release, Value  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CODE = "bench-map-density"
REPEAT = 5
KB = 1024
TARGETS = {"departments": 1.5, "communes of Bretagne": 3.0}
REPEAT_VISIT_BUDGET = 50 * KB


def ensure_geography():
    if Area.objects.filter(level=Level.DEPARTMENT, has_geometry=True).count() < 101:
        print("importing the geography first", file=sys.stderr, flush=True)
        call_command("import_geography", verbosity=0, stdout=sys.stderr)  # stdout is the report


def publish_bench_indicator() -> Indicator:
    """Density of every area (region, department, EPCI, commune) as one published indicator."""
    remove_bench_indicator()
    dataset = Dataset.objects.create(code=CODE, name="Benchmark: density", level=Level.COMMUNE, simulated=True)
    indicator = Indicator.objects.create(code=CODE, label_fr="Densité (benchmark)", theme="Benchmark",
                                         method="density", numerator_dataset=dataset, unit="hab./km²")
    release = Release.objects.create(published_at=timezone.now(), note="benchmarks.map_load")
    rows = []
    areas = Area.objects.filter(level__in=["country", "region", "department", "epci", "commune"],
                                territory_set__isnull=True).values_list("id", "population", "area_km2")
    for area_id, population, km2 in areas.iterator(chunk_size=10_000):
        value = population / km2 if population and km2 else None
        rows.append(Value(release=release, indicator=indicator, area_id=area_id, period="2021", sex="T",
                          value=value, numerator=population, denominator=km2, not_computable=value is None,
                          cmp_france="similar"))
    Value.objects.bulk_create(rows, batch_size=10_000)
    IndicatorPublication.objects.create(indicator=indicator, release=release, published_at=release.published_at)
    return indicator


def remove_bench_indicator():
    indicator = Indicator.objects.filter(code=CODE).first()
    if indicator is None:
        return
    releases = list(Release.objects.filter(values__indicator=indicator).distinct().values_list("id", flat=True))
    IndicatorPublication.objects.filter(indicator=indicator).delete()
    Value.objects.filter(indicator=indicator).delete()
    Release.objects.filter(id__in=releases).delete()
    indicator.delete()
    Dataset.objects.filter(code=CODE).delete()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(static_root: str) -> tuple[subprocess.Popen, str]:
    env = dict(os.environ, STATIC_ROOT=static_root, DEBUG="0", ATLAS_HTTPS="0",
               SECRET_KEY=os.environ.get("SECRET_KEY") or "benchmark-" + "x" * 50, ATLAS_API_ANON_RATE="")
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "config.wsgi:application", "--workers", "2",
                             "--bind", f"127.0.0.1:{port}", "--log-level", "warning"], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=2)
            return proc, base
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("gunicorn did not answer in 60 s")


READY = "() => document.getElementById('map').dataset.ready === 'true' && performance.now()"


def visit(browser, url: str) -> dict:
    """A first visit in a fresh context (empty cache), then a repeat visit in the same context."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    received = {"bytes": 0, "requests": 0}

    def finished(event):
        received["bytes"] += event["encodedDataLength"]
        received["requests"] += 1

    cdp.on("Network.loadingFinished", finished)
    page.goto(url)
    first_ms = page.wait_for_function(READY, polling="raf", timeout=60_000).json_value()
    shapes = page.evaluate("() => document.getElementById('map').dataset.shapes || "
                           "document.querySelectorAll('#map .scatterlayer .trace').length")
    first_bytes, first_requests = received["bytes"], received["requests"]
    received.update(bytes=0, requests=0)
    page.goto("about:blank")
    page.goto(url)
    repeat_ms = page.wait_for_function(READY, polling="raf", timeout=60_000).json_value()
    page.wait_for_timeout(200)
    result = {"first_s": first_ms / 1000, "repeat_s": repeat_ms / 1000, "first_bytes": first_bytes,
              "first_requests": first_requests, "repeat_bytes": received["bytes"],
              "repeat_requests": received["requests"], "shapes": shapes}
    context.close()
    return result


def measure(browser, url: str) -> dict:
    visit(browser, url)  # warms the server (caches of GeoJSON and values), not the browser
    runs = [visit(browser, url) for _ in range(REPEAT)]
    return {key: statistics.median(r[key] for r in runs) if key != "shapes" else runs[-1][key]
            for key in runs[0]}


def main():
    ensure_geography()
    publish_bench_indicator()
    static_root = tempfile.mkdtemp(prefix="atlas-bench-static-")
    proc, base = start_server(static_root)
    from playwright.sync_api import sync_playwright

    scenarios = [
        ("baseline: /densite/ (full plotly.js)", base + "/densite/"),
        ("departments", f"{base}/indicateurs/{CODE}/?level=department"),
        ("communes of Bretagne", f"{base}/indicateurs/{CODE}/?level=commune&parent=region%3A53"),
    ]
    results = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                                 args=["--headless", "--no-sandbox", "--disable-gpu"])
            for name, url in scenarios:
                print(f"measuring {name}", file=sys.stderr, flush=True)
                results[name] = measure(browser, url)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        remove_bench_indicator()
    report(results)


def report(results: dict):
    baseline = results["baseline: /densite/ (full plotly.js)"]
    print("## benchmarks.map_load\n")
    print("Headless Chromium (Debian), gunicorn 2 workers, collectstatic with hashed names, DEBUG off; "
          f"median of {REPEAT} fresh browser contexts after one warm-up. Time: navigation start to the map "
          "drawn (the page's `performance.now()`). Bytes: encoded bytes received (headers included).\n")
    print("| page | shapes | first visit | target | vs baseline | first visit bytes (requests) | "
          "repeat visit | repeat visit bytes (requests) |")
    print("|---|---|---|---|---|---|---|---|")
    for name, r in results.items():
        target = TARGETS.get(name)
        verdict = "" if target is None else f"<= {target:.1f} s {'met' if r['first_s'] <= target else 'MISSED'}"
        print(f"| {name} | {r['shapes']} | {r['first_s']:.2f} s | {verdict} | {r['first_s'] / baseline['first_s']:.2f}x | "
              f"{r['first_bytes'] / KB:,.0f} KB ({r['first_requests']:.0f}) | {r['repeat_s']:.2f} s | "
              f"{r['repeat_bytes'] / KB:,.1f} KB ({r['repeat_requests']:.0f}) |")
    print(f"\nRepeat-visit budget: < {REPEAT_VISIT_BUDGET // KB} KB.")


if __name__ == "__main__":
    main()
