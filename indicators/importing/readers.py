"""Stream a CSV or XLSX file as chunks of text columns, with the line numbers a spreadsheet user sees.

CSV: encoding (UTF-8, with or without BOM, else Latin-1) detected by decoding the whole file in blocks;
separator (``;``, ``,`` or tab) sniffed on the header line; quoted fields handled by the C parser.
XLSX: openpyxl in read-only mode, first sheet, header = first non-empty row.
Everything is read as strings (``dtype=str``) so codes keep their leading zeros.
"""

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

REQUIRED = ["area_code", "period", "sex", "age_band", "value"]
OPTIONAL = ["category"]

COLUMN_ALIASES = {
    "area_code": ["area_code", "code", "area", "codgeo", "code_geo", "code_insee", "code_area", "territoire",
                  "dep", "departement", "code_departement", "reg", "region", "code_region", "com", "commune",
                  "code_commune", "epci", "code_epci"],
    "period": ["period", "periode", "year", "annee", "an"],
    "sex": ["sex", "sexe"],
    "age_band": ["age_band", "age", "tranche_age", "tranche_d_age", "classe_age", "classe_d_age", "age_group"],
    "category": ["category", "categorie", "modalite"],
    "value": ["value", "valeur", "count", "effectif", "nombre", "n"],
}
_ALIAS_TO_CANONICAL = {alias: canonical for canonical, aliases in COLUMN_ALIASES.items() for alias in aliases}

DEFAULT_CHUNK_ROWS = 500_000
_BLOCK = 1 << 22


class FileFormatError(Exception):
    """The file cannot be read as a table at all (or lacks required columns): one report line."""

    def __init__(self, line: int, column: str, value: str, reason: str):
        super().__init__(reason)
        self.error = {"line": line, "column": column, "value": value, "reason": reason}


@dataclass
class Chunk:
    frame: pd.DataFrame  # canonical columns, strings (NaN for empty cells)
    lines: pd.Series  # int64 line number of each row as shown by a spreadsheet (header = line 1)


def normalize_header(name) -> str:
    text = unicodedata.normalize("NFKD", str(name or "")).encode("ascii", "ignore").decode().strip().lower()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def map_columns(header: list) -> dict:
    """{original column name: canonical name}; raises FileFormatError listing the missing columns."""
    mapping = {}
    for original in header:
        canonical = _ALIAS_TO_CANONICAL.get(normalize_header(original))
        if canonical and canonical not in mapping.values():
            mapping[original] = canonical
    missing = [name for name in REQUIRED if name not in mapping.values()]
    if missing:
        found = ", ".join(str(h) for h in header)
        raise FileFormatError(1, ", ".join(missing), found, f"missing column(s): {', '.join(missing)}")
    return mapping


def detect_encoding(path: Path) -> str:
    """utf-8-sig when the whole file decodes as UTF-8, else latin-1 (which decodes any byte)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with open(path, "rb") as handle:
        try:
            while block := handle.read(_BLOCK):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "latin-1"
    return "utf-8-sig"


def sniff_separator(path: Path, encoding: str) -> str:
    with open(path, encoding=encoding, newline="") as handle:
        header = handle.readline()
    if not header.strip():
        raise FileFormatError(1, "", "", "the file is empty (no header line)")
    try:
        return csv.Sniffer().sniff(header, delimiters=";,\t").delimiter
    except csv.Error:
        counts = {sep: header.count(sep) for sep in ";,\t"}
        return max(counts, key=counts.get)


class _CountingReader(io.RawIOBase):
    """A binary file wrapper reporting bytes read to a tqdm bar."""

    def __init__(self, handle, bar):
        self._handle, self._bar = handle, bar

    def readable(self):
        return True

    def readinto(self, buffer):
        count = self._handle.readinto(buffer)
        if self._bar is not None and count:
            self._bar.update(count)
        return count


def iter_csv(path: Path, chunk_rows: int = DEFAULT_CHUNK_ROWS, bar=None) -> Iterator[Chunk]:
    encoding = detect_encoding(path)
    sep = sniff_separator(path, encoding)
    with open(path, encoding=encoding, newline="") as handle:
        header = next(csv.reader(handle, delimiter=sep))
    mapping = map_columns(header)
    # Code columns hold few distinct values: the C parser builds them as categoricals (no Python string per
    # cell), which the validator factorises for free. Values stay text so bad ones can be reported verbatim.
    dtypes = {str(name): str for name in header}
    dtypes.update({original: (str if canonical == "value" else "category") for original, canonical in mapping.items()})
    with open(path, "rb") as raw:
        stream = io.BufferedReader(_CountingReader(raw, bar), buffer_size=_BLOCK)
        reader = pd.read_csv(
            stream, sep=sep, encoding=encoding, dtype=dtypes, keep_default_na=False,
            na_values=[""], skip_blank_lines=False, chunksize=chunk_rows, quotechar='"', engine="c",
        )
        first_line = 2
        for frame in reader:
            frame = frame[list(mapping)].rename(columns=mapping)
            # Blank lines come through as all-empty rows: drop them but keep the numbering of the others.
            lines = pd.Series(range(first_line, first_line + len(frame)), index=frame.index, dtype="int64")
            first_line += len(frame)
            keep = frame.notna().any(axis=1)
            yield Chunk(frame[keep], lines[keep])


def _cell_text(value):
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def iter_xlsx(path: Path, chunk_rows: int = DEFAULT_CHUNK_ROWS, bar=None) -> Iterator[Chunk]:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header, header_line = None, 0
        for header_line, row in enumerate(rows, start=1):
            if any(cell is not None and str(cell).strip() for cell in row):
                header = list(row)
                break
        if header is None:
            raise FileFormatError(1, "", "", "the sheet is empty (no header row)")
        mapping = map_columns(header)
        positions = [header.index(original) for original in mapping]
        names = [mapping[original] for original in mapping]
        buffer, lines = [], []
        for line, row in enumerate(rows, start=header_line + 1):
            cells = [_cell_text(row[i]) if i < len(row) else None for i in positions]
            if any(cell is not None for cell in cells):
                buffer.append(cells)
                lines.append(line)
            if len(buffer) >= chunk_rows:
                yield _xlsx_chunk(buffer, lines, names, bar)
                buffer, lines = [], []
        if buffer:
            yield _xlsx_chunk(buffer, lines, names, bar)
    finally:
        workbook.close()


def _xlsx_chunk(buffer, lines, names, bar) -> Chunk:
    if bar is not None:
        bar.update(len(buffer))
    frame = pd.DataFrame(buffer, columns=names, dtype=str)
    return Chunk(frame, pd.Series(lines, index=frame.index, dtype="int64"))


def is_xlsx(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(4) == b"PK\x03\x04"


def iter_chunks(path: Path, chunk_rows: int = DEFAULT_CHUNK_ROWS, bar=None) -> Iterator[Chunk]:
    """Chunks of any supported file; the format is told by content (XLSX is a zip), not by extension."""
    path = Path(path)
    if is_xlsx(path):
        return iter_xlsx(path, chunk_rows, bar)
    return iter_csv(path, chunk_rows, bar)
