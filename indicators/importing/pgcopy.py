"""PostgreSQL binary COPY encoding of validated observation rows, built by numpy (no per-row Python).

A binary COPY tuple is a field count then, per column, a 4-byte length and the big-endian value. The fixed-width
columns (dataset, upload, area, period, value) make one numpy record per row; the three short texts (sex, age
band, category) come from small vocabularies, so each (sex, age band, category) combination is encoded once as
a byte string and the variable-width rows are assembled in blocks of equal byte length (row order within a COPY is irrelevant).
No Django import: the writer hands the bytes to psycopg.
"""

import numpy as np

# Column order of the COPY statement: fixed-width columns first, then the texts.
COPY_COLUMNS = ["dataset_id", "upload_id", "area_id", "period", "value", "sex", "age_band", "category"]
HEADER = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
TRAILER = (-1).to_bytes(2, "big", signed=True)


def _fixed_dtype(with_upload: bool) -> np.dtype:
    upload = [("l_upload", ">i4"), ("upload_id", ">i8")] if with_upload else [("l_upload", ">i4")]
    return np.dtype([
        ("n", ">i2"), ("l_dataset", ">i4"), ("dataset_id", ">i8"), *upload, ("l_area", ">i4"), ("area_id", ">i8"),
        ("l_period", ">i4"), ("period", ">i2"), ("l_value", ">i4"), ("value", ">f8"),
    ])


def _text_field(text: str) -> bytes:
    data = text.encode("utf-8")
    return len(data).to_bytes(4, "big") + data


class CopyEncoder:
    """Encodes clean chunks (area_id, period, sex_id, age_id, category_id, value) for one dataset/upload.

    ``vocabulary`` is the validator's {"sex"|"age_band"|"category": {id: text}}; it may grow between chunks
    (new age bands or categories), so the combination table is rebuilt when an id falls outside it.
    """

    def __init__(self, dataset_id: int, upload_id: int | None, vocabulary):
        self.dataset_id, self.upload_id = dataset_id, upload_id
        self.vocabulary = vocabulary  # a callable returning the current vocabulary
        self.dtype = _fixed_dtype(upload_id is not None)
        self._shape = None

    def _tails(self):
        vocab = self.vocabulary()
        shape = (max(vocab["sex"]) + 1, max(vocab["age_band"], default=0) + 1, max(vocab["category"], default=0) + 1)
        if shape != self._shape:
            texts = [
                [[_text_field(vocab["sex"].get(s, "")) + _text_field(vocab["age_band"].get(a, ""))
                  + _text_field(vocab["category"].get(c, "")) for c in range(shape[2])]
                 for a in range(shape[1])]
                for s in range(shape[0])
            ]
            flat = [t for by_age in texts for by_cat in by_age for t in by_cat]
            width = max(len(t) for t in flat)
            table = np.zeros((len(flat), width), dtype=np.uint8)
            for row, text in enumerate(flat):
                table[row, : len(text)] = np.frombuffer(text, dtype=np.uint8)
            self._table, self._lengths = table, np.array([len(t) for t in flat], dtype=np.int64)
            self._shape = shape
        return self._shape

    def encode(self, clean) -> bytes:
        """The tuples of ``clean`` (no header/trailer): a pandas DataFrame or a dict of numpy columns."""
        rows = len(clean["value"])
        shape = self._tails()
        fixed = np.empty(rows, dtype=self.dtype)
        fixed["n"] = len(COPY_COLUMNS)
        fixed["l_dataset"], fixed["dataset_id"] = 8, self.dataset_id
        if self.upload_id is None:
            fixed["l_upload"] = -1  # NULL: no data bytes follow
        else:
            fixed["l_upload"], fixed["upload_id"] = 8, self.upload_id
        fixed["l_area"], fixed["area_id"] = 8, np.asarray(clean["area_id"])
        fixed["l_period"], fixed["period"] = 2, np.asarray(clean["period"])
        fixed["l_value"], fixed["value"] = 8, np.asarray(clean["value"])
        combo = (np.asarray(clean["sex_id"], dtype=np.int64) * shape[1] + np.asarray(clean["age_id"])) * shape[2] \
            + np.asarray(clean["category_id"])
        width = self.dtype.itemsize
        fixed_bytes = fixed.view(np.uint8).reshape(rows, width)
        lengths = self._lengths[combo]
        # Rows are grouped by the byte length of their texts (a handful of lengths), each group one 2-D block:
        # the order of rows within a COPY does not matter to the table.
        parts = []
        for length in np.unique(lengths):
            picked = np.flatnonzero(lengths == length)
            block = np.empty((len(picked), width + length), dtype=np.uint8)
            block[:, :width] = fixed_bytes[picked]
            block[:, width:] = self._table[combo[picked], :length]
            parts.append(block.tobytes())
        return b"".join(parts)
