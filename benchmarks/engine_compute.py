"""Compute and publish a DSR indicator at France scale: 34,875 communes x 20 age bands x 2 sexes x 10 years
(~14 million observations for deaths and as many for the population), every level, every year, three sexes.

Usage: ``DATABASE_URL=postgres://postgres@127.0.0.1:5432/atlas_bench_engcompute python -m benchmarks.engine_compute``
(a database name without "bench" gets the suffix ``_bench_compute``). The synthetic geography and
observations are generated once with COPY and kept for later runs. The measured run (load,
compute, write with COPY, publish) happens in a child process so its peak memory is its own.
Targets on PostgreSQL: <= 60 s and <= 4 GB. Baselines measured in the same run, on a subset and
extrapolated (said so in the output): a per-area ``groupby().apply`` DSR and per-area ORM loading.
"""

import io
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
N_COMMUNES, N_YEARS, FIRST_YEAR = 34_875, 10, 2012
N_REGIONS, N_DEPARTMENTS, N_EPCI, N_TERRITORIES = 18, 101, 1_255, 200
BANDS = [f"{a}-{a + 4}" for a in range(0, 95, 5)] + ["95+"]
CODE = "bench-dsr-mortalite"
TARGET_SECONDS, TARGET_GB = 60, 4.0
# The measured run is repeated and the median reported: one run of a ~30 s job is at the mercy of the machine.
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("engine_compute needs DATABASE_URL=postgres://... (the targets are for PostgreSQL)")
    base, name = url.rsplit("/", 1)
    return url if "bench" in name else f"{base}/{name}_bench_compute"


def _setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.pop("REDIS_URL", None)  # the benchmark measures the engine in-process, not the broker
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("VAR_DIR", str(ROOT / "var" / "bench"))
    os.environ.setdefault("DEBUG", "1")  # a benchmark needs no SECRET_KEY; DEBUG does not change the engine
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _ensure_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def _area(level, code, parent=None, territory_set=None):
    from geo.models import Area

    return Area(level=level, code=code, name=f"{level} {code}", search_name=f"{level} {code}", parent=parent,
                territory_set=territory_set, area_km2=15.0)


