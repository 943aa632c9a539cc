"""Published value rows (``indicators.selectors.values.public_row``) as JSON objects, CSV text and GeoJSON
features. Formatting only: the rows are already disclosure-safe.

CSV: UTF-8 with a BOM (Excel otherwise reads it as Windows-1252), CRLF line ends; the default dialect uses
``,`` and ``.``; ``excel-fr`` uses ``;`` and a decimal comma, as French Excel expects.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator

from config.api_csv import BOM, DIALECTS, csv_writer, number as _number
from indicators.selectors.values import NAMES, IndicatorInfo, value_note

VALUE_CSV_COLUMNS = [
    "indicator_code", "indicator_label", "area_code", "area_name", "area_level", "parent_code", "parent_name",
    "period", "sex", "value", "lower_ci_95", "upper_ci_95", "lower_ci_99_8", "upper_ci_99_8", "numerator",
    "denominator", "unit", "note", "compared_to_parent", "compared_to_france", "release",
]
CSV_CHUNK_ROWS = 2000
_I = {name: i for i, name in enumerate(NAMES)}
_NUMBERS = [_I[n] for n in ("value", "lower_ci_95", "upper_ci_95", "lower_ci_99_8", "upper_ci_99_8",
                            "numerator", "denominator")]
dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def value_object(row: list, info: IndicatorInfo, language: str) -> dict:
    return {
        "indicator": info.code, "indicator_label": info.label(language),
        "area_code": row[_I["area_code"]], "area_name": row[_I["area_name"]], "area_level": row[_I["area_level"]],
        "parent_code": row[_I["parent_code"]], "parent_name": row[_I["parent_name"]],
        "period": row[_I["period"]], "sex": row[_I["sex"]],
        "value": row[_I["value"]], "lower_ci_95": row[_I["lower_ci_95"]], "upper_ci_95": row[_I["upper_ci_95"]],
        "lower_ci_99_8": row[_I["lower_ci_99_8"]], "upper_ci_99_8": row[_I["upper_ci_99_8"]],
        "numerator": row[_I["numerator"]], "denominator": row[_I["denominator"]], "unit": info.unit,
        "flags": {
            "suppressed": row[_I["suppressed"]], "suppression": row[_I["suppression"]],
            "masked_at_source": row[_I["suppression"]] == "masked_at_source",
            "unreliable": row[_I["unreliable"]], "not_computable": row[_I["not_computable"]],
            "simulated": info.simulated,
        },
        "compared_to_parent": row[_I["compared_to_parent"]], "compared_to_france": row[_I["compared_to_france"]],
        "quantile": row[_I["quantile"]], "map_class": row[_I["map_class"]], "release": row[_I["release"]],
    }


def value_csv_record(row: list, info: IndicatorInfo, language: str, decimal_comma: bool) -> list:
    record = [info.code, info.label(language), row[_I["area_code"]], row[_I["area_name"]], row[_I["area_level"]],
              row[_I["parent_code"]] or "", row[_I["parent_name"]] or "", row[_I["period"]], row[_I["sex"]]]
    record += [_number(row[i], decimal_comma) for i in _NUMBERS]
    record += [info.unit, value_note(row, info.simulated), row[_I["compared_to_parent"]] or "",
               row[_I["compared_to_france"]] or "", row[_I["release"]]]
    return record


def value_csv_chunks(rows: Iterable[list], infos: dict[int, IndicatorInfo], language: str,
                     dialect: str) -> Iterator[bytes]:
    """The values CSV in chunks of CSV_CHUNK_ROWS rows: constant memory whatever the number of rows."""
    decimal_comma = dialect == "excel-fr"
    buffer = io.StringIO()
    writer = csv_writer(buffer, dialect)
    buffer.write(BOM)
    writer.writerow(VALUE_CSV_COLUMNS)
    pending = 0
    for row in rows:
        writer.writerow(value_csv_record(row, infos[row[0]], language, decimal_comma))
        pending += 1
        if pending == CSV_CHUNK_ROWS:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield buffer.getvalue().encode()


def geojson_properties(row: list | None, info: IndicatorInfo, language: str) -> dict:
    """A feature's value properties; an area without a value gets nulls (drawn as 'no data')."""
    if row is None:
        return {"indicator": info.code, "period": None, "sex": None, "value": None, "lower_ci_95": None,
                "upper_ci_95": None, "lower_ci_99_8": None, "upper_ci_99_8": None, "numerator": None,
                "denominator": None, "suppressed": False, "suppression": None, "unreliable": False,
                "not_computable": False, "simulated": info.simulated, "compared_to_parent": None,
                "compared_to_france": None, "quantile": None, "map_class": None, "release": None, "note": ""}
    obj = value_object(row, info, language)
    flags = obj.pop("flags")
    for name in ("indicator_label", "area_code", "area_name", "area_level", "parent_code", "parent_name", "unit"):
        obj.pop(name)
    flags.pop("masked_at_source")
    obj.update(flags)
    obj["note"] = value_note(row, info.simulated)
    return obj
