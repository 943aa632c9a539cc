"""CSV bodies shared by the API's formats: UTF-8 with a BOM (Excel otherwise reads Windows-1252), CRLF,
and two dialects: default (``,`` and ``.``) and ``excel-fr`` (``;`` and a decimal comma, as French Excel
expects)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

BOM = "\ufeff"
DIALECTS = ("default", "excel-fr")


def number(x, decimal_comma: bool) -> str:
    if x is None:
        return ""
    text = str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else repr(float(x))
    return text.replace(".", ",") if decimal_comma else text


def csv_writer(buffer, dialect: str):
    return csv.writer(buffer, delimiter=";" if dialect == "excel-fr" else ",", lineterminator="\r\n")


def table_csv(columns: list[str], records: Iterable[list], dialect: str) -> bytes:
    """A small CSV (areas, indicators) in one piece, same BOM and dialects as the values CSV."""
    decimal_comma = dialect == "excel-fr"
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv_writer(buffer, dialect)
    writer.writerow(columns)
    for record in records:
        writer.writerow([number(v, decimal_comma) if isinstance(v, float) else ("" if v is None else v)
                         for v in record])
    return buffer.getvalue().encode()


__all__ = ["BOM", "DIALECTS", "csv_writer", "number", "table_csv"]
