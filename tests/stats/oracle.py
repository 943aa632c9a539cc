"""Loader for the PHEindicatormethods conformance CSVs in ``oracle_dir`` (read in place, never copied).

Cells: empty or ``NA`` -> NaN in numeric columns (None in text columns); ``;``-separated numeric lists ->
float arrays (``NA`` -> NaN). A column is numeric if every non-missing cell parses as a number, a list column
if any cell holds a ``;``-list of numbers.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
MISSING = {"", "NA"}


def _number(text: str) -> float | None:
    if text in MISSING:
        return math.nan
    try:
        return float(text)
    except ValueError:
        return None


def _is_list(text: str) -> bool:
    return ";" in text and all(_number(p.strip()) is not None for p in text.split(";"))


def _parse_column(cells: list[str]):
    if any(_is_list(c) for c in cells):
        return [np.array([_number(p.strip()) for p in c.split(";")], dtype=float) for c in cells]
    if all(_number(c) is not None for c in cells):
        return [_number(c) for c in cells]
    return [None if c in MISSING else c for c in cells]


def load(oracle_dir: Path, name: str) -> list[dict]:
    """Rows of ``<oracle_dir>/<name>`` as dicts of parsed values (see module doc)."""
    with open(Path(oracle_dir) / name, newline="", encoding="utf-8") as fh:
        raw = list(csv.DictReader(fh))
    if not raw:
        return []
    columns = {col: _parse_column([r[col] for r in raw]) for col in raw[0]}
    return [{col: columns[col][i] for col in columns} for i in range(len(raw))]


def collection_dir() -> Path:
    """The oracle directory at collection time (same rule as the ``oracle_dir`` fixture), to parametrise."""
    return Path(settings.DATA_DIR).parent / "oracle"


def case_ids(name: str, key: str = "case_id") -> list[str]:
    """One id per oracle row, for ``pytest.mark.parametrize``; [] when the file is absent (then the
    row-count tests fail, so an empty oracle can never pass silently)."""
    path = collection_dir() / name
    if not path.exists():
        return []
    return [str(r[key]) for r in load(path.parent, name)]


def by_id(oracle_dir: Path, name: str, key: str = "case_id") -> dict[str, dict]:
    rows = load(oracle_dir, name)
    out = {str(r[key]): r for r in rows}
    assert len(out) == len(rows), f"{name}: {key} is not unique"
    return out


def tolerance(row: dict) -> dict:
    """pytest.approx keywords for a row: rtol 1e-6 unless the row states ``tol_abs``."""
    tol_abs = row.get("tol_abs")
    if isinstance(tol_abs, float) and not math.isnan(tol_abs):
        return {"rel": 0, "abs": tol_abs}
    return {"rel": 1e-6, "abs": 0}


def assert_matches(actual, expected, row: dict, field: str) -> None:
    """Equal within the row's tolerance; NaN expected means NaN (a missing result) must come out."""
    case = row.get("case_id", "?")
    if expected is None or (isinstance(expected, float) and math.isnan(expected)):
        assert actual is None or (isinstance(actual, float) and math.isnan(actual)), (
            f"{case} {field}: expected missing, got {actual!r}"
        )
        return
    assert actual == pytest.approx(expected, **tolerance(row)), f"{case} {field}: {actual!r} != {expected!r}"


def row_count(oracle_dir: Path, name: str) -> int:
    """Data records in the file, counted independently of :func:`load` (header excluded)."""
    with open(Path(oracle_dir) / name, newline="", encoding="utf-8") as fh:
        return sum(1 for _ in csv.reader(fh)) - 1


def assert_all_rows_tested(oracle_dir: Path, name: str, ids: list[str]) -> None:
    """The parametrised ids cover every row of the file, and the file is not empty."""
    expected = row_count(oracle_dir, name)
    assert expected > 0, f"{name} has no rows"
    assert len(ids) == expected, f"{name}: {len(ids)} cases tested, file has {expected} rows"
    assert sorted(ids) == sorted(by_id(oracle_dir, name))
