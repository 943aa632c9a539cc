"""PostgreSQL binary COPY encoding of validated observation rows, built by numpy (no per-row Python).

A binary COPY tuple is a field count then, per column, a 4-byte length and the big-endian value. The fixed-width
columns (dataset, upload, area, period, value) make one numpy record per row; the three short texts (sex, age
band, category) come from vocabularies, so each text is encoded once per vocabulary id (one table per column,
sized by that column's vocabulary: 100,000 categories make a 100,000-row table, not one per combination with
the age bands), and the variable-width rows are assembled in blocks whose three texts have equal byte lengths
(row order within a COPY is irrelevant). No Django import: the writer hands the bytes to psycopg.
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


class _TextTable:
    """The COPY field (length + UTF-8 bytes) of every id of one vocabulary, one padded row per id."""

    def __init__(self):
        self.table = np.zeros((0, 4), dtype=np.uint8)
        self.lengths = np.zeros(0, dtype=np.int64)

    def update(self, texts: dict[int, str]) -> None:
        """Add the ids the vocabulary gained since the last call (ids are never renumbered)."""
        known, count = len(self.lengths), max(texts, default=-1) + 1
        if count <= known:
            return
        fields = [_text_field(texts.get(index, "")) for index in range(known, count)]
        width = max(self.table.shape[1], max(len(f) for f in fields))
        table = np.zeros((count, width), dtype=np.uint8)
        table[:known, : self.table.shape[1]] = self.table
        for row, data in enumerate(fields, start=known):
            table[row, : len(data)] = np.frombuffer(data, dtype=np.uint8)
        self.table = table
        self.lengths = np.concatenate([self.lengths, np.array([len(f) for f in fields], dtype=np.int64)])


_TEXTS = (("sex", "sex_id"), ("age_band", "age_id"), ("category", "category_id"))
_FEW_GROUPS = 16


class CopyEncoder:
    """Encodes clean chunks (area_id, period, sex_id, age_id, category_id, value) for one dataset/upload.

    ``vocabulary`` is the validator's {"sex"|"age_band"|"category": {id: text}}; it may grow between chunks
    (new age bands or categories): the text tables gain the new ids.
    """

    def __init__(self, dataset_id: int, upload_id: int | None, vocabulary):
        self.dataset_id, self.upload_id = dataset_id, upload_id
        self.vocabulary = vocabulary  # a callable returning the current vocabulary
        self.dtype = _fixed_dtype(upload_id is not None)
        self.texts = {name: _TextTable() for name, _ in _TEXTS}

    def encode(self, clean) -> bytes:
        """The tuples of ``clean`` (no header/trailer): a pandas DataFrame or a dict of numpy columns."""
        rows = len(clean["value"])
        vocab = self.vocabulary()
        for name, _ in _TEXTS:
            self.texts[name].update(vocab[name])
        width = self.dtype.itemsize
        fixed_bytes = self._fixed(clean, rows).view(np.uint8).reshape(rows, width)
        ids = [np.asarray(clean[column], dtype=np.int64) for _, column in _TEXTS]
        lengths = [self.texts[name].lengths[i] for (name, _), i in zip(_TEXTS, ids)]
        # Rows whose three texts have the same byte lengths form one 2-D block (a handful of groups).
        group = (lengths[0] * (self.texts["age_band"].table.shape[1] + 1) + lengths[1]) \
            * (self.texts["category"].table.shape[1] + 1) + lengths[2]
        parts = []
        for picked in _groups(group):
            first = picked[0]
            sizes = [int(length[first]) for length in lengths]
            block = np.empty((len(picked), width + sum(sizes)), dtype=np.uint8)
            block[:, :width] = fixed_bytes[picked]
            start = width
            for (name, _), index, size in zip(_TEXTS, ids, sizes):
                block[:, start : start + size] = self.texts[name].table[index[picked], :size]
                start += size
            parts.append(block.tobytes())
        return b"".join(parts)

    def _fixed(self, clean, rows: int) -> np.ndarray:
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
        return fixed


def _groups(group: np.ndarray):
    """Row indices of each distinct value of ``group`` (small non-negative ints)."""
    counts = np.bincount(group)
    present = np.flatnonzero(counts)
    if len(present) <= _FEW_GROUPS:
        return [np.flatnonzero(group == value) for value in present]
    order = np.argsort(group, kind="stable")
    return np.split(order, np.cumsum(counts[present])[:-1])
