"""Dataset writes: create a dataset, import a long-format file into it (admin uploads: services/uploads.py)."""

import csv
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from geo.models import Area, CommuneAlias
from indicators.importing.readers import UNREADABLE, DEFAULT_CHUNK_ROWS, FileFormatError, is_xlsx, iter_chunks
from indicators.importing.validation import AreaTable, ErrorLog, Validator, report_text
from indicators.importing.writers import ObservationWriter, WriteFailed, observation_writer
from indicators.models import Dataset, Upload

REPORT_LIMIT = 10_000


@dataclass
class ImportResult:
    ok: bool
    report: dict
    rows: int = 0
    deleted: int = 0
    periods: list[int] = field(default_factory=list)


def dataset_create(*, code: str, name: str, level: str = "department", **fields) -> Dataset:
    dataset, _ = Dataset.objects.update_or_create(code=code, defaults={"name": name, "level": level, **fields})
    return dataset


def area_table_for(level: str) -> AreaTable:
    areas = pd.DataFrame(
        list(Area.objects.filter(territory_set__isnull=True).values_list("id", "level", "code")),
        columns=["id", "level", "code"],
    )
    aliases = pd.DataFrame(list(CommuneAlias.objects.values_list("code", "commune__code")),
                           columns=["code", "commune_code"])
    return AreaTable.build(level, areas, aliases)


_PARSER_LINE = re.compile(r"line (\d+)")


class InvalidFile(Exception):
    """Passed to the writer to abandon its stream once the file is known to be invalid."""


def _validate_into(chunks, validator: Validator, writer: ObservationWriter, errors: ErrorLog,
                   name: str) -> WriteFailed | None:
    """One streaming pass: validate each chunk; write it only while the file is still clean so far.

    After the first bad row (or a write the database refused) writing stops but validation goes on, so the
    report lists every bad row of the file; a file that cannot be read further ends the pass with one
    decisive report line. Returns the database's refusal, if any.
    """
    refused = None
    try:
        for chunk in chunks:
            clean = validator.validate(chunk.frame, chunk.lines)
            if errors.count == 0 and refused is None:
                try:
                    writer.write(clean)
                except WriteFailed as exc:
                    refused = exc
            elif errors.count:
                writer.close(InvalidFile())
    except FileFormatError as exc:
        error = dict(exc.error)
        if exc.kind == UNREADABLE:
            error["reason"] = f"{UNREADABLE} {name}: {error['reason']}"
        errors.add_decisive(error, exc.kind)
        return refused
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error, UnicodeDecodeError) as exc:
        match = _PARSER_LINE.search(str(exc))
        line = int(match.group(1)) if match else 0
        errors.add_decisive({"line": line, "column": "", "value": "", "reason": f"{UNREADABLE} {name}: {exc}"},
                            UNREADABLE)
        return refused
    validator.check_duplicates()
    if validator.rows == 0 and errors.count == 0:
        errors.add_decisive({"line": 2, "column": "", "value": "", "reason": "the file holds no data rows"},
                            "no data rows")
    return refused


def dataset_import(
    dataset: Dataset,
    path,
    *,
    upload: Upload | None = None,
    progress: bool = False,
    on_progress=None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    report_limit: int = REPORT_LIMIT,
) -> ImportResult:
    """Validate the whole file and atomically replace the dataset's observations for the file's periods.

    Rows are streamed into the table inside one transaction while the file is validated; any bad row rolls
    that transaction back, so nothing of an invalid file is ever visible or kept. A file that cannot be
    opened fails the upload with a one-line report. ``on_progress(done, total)`` is called as the file is
    read (bytes of a CSV; rows of an XLSX, whose total is None).
    """
    path = Path(path)
    name = Path(upload.original_name).name if upload is not None and upload.original_name else path.name
    try:
        total = None if is_xlsx(path) else path.stat().st_size
    except OSError as exc:
        return _unopenable(upload, name, exc)
    unit = "rows" if total is None else "B"
    bar = tqdm(total=total, unit=unit, unit_scale=True, file=sys.stderr, disable=not progress, desc=name)
    meter = bar if on_progress is None else _ProgressTee(bar, total, on_progress)
    try:
        return dataset_import_chunks(dataset, iter_chunks(path, chunk_rows, meter), upload=upload,
                                     report_limit=report_limit, name=name)
    finally:
        bar.close()


