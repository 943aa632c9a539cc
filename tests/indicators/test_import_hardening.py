"""Files that used to raise a traceback (broken XLSX, NUL bytes, UTF-16, thousands of distinct codes, a missing
file) get a report naming file, line and field; nothing is written and the upload row ends with its report.
Reports are capped, counted per kind, and always show the decisive "unreadable file" error."""

import io
import zipfile

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from indicators.importing import validation
from indicators.models import Observation, Upload
from indicators.services.datasets import dataset_import

from .engdata_cast import cast, department_dataset, errors_of  # noqa: F401# noqa: F401

HEADER = "area_code,period,sex,age_band,category,value\n"
GOOD = "29,2019,T,all,,1\n2A,2019,T,all,,2\n"


@pytest.fixture
def existing(cast, department_dataset):
    return Observation.objects.create(dataset=department_dataset, area=cast["976"], period=2018, sex="T",
                                      age_band="all", value=5)


def import_as_upload(dataset, path, name=None, **options):
    upload = Upload.objects.create(dataset=dataset, original_name=name or path.name)
    result = dataset_import(dataset, path, upload=upload, **options)
    upload.refresh_from_db()
    return result, upload


def assert_refused_and_stored(result, upload, existing, status=Upload.Status.INVALID):
    assert not result.ok
    assert upload.status == status and upload.finished_at is not None
    assert upload.report["errors"] == result.report["errors"] and upload.report["error_count"] >= 1
    assert list(Observation.objects.values_list("id", flat=True)) == [existing.id]


def workbook_bytes() -> bytes:
    workbook = Workbook()
    workbook.active.append(["code", "annee", "sexe", "age", "valeur"])
    for year in range(1990, 2020):
        workbook.active.append([29, year, "T", "all", year])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def zip_without_workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("data.csv", HEADER + GOOD)
    return buffer.getvalue()


BROKEN_XLSX = {
    "truncated": lambda: workbook_bytes()[:1500],
    "fake": lambda: b"PK\x03\x04" + b"not really a zip archive" * 40,
    "zip without a workbook": zip_without_workbook,
}


@pytest.mark.parametrize("case", list(BROKEN_XLSX))
def test_a_broken_xlsx_gets_a_report_not_a_traceback(tmp_path, department_dataset, existing, case):
    path = tmp_path / "donnees.xlsx"
    path.write_bytes(BROKEN_XLSX[case]())
    result, upload = import_as_upload(department_dataset, path)
    assert_refused_and_stored(result, upload, existing)
    [(line, column, value, reason)] = errors_of(result)
    assert reason.startswith("unreadable file donnees.xlsx: not a valid XLSX workbook")
    assert result.report["file"] == "donnees.xlsx"


def test_a_file_with_a_nul_byte_is_refused_at_its_line(tmp_path, department_dataset, existing):
    path = tmp_path / "nul.csv"
    path.write_bytes((HEADER + GOOD).encode() + b"29,2020,T,all,a\x00b,1\n")
    result, upload = import_as_upload(department_dataset, path)
    assert_refused_and_stored(result, upload, existing)
    [(line, column, value, reason)] = errors_of(result)
    assert line == 4 and "NUL byte" in reason and "nul.csv" in reason


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_utf16_file_is_refused_and_its_report_is_stored(tmp_path, department_dataset, existing, encoding):
    path = tmp_path / "unicode.txt"
    path.write_bytes((HEADER + GOOD).replace(",", "\t").encode(encoding))
    result, upload = import_as_upload(department_dataset, path)
    assert_refused_and_stored(result, upload, existing)
    [(line, column, value, reason)] = errors_of(result)
    assert line == 1 and "UTF-16" in reason and "UTF-8" in reason


def test_report_cells_are_cut_and_cleaned_of_control_characters(tmp_path, department_dataset, existing):
    long_cell = "x" * 300
    text = HEADER + f"29,2019,T,all,{long_cell},1\n" + "29,2019,T,\x01\x7f\x9fbad,,1\n"
    result, upload = import_as_upload(department_dataset, write(tmp_path, text))
    assert_refused_and_stored(result, upload, existing)
    [too_long, control] = result.report["errors"]
    assert too_long["value"] == "x" * 200 + "…" and too_long["reason"] == "category longer than 64 characters"
    assert control["value"] == "\ufffd\ufffd\ufffdbad"


