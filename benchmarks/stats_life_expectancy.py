"""Life expectancy for every commune of France at once: 35,000 areas x 20 age bands (700,000 rows).

Usage: ``python -m benchmarks.stats_life_expectancy [--areas 35000] [--runs 5]``. Prints a markdown table and
writes var/bench/stats_life_expectancy.json. Baseline measured in the same run: the same life-table
arithmetic called one area at a time (a per-group Python loop, what the vectorised code avoids) on a
sample of areas, reported per area so the two can be compared as a ratio.
"""

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from indicators.stats.life_expectancy import AGE_CONTENTS, life_expectancy, life_table
from benchmarks.timing import median_seconds

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
# England-like mortality per band (deaths per person-year), scaled per area
BASE_RATES = np.array([0.004, 0.0002, 0.0001, 0.0001, 0.0004, 0.0005, 0.0006, 0.0007, 0.001, 0.0015,
                       0.002, 0.003, 0.005, 0.008, 0.013, 0.022, 0.038, 0.065, 0.12, 0.25])


def make_data(n_areas: int) -> pd.DataFrame:
    rng = np.random.default_rng(2026)
    pops = rng.integers(300, 4000, (n_areas, 20)).astype(float)
    deaths = rng.poisson(pops * BASE_RATES * rng.uniform(0.8, 1.2, (n_areas, 1))).astype(float)
    deaths[:, -1] = np.maximum(deaths[:, -1], 1)
    return pd.DataFrame({
        "area": np.repeat([f"A{i:05d}" for i in range(n_areas)], 20),
        "startage": np.tile(AGE_CONTENTS, n_areas),
        "deaths": deaths.ravel(),
        "pop": pops.ravel(),
    })


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--areas", type=int, default=35_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--loop-sample", type=int, default=1_000)
    args = parser.parse_args()

    data = make_data(args.areas)
    ages = np.asarray(AGE_CONTENTS, dtype=float)
    vectorised = median_seconds(lambda: life_expectancy(data, ["area"], confidence=(0.95, 0.998)), args.runs)
    core_d = data["deaths"].to_numpy().reshape(-1, 20)
    core_p = data["pop"].to_numpy().reshape(-1, 20)
    core = median_seconds(lambda: life_table(core_d, core_p, ages), args.runs)
    sample = args.loop_sample
    loop = median_seconds(lambda: [life_table(core_d[i:i + 1], core_p[i:i + 1], ages) for i in range(sample)], 3)
    loop_per_area = loop / sample
    result = {
        "areas": args.areas, "rows": len(data), "runs": args.runs,
        "life_expectancy_s": vectorised, "life_table_core_s": core,
        "per_area_loop_us": loop_per_area * 1e6,
        "per_area_vectorised_us": vectorised / args.areas * 1e6,
        "speedup_vs_loop": loop_per_area * args.areas / vectorised,
    }
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    (BENCH_DIR / "stats_life_expectancy.json").write_text(json.dumps(result, indent=2))
    print(f"## Life expectancy, {args.areas:,} areas x 20 bands ({len(data):,} rows), median of {args.runs}\n")
    print("| measure | value |\n|---|---|")
    print(f"| `life_expectancy` (validation, grouping, 2 CI levels, output frame) | {vectorised:.3f} s |")
    print(f"| life-table arithmetic only, (n, 20) arrays | {core:.3f} s |")
    print(f"| baseline: same arithmetic one area at a time | {loop_per_area * 1e6:.1f} us/area "
          f"(~{loop_per_area * args.areas:.2f} s for all) |")
    print(f"| vectorised per area | {vectorised / args.areas * 1e6:.2f} us/area |")
    print(f"| speed-up vs per-area loop | x{result['speedup_vs_loop']:.0f} |")


if __name__ == "__main__":
    main()
