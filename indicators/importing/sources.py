"""What the readers of the published source files share (pandas, no Django import).

The readers (``cnam_ald``, ``spf_covid``, ``insee_deaths``) each know one publisher's layout; this module
holds the checks they all make before returning anything: the exact header, every line complete, every
code and number as the publisher writes it, every department present once. A file that fails any of them
raises the import's FileFormatError, whose message names the file, the line (header = line 1, as a
spreadsheet shows it) and the field; nothing of the file is returned.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from .insee_population import DEPARTMENT
from .readers import FileFormatError, csv_encoding

COLUMNS = ["area_code", "period", "sex", "age_band", "category", "value", "line"]
# The 101 departments, the codes every reader must find (a truncated file loses the last ones).
DEPARTMENTS = tuple(
    [f"{n:02d}" for n in range(1, 96) if n != 20] + ["2A", "2B", "971", "972", "973", "974", "976"]
)
# Collectivités d'outre-mer: Saint-Pierre-et-Miquelon, Saint-Barthélemy, Saint-Martin, Wallis-et-Futuna,
# French Polynesia, New Caledonia. Not departments: reported as skipped, never silently dropped.
COM = {"975": "Saint-Pierre-et-Miquelon", "977": "Saint-Barthélemy", "978": "Saint-Martin",
       "986": "Wallis-et-Futuna", "987": "Polynésie française", "988": "Nouvelle-Calédonie"}
SOURCE_ERROR = "invalid source file"
INTEGER = r"\d+"
DECIMAL = r"\d+(?:\.\d+)?"


def source_error(path: Path, line: int, field: str, value, reason: str) -> FileFormatError:
    """The import's error for a published file, its message naming file, line and field.

    ``path``: the file, or a label such as ``"file.xls, sheet Name"`` (Excel forbids ``/`` in sheet names).
    """
    shown = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    message = f"{Path(path).name} line {line}, field {field}: {reason}"
    if shown:
        message += f" (found {shown[:80]!r})"
    error = FileFormatError(int(line), field, shown, message, kind=SOURCE_ERROR)
    error.file = Path(path).name
    return error


def read_source_csv(path: Path, header: list[str], sep: str) -> pd.DataFrame:
    """Every cell of a published CSV as text, plus ``line``; refuses any departure from the layout.

    The encoding goes through the import's detection (UTF-8, else Windows-1252; UTF-16 and binary files are
    refused at the line of their first bad byte). A file that does not end with a line break was cut mid-line.
    """
    path = Path(path)
    try:
        encoding = csv_encoding(path)
    except FileFormatError as exc:
        raise source_error(path, exc.error["line"], "(encoding)", None, exc.error["reason"]) from exc
    text = path.read_bytes()
    if not text.strip():
        raise source_error(path, 1, "(header)", None, "the file is empty")
    found = _header(path, encoding, sep)
    _check_header(path, found, header)
    if not text.endswith(b"\n"):
        raise source_error(path, text.count(b"\n") + 1, header[-1], None,
                           "the last line has no line break: the file was cut (truncated download?)")
    try:
        table = pd.read_csv(path, sep=sep, encoding=encoding, dtype=str, keep_default_na=False, na_values=[],
                            quotechar='"', engine="c")
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        line = re.search(r"line (\d+)", str(exc))
        raise source_error(path, int(line.group(1)) if line else 0, "(extra field)", None,
                           f"not {len(header)} fields separated by {sep!r}: {exc}") from exc
    table = table.assign(line=pd.RangeIndex(2, len(table) + 2))
    short = table[header].isna()
    if short.any().any():
        row = int(short.any(axis=1).to_numpy().argmax())
        field = header[int(short.iloc[row].to_numpy().argmax())]
        raise source_error(path, table["line"].iloc[row], field, None,
                           f"missing field: the line has fewer than {len(header)} fields (truncated?)")
    return table


def _header(path: Path, encoding: str, sep: str) -> list[str]:
    with open(path, encoding=encoding, newline="") as handle:
        first = handle.readline().rstrip("\r\n")
    return [cell.strip().strip('"') for cell in first.split(sep)]


def _check_header(path: Path, found: list[str], expected: list[str]) -> None:
    for position, name in enumerate(expected):
        if position >= len(found) or found[position] != name:
            got = found[position] if position < len(found) else "(nothing)"
            raise source_error(path, 1, name, got, f"header column {position + 1} must be {name!r}: the "
                                                   "publisher's layout changed, this reader must be checked")
    if len(found) > len(expected):
        raise source_error(path, 1, found[len(expected)], found[len(expected)],
                           f"unexpected header column {len(expected) + 1} (expected {len(expected)} columns)")


def check_cells(path: Path, table: pd.DataFrame, columns: list[str], pattern: str, what: str) -> None:
    """Every cell of ``columns`` matches ``pattern`` in full, else an error at the first bad one (file order)."""
    bad = ~table[columns].apply(lambda column: column.str.fullmatch(pattern)).fillna(False).astype(bool)
    if bad.any().any():
        row = int(bad.any(axis=1).to_numpy().argmax())
        field = columns[int(bad.iloc[row].to_numpy().argmax())]
        raise source_error(path, table["line"].iloc[row], field, table[field].iloc[row], f"not {what}")


def first_error(path: Path, table: pd.DataFrame, mask, field: str, reason: str) -> None:
    """Raise at the first row where ``mask`` holds (a boolean Series or array aligned with ``table``)."""
    mask = pd.Series(mask, index=table.index).fillna(False).astype(bool).to_numpy()
    if mask.any():
        row = int(mask.argmax())
        raise source_error(path, table["line"].iloc[row], field, table[field].iloc[row] if field in table else
                           None, reason)


def split_departments(path: Path, table: pd.DataFrame, field: str, codes: pd.Series | None = None
                      ) -> tuple[pd.Series, list[dict]]:
    """(mask of department rows, skipped COM rows). Any other code is an error; so is a missing department.

    ``codes``: the rows' codes once read (default: the column ``field`` as written).
    """
    codes = table[field] if codes is None else codes
    department = codes.str.fullmatch(DEPARTMENT.pattern).fillna(False).astype(bool)
    com = codes.isin(list(COM))
    first_error(path, table, ~department & ~com, field,
                "not a department code (01-95, 2A, 2B, 971-976) nor a collectivité d'outre-mer (975, 977, 978...)")
    missing = sorted(set(DEPARTMENTS) - set(codes[department]))
    if missing:
        raise source_error(path, int(table["line"].iloc[-1]), field, None,
                           f"department(s) {', '.join(missing[:5])} missing: the file looks truncated")
    skipped = [
        {"line": int(line), "value": str(value),
         "reason": f"collectivité d'outre-mer ({COM[code]}), not a department: not imported"}
        for line, value, code in zip(table.loc[com, "line"], table.loc[com, field], codes[com])
    ]
    return department, skipped


def check_unique(path: Path, table: pd.DataFrame, keys: list[str], field: str) -> None:
    """No two rows share ``keys`` (a repeated row would be counted twice in a sum)."""
    repeated = table.duplicated(keys, keep="first")
    first_error(path, table, repeated, field, f"repeats the ({', '.join(keys)}) of an earlier line")


def check_complete(path: Path, table: pd.DataFrame, group: list[str], field: str, expected: int) -> None:
    """Each ``group`` has ``expected`` rows (a rectangle: a file cut at a line break loses the last ones)."""
    sizes = table.groupby(group, sort=False)["line"].transform("size")
    first_error(path, table, sizes.ne(expected), field,
                f"this {'/'.join(group)} has fewer rows than the others ({expected}): the file looks truncated")
