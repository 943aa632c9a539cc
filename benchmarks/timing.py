"""Timing shared by the benchmarks: the median of repeated wall-clock runs."""

import statistics
import time


def median_timed(fn, repeat: int = 5) -> tuple[float, object]:
    """Median wall time of ``repeat`` calls of ``fn``, and the last call's result."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def median_seconds(fn, repeat: int = 5) -> float:
    return median_timed(fn, repeat)[0]
