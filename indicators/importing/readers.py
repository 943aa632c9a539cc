"""Stream a CSV or XLSX file as chunks of text columns, with the line numbers a spreadsheet user sees.

CSV: encoding (UTF-8 with or without BOM, else Windows-1252, else refused) detected over the whole file by
geo/encoding.py, the territory importer's detection; separator (``;``, ``,`` or tab) sniffed on the header
line; quoted fields handled by the C parser.
XLSX: openpyxl in read-only mode, first sheet, header = first non-empty row.
Every cell is read as the file's text: codes keep their leading and trailing zeros (``01``, ``1.10``).
A file that cannot be read raises FileFormatError (one report line naming the line), never a traceback.
"""

import csv
import io
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from openpyxl.utils.exceptions import InvalidFileException
from pandas.api.types import is_string_dtype

from geo.encoding import UndecodableFile, detect_encoding

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

CODE_COLUMNS = ["area_code", "period", "sex", "age_band", "category"]

DEFAULT_CHUNK_ROWS = 500_000
_BLOCK = 1 << 22
# pandas 3 infers numbers in categorical columns ("1.10" -> 1.1, GH#56044) unless a thousands separator is set;
# this one never occurs in text, and only number parsing reads it (all columns here are text).
_NO_NUMBER_INFERENCE = "\x1f"
# What openpyxl raises on a truncated, fake or foreign archive (read-only mode also fails mid-sheet).
_WORKBOOK_ERRORS = (zipfile.BadZipFile, zlib.error, KeyError, ValueError, TypeError, OSError, EOFError, SyntaxError,
                    InvalidFileException)
UNREADABLE = "unreadable file"


class FileFormatError(Exception):
    """The file cannot be read as a table at all (or lacks required columns): one report line, and reading
    stops. ``kind`` groups report lines; an ``unreadable file`` reason is prefixed with the file's name."""

    def __init__(self, line: int, column: str, value: str, reason: str, kind: str = UNREADABLE):
        super().__init__(reason)
        self.error = {"line": line, "column": column, "value": value, "reason": reason}
        self.kind = kind


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
        raise FileFormatError(1, ", ".join(missing), found, f"missing column(s): {', '.join(missing)}",
                              kind="missing column")
    return mapping


def csv_encoding(path: Path) -> str:
    try:
        return detect_encoding(path)
    except UndecodableFile as exc:
        raise FileFormatError(exc.line, "", "", exc.reason) from exc


def sniff_separator(path: Path, encoding: str) -> str:
    with open(path, encoding=encoding, newline="") as handle:
        header = handle.readline()
    if not header.strip():
        raise FileFormatError(1, "", "", "the file is empty (no header line)", kind="empty file")
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


def _csv_header(path: Path, encoding: str, sep: str) -> list[str]:
    with open(path, encoding=encoding, newline="") as handle:
        try:
            return next(csv.reader(handle, delimiter=sep))
        except csv.Error as exc:
            raise FileFormatError(1, "", "", f"header line: {exc}") from exc


def iter_csv(path: Path, chunk_rows: int = DEFAULT_CHUNK_ROWS, bar=None) -> Iterator[Chunk]:
    encoding = csv_encoding(path)
    sep = sniff_separator(path, encoding)
    header = _csv_header(path, encoding, sep)
    mapping = map_columns(header)
    codes = [original for original, canonical in mapping.items() if canonical in CODE_COLUMNS]
    first_line = 2
    for frame in _csv_frames(path, sep, encoding, header, mapping, codes, chunk_rows, bar):
        frame = frame[list(mapping)].rename(columns=mapping)
        # Blank lines come through as all-empty rows: drop them but keep the numbering of the others.
        lines = pd.Series(range(first_line, first_line + len(frame)), index=frame.index, dtype="int64")
        first_line += len(frame)
        keep = frame.notna().any(axis=1)
        yield Chunk(frame[keep], lines[keep])


