"""DSR with Dobson 95% and 99.8% limits on 100,000 groups x 19 age bands (1.9 million rows).

Run: ``.venv/bin/python -m benchmarks.stats_dsr``. Target: median <= 0.3 s. Prints a markdown table
and writes var/bench/stats_dsr.json with the medians and the ratios to two baselines measured in the
same run: the floor (one numpy pass summing the same weighted columns) and a naive pandas
``groupby().apply()`` (timed on a subset of groups and scaled up, because the whole run takes minutes).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from indicators.stats import dsr
from benchmarks.timing import median_seconds

GROUPS, BANDS, REPEAT, SEED = 100_000, 19, 5, 2026
NAIVE_GROUPS = 2_000
# European Standard Population 2013, 19 bands (0-4 ... 90+).
ESP2013 = np.array([5000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000, 7000, 6500, 6000, 5500, 5000,
                    4000, 2500, 1500, 1000], dtype=float)
OUT = Path(__file__).resolve().parent.parent / "var" / "bench" / "stats_dsr.json"


def make_data(groups: int = GROUPS, seed: int = SEED) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    pop = rng.integers(200, 20_000, groups * BANDS).astype(float)
    band_rate = np.geomspace(2e-4, 0.15, BANDS)  # mortality rising with age
    deaths = rng.poisson(pop * np.tile(band_rate, groups)).astype(float)
    return pd.DataFrame({"g": np.repeat(np.arange(groups), BANDS), "x": deaths, "n": pop,
                         "stdpop": np.tile(ESP2013, groups)})


def floor(data: pd.DataFrame) -> None:
    g, x, n, w = (data[c].to_numpy() for c in ("g", "x", "n", "stdpop"))
    ratio = w / n
    for column in (x, n, x * ratio, x * ratio * ratio, w):
        np.bincount(g, weights=column, minlength=GROUPS)


def naive(data: pd.DataFrame) -> pd.DataFrame:
    z = {0.95: 1.959963984540054, 0.998: 3.090232306167813}

    def one(d):
        o, wsum = d.x.sum(), d.stdpop.sum()
        value = (d.x * d.stdpop / d.n).sum() / wsum
        se = np.sqrt((d.x * (d.stdpop / d.n) ** 2).sum() / wsum**2 / o)
        out = {"value": value * 1e5}
        for c, zc in z.items():
            lo = o * (1 - 1 / (9 * o) - zc / (3 * np.sqrt(o))) ** 3
            hi = (o + 1) * (1 - 1 / (9 * (o + 1)) + zc / (3 * np.sqrt(o + 1))) ** 3
            out[f"lower_{c}"] = (value + se * (lo - o)) * 1e5
            out[f"upper_{c}"] = (value + se * (hi - o)) * 1e5
        return pd.Series(out)

    return data.groupby("g").apply(one)


def main() -> dict:
    data = make_data()
    run = lambda: dsr(data, "x", "n", "stdpop", ["g"], confidence=(0.95, 0.998))  # noqa: E731
    result = run()
    assert len(result) == GROUPS and result["value"].notna().all()
    ours = median_seconds(run, REPEAT)
    base = median_seconds(lambda: floor(data), REPEAT)
    subset = data[data.g < NAIVE_GROUPS]
    check = naive(subset)
    np.testing.assert_allclose(check["value"], result["value"].to_numpy()[:NAIVE_GROUPS], rtol=1e-9)
    naive_subset = median_seconds(lambda: naive(subset), repeat=1)
    naive_full = naive_subset * GROUPS / NAIVE_GROUPS
    report = {
        "rows": len(data), "groups": GROUPS, "bands": BANDS, "repeat": REPEAT, "seed": SEED,
        "dsr_median_s": ours, "floor_median_s": base,
        "naive_groupby_apply_s_extrapolated": naive_full,
        "naive_subset_groups": NAIVE_GROUPS, "naive_subset_s": naive_subset,
        "ratio_to_floor": ours / base, "speedup_vs_naive": naive_full / ours, "target_s": 0.3,
        "meets_target": ours <= 0.3,
    }
    print(f"DSR, Dobson 95% + 99.8%: {GROUPS:,} groups x {BANDS} bands = {len(data):,} rows (median of {REPEAT})\n")
    print("| measure | seconds | ratio |")
    print("|---|---:|---:|")
    print(f"| indicators.stats.dsr | {ours:.3f} | 1 |")
    print(f"| floor: np.bincount of the 5 summed columns | {base:.3f} | ours / floor = {ours / base:.1f} |")
    print(f"| naive groupby().apply() (timed on {NAIVE_GROUPS:,} groups, x{GROUPS // NAIVE_GROUPS}) "
          f"| {naive_full:.1f} | naive / ours = {naive_full / ours:.0f} |")
    print(f"\ntarget <= 0.3 s: {'met' if ours <= 0.3 else 'NOT met'}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
