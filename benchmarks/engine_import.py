"""Bulk import of a France-scale long CSV: 34,875 communes x 20 age bands x 2 sexes x 10 years ~ 14 million rows.

Usage: ``python -m benchmarks.engine_import [--communes 34875] [--years 10] [--subset-communes 2500] [--keep-file]``.
Uses the server of DATABASE_URL (PostgreSQL: the COPY path) but its own database ``<name>_bench_import``, created
and migrated here; without DATABASE_URL, a throwaway SQLite file under var/bench/. Every measure runs in its own
child process, so ru_maxrss is that process's peak memory. Prints a markdown section with:

* end to end (file on disk -> rows committed): a fresh load of the dataset, then the same file again (every
  period replaced: delete + insert in one transaction);
* the Python floor: read + validate + COPY encoding of the same file, nothing written;
* on a subset file (the first ``--subset-communes`` communes), measured in the same run: the current path and
  the previous one (validate while COPYing into a staging table, then INSERT ... SELECT into a table carrying
  the previous index set: pk, 6-column unique key led by area, (dataset, period), area), its rate
  extrapolated to the full file as a labelled estimate.
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
TARGET_ROWS_S = 300_000


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


def _setup_django():
    import django

    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    django.setup()


def _bench_dataset(communes: int):
    from django.core.management import call_command

    from geo.models import Area, Level
    from indicators.models import Dataset

    call_command("migrate", verbosity=0)
    if Area.objects.filter(level=Level.COMMUNE).count() != communes:
        Area.objects.filter(level=Level.COMMUNE).delete()
        Area.objects.bulk_create(
            [Area(level=Level.COMMUNE, code=c, name=c, search_name=c) for c in commune_codes(communes)],
            batch_size=5000,
        )
    dataset, _ = Dataset.objects.get_or_create(code="bench", defaults={"name": "Bench", "level": Level.COMMUNE})
    return dataset


def _vacuum(table: str) -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {table}")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_import(path: str, communes: int, fresh: bool) -> dict:
    """The real service, end to end; ``fresh`` empties the dataset first, else every period is replaced."""
    _setup_django()
    from django.db import connection

    from indicators.models import Observation
    from indicators.services.datasets import dataset_import

    dataset = _bench_dataset(communes)
    if fresh:
        Observation.objects.filter(dataset=dataset).delete()
    _vacuum("indicators_observation")
    started = time.perf_counter()
    result = dataset_import(dataset, path, progress=True)
    elapsed = time.perf_counter() - started
    assert result.ok, result.report["errors"][:5]
    return {"seconds": elapsed, "rows": result.rows, "replaced": result.deleted, "peak_mb": _peak_mb(),
            "vendor": connection.vendor, **result.report["timings"]}


def child_floor(path: str, communes: int) -> dict:
    """Read + validate + encode the COPY bytes, no database: the Python side's own ceiling."""
    from indicators.importing.pgcopy import CopyEncoder
    from indicators.importing.readers import iter_chunks
    from indicators.importing.validation import AreaTable, ErrorLog, Validator

    codes = commune_codes(communes)
    areas = pd.DataFrame({"id": np.arange(1, len(codes) + 1), "level": "commune", "code": codes})
    errors = ErrorLog()
    validator = Validator(AreaTable.build("commune", areas), errors)
    encoder = CopyEncoder(1, None, validator.vocabulary)
    started = time.perf_counter()
    size = 0
    for chunk in iter_chunks(Path(path)):
        size += len(encoder.encode(validator.validate(chunk.frame, chunk.lines)))
    validator.check_duplicates()
    assert errors.count == 0
    return {"seconds": time.perf_counter() - started, "rows": validator.rows, "copy_mb": size / 1e6,
            "peak_mb": _peak_mb()}


LEGACY_INDEXES = [
    "CREATE UNIQUE INDEX {t}_key ON {t} (dataset_id, area_id, period, sex, age_band, category)",
    "CREATE INDEX {t}_dp ON {t} (dataset_id, period)",
    "CREATE INDEX {t}_area ON {t} (area_id)",
]