def _csv_frames(path, sep, encoding, header, mapping, codes, chunk_rows, bar) -> Iterator[pd.DataFrame]:
    """Chunks of text cells. Code columns hold few distinct values: the C parser builds them as categoricals
    (no Python string per cell), which the validator factorises for free. Should pandas still turn a chunk's
    categories into something else than text (a column of only ``true``/``false`` becomes booleans), that
    chunk and the rest of the file are read again as plain strings, slower but exact."""
    with _csv_reader(path, sep, encoding, header, mapping, chunk_rows, bar, plain=False) as reader:
        for index, frame in enumerate(reader):
            if not all(_is_text(frame[name]) for name in codes):
                break
            yield frame
        else:
            return
    with _csv_reader(path, sep, encoding, header, mapping, chunk_rows, None, plain=True) as reader:
        for skipped, frame in enumerate(reader):
            if skipped >= index:
                yield frame


def _is_text(column: pd.Series) -> bool:
    if isinstance(column.dtype, pd.CategoricalDtype):
        categories = column.cat.categories
        return len(categories) == 0 or is_string_dtype(categories.dtype)
    return is_string_dtype(column.dtype)


class _csv_reader:  # noqa: N801 (a context manager used like a function)
    """pandas' chunked C reader over the file (bytes counted for the progress bar), closed with its file."""

    def __init__(self, path, sep, encoding, header, mapping, chunk_rows, bar, plain: bool):
        dtypes = {str(name): (str if plain else "category") for name in header}
        dtypes.update({original: str for original, canonical in mapping.items() if canonical == "value"})
        self.raw = open(path, "rb")
        stream = io.BufferedReader(_CountingReader(self.raw, bar), buffer_size=_BLOCK)
        self.reader = pd.read_csv(
            stream, sep=sep, encoding=encoding, dtype=dtypes, keep_default_na=False, na_values=[""],
            skip_blank_lines=False, chunksize=chunk_rows, quotechar='"', engine="c",
            thousands=None if plain else _NO_NUMBER_INFERENCE,
        )

    def __enter__(self):
        return self.reader

    def __exit__(self, *exc):
        self.reader.close()
        self.raw.close()


def _cell_text(value):
    """A cell's text. Text cells are taken as typed (stripped). A number typed into a cell has no text of its
    own: an integer-valued one is written without decimals (``2`` for 2.0, ``1000`` for 1E3), any other with
    the shortest decimals that read back the same number (``1.1`` for a cell displayed ``1.10``). Codes that
    need leading or trailing zeros are typed as text (docs/import-format.md)."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def _not_a_workbook(exc: BaseException) -> str:
    return f"not a valid XLSX workbook ({type(exc).__name__}: {exc})"


def _open_workbook(path: Path):
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except _WORKBOOK_ERRORS as exc:
        raise FileFormatError(0, "", "", _not_a_workbook(exc)) from exc
    if not workbook.worksheets:
        workbook.close()
        raise FileFormatError(0, "", "", "the workbook has no worksheet")
    return workbook


def _sheet_rows(workbook) -> Iterator[tuple[int, tuple]]:
    """(line, cells) of the first sheet; a sheet that breaks off mid-way is reported at the line it reached."""
    rows = workbook.worksheets[0].iter_rows(values_only=True)
    line = 0
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except _WORKBOOK_ERRORS as exc:
            raise FileFormatError(line + 1, "", "", _not_a_workbook(exc)) from exc
        line += 1
        yield line, row


def iter_xlsx(path: Path, chunk_rows: int = DEFAULT_CHUNK_ROWS, bar=None) -> Iterator[Chunk]:
    workbook = _open_workbook(path)
    try:
        rows = _sheet_rows(workbook)
        header = next((list(row) for _, row in rows if any(c is not None and str(c).strip() for c in row)), None)
        if header is None:
            raise FileFormatError(1, "", "", "the sheet is empty (no header row)", kind="empty file")
        mapping = map_columns(header)
        positions = [header.index(original) for original in mapping]
        names = [mapping[original] for original in mapping]
        buffer, lines = [], []
        for line, row in rows:
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
