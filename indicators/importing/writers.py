"""Bulk writers: validated chunks go to a session-private staging table; only after the whole file has
validated are they merged into ``indicators_observation`` (delete the replaced periods, insert) in one
transaction. PostgreSQL streams with binary COPY (psycopg 3) built by numpy, SQLite uses executemany in
batches. Staged rows carry small integer ids for sex, age band and category; the texts are joined back
from a vocabulary table at merge time, so every staged column has a fixed width.
"""

import uuid

import numpy as np
import pandas as pd
from django.db import connection, transaction

from indicators.models import Observation

COLUMNS = ["area_id", "period", "sex_id", "age_id", "category_id", "value"]
SQLITE_BATCH = 20_000
_VOCAB_KIND = {"sex": 1, "age_band": 2, "category": 3}
# One binary COPY tuple: field count, then (length, big-endian value) per column.
_TUPLE = np.dtype([
    ("n", ">i2"), ("l1", ">i4"), ("area_id", ">i8"), ("l2", ">i4"), ("period", ">i2"), ("l3", ">i4"),
    ("sex_id", ">i2"), ("l4", ">i4"), ("age_id", ">i2"), ("l5", ">i4"), ("category_id", ">i4"),
    ("l6", ">i4"), ("value", ">f8"),
])
_LENGTHS = {"n": 6, "l1": 8, "l2": 2, "l3": 2, "l4": 2, "l5": 4, "l6": 8}
_HEADER = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
_TRAILER = (-1).to_bytes(2, "big", signed=True)


def binary_copy_payload(clean: pd.DataFrame) -> bytes:
    """The PostgreSQL binary COPY stream of ``clean`` (vectorised: one numpy record array)."""
    records = np.empty(len(clean), dtype=_TUPLE)
    for field, length in _LENGTHS.items():
        records[field] = length
    for column in COLUMNS:
        records[column] = clean[column].to_numpy()
    return _HEADER + records.tobytes() + _TRAILER


class StagingWriter:
    def __init__(self):
        suffix = uuid.uuid4().hex[:12]
        self.table, self.vocab_table = f"obs_staging_{suffix}", f"obs_vocab_{suffix}"
        self.vendor = connection.vendor
        self.rows = 0
        self._created = False

    def begin(self) -> None:
        with connection.cursor() as cursor:
            # TEMP: private to this connection, not WAL-logged, dropped with the session at worst.
            cursor.execute(
                f"CREATE TEMP TABLE {self.table} (area_id bigint NOT NULL, period smallint NOT NULL, "
                "sex_id smallint NOT NULL, age_id smallint NOT NULL, category_id integer NOT NULL, "
                "value double precision NOT NULL)"
            )
            cursor.execute(f"CREATE TEMP TABLE {self.vocab_table} (kind smallint NOT NULL, id integer NOT NULL, "
                           "text varchar(64) NOT NULL)")
        self._created = True

    def write(self, clean: pd.DataFrame) -> None:
        if not len(clean):
            return
        if self.vendor == "postgresql":
            self._copy(clean)
        else:
            self._executemany(clean)
        self.rows += len(clean)

    def _copy(self, clean: pd.DataFrame) -> None:
        sql = f"COPY {self.table} ({', '.join(COLUMNS)}) FROM STDIN WITH (FORMAT binary)"
        with connection.cursor() as cursor:
            with cursor.cursor.copy(sql) as copy:
                copy.write(binary_copy_payload(clean))

    def _executemany(self, clean: pd.DataFrame) -> None:
        sql = f"INSERT INTO {self.table} ({', '.join(COLUMNS)}) VALUES (%s, %s, %s, %s, %s, %s)"
        frame = clean[COLUMNS].astype(object)
        with connection.cursor() as cursor:
            for start in range(0, len(frame), SQLITE_BATCH):
                batch = frame.iloc[start : start + SQLITE_BATCH]
                cursor.executemany(sql, list(batch.itertuples(index=False, name=None)))

    def merge(self, dataset_id: int, upload_id: int | None, periods: list[int], vocabulary: dict) -> tuple[int, int]:
        """Replace the dataset's observations for ``periods`` by the staged rows; (deleted, inserted)."""
        table = Observation._meta.db_table
        rows = [(_VOCAB_KIND[kind], index, text) for kind, ids in vocabulary.items() for index, text in ids.items()]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {self.vocab_table} (kind, id, text) VALUES (%s, %s, %s)", rows)
            placeholders = ", ".join(["%s"] * len(periods))
            cursor.execute(
                f"DELETE FROM {table} WHERE dataset_id = %s AND period IN ({placeholders})", [dataset_id, *periods]
            )
            deleted = cursor.rowcount
            cursor.execute(
                f"INSERT INTO {table} (dataset_id, upload_id, area_id, period, sex, age_band, category, value) "
                f"SELECT %s, %s, s.area_id, s.period, sx.text, ag.text, ca.text, s.value FROM {self.table} s "
                f"JOIN {self.vocab_table} sx ON sx.kind = 1 AND sx.id = s.sex_id "
                f"JOIN {self.vocab_table} ag ON ag.kind = 2 AND ag.id = s.age_id "
                f"JOIN {self.vocab_table} ca ON ca.kind = 3 AND ca.id = s.category_id",
                [dataset_id, upload_id],
            )
            inserted = cursor.rowcount
        return deleted, inserted

    def discard(self) -> None:
        if self._created:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS {self.table}")
                cursor.execute(f"DROP TABLE IF EXISTS {self.vocab_table}")
            self._created = False
