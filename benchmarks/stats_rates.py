"""Crude rate (exact/Byar) and proportion (Wilson), 95% and 99.8% limits, on 1 million groups.

Run: ``.venv/bin/python -m benchmarks.stats_rates``. Prints a markdown table of medians and writes
var/bench/stats_rates.json; the baseline measured in the same run is the floor of the same arithmetic
(x / n x multiplier and the two z values' Byar / Wilson formulas in plain numpy, no exact branch, no
validation, no DataFrame).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from indicators.stats import crude_rate, proportion
from benchmarks.timing import median_seconds

GROUPS, REPEAT, SEED = 1_000_000, 5, 2026
LEVELS = (0.95, 0.998)
OUT = Path(__file__).resolve().parent.parent / "var" / "bench" / "stats_rates.json"


def floor_rate(x, n):
    for z in (1.959963984540054, 3.090232306167813):
        (x * (1 - 1 / (9 * x) - z / (3 * np.sqrt(x))) ** 3) / n
        ((x + 1) * (1 - 1 / (9 * (x + 1)) + z / (3 * np.sqrt(x + 1))) ** 3) / n
    return x / n * 1e5


def floor_wilson(x, n):
    for z in (1.959963984540054, 3.090232306167813):
        half = z * np.sqrt(z * z + 4 * x * (1 - x / n))
        (2 * x + z * z - half) / (2 * (n + z * z))
        (2 * x + z * z + half) / (2 * (n + z * z))
    return x / n


def main() -> dict:
    rng = np.random.default_rng(SEED)
    n = rng.integers(50, 50_000, GROUPS).astype(float)
    x = rng.poisson(n * rng.uniform(0.0005, 0.01, GROUPS)).astype(float)  # ~10% of groups below 10 events
    below_ten = float((x < 10).mean())
    with np.errstate(all="ignore"):
        timings = {
            "crude_rate": median_seconds(lambda: crude_rate(x, n, confidence=LEVELS), REPEAT),
            "crude_rate_floor": median_seconds(lambda: floor_rate(x, n), REPEAT),
            "proportion": median_seconds(lambda: proportion(x, n, confidence=LEVELS), REPEAT),
            "proportion_floor": median_seconds(lambda: floor_wilson(x, n), REPEAT),
        }
    report = {"groups": GROUPS, "repeat": REPEAT, "seed": SEED, "share_below_10_events": below_ten,
              **{f"{k}_median_s": v for k, v in timings.items()},
              "crude_rate_ratio_to_floor": timings["crude_rate"] / timings["crude_rate_floor"],
              "proportion_ratio_to_floor": timings["proportion"] / timings["proportion_floor"]}
    print(f"{GROUPS:,} groups, 95% + 99.8% limits, median of {REPEAT} "
          f"({below_ten:.1%} of groups below 10 events: exact Poisson)\n")
    print("| function | seconds | floor (plain numpy) | ratio to floor |")
    print("|---|---:|---:|---:|")
    for name in ("crude_rate", "proportion"):
        print(f"| {name} | {timings[name]:.3f} | {timings[name + '_floor']:.3f} "
              f"| {timings[name] / timings[name + '_floor']:.1f} |")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
