"""Bulk writers: validated chunks go straight into ``indicators_observation``, inside the import's ONE transaction.

Before the first row of a period is written, that period's old rows of the dataset are deleted (in the same
transaction), so the unique key never sees old and new rows together and readers keep seeing the old rows
(MVCC) until the commit. The caller rolls the transaction back if any row of the file turns out invalid:
nothing streamed is ever visible or kept (docs/adr/0009-bulk-import.md).

PostgreSQL: one binary COPY stays open across chunks (closed only to delete a newly seen period), fed by
psycopg's queued writer, whose thread pushes the bytes to the server while the main thread parses the next
chunk: parsing (Python) and COPY (the server) use the two cores at once. SQLite: executemany in batches.
"""

import numpy as np
import pandas as pd
from django.db import DatabaseError, connection
from psycopg.copy import QueuedLibpqWriter

from indicators.models import Observation

from .pgcopy import COPY_COLUMNS, HEADER, TRAILER, CopyEncoder

SQLITE_BATCH = 20_000
_TEXT_COLUMNS = {"sex": "sex_id", "age_band": "age_id", "category": "category_id"}


class WriteFailed(Exception):
    """The database refused the streamed rows (e.g. a key it already holds): stop writing, keep validating."""


class ObservationWriter:
    """Replaces a dataset's periods by validated chunks; the caller owns the surrounding transaction."""

    def __init__(self, dataset_id: int, upload_id: int | None, vocabulary):
        self.dataset_id, self.upload_id, self.vocabulary = dataset_id, upload_id, vocabulary
        self.table = Observation._meta.db_table
        self.replaced: set[int] = set()
        self.rows = self.deleted = 0

    def write(self, clean: pd.DataFrame) -> None:
        if not len(clean):
            return
        try:
            self._write(clean)
        except DatabaseError as exc:
            raise WriteFailed(str(exc)) from exc
        self.rows += len(clean)

    def _write(self, clean: pd.DataFrame) -> None:
        new = sorted(set(np.unique(clean["period"].to_numpy()).tolist()) - self.replaced)
        if new:
            self._before_delete()
            with connection.cursor() as cursor:
                cursor.execute(
                    f"DELETE FROM {self.table} WHERE dataset_id = %s AND period IN ({', '.join(['%s'] * len(new))})",
                    [self.dataset_id, *new],
                )
                self.deleted += cursor.rowcount
            self.replaced.update(new)
        masked = clean["masked"].to_numpy(dtype=bool) if "masked" in clean else None
        if masked is not None and masked.any():
            self._insert(clean[~masked])
            self._insert_masked(clean[masked])
        else:
            self._insert(clean)

    def close(self, error: BaseException | None = None) -> None:
        """Finish the writes; with ``error``, abandon them (the caller rolls back)."""

    def _before_delete(self) -> None:
        pass

    def _insert_masked(self, clean: pd.DataFrame) -> None:
        """Figures masked at source: value NULL and masked true. Few rows (CNAM's <10 cells): plain INSERTs."""
        self._insert(clean, masked=True)

    def _insert(self, clean: pd.DataFrame, masked: bool = False) -> None:
        if not len(clean):
            return
        vocab = self.vocabulary()
        columns = ["dataset_id", "upload_id", "area_id", "period", "sex", "age_band", "category", "value", "masked"]
        texts = {}
        for name, ids in _TEXT_COLUMNS.items():
            table = pd.Series(vocab[name])
            texts[name] = table.reindex(clean[ids].to_numpy()).to_numpy(dtype=object)
        frame = pd.DataFrame({
            "dataset_id": self.dataset_id, "upload_id": self.upload_id, "area_id": clean["area_id"].to_numpy(),
            "period": clean["period"].to_numpy(), **texts,
            "value": None if masked else clean["value"].to_numpy(), "masked": masked,
        }, columns=columns).astype(object)
        sql = f"INSERT INTO {self.table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
        with connection.cursor() as cursor:
            for start in range(0, len(frame), SQLITE_BATCH):
                batch = frame.iloc[start : start + SQLITE_BATCH]
                cursor.executemany(sql, list(batch.itertuples(index=False, name=None)))


class CopyWriter(ObservationWriter):
    """PostgreSQL: binary COPY kept open across chunks, pushed by a background thread."""

    def __init__(self, dataset_id: int, upload_id: int | None, vocabulary):
        super().__init__(dataset_id, upload_id, vocabulary)
        self.encoder = CopyEncoder(dataset_id, upload_id, vocabulary)
        self._context = self._copy = None

    def _insert_masked(self, clean: pd.DataFrame) -> None:
        self.close()  # the open COPY holds the connection: finish it, then INSERT (the next chunk reopens one)
        ObservationWriter._insert(self, clean, masked=True)

    def _insert(self, clean: pd.DataFrame) -> None:
        if not len(clean):
            return
        if self._copy is None:
            cursor = connection.cursor().cursor  # the psycopg cursor under Django's wrapper
            sql = f"COPY {self.table} ({', '.join(COPY_COLUMNS)}) FROM STDIN WITH (FORMAT binary)"
            self._context = cursor.copy(sql, writer=QueuedLibpqWriter(cursor))
            self._copy = self._context.__enter__()
            self._copy.write(HEADER)
        try:
            self._copy.write(memoryview(self.encoder.encode(clean)))
        except Exception as exc:
            self.close(exc)
            raise WriteFailed(str(exc)) from exc

    def _before_delete(self) -> None:
        self.close()

    def close(self, error: BaseException | None = None) -> None:
        if self._copy is None:
            return
        context, copy = self._context, self._copy
        self._context = self._copy = None
        aborting, failure = error is not None, None
        if not aborting:
            try:
                copy.write(TRAILER)
            except Exception as exc:
                failure = error = exc
        try:
            context.__exit__(type(error) if error else None, error, None)
        except Exception as exc:
            # A refused COPY only reports at its end (the server reads the stream to completion first).
            if not aborting:
                failure = failure or exc
        if failure is not None:
            raise WriteFailed(str(failure)) from failure


def observation_writer(dataset_id: int, upload_id: int | None, vocabulary) -> ObservationWriter:
    cls = CopyWriter if connection.vendor == "postgresql" else ObservationWriter
    return cls(dataset_id, upload_id, vocabulary)
