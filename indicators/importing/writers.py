"""Bulk writers: validated chunks go to a session-private staging table; only after the whole file has
validated are they merged into ``indicators_observation`` (delete the replaced periods, insert) in one
transaction. PostgreSQL streams with COPY (psycopg 3), SQLite with executemany in batches.
"""

import io
import uuid

import pandas as pd
from django.db import connection, transaction

from indicators.models import Observation

COLUMNS = ["area_id", "period", "sex", "age_band", "category", "value"]
SQLITE_BATCH = 20_000


class StagingWriter:
    def __init__(self):
        self.table = f"obs_staging_{uuid.uuid4().hex[:12]}"
        self.vendor = connection.vendor
        self.rows = 0
        self._created = False

    def begin(self) -> None:
        with connection.cursor() as cursor:
            # TEMP: private to this connection, not WAL-logged, dropped with the session at worst.
            cursor.execute(
                f"CREATE TEMP TABLE {self.table} (area_id bigint NOT NULL, period smallint NOT NULL, "
                "sex varchar(1) NOT NULL, age_band varchar(16) NOT NULL, category varchar(64) NOT NULL, "
                "value double precision NOT NULL)"
            )
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
        buffer = io.StringIO()
        clean[COLUMNS].to_csv(buffer, header=False, index=False, float_format="%.17g")
        sql = f"COPY {self.table} ({', '.join(COLUMNS)}) FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL (category))"
        with connection.cursor() as cursor:
            with cursor.cursor.copy(sql) as copy:
                copy.write(buffer.getvalue())

    def _executemany(self, clean: pd.DataFrame) -> None:
        sql = f"INSERT INTO {self.table} ({', '.join(COLUMNS)}) VALUES (%s, %s, %s, %s, %s, %s)"
        frame = clean[COLUMNS].astype(object)
        with connection.cursor() as cursor:
            for start in range(0, len(frame), SQLITE_BATCH):
                batch = frame.iloc[start : start + SQLITE_BATCH]
                cursor.executemany(sql, list(batch.itertuples(index=False, name=None)))

    def merge(self, dataset_id: int, upload_id: int | None, periods: list[int]) -> tuple[int, int]:
        """Replace the dataset's observations for ``periods`` by the staged rows; (deleted, inserted)."""
        table = Observation._meta.db_table
        with transaction.atomic(), connection.cursor() as cursor:
            placeholders = ", ".join(["%s"] * len(periods))
            cursor.execute(
                f"DELETE FROM {table} WHERE dataset_id = %s AND period IN ({placeholders})", [dataset_id, *periods]
            )
            deleted = cursor.rowcount
            cursor.execute(
                f"INSERT INTO {table} (dataset_id, upload_id, area_id, period, sex, age_band, category, value) "
                f"SELECT %s, %s, area_id, period, sex, age_band, category, value FROM {self.table}",
                [dataset_id, upload_id],
            )
            inserted = cursor.rowcount
        return deleted, inserted

    def discard(self) -> None:
        if self._created:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS {self.table}")
            self._created = False