def _synthetic_geography() -> list[int]:
    """France > 18 regions > 101 departments > 34,875 communes; 1,255 EPCIs of consecutive communes (so some
    cross department borders); one territory set of 200 territories."""
    from geo.models import Area, CommuneMembership, Level, TerritorySet

    fr = Area.objects.bulk_create([_area(Level.COUNTRY, "FR")])[0]
    regions = Area.objects.bulk_create([_area(Level.REGION, f"R{i:02d}", fr) for i in range(N_REGIONS)])
    deps = Area.objects.bulk_create([_area(Level.DEPARTMENT, f"D{i:03d}", regions[i % N_REGIONS])
                                     for i in range(N_DEPARTMENTS)])
    per_dep = -(-N_COMMUNES // N_DEPARTMENTS)
    communes = Area.objects.bulk_create([_area(Level.COMMUNE, f"C{i:05d}", deps[i // per_dep])
                                         for i in range(N_COMMUNES)], batch_size=5000)
    per_epci = -(-N_COMMUNES // N_EPCI)
    epcis = Area.objects.bulk_create([_area(Level.EPCI, f"E{i:04d}", deps[min(i * per_epci // per_dep,
                                                                              N_DEPARTMENTS - 1)])
                                      for i in range(N_EPCI)])
    tset = TerritorySet.objects.create(code="bench-territoires", name="Territoires de bench")
    per_territory = -(-N_COMMUNES // N_TERRITORIES)
    territories = Area.objects.bulk_create([_area(Level.TERRITORY, f"T{i:03d}", fr, tset)
                                            for i in range(N_TERRITORIES)])
    rows = []
    for i, commune in enumerate(communes):  # setup only, not measured
        dep = deps[i // per_dep]
        for area in (commune, dep, dep.parent, fr,
                     epcis[i // per_epci], territories[i // per_territory]):
            rows.append(CommuneMembership(commune=commune, area=area, level=area.level))
    CommuneMembership.objects.bulk_create(rows, batch_size=10_000)
    return [c.pk for c in communes]


def _copy_observations(dataset_id: int, commune_ids: np.ndarray, kind: str) -> None:
    from django.db import connection

    rng = np.random.default_rng(2026 if kind == "population" else 2027)
    n_c, n_b = len(commune_ids), len(BANDS)
    size = rng.lognormal(mean=7.0, sigma=1.2, size=n_c)  # ~2,000 inhabitants on average, a long tail
    share = np.linspace(1.2, 0.2, n_b) / np.linspace(1.2, 0.2, n_b).sum()
    mortality = 0.0002 * np.exp(0.085 * np.arange(2.5, 100, 5))
    for year in range(FIRST_YEAR, FIRST_YEAR + N_YEARS):
        pop = np.maximum(1, np.round(size[:, None, None] * share[None, None, :] / 2
                                     * rng.uniform(0.9, 1.1, (n_c, 2, n_b))))
        value = pop if kind == "population" else rng.poisson(pop * mortality[None, None, :]).astype(float)
        frame = pd.DataFrame({
            "dataset_id": dataset_id,
            "area_id": np.repeat(commune_ids, 2 * n_b),
            "period": year,
            "sex": np.tile(np.repeat(np.array(["M", "F"]), n_b), n_c),
            "age_band": np.tile(np.array(BANDS), 2 * n_c),
            "category": "",
            "value": value.ravel(),
        })
        buffer = io.StringIO()
        frame.to_csv(buffer, index=False, header=False)
        sql = ("COPY indicators_observation (dataset_id, area_id, period, sex, age_band, category, value) "
               "FROM STDIN (FORMAT csv, FORCE_NOT_NULL (category))")
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            copy.write(buffer.getvalue())
        print(f"  {kind} {year}: {len(frame):,} rows", file=sys.stderr, flush=True)


def _prepare() -> dict:
    from django.core.management import call_command

    from geo.models import Area, Level
    from indicators.models import Dataset, Indicator

    call_command("migrate", verbosity=0)
    deaths, new = Dataset.objects.get_or_create(code="bench-deces", defaults={"name": "Décès", "level": "commune"})
    population, _ = Dataset.objects.get_or_create(code="bench-population",
                                                  defaults={"name": "Population", "level": "commune"})
    expected = N_COMMUNES * len(BANDS) * 2 * N_YEARS
    if deaths.observations.count() != expected or population.observations.count() != expected:
        print("generating the synthetic France (once)", file=sys.stderr, flush=True)
        deaths.observations.all().delete()
        population.observations.all().delete()
        communes = list(Area.objects.filter(level=Level.COMMUNE).order_by("id").values_list("id", flat=True))
        if len(communes) < N_COMMUNES:
            communes = _synthetic_geography()
        ids = np.array(communes[:N_COMMUNES], dtype=np.int64)
        _copy_observations(population.pk, ids, "population")
        _copy_observations(deaths.pk, ids, "deaths")
    # Earlier runs' releases would grow the value table (and its indexes) from one `make bench` to the next.
    from indicators.services.releases import release_prune

    release_prune(keep=1)
    Indicator.objects.update_or_create(code=CODE, defaults={
        "label_fr": "Mortalité générale standardisée (bench)", "method": "dsr", "numerator_dataset": deaths,
        "denominator_dataset": population, "multiplier": 100_000, "standard_population": "esp2013",
        "polarity": "low_is_good", "pooling": 1})
    return {"observations": expected, "areas": Area.objects.count()}


def _measure() -> dict:
    """One run in this process (the child): create, compute, write, publish; prints its timings as JSON."""
    from indicators.models import Value
    from indicators.services import runs

    started = time.perf_counter()
    run = runs.run_execute(runs.run_create(codes=[CODE]).pk)
    total = time.perf_counter() - started
    per = run.timings["indicators"][CODE]
    values = Value.objects.filter(release_id=run.release_id).count()
    return {"total": total, "stages": run.timings["stages"], "detail": per, "values": values,
            "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2}


def _baselines() -> dict:
    """Naive alternatives on a subset, extrapolated to the full run (labelled as such in the output)."""
    from indicators.models import Dataset, Observation
    from indicators.stats import dsr, esp2013
    from indicators.stats.rebanding import reband_array

    deaths, population = Dataset.objects.get(code="bench-deces"), Dataset.objects.get(code="bench-population")
    area_ids = list(Observation.objects.filter(dataset=deaths, period=FIRST_YEAR, sex="M", age_band="0-4")
                    .order_by("area_id").values_list("area_id", flat=True)[:40])
    started = time.perf_counter()
    frames = []
    for area_id in area_ids:  # the naive way: one ORM query per area and dataset
        for dataset, column in ((deaths, "x"), (population, "n")):
            rows = Observation.objects.filter(dataset=dataset, area_id=area_id).order_by().values_list(
                "area_id", "period", "sex", "age_band", "value")
            frames.append(pd.DataFrame(list(rows), columns=["area_id", "period", "sex", "age_band", column]))
    orm_per_area = (time.perf_counter() - started) / len(area_ids)
    keys = ["area_id", "period", "sex", "age_band"]
    x = pd.concat(frames[0::2]).set_index(keys)
    n = pd.concat(frames[1::2]).set_index(keys)
    long = x.join(n).reset_index()
    weights = reband_array(esp2013().to_numpy(), list(esp2013().index), BANDS)
    long["w"] = long["age_band"].map(dict(zip(BANDS, weights)))
    started = time.perf_counter()
    groups = long.groupby(["area_id", "period", "sex"]).apply(
        lambda g: dsr(g, "x", "n", "w", multiplier=100_000, confidence=(0.95, 0.998)).iloc[0]["value"])
    apply_per_group = (time.perf_counter() - started) / len(groups)
    return {"orm_per_area": orm_per_area, "apply_per_group": apply_per_group, "subset_areas": len(area_ids),
            "subset_groups": len(groups)}


def main() -> int:
    url = _database_url()
    if sys.argv[1:] == ["--measure"]:
        _setup_django(url)
        print(json.dumps(_measure()))
        return 0
    _ensure_database(url)
    _setup_django(url)
    sizes = _prepare()
    runs_ = []
    for _ in range(REPEAT):
        child = subprocess.run([sys.executable, "-m", "benchmarks.engine_compute", "--measure"], cwd=ROOT,
                               env={**os.environ, "DATABASE_URL": url}, capture_output=True, text=True)
        if child.returncode != 0:
            print(child.stderr[-4000:], file=sys.stderr)
            return 1
        runs_.append(json.loads(child.stdout.strip().splitlines()[-1]))
    base = _baselines()
    _report(sizes, runs_, base)
    ok = statistics.median(r["total"] for r in runs_) <= TARGET_SECONDS and max(
        r["peak_rss_gb"] for r in runs_) <= TARGET_GB
    return 0 if ok else 2


def _report(sizes: dict, runs_: list, base: dict) -> None:
    total = statistics.median(r["total"] for r in runs_)
    peak = max(r["peak_rss_gb"] for r in runs_)
    last = runs_[-1]
    n_values = last["values"]
    n_areas = sizes["areas"]
    naive_orm = base["orm_per_area"] * n_areas
    naive_apply = base["apply_per_group"] * n_values
    print("## engine_compute: DSR for every level, year and sex (France-scale synthetic data)\n")
    print(f"{sizes['observations']:,} observations per dataset (deaths, population); {n_areas:,} areas; "
          f"{n_values:,} values written. Median of {len(runs_)} run(s).\n")
    print("| measure | value | target |\n|---|---|---|")
    print(f"| run total (load, compute, write with binary COPY, publish) | {total:.1f} s | <= {TARGET_SECONDS} s |")
    each = ", ".join(f"{r['total']:.1f}" for r in runs_)
    print(f"| every run, s | {each} | |")
    print(f"| peak resident memory of the run | {peak:.2f} GB | <= {TARGET_GB:.0f} GB |")
    for stage, seconds in last["stages"].items():
        print(f"| stage {stage} | {seconds:.1f} s | |")
    for key, seconds in last["detail"].items():
        if key.startswith("compute."):
            print(f"| {key} | {seconds:.1f} s | |")
    withheld = last["detail"].get("disclosure") or {}
    if withheld:
        cells = withheld["primary"] + withheld["complementary"] + withheld["published"]
        print(f"| cells withheld by the primary and sex rules | {withheld['primary']:,} "
              f"({withheld['primary'] / cells:.1%}) | |")
        print(f"| cells withheld by complementary suppression | {withheld['complementary']:,} "
              f"({withheld['complementary'] / cells:.1%}; {withheld['rounds']} rounds) | |")
        print(f"| cells published | {withheld['published']:,} ({withheld['published'] / cells:.1%}) | |")
    print(f"| baseline: per-area ORM loading, {base['subset_areas']} areas measured, extrapolated to {n_areas:,} "
          f"| {naive_orm:.0f} s ({naive_orm / total:.0f}x) | |")
    print(f"| baseline: groupby().apply DSR, {base['subset_groups']} groups measured, extrapolated to "
          f"{n_values:,} | {naive_apply:.0f} s ({naive_apply / total:.0f}x) | |")


if __name__ == "__main__":
    sys.exit(main())
