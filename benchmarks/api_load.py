"""API under load: gunicorn on PostgreSQL + Redis, wrk in a separate process, 32 connections for 60 s per
scenario, each compared with a static file of the same size served by the same gunicorn (WhiteNoise) in the
same run. Also the peak memory of streaming a whole commune-level indicator (~1 M rows) as CSV.

Data: the real geography (imported if missing) and one synthetic indicator published for every area, 10
years x 3 sexes (~1.09 M values, 5% withheld), written with the engine's COPY path. Its own database
(``<db>_api_bench``) and Redis db 12 unless API_BENCH_REDIS_URL says otherwise.

    python -m benchmarks.api_load          (make bench BENCH=api_load)
    API_BENCH_SECONDS=10 python -m ...     (a shorter smoke run)
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECONDS = int(os.environ.get("API_BENCH_SECONDS", "60"))
CONNECTIONS = 32
WARM_UP_SECONDS = 3
PORT = int(os.environ.get("API_BENCH_PORT", "8931"))
REDIS = os.environ.get("API_BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
YEARS = range(2011, 2021)
CODE = "bench-communes"


def _bench_db_url() -> str:
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/atlas")
    return base.rsplit("/", 1)[0] + "/" + base.rsplit("/", 1)[1].split("?")[0] + "_api_bench"


def _prepare_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], capture_output=True)
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench", "ATLAS_HTTPS": "0"}
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)


def _setup_django(url: str) -> None:
    os.environ.update({"DATABASE_URL": url, "REDIS_URL": REDIS, "SECRET_KEY": "bench", "ATLAS_HTTPS": "0",
                       "DJANGO_SETTINGS_MODULE": "config.settings", "ATLAS_API_ANON_RATE": "off"})
    import django

    django.setup()


def _publish_synthetic_indicator() -> int:
    """One indicator with values for every area (all levels), YEARS x 3 sexes; returns the value count."""
    import numpy as np
    import pandas as pd
    from django.core.management import call_command
    from django.utils import timezone

    from geo.models import Area, Level
    from indicators.compute import VALUE_COLUMNS
    from indicators.models import Dataset, Indicator, IndicatorPublication, Release, Run, Value
    from indicators.services.releases import release_values_replace

    if Area.objects.filter(level=Level.DEPARTMENT, has_geometry=True).count() < 101:
        print("importing the geography", file=sys.stderr, flush=True)
        # Its summary goes to stderr: this process's stdout is the report benchmarks.run writes into BENCHMARKS.md.
        call_command("import_geography", verbosity=0, stdout=sys.stderr)
    indicator = Indicator.objects.filter(code=CODE).first()
    if indicator and IndicatorPublication.objects.filter(indicator=indicator).exists():
        return Value.objects.filter(indicator=indicator).count()
    dataset, _ = Dataset.objects.get_or_create(code="bench-deaths", defaults={"name": "bench", "level": "commune"})
    indicator = indicator or Indicator.objects.create(code=CODE, label_fr="Taux de référence (synthétique)",
                                                      method="crude_rate", numerator_dataset=dataset,
                                                      multiplier=100000, unit="pour 100 000 habitants")
    release = Release.objects.create(note="api_load benchmark")
    run = Run.objects.create(release=release, status=Run.Status.RUNNING)
    run.indicators.add(indicator)
    ids = np.array(Area.objects.order_by("id").values_list("id", flat=True))
    rng = np.random.default_rng(7)
    grid = pd.MultiIndex.from_product([ids, [str(y) for y in YEARS], ["M", "F", "T"]],
                                      names=["area_id", "period", "sex"]).to_frame(index=False)
    n = len(grid)
    den = rng.integers(200, 200_000, n).astype(float)
    num = rng.poisson(den * 0.009).astype(float)
    value = num / den * 100000
    withheld = rng.random(n) < 0.05
    frame = grid.assign(value=value, lower_95=value * 0.9, upper_95=value * 1.1, lower_99_8=value * 0.85,
                        upper_99_8=value * 1.15, numerator=num, denominator=den, suppressed=withheld,
                        suppression=np.where(withheld, "primary", ""), unreliable=num < 20, not_computable=False,
                        cmp_parent=np.where(withheld, "", "similar"), cmp_france=np.where(withheld, "", "higher"),
                        quantile=rng.integers(1, 6, n), map_class=rng.integers(1, 6, n))
    for column in ("value", "lower_95", "upper_95", "lower_99_8", "upper_99_8", "numerator", "denominator"):
        frame.loc[withheld, column] = np.nan
    for column in ("quantile", "map_class"):
        frame[column] = frame[column].astype(float).where(~withheld)
    release_values_replace(release.pk, indicator.pk, frame[VALUE_COLUMNS])
    now = timezone.now()
    IndicatorPublication.objects.update_or_create(indicator=indicator, defaults={"release": release, "published_at": now})
    Release.objects.filter(pk=release.pk).update(published_at=now)
    Run.objects.filter(pk=run.pk).update(status=Run.Status.SUCCEEDED, progress=1.0, finished_at=now)
    return n


def _stream_once(query: str) -> None:
    """Child process: stream one values CSV through the view, print bytes, seconds, peak RSS before/after."""
    from urllib.parse import parse_qsl

    from django.test import Client

    client = Client()
    client.get("/api/v1/levels/", HTTP_HOST="localhost")  # imports and connections outside the measure
    # ru_maxrss survives exec (the parent's peak, 1.4 GB after a geography import, showed as "before"):
    # reset the high-water mark of this process, then read it (Linux >= 4.0).
    Path("/proc/self/clear_refs").write_text("5")
    before = _peak_rss()
    started = time.perf_counter()
    response = client.get("/api/v1/values/", dict(parse_qsl(query)), HTTP_HOST="localhost")
    assert response.status_code == 200 and response.streaming, response.content[:500]
    size = sum(len(chunk) for chunk in response.streaming_content)
    elapsed = time.perf_counter() - started
    print(size, elapsed, before, _peak_rss())


def _peak_rss() -> int:
    """VmHWM of this process, in bytes."""
    line = next(l for l in Path("/proc/self/status").read_text().splitlines() if l.startswith("VmHWM:"))
    return int(line.split()[1]) * 1024


def _stream_peak(url: str, query: str) -> tuple[int, float, int, int]:
    """(bytes, seconds, peak RSS before the request, peak RSS after streaming), in a fresh process."""
    # Nothing kept on disk: this measures formatting rows while streaming, not sending a file.
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": REDIS, "ATLAS_EXPORT_CACHE_MB": "0"}
    out = subprocess.run([sys.executable, "-m", "benchmarks.api_load", "--stream", query], cwd=ROOT, env=env,
                         capture_output=True, text=True, check=True).stdout.split()
    return int(out[0]), float(out[1]), int(out[2]), int(out[3])


def _start_gunicorn(url: str, var_dir: Path) -> subprocess.Popen:
    import socket

    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", PORT)) == 0:
            raise RuntimeError(f"port {PORT} is taken by another server: set API_BENCH_PORT")
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": REDIS, "SECRET_KEY": "bench", "ATLAS_HTTPS": "0",
           "ATLAS_API_ANON_RATE": "off", "VAR_DIR": str(var_dir), "STATIC_ROOT": str(var_dir / "static"),
           "LOG_LEVEL": "WARNING", "ALLOWED_HOSTS": "127.0.0.1,localhost"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{PORT}", "-w", "2", "--threads", "4",
         "--worker-class", "gthread", "--timeout", "120", "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=1)
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("gunicorn did not start")


WRK_LINE = re.compile(r"Requests/sec:\s+([\d.]+)")


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def _static_name(scenario: str) -> str:
    import hashlib

    return hashlib.sha256(scenario.encode()).hexdigest()[:16] + ".bin"


def _wrk(path: str, seconds: int = SECONDS) -> dict:
    out = subprocess.run(["wrk", "-t", "2", "-c", str(CONNECTIONS), "-d", f"{seconds}s", "--latency", "--timeout",
                          "30s", "-H", "Accept-Encoding: identity", f"http://127.0.0.1:{PORT}{path}"],
                         capture_output=True, text=True, check=True).stdout
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M))
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    total = re.search(r"(\d+) requests in", out)
    return {"rps": float(WRK_LINE.search(out).group(1)), "p50": _ms(percentiles["50"]), "p99": _ms(percentiles["99"]),
            "errors": errors + (int(non2xx.group(1)) if non2xx else 0), "requests": int(total.group(1))}


def _body(path: str) -> bytes:
    request = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}", headers={"Accept-Encoding": "identity"})
    with urllib.request.urlopen(request, timeout=120) as response:
        assert response.status == 200, path
        return response.read()


def main() -> None:
    url = _bench_db_url()
    _prepare_database(url)
    _setup_django(url)
    count = _publish_synthetic_indicator()
    from django.core.cache import cache

    cache.clear()
    from django.db import connections

    connections.close_all()
    small = _stream_peak(url, f"indicator={CODE}&level=commune&period=2020&format=csv")
    whole = _stream_peak(url, f"indicator={CODE}&format=csv")
    var_dir = ROOT / "var" / "bench-api"
    shutil.rmtree(var_dir / "cache", ignore_errors=True)  # bodies kept on disk by an earlier run
    shutil.rmtree(var_dir / "static" / "bench", ignore_errors=True)
    (var_dir / "static" / "bench").mkdir(parents=True, exist_ok=True)
    scenarios = [
        ("values, all departments, one period (JSON)", f"/api/v1/values/?indicator={CODE}&level=department&period=2019&sex=T&limit=200"),
        ("area profile (Finistère)", "/api/v1/profiles/department/29/"),
        ("departments GeoJSON with values", f"/api/v1/values/?indicator={CODE}&level=department&period=2019&format=geojson"),
        ("bulk CSV, all communes, one period (streamed)", f"/api/v1/values/?indicator={CODE}&level=commune&period=2019&sex=T&format=csv"),
    ]
    gunicorn = _start_gunicorn(url, var_dir)
    try:
        sizes = {}
        for name, path in scenarios:
            body = _body(path)  # warms the cache as a first visitor would
            sizes[name] = len(body)
            (var_dir / "static" / "bench" / _static_name(name)).write_bytes(body)
    finally:
        os.killpg(gunicorn.pid, signal.SIGTERM)
        gunicorn.wait(timeout=30)
    gunicorn = _start_gunicorn(url, var_dir)  # restarted so WhiteNoise indexes the static copies
    results = []
    try:
        for name, path in scenarios:
            print(f"load: {name}", file=sys.stderr, flush=True)
            _wrk(path, WARM_UP_SECONDS)  # every worker thread and its connections warm, as in steady state
            api = _wrk(path)
            _wrk(f"/static/bench/{_static_name(name)}", WARM_UP_SECONDS)
            static = _wrk(f"/static/bench/{_static_name(name)}")
            results.append((name, sizes[name], api, static))
    finally:
        os.killpg(gunicorn.pid, signal.SIGTERM)
        gunicorn.wait(timeout=30)
    _report(count, small, whole, results)


def _report(count, small, whole, results) -> None:
    print(f"## api_load: the public API under load (gunicorn 2 workers x 4 threads, PostgreSQL + Redis)\n")
    print(f"wrk, {CONNECTIONS} connections, {SECONDS} s per line, from a separate process on the same 2-core "
          f"machine; each scenario is followed by a static file of the same size served by the same gunicorn "
          f"(WhiteNoise), the baseline. Cached responses: the first request of each warmed the cache (Redis, "
          f"each process's own entries, the disk copy of the bulk CSV), then {WARM_UP_SECONDS} s of the same load "
          f"before each measured line, API and static alike. Synthetic indicator on the real geography: "
          f"{count:,} values.\n")
    print("| scenario | body | req/s | p50 ms | p99 ms | errors | static req/s | static p50 / p99 ms | ratio to static |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, size, api, static in results:
        print(f"| {name} | {size / 1024:,.0f} KB | {api['rps']:,.0f} | {api['p50']:.1f} | {api['p99']:.1f} | "
              f"{api['errors']} | {static['rps']:,.0f} | {static['p50']:.1f} / {static['p99']:.1f} | "
              f"{api['rps'] / static['rps']:.2f} |")
    first = results[:3]
    met = (all(api["p99"] < 100 for _n, _s, api, _st in first)
           and all(api["rps"] >= 0.5 * static["rps"] for _n, _s, api, static in first)
           and all(api["errors"] == 0 for _n, _s, api, _st in results))
    print("\nTargets: p99 < 100 ms for the first three; cached responses >= 0.5 of the static throughput; 0 errors: "
          f"{'met' if met else 'NOT met'}. Load average when the run ended: {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores (wrk and gunicorn themselves load both cores).\n")
    print("Streaming a values CSV through the view, each in a fresh process (peak RSS before the request and "
          "after the whole body went through):\n")
    print("| CSV | rows | size | seconds | peak RSS before | peak RSS after | growth |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, rows, (size, seconds, before, after) in (
            ("communes, one period", "~105,000", small), ("whole indicator, every level/period/sex", f"{count:,}", whole)):
        print(f"| {label} | {rows} | {size / 1e6:,.1f} MB | {seconds:.1f} | {before / 1e6:,.0f} MB | "
              f"{after / 1e6:,.0f} MB | {(after - before) / 1e6:,.0f} MB |")
    print("\nConstant memory: the growth does not follow the number of rows (server-side cursor, 2,000-row "
          "chunks handed to the WSGI server one by one).\n")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--stream"]:
        _setup_django(os.environ["DATABASE_URL"])
        _stream_once(sys.argv[2])
    else:
        main()
