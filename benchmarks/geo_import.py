"""Whole-France geography import (COG 2026 + IGN boundaries): time, peak memory, no-op re-run.

Usage: ``python -m benchmarks.geo_import [--runs 3]``. Each run is a child process importing into a fresh
database (PostgreSQL: ``<DATABASE_URL name>_bench_geo``, dropped and recreated; without DATABASE_URL a new
SQLite file under var/bench/), so ru_maxrss is the import's own peak. The child then runs the import a
second time (nothing to write: the idempotent path). Baseline measured in the same run: ``json.load`` of
the eight source files, the floor of any import that reads them. Prints a markdown section.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
TARGET_SECONDS = 120


def child() -> None:
    import django

    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from geo.services import geography_import

    call_command("migrate", verbosity=0)
    phases, last = {}, [time.perf_counter(), None]

    def step(name):
        now = time.perf_counter()
        if last[1]:
            phases[last[1]] = now - last[0]
        last[:] = [now, name]

    started = time.perf_counter()
    result = geography_import(step=step)
    elapsed = time.perf_counter() - started
    phases[last[1]] = time.perf_counter() - last[0]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    again = geography_import()
    rerun = time.perf_counter() - started
    assert not again.changed, "second run changed something"
    print(json.dumps({"seconds": elapsed, "rerun": rerun, "peak_mb": peak_mb, "vendor": connection.vendor,
                      "phases": phases, "areas": result.areas.created, "geometries": result.geometries.created}))


def _fresh_database(env: dict, run: int) -> None:
    url = os.environ.get("DATABASE_URL")
    if not url:
        path = BENCH_DIR / f"geo-import-{run}"
        path.mkdir(parents=True, exist_ok=True)
        (path / "atlas.sqlite3").unlink(missing_ok=True)
        env["VAR_DIR"] = str(path)
        return
    import psycopg

    base, name = url.rsplit("/", 1)
    name = f"{name.split('?')[0]}_bench_geo"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    env["DATABASE_URL"] = f"{base}/{name}"


def baseline_read() -> float:
    """json.load of every source file: the work no importer of these files can skip."""
    from geo.importers.sources import resolve

    data_dir = Path(os.environ.get("DATA_DIR", ROOT.parent / "shared" / "data"))  # as config/settings.py
    started = time.perf_counter()
    for path in resolve(data_dir).values():
        with open(path, encoding="utf-8") as handle:
            json.load(handle)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args()
    if args.child:
        return child()
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    read = baseline_read()
    runs = []
    for run in range(args.runs):
        env = dict(os.environ, DEBUG="1")
        env.pop("REDIS_URL", None)
        _fresh_database(env, run)
        done = subprocess.run([sys.executable, "-m", "benchmarks.geo_import", "--child"], cwd=ROOT, env=env,
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(done.stderr[-3000:])
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    seconds = statistics.median(r["seconds"] for r in runs)
    print("## geo_import: whole-France geography import\n")
    print(f"{runs[0]['areas']:,} areas, {runs[0]['geometries']:,} geometries; backend {runs[0]['vendor']}; "
          f"{len(runs)} run(s) into a fresh database, median shown.\n")
    print("| measure | value |\n|---|---|")
    print(f"| import, s (median) | {seconds:.1f} |")
    all_runs = ", ".join(f"{r['seconds']:.1f}" for r in runs)
    print(f"| import, s (all runs) | {all_runs} |")
    print(f"| target, s | < {TARGET_SECONDS} |")
    print(f"| second run (nothing changes), s | {statistics.median(r['rerun'] for r in runs):.1f} |")
    print(f"| peak RSS of the import process, MB | {max(r['peak_mb'] for r in runs):.0f} |")
    print(f"| baseline: json.load of the 8 source files, s | {read:.1f} |")
    print(f"| ratio import / baseline read | {seconds / read:.1f} |")
    phases = runs[len(runs) // 2]["phases"]
    print("\nPhases (median run): " + "; ".join(f"{name} {s:.1f} s" for name, s in phases.items()))


if __name__ == "__main__":
    main()
