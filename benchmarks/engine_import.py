"""Bulk import of a France-scale long CSV: 34,875 communes x 20 age bands x 2 sexes x 10 years ~ 14 million rows.

Usage: ``python -m benchmarks.engine_import [--communes 34875] [--years 10] [--keep-file]``. Uses the server
of DATABASE_URL (PostgreSQL: the COPY path) but its own database ``<name>_bench_import``, created and
migrated here; without DATABASE_URL, a throwaway SQLite file under var/bench/. Prints a markdown section:
import rows/s, the peak resident memory of the import (measured in a child process), and, as a baseline
measured in the same run, a plain chunked ``pandas.read_csv(dtype=str)`` of the same file.
A 14-million-row import is run once (it takes about a minute); smaller files are timed 3 times (median).
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

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
AGE_BANDS = [f"{a}-{a + 4}" for a in range(0, 95, 5)] + ["95+"]
DEPARTMENTS = [f"{d:02d}" for d in range(1, 96) if d != 20] + ["2A", "2B"]


def commune_codes(count: int) -> list[str]:
    per_department = -(-count // len(DEPARTMENTS))
    return [f"{dep}{i:03d}" for dep in DEPARTMENTS for i in range(1, per_department + 1)][:count]


def generate(path: Path, communes: list[str], years: int) -> int:
    rows_per_year = len(communes) * len(AGE_BANDS) * 2
    rng = np.random.default_rng(2026)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("area_code,period,sex,age_band,value\n")
        for year in range(2012, 2012 + years):
            frame = pd.DataFrame({
                "area_code": np.repeat(communes, len(AGE_BANDS) * 2),
                "period": year,
                "sex": np.tile(np.repeat(["M", "F"], len(AGE_BANDS)), len(communes)),
                "age_band": np.tile(AGE_BANDS, 2 * len(communes)),
                "value": rng.integers(0, 500, rows_per_year),
            })
            frame.to_csv(handle, header=False, index=False)
    return rows_per_year * years


def _database_url() -> str | None:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return None
    base, name = url.rsplit("/", 1)
    return f"{base}/{name.split('?')[0]}_bench_import"


def child(path: str, communes: int) -> None:
    """Runs in its own process so ru_maxrss is the import's own peak memory."""
    import django

    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from geo.models import Area, Level
    from indicators.models import Dataset, Observation
    from indicators.services.datasets import dataset_import

    call_command("migrate", verbosity=0)
    if Area.objects.filter(level=Level.COMMUNE).count() != communes:
        Area.objects.filter(level=Level.COMMUNE).delete()
        Area.objects.bulk_create(
            [Area(level=Level.COMMUNE, code=c, name=c, search_name=c) for c in commune_codes(communes)],
            batch_size=5000,
        )
    dataset, _ = Dataset.objects.get_or_create(code="bench", defaults={"name": "Bench", "level": Level.COMMUNE})
    Observation.objects.filter(dataset=dataset).delete()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE indicators_observation")
    started = time.perf_counter()
    result = dataset_import(dataset, path, progress=True)
    elapsed = time.perf_counter() - started
    assert result.ok, result.report["errors"][:5]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": elapsed, "rows": result.rows, "peak_mb": peak_mb, "vendor": connection.vendor,
                      **result.report["timings"]}))


def baseline_read(path: Path) -> float:
    started = time.perf_counter()
    for _ in pd.read_csv(path, dtype=str, chunksize=500_000):
        pass
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--communes", type=int, default=34_875)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--keep-file", action="store_true")
    parser.add_argument("--repeats", type=int, default=0, help="default: 1 above 5 million rows, else 3")
    parser.add_argument("--child", default="")
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.communes)

    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, DEBUG="1", VAR_DIR=str(BENCH_DIR))
    url = _database_url()
    if url:
        name = url.rsplit("/", 1)[1]
        env["DATABASE_URL"] = url
        import psycopg

        admin = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
    path = BENCH_DIR / f"long-{args.communes}x{args.years}.csv"
    communes = commune_codes(args.communes)
    rows = len(communes) * len(AGE_BANDS) * 2 * args.years
    if not path.exists():
        generate(path, communes, args.years)
    repeats = args.repeats or (1 if rows > 5_000_000 else 3)
    runs = []
    for _ in range(repeats):
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.engine_import", "--child", str(path), "--communes", str(args.communes)],
            cwd=ROOT, env=env, capture_output=True, text=True,
        )
        if done.returncode != 0:
            raise SystemExit(done.stderr[-3000:])
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    seconds = statistics.median(r["seconds"] for r in runs)
    read_seconds = baseline_read(path)
    size_mb = path.stat().st_size / 1e6
    print("## engine_import: long CSV into observations\n")
    print(f"File: {rows:,} rows ({size_mb:.0f} MB), {args.communes:,} communes x 20 bands x 2 sexes x {args.years} years;"
          f" backend {runs[0]['vendor']}; {repeats} run(s), median shown.\n")
    print("| measure | value |\n|---|---|")
    print(f"| import (validate + stage + replace), s | {seconds:.1f} |")
    print(f"| of which validate + stage (streamed), s | {statistics.median(r['validate_and_stage_s'] for r in runs):.1f} |")
    print(f"| of which replace (delete + insert from staging), s | {statistics.median(r['replace_s'] for r in runs):.1f} |")
    print(f"| import rows/s | {rows / seconds:,.0f} |")
    print(f"| target rows/s (PostgreSQL) | 300,000 |")
    print(f"| peak RSS of the import process, MB | {max(r['peak_mb'] for r in runs):.0f} |")
    print(f"| baseline: chunked pandas.read_csv(dtype=str) alone, s | {read_seconds:.1f} |")
    print(f"| ratio import / plain read | {seconds / read_seconds:.2f} |")
    if not args.keep_file:
        path.unlink()


if __name__ == "__main__":
    main()