def child_legacy(path: str, communes: int) -> dict:
    """The previous path (before ADR 0009): validate while COPYing into a temp staging table, then in one
    transaction DELETE the periods and INSERT ... SELECT into a table with the previous index set."""
    _setup_django()
    from django.db import connection, transaction

    from indicators.importing.pgcopy import COPY_COLUMNS, HEADER, TRAILER, CopyEncoder
    from indicators.importing.readers import iter_chunks
    from indicators.importing.validation import ErrorLog, Validator
    from indicators.services.datasets import area_table_for

    dataset = _bench_dataset(communes)
    table, columns = "bench_legacy_observation", ", ".join(COPY_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(f"CREATE TABLE {table} (LIKE indicators_observation INCLUDING DEFAULTS INCLUDING IDENTITY "
                       f"INCLUDING CONSTRAINTS, PRIMARY KEY (id))")
        for sql in LEGACY_INDEXES:
            cursor.execute(sql.format(t=table))
    _vacuum(table)
    started = time.perf_counter()
    errors = ErrorLog()
    validator = Validator(area_table_for("commune"), errors)
    encoder = CopyEncoder(dataset.pk, None, validator.vocabulary)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE staging AS SELECT {columns} FROM {table} WITH NO DATA")
        for chunk in iter_chunks(Path(path)):
            clean = validator.validate(chunk.frame, chunk.lines)
            with cursor.cursor.copy(f"COPY staging ({columns}) FROM STDIN WITH (FORMAT binary)") as copy:
                copy.write(HEADER + encoder.encode(clean) + TRAILER)
        validator.check_duplicates()
        staged = time.perf_counter()
        with transaction.atomic():
            cursor.execute(f"DELETE FROM {table} WHERE dataset_id = %s AND period = ANY(%s)",
                           [dataset.pk, sorted(validator.periods)])
            cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM staging")
        cursor.execute(f"DROP TABLE {table}")
    assert errors.count == 0
    return {"seconds": time.perf_counter() - started, "rows": validator.rows, "staged_s": staged - started,
            "peak_mb": _peak_mb()}


def _run_child(env: dict, mode: str, path: Path, communes: int) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.engine_import", "--child", mode, "--file", str(path),
         "--communes", str(communes)],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )
    if done.returncode != 0:
        raise SystemExit(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def _prepare_database(env: dict) -> None:
    url = _database_url()
    if not url:
        return
    name = url.rsplit("/", 1)[1]
    env["DATABASE_URL"] = url
    import psycopg

    admin = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def _each(runs: list[dict]) -> str:
    return ", ".join(f"{r['seconds']:.1f}" for r in runs)


def _median(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--communes", type=int, default=34_875)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--subset-communes", type=int, default=2_500)
    parser.add_argument("--keep-file", action="store_true")
    parser.add_argument("--repeats", type=int, default=0, help="runs of each full-file measure (median reported)")
    parser.add_argument("--child", default="", choices=["", "import", "replace", "floor", "legacy"])
    parser.add_argument("--file", default="")
    args = parser.parse_args()
    if args.child:
        run = {"import": lambda: child_import(args.file, args.communes, fresh=True),
               "replace": lambda: child_import(args.file, args.communes, fresh=False),
               "floor": lambda: child_floor(args.file, args.communes),
               "legacy": lambda: child_legacy(args.file, args.communes)}[args.child]
        print(json.dumps(run()))
        return

    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, DEBUG="1", VAR_DIR=str(BENCH_DIR))
    _prepare_database(env)
    communes = commune_codes(args.communes)
    path = BENCH_DIR / f"long-{args.communes}x{args.years}.csv"
    subset = BENCH_DIR / f"long-{args.communes}-first{args.subset_communes}x{args.years}.csv"
    rows = len(communes) * len(AGE_BANDS) * 2 * args.years
    subset_rows = min(args.subset_communes, len(communes)) * len(AGE_BANDS) * 2 * args.years
    if not path.exists():
        generate(path, communes, args.years)
    if not subset.exists():
        generate(subset, communes[: args.subset_communes], args.years)
    repeats = args.repeats or 3
    n = args.communes
    floor = _run_child(env, "floor", path, n)
    fresh = [_run_child(env, "import", path, n) for _ in range(repeats)]
    replace = [_run_child(env, "replace", path, n) for _ in range(repeats)]
    vendor = fresh[0]["vendor"]
    # Subset: current and previous path back to back, 3 times each, alternating.
    sub_new, sub_old = [], []
    for _ in range(3):
        sub_new.append(_run_child(env, "import", subset, n))
        if vendor == "postgresql":
            sub_old.append(_run_child(env, "legacy", subset, n))
    _report(args, rows, subset_rows, path, repeats, vendor, floor, fresh, replace, sub_new, sub_old)
    if not args.keep_file:
        path.unlink()
        subset.unlink()


def _report(args, rows, subset_rows, path, repeats, vendor, floor, fresh, replace, sub_new, sub_old) -> None:
    size_mb = path.stat().st_size / 1e6
    seconds, again = _median(fresh, "seconds"), _median(replace, "seconds")
    print("## engine_import: long CSV into observations\n")
    print(f"File: {rows:,} rows ({size_mb:.0f} MB), {args.communes:,} communes x 20 bands x 2 sexes x {args.years} "
          f"years; backend {vendor}; {repeats} run(s) of each full-file measure (median shown).\n")
    print("| measure | value |\n|---|---|")
    print(f"| end to end, fresh dataset: s | {seconds:.1f} |")
    print(f"| end to end, fresh dataset: rows/s | {rows / seconds:,.0f} |")
    print(f"| end to end, every period replaced (delete + insert, one transaction): s | {again:.1f} |")
    print(f"| end to end, every period replaced: rows/s | {rows / again:,.0f} |")
    print(f"| every run, fresh / replaced, s | {_each(fresh)} / {_each(replace)} |")
    print(f"| of which streaming (validate + COPY overlapped), s | {_median(fresh, 'stream_s'):.1f} |")
    print(f"| of which COPY end + commit, s | {_median(fresh, 'finish_and_commit_s'):.1f} |")
    print(f"| target rows/s (PostgreSQL) | {TARGET_ROWS_S:,} |")
    print(f"| peak RSS of the import process, MB | {max(r['peak_mb'] for r in fresh + replace):.0f} |")
    print(f"| Python floor (read + validate + COPY encoding, no writes): rows/s | {rows / floor['seconds']:,.0f} |")
    print(f"| Python floor: peak RSS, MB | {floor['peak_mb']:.0f} |")
    new_rate = subset_rows / _median(sub_new, "seconds")
    print(f"| subset ({subset_rows:,} rows), current path: rows/s (median of {len(sub_new)}) | {new_rate:,.0f} |")
    if sub_old:
        old_rate = subset_rows / _median(sub_old, "seconds")
        print(f"| subset, previous path (staging + INSERT ... SELECT, previous 4 indexes): rows/s "
              f"(median of {len(sub_old)}) | {old_rate:,.0f} |")
        print(f"| subset speed-up, current / previous | {new_rate / old_rate:.2f} |")
        print(f"| previous path extrapolated to the full file (estimate at the subset's rate), s | "
              f"{rows / old_rate:.0f} |")


if __name__ == "__main__":
    main()
