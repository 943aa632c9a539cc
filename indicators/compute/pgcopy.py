"""PostgreSQL binary COPY payloads built with numpy (no per-row Python, no float-to-text formatting).

Binary COPY (https://www.postgresql.org/docs/current/sql-copy.html, "Binary Format"): a header, then per
row an int16 field count and, per field, an int32 byte length (-1 for NULL) followed by the value in
network byte order. Rows sharing the same NULL pattern and text lengths have a fixed layout, so each
such group is one numpy structured array; there are a few dozen groups, whatever the row count.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

HEADER = b"PGCOPY\n\xff\r\n\x00" + np.array([0, 0], dtype=">i4").tobytes()
TRAILER = np.array([-1], dtype=">i2").tobytes()
_NUMPY = {"int8": ">i8", "float8": ">f8", "int2": ">i2", "bool": "?"}


def _column(series: pd.Series, kind: str):
    """(values, byte length per row, -1 for NULL) of one column; text is encoded once per distinct value."""
    if kind == "text":
        codes, uniques = pd.factorize(series, use_na_sentinel=False)
        encoded = [str(u).encode("utf-8") for u in uniques]  # a handful of distinct labels
        width = max((len(e) for e in encoded), default=1) or 1
        table = np.array(encoded, dtype=f"S{width}")
        return table[codes], np.array([len(e) for e in encoded], dtype=np.int64)[codes]
    null = series.isna().to_numpy()
    if kind == "bool":
        values = series.fillna(False).to_numpy(dtype=bool)
    elif kind == "float8":
        values = series.to_numpy(dtype=float, na_value=np.nan)
    else:
        values = series.fillna(0).to_numpy(dtype=np.int64)
    size = np.dtype(_NUMPY[kind]).itemsize
    return values, np.where(null, -1, size)


def _layouts(lengths: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(distinct length patterns (P, C), pattern index per row) via one mixed-radix integer key."""
    key = np.zeros(len(lengths[0]), dtype=np.int64)
    uniques = []
    for column in lengths:
        codes, values = pd.factorize(column, sort=True)
        key = key * len(values) + codes
        uniques.append(np.asarray(values))
    keys, group = np.unique(key, return_inverse=True)
    patterns = np.empty((len(keys), len(lengths)), dtype=np.int64)
    rest = keys.copy()
    for i in range(len(lengths) - 1, -1, -1):
        patterns[:, i] = uniques[i][rest % len(uniques[i])]
        rest //= len(uniques[i])
    return patterns, group.ravel()


def binary_copy_payload(frame: pd.DataFrame, types: dict[str, str]) -> bytes:
    """The COPY ... (FORMAT binary) stream of ``frame``'s columns ``types`` (int8, int2, float8, bool, text)."""
    names = list(types)
    columns = [_column(frame[name], types[name]) for name in names]
    patterns, group = _layouts([c[1] for c in columns])
    order = np.argsort(group, kind="stable")
    bounds = np.searchsorted(group[order], np.arange(len(patterns) + 1))
    parts = [HEADER]
    for g, pattern in enumerate(patterns):  # one fixed layout per pattern of NULLs and text lengths
        rows = order[bounds[g]:bounds[g + 1]]
        fields = [("n", ">i2")]
        for i, name in enumerate(names):
            fields.append((f"l{i}", ">i4"))
            if pattern[i] > 0:
                kind = types[name]
                fields.append((f"v{i}", f"S{pattern[i]}" if kind == "text" else _NUMPY[kind]))
        block = np.empty(len(rows), dtype=np.dtype(fields))
        block["n"] = len(names)
        for i, (values, _) in enumerate(columns):
            block[f"l{i}"] = pattern[i]
            if pattern[i] > 0:
                picked = values[rows]
                block[f"v{i}"] = picked.astype(f"S{pattern[i]}") if types[names[i]] == "text" else picked
        parts.append(block.tobytes())
    parts.append(TRAILER)
    return b"".join(parts)
