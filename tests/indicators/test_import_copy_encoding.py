"""The binary COPY encoding of observation rows (pure numpy, no database): exact tuples whatever the mix of text
lengths, and tables that grow with each vocabulary, not with the product of the three."""

import struct
import tracemalloc

import numpy as np

from indicators.importing.pgcopy import COPY_COLUMNS, CopyEncoder


def decode(data: bytes) -> list[tuple]:
    """The tuples of a COPY body (no header/trailer), as (dataset, upload, area, period, value, sex, age, category)."""
    rows, at = [], 0
    while at < len(data):
        (count,) = struct.unpack_from(">h", data, at)
        at += 2
        fields = []
        for column in COPY_COLUMNS[:count]:
            (length,) = struct.unpack_from(">i", data, at)
            at += 4
            if length < 0:
                fields.append(None)
                continue
            raw = data[at : at + length]
            at += length
            fields.append({"period": lambda b: struct.unpack(">h", b)[0], "value": lambda b: struct.unpack(">d", b)[0],
                           }.get(column, lambda b: struct.unpack(">q", b)[0] if column.endswith("_id")
                                 else b.decode("utf-8"))(raw))
        rows.append(tuple(fields))
    return rows


def test_rows_with_texts_of_every_length_are_encoded_exactly():
    vocabulary = {"sex": {1: "M", 2: "F", 3: "T"}, "age_band": {0: "all", 1: "0", 2: "95+", 3: "85-89"},
                  "category": {0: "", 1: "Sœur’s 5 €", 2: "01", 3: "x" * 64}}
    encoder = CopyEncoder(7, 9, lambda: vocabulary)
    rng = np.random.default_rng(8)
    n = 400
    clean = {"area_id": rng.integers(1, 50, n), "period": rng.integers(1990, 2025, n), "sex_id": rng.integers(1, 4, n),
             "age_id": rng.integers(0, 4, n), "category_id": rng.integers(0, 4, n), "value": rng.random(n) * 1e6}
    expected = sorted(
        (7, 9, int(a), int(p), float(v), vocabulary["sex"][s], vocabulary["age_band"][g], vocabulary["category"][c])
        for a, p, s, g, c, v in zip(*(clean[k] for k in ["area_id", "period", "sex_id", "age_id", "category_id",
                                                          "value"]))
    )
    assert sorted(decode(encoder.encode(clean))) == expected


def test_new_ids_between_chunks_are_encoded_and_a_missing_upload_is_null():
    vocabulary = {"sex": {3: "T"}, "age_band": {0: "all"}, "category": {0: "a"}}
    encoder = CopyEncoder(1, None, lambda: vocabulary)
    one = {"area_id": [5], "period": [2019], "sex_id": [3], "age_id": [0], "category_id": [0], "value": [1.5]}
    assert decode(encoder.encode(one)) == [(1, None, 5, 2019, 1.5, "T", "all", "a")]
    vocabulary["category"][1] = "une catégorie plus longue"
    vocabulary["age_band"][1] = "1-4"
    two = {**one, "age_id": [1, 0], "category_id": [1, 0], "area_id": [6, 6], "period": [2020, 2020],
           "sex_id": [3, 3], "value": [2.0, 3.0]}
    assert sorted(decode(encoder.encode(two))) == [(1, None, 6, 2020, 2.0, "T", "1-4", "une catégorie plus longue"),
                                                   (1, None, 6, 2020, 3.0, "T", "all", "a")]


def test_a_hundred_thousand_categories_with_twenty_age_bands_stay_small_in_memory():
    bands = ["all"] + [f"{a}-{a + 4}" for a in range(0, 95, 5)]
    n = 100_000
    vocabulary = {"sex": {1: "M", 2: "F", 3: "T"}, "age_band": dict(enumerate(bands)),
                  "category": {i: f"cat-{i:06d}" for i in range(n)}}
    clean = {"area_id": np.ones(n, dtype=np.int64), "period": np.full(n, 2019), "sex_id": np.arange(n) % 3 + 1,
             "age_id": np.arange(n) % 20, "category_id": np.arange(n), "value": np.arange(n, dtype=float)}
    encoder = CopyEncoder(1, 2, lambda: vocabulary)
    tracemalloc.start()
    data = encoder.encode(clean)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    # One combined (sex x age band x category) table would hold 8.4 million entries (over 1 GB).
    assert peak < 100e6, f"{peak / 1e6:.0f} MB"
    rows = decode(data)
    assert len(rows) == n and (1, 2, 1, 2019, 99_999.0, "M", "90-94", "cat-099999") in rows
