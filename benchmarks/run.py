"""`make bench`: run every benchmark in its own process and rewrite BENCHMARKS.md.

Each benchmark module prints a markdown section (medians and ratios to a baseline measured in the same
run) on stdout. A separate process per benchmark keeps peak-memory readings independent.
"""

import os
import platform
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = [
    "benchmarks.stats_dsr",
    "benchmarks.stats_rates",
    "benchmarks.stats_life_expectancy",
    "benchmarks.geo_import",
    "benchmarks.geo_payloads",
    "benchmarks.engine_import",
    "benchmarks.engine_compute",
    "benchmarks.map_load",
    "benchmarks.api_load",
]


def _machine() -> str:
    import numpy
    import pandas

    return (
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"numpy {numpy.__version__}, pandas {pandas.__version__}, {platform.platform()}"
    )


def _postgres_settings() -> str:
    """The server settings that decide bulk-load speed, read from the server the benchmarks use."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return "no PostgreSQL (DATABASE_URL unset)"
    import psycopg

    names = ["server_version", "shared_buffers", "max_wal_size", "checkpoint_timeout", "wal_level", "synchronous_commit"]
    with psycopg.connect(url) as conn:
        values = [conn.execute(f"SHOW {name}").fetchone()[0] for name in names]
    return "PostgreSQL " + ", ".join(f"{n}={v}" for n, v in zip(names, values))


# Sections measured by hand (a fresh clone's `make demo` takes minutes): kept as they are on each rewrite.
KEPT_SECTIONS = ("## Demo",)


def _kept_sections() -> str:
    path = ROOT / "BENCHMARKS.md"
    if not path.exists():
        return ""
    text, kept = path.read_text(), []
    for title in KEPT_SECTIONS:
        start = text.find("\n" + title + "\n")
        if start < 0:
            continue
        end = text.find("\n## ", start + 1)
        kept.append(text[start + 1 : end if end >= 0 else len(text)].rstrip() + "\n")
    return "\n" + "\n".join(kept) if kept else ""


def main(names: list[str]) -> int:
    selected = [b for b in BENCHMARKS if not names or b.split(".")[-1] in names]
    sections, failures = [], []
    for module in selected:
        if not (ROOT / (module.replace(".", "/") + ".py")).exists():
            sections.append(f"## {module}\n\nNot present in this checkout.\n")
            continue
        print(f"running {module}", file=sys.stderr, flush=True)
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", module], cwd=ROOT, capture_output=True, text=True)
        elapsed = time.perf_counter() - started
        if done.returncode != 0 and done.stdout.strip():  # measured, but a target is not met: keep the numbers
            failures.append(module)
            sections.append(f"{_marker(module)}\n" + done.stdout.strip()
                            + f"\n\n**A target is not met** (exit {done.returncode}; wall time {elapsed:.0f} s).\n")
        elif done.returncode != 0:
            failures.append(module)
            sections.append(f"## {module}\n\nFAILED (exit {done.returncode}):\n\n```\n{done.stderr[-3000:]}\n```\n")
        else:
            sections.append(f"{_marker(module)}\n" + done.stdout.strip()
                            + f"\n\n_(wall time of this benchmark: {elapsed:.0f} s)_\n")
    if names:
        _merge(selected, sections)
        return _finish(failures)
    header = (
        "# Benchmarks\n\nWritten by `make bench` (`python -m benchmarks.run`); do not edit by hand.\n"
        f"Run on {date.today().isoformat()}: {_machine()}.\n"
        f"Database server: {_postgres_settings()}.\n"
        "Every timing is a median over repeated runs; every ratio compares with a baseline measured in the same run.\n"
    )
    (ROOT / "BENCHMARKS.md").write_text(header + "\n" + "\n".join(sections) + _kept_sections())
    return _finish(failures)


def _marker(module: str) -> str:
    return f"<!-- {module} -->"


def _merge(modules: list[str], sections: list[str]) -> None:
    """A partial run (`make bench BENCH=name`) replaces its own sections and keeps every other one."""
    path = ROOT / "BENCHMARKS.md"
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    for module, section in zip(modules, sections):
        marker = _marker(module)
        start = text.find(marker)
        if start < 0:
            text = text.rstrip("\n") + "\n\n" + section
            continue
        ends = [text.find(m, start + len(marker)) for m in ("<!-- benchmarks.", *("\n" + t + "\n" for t in KEPT_SECTIONS))]
        end = min([e for e in ends if e >= 0], default=-1)
        text = text[:start] + section + ("\n" + text[end:] if end >= 0 else "")
    path.write_text(text)


def _finish(failures: list[str]) -> int:
    if failures:
        print("failed: " + ", ".join(failures), file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