class _ProgressTee:
    """The readers' progress sink: feeds the terminal bar and a callback (an upload job's progress)."""

    def __init__(self, bar, total, callback):
        self._bar, self._total, self._callback, self._done = bar, total, callback, 0

    def update(self, count):
        self._bar.update(count)
        self._done += count
        self._callback(self._done, self._total)


def _unopenable(upload: Upload | None, name: str, exc: OSError) -> ImportResult:
    if isinstance(exc, FileNotFoundError):
        kind, reason = "file not found", f"file not found: {name}"
    else:
        kind, reason = "cannot read file", f"cannot read {name}: {exc.strerror or exc}"
    report = {"errors": [{"line": 0, "column": "", "value": "", "reason": report_text(reason, 1000)}],
              "error_count": 1, "truncated": False, "counts_by_kind": {kind: 1}, "file": report_text(name)}
    result = ImportResult(ok=False, report=report)
    _finish(upload, Upload.Status.FAILED, result)
    return result


def dataset_import_chunks(dataset: Dataset, chunks, *, upload: Upload | None = None,
                          report_limit: int = REPORT_LIMIT, name: str = "") -> ImportResult:
    """The same validation and atomic replacement for long-format chunks produced in memory.

    ``name``: the file's name, for the report (``file``) and its unreadable-file messages.
    """
    errors = ErrorLog(report_limit)
    validator = Validator(area_table_for(dataset.level), errors)
    source = {"file": report_text(name)} if name else {}
    _set_status(upload, Upload.Status.VALIDATING)
    try:
        started = time.perf_counter()
        with transaction.atomic():
            writer = _locked_writer(dataset, upload, validator)
            try:
                refused = _validate_into(chunks, validator, writer, errors, name or "(in memory)")
                streamed = time.perf_counter()
                if errors.count:
                    writer.close(InvalidFile())
                    transaction.set_rollback(True)
                else:
                    writer.close()
                    if refused is not None:
                        raise refused
            except BaseException as exc:
                writer.close(exc)
                raise
        committed = time.perf_counter()
        if errors.count:
            result = ImportResult(ok=False, report={**errors.report(), **source}, rows=validator.rows)
            _finish(upload, Upload.Status.INVALID, result)
            return result
        periods = sorted(validator.periods)
        timings = {"stream_s": round(streamed - started, 3), "finish_and_commit_s": round(committed - streamed, 3)}
        report = {**errors.report(), **source, "rows": writer.rows, "replaced": writer.deleted, "periods": periods,
                  "timings": timings}
        result = ImportResult(ok=True, report=report, rows=writer.rows, deleted=writer.deleted, periods=periods)
        _finish(upload, Upload.Status.IMPORTED, result)
        return result
    except Exception as exc:
        failure = {"errors": [{"line": 0, "column": "", "value": "", "reason": report_text(f"import failed: {exc}", 1000)}],
                   "error_count": 1, "truncated": False, "counts_by_kind": {"import failed": 1}, **source}
        _finish(upload, Upload.Status.FAILED, ImportResult(ok=False, report=failure))
        raise


def _locked_writer(dataset: Dataset, upload: Upload | None, validator: Validator) -> ObservationWriter:
    """Imports of one dataset run one at a time (row lock held until commit): two concurrent replacements
    of the same period would otherwise each delete only the rows they can see."""
    list(Dataset.objects.select_for_update().filter(pk=dataset.pk).values_list("pk", flat=True))
    return observation_writer(dataset.pk, upload.pk if upload else None, validator.vocabulary)


def _set_status(upload: Upload | None, status: str) -> None:
    if upload is not None:
        upload.status = status
        upload.save(update_fields=["status"])


def _finish(upload: Upload | None, status: str, result: ImportResult) -> None:
    if upload is None:
        return
    upload.status = status
    upload.report = result.report
    upload.row_count = result.rows
    upload.finished_at = timezone.now()
    upload.save(update_fields=["status", "report", "row_count", "finished_at"])


def format_report(report: dict, limit: int = 20) -> str:
    """The first ``limit`` report lines for a terminal, then the total count."""
    lines = [
        f"line {e['line']}, column {e['column'] or '-'}: {e['reason']} (value: {e['value']!r})"
        for e in report.get("errors", [])[:limit]
    ]
    count = report.get("error_count", 0)
    if count > len(lines):
        lines.append(f"... and {count - len(lines)} more error(s)")
    lines.append(f"{count} error(s) in total")
    return "\n".join(lines)