def write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_five_thousand_distinct_age_bands_import(tmp_path, department_dataset, cast):
    bands = [f"{lo}-{hi}" for lo in range(0, 120) for hi in range(lo + 1, 121)][:5000]
    rows = "".join(f"29,2019,T,{band},,1\n" for band in bands)
    result = dataset_import(department_dataset, write(tmp_path, HEADER + rows), chunk_rows=1500)
    assert result.ok, result.report["errors"][:3]
    assert Observation.objects.count() == 5000
    assert Observation.objects.filter(age_band=bands[-1]).exists() and bands[-1] == "53-71"


def test_a_hundred_thousand_distinct_categories_import(tmp_path, department_dataset, cast):
    bands = ["all"] + [f"{a}-{a + 4}" for a in range(0, 95, 5)]
    rows = "".join(f"{'29' if i % 2 else '2A'},2019,{'MF'[i % 3 % 2]},{bands[i % 20]},cat-{i:06d},{i}\n"
                   for i in range(100_000))
    result = dataset_import(department_dataset, write(tmp_path, HEADER + rows), chunk_rows=30_000)
    assert result.ok, result.report["errors"][:3]
    assert Observation.objects.count() == 100_000
    assert Observation.objects.get(category="cat-099999").value == 99999.0


def test_more_categories_than_the_key_can_hold_are_refused_clearly(tmp_path, department_dataset, cast, monkeypatch):
    monkeypatch.setattr(validation, "category_bits", lambda area_count: 10)
    rows = "".join(f"29,2019,T,all,c{i},1\n" for i in range(1100))
    result, upload = import_as_upload(department_dataset, write(tmp_path, HEADER + rows))
    assert not result.ok and not Observation.objects.exists()
    [(line, column, value, reason)] = errors_of(result)
    assert (line, column, value) == (1026, "category", "c1024")
    assert reason == "more than 1,024 distinct categories: the import cannot hold more (the rest was not checked)"
    assert upload.status == Upload.Status.INVALID


def test_a_missing_file_fails_the_upload_with_a_report(tmp_path, department_dataset, existing):
    result, upload = import_as_upload(department_dataset, tmp_path / "absent.csv")
    assert_refused_and_stored(result, upload, existing, status=Upload.Status.FAILED)
    assert errors_of(result) == [(0, "", "", "file not found: absent.csv")]


def test_the_command_reports_a_missing_file_and_leaves_no_pending_upload(tmp_path, department_dataset, existing,
                                                                          capsys):
    with pytest.raises(CommandError, match="1 error"):
        call_command("import_dataset", "deces", str(tmp_path / "absent.csv"), "--no-progress")
    assert "file not found: absent.csv" in capsys.readouterr().err
    assert list(Upload.objects.values_list("status", flat=True)) == [Upload.Status.FAILED]


def test_the_command_reports_a_broken_xlsx(tmp_path, department_dataset, existing, capsys):
    path = tmp_path / "cassé.xlsx"
    path.write_bytes(workbook_bytes()[:2000])
    with pytest.raises(CommandError, match="1 error"):
        call_command("import_dataset", "deces", str(path), "--no-progress")
    assert "unreadable file cassé.xlsx" in capsys.readouterr().err
    assert list(Upload.objects.values_list("status", flat=True)) == [Upload.Status.INVALID]


def test_the_report_counts_errors_per_kind(tmp_path, department_dataset, existing):
    rows = "".join(f"99,{1990 + i},T,all,,1\n" for i in range(25)) + "29,2019,T,all,,-1\n29,2018,T,all,,-2\n"
    result = dataset_import(department_dataset, write(tmp_path, HEADER + rows), report_limit=10)
    assert result.report["counts_by_kind"] == {"unknown department code": 25, "negative value": 2}
    assert (result.report["error_count"], len(result.report["errors"]), result.report["truncated"]) == (27, 10, True)


def test_the_unreadable_file_error_is_shown_even_after_ten_thousand_other_errors(tmp_path, department_dataset,
                                                                                   existing):
    rows = "".join(f"99,2019,T,{a % 100}-{a % 100},c{a // 100},1\n" for a in range(12_000))
    text = HEADER + rows + "29,2019,T,all,,1,one field too many\n"
    # Chunks of 2,000 rows: six are validated (12,000 errors) before the parser meets the bad line.
    result, upload = import_as_upload(department_dataset, write(tmp_path, text, "gros.csv"), chunk_rows=2000)
    assert_refused_and_stored(result, upload, existing)
    report = result.report
    assert report["error_count"] == 12_001 and report["truncated"] and len(report["errors"]) == 10_001
    first = report["errors"][0]
    assert first["line"] == 12_002 and first["reason"].startswith("unreadable file gros.csv")
    assert report["counts_by_kind"] == {"unknown department code": 12_000, "unreadable file": 1}
