"""Code columns (area, category, sex, age band) are the file's own text, in CSV and XLSX; Windows-1252 files keep
their characters; cells a spreadsheet would run as formulas are refused (docs/adr/0012)."""

import csv
import io

import pytest
from openpyxl import Workbook

from indicators.formulas import csv_safe_cell, looks_like_formula
from indicators.models import Observation, Upload
from indicators.services.datasets import dataset_import

from .engdata_cast import cast, department_dataset, write, errors_of  # noqa: F401# noqa: F401

HEADER = "area_code,period,sex,age_band,category,value\n"


def categories():
    return sorted(Observation.objects.values_list("category", flat=True))


def test_numeric_looking_categories_are_stored_as_the_files_text(tmp_path, department_dataset, cast):
    rows = "".join(f"29,2019,T,all,{c},1\n" for c in ("01", "1.10", "2", "1e3", "2.0"))
    result = dataset_import(department_dataset, write(tmp_path, HEADER + rows))
    assert result.ok, result.report
    assert categories() == ["01", "1.10", "1e3", "2", "2.0"]


def test_numeric_looking_categories_keep_their_text_across_chunks(tmp_path, department_dataset, cast):
    rows = "".join(f"{a},2019,T,all,{c},1\n" for a in ("29", "2A") for c in ("007", "7", "7.0"))
    result = dataset_import(department_dataset, write(tmp_path, HEADER + rows), chunk_rows=2)
    assert result.ok, result.report
    assert categories() == ["007", "007", "7", "7", "7.0", "7.0"]


def test_error_reports_show_the_files_own_text(tmp_path, department_dataset, cast):
    # All-numeric columns used to be inferred as floats: 99 came back as "99.0", 0-padded sexes lost their zero.
    text = "area_code,period,sex,age_band,value\n29,2019,1,all,1\n99,2019,2,all,1\n1.50,2019,01,all,1\n"
    result = dataset_import(department_dataset, write(tmp_path, text))
    assert [(e[0], e[1], e[2]) for e in errors_of(result)] == [
        (3, "area_code", "99"), (4, "area_code", "1.50"), (4, "sex", "01")]


def test_xlsx_numeric_cells_become_integers_without_point_zero_and_text_cells_stay_verbatim(
    tmp_path, department_dataset, cast
):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["code", "annee", "sexe", "age", "categorie", "valeur"])
    for sex, category in zip("MFT", ["01", 2.0, 1000.0]):
        sheet.append([29, 2019, sex, "all", category, 1])
    for sex, category in zip("MFT", ["1.10", 1.1, 7]):
        sheet.append(["2A", 2019, sex, "all", category, 1])
    path = tmp_path / "codes.xlsx"
    workbook.save(path)
    result = dataset_import(department_dataset, path)
    assert result.ok, result.report
    assert categories() == ["01", "1.1", "1.10", "1000", "2", "7"]


def test_a_windows_1252_file_keeps_oe_curly_apostrophe_and_euro(tmp_path, department_dataset, cast):
    text = HEADER + "29,2019,T,all,Sœur’s 5 €,1\n2A,2019,T,all,Médecin généraliste,2\n"
    result = dataset_import(department_dataset, write(tmp_path, text, encoding="cp1252"))
    assert result.ok, result.report
    assert categories() == ["Médecin généraliste", "Sœur’s 5 €"]


@pytest.mark.parametrize("byte", [b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d"])
def test_bytes_that_are_neither_utf8_nor_windows_1252_are_refused_naming_file_and_line(
    tmp_path, department_dataset, cast, byte
):
    path = tmp_path / "mixed.csv"
    path.write_bytes(HEADER.encode() + b"29,2019,T,all,caf\xe9,1\n2A,2019,T,all,x" + byte + b"y,1\n")
    upload = Upload.objects.create(dataset=department_dataset, original_name="mixed.csv")
    result = dataset_import(department_dataset, path, upload=upload)
    assert not result.ok
    [(line, column, value, reason)] = errors_of(result)
    assert line == 3
    assert f"0x{byte.hex()}" in reason and "mixed.csv" in reason and "Windows-1252" in reason
    assert not Observation.objects.exists()
    upload.refresh_from_db()
    assert upload.status == Upload.Status.INVALID and upload.report["errors"][0]["line"] == 3


FORMULAS = ["=1+2", "=HYPERLINK(\"http://x\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", "=5", "+33 6 12"]


@pytest.mark.parametrize("cell", FORMULAS)
@pytest.mark.parametrize("column", ["category", "area_code", "sex", "age_band"])
def test_formula_looking_cells_are_refused_in_code_columns(tmp_path, department_dataset, cast, cell, column):
    row = {"area_code": "29", "period": "2019", "sex": "T", "age_band": "all", "category": "x", "value": "1"}
    row[column] = cell
    line = io.StringIO()
    csv.writer(line, lineterminator="\n").writerow(row.values())
    result = dataset_import(department_dataset, write(tmp_path, HEADER + "2A,2019,T,all,x,1\n" + line.getvalue()))
    assert errors_of(result) == [(3, column, cell, "looks like a spreadsheet formula")]
    assert result.report["counts_by_kind"] == {"looks like a spreadsheet formula": 1}
    assert not Observation.objects.exists()


def test_signed_numbers_and_lone_signs_are_not_formulas(tmp_path, department_dataset, cast):
    rows = "".join(f"29,2019,T,all,{c},1\n" for c in ("-5", "+3.5", "-", "a=b", "e-mail"))
    result = dataset_import(department_dataset, write(tmp_path, HEADER + rows))
    assert result.ok, result.report
    assert categories() == ["+3.5", "-", "-5", "a=b", "e-mail"]


def test_a_negative_number_in_the_value_column_is_a_negative_value_not_a_formula(tmp_path, department_dataset, cast):
    result = dataset_import(department_dataset, write(tmp_path, HEADER + "29,2019,T,all,,-4\n"))
    assert errors_of(result) == [(2, "value", "-4", "negative value")]


@pytest.mark.parametrize(
    ("cell", "safe"),
    [("=1+2", "'=1+2"), ("+cmd", "'+cmd"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"),
     ("\r=1", "'\r=1"), ("-5", "-5"), ("+3.5", "+3.5"), ("-", "-"), ("Finistère", "Finistère"), ("", ""),
     (None, None), (-4.5, -4.5), (12, 12)],
)
def test_csv_safe_cell_neutralises_formulas_only(cell, safe):
    assert csv_safe_cell(cell) == safe


def test_looks_like_formula_matches_the_import_rule():
    assert [looks_like_formula(c) for c in ("=x", "@x", "-x", "+x", "-1.5", "-", "x=")] == [
        True, True, True, True, False, False, False]


def test_a_chunk_of_true_false_categories_keeps_its_spelling(tmp_path, department_dataset, cast):
    # pandas turns a categorical chunk holding only true/false spellings into booleans: it is read again as text.
    rows = "29,2019,T,all,TRUE,1\n2A,2019,T,all,false,1\n976,2019,T,all,autre,1\n"
    result = dataset_import(department_dataset, write(tmp_path, HEADER + rows), chunk_rows=2)
    assert result.ok, result.report
    assert categories() == ["TRUE", "autre", "false"]
