"""Files as people really produce them: French Excel CSV (Latin-1, ';', decimal comma), UTF-8 with BOM,
quoted fields, XLSX; the import_dataset command; the COPY path on PostgreSQL and the batch path on SQLite."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from openpyxl import Workbook

from indicators.importing import writers
from indicators.models import Dataset, Observation

from .engdata_cast import cast, department_dataset  # noqa: F401


def observed():
    return sorted(Observation.objects.values_list("area__code", "period", "sex", "age_band", "category", "value"))


def test_it_reads_french_excel_csv_latin1_semicolon_decimal_comma(tmp_path, department_dataset, cast):
    path = tmp_path / "excel.csv"
    text = "Département;Année;Sexe;Tranche d'âge;Catégorie;Valeur\n29;2019;Hommes;0-4;Médecin généraliste;1 234,5\n"
    path.write_bytes(text.encode("latin-1"))
    result = call_import(department_dataset, path)
    assert result.ok, result.report
    assert observed() == [("29", 2019, "M", "0-4", "Médecin généraliste", 1234.5)]


def test_it_reads_utf8_with_bom_comma_separated_quoted_fields(tmp_path, department_dataset, cast):
    path = tmp_path / "bom.csv"
    text = '\ufeffcode,year,sex,age,category,value\n"2A","2020","F","95 +","a, b","3.5"\n976,2020,2,all,,"4,25"\n'
    path.write_bytes(text.encode("utf-8"))
    result = call_import(department_dataset, path)
    assert result.ok, result.report
    assert observed() == [("2A", 2020, "F", "95+", "a, b", 3.5), ("976", 2020, "F", "all", "", 4.25)]


def test_it_reads_tab_separated_files(tmp_path, department_dataset, cast):
    path = tmp_path / "tabs.tsv"
    path.write_text("area_code\tperiod\tsex\tage_band\tvalue\n29\t2019\tT\tall\t8\n")
    assert call_import(department_dataset, path).ok
    assert observed() == [("29", 2019, "T", "all", "", 8.0)]


def test_it_reads_xlsx_with_codes_stored_as_numbers(tmp_path, department_dataset, cast):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Titre libre au-dessus du tableau"])
    sheet.append([])
    workbook.active.delete_rows(1, 2)
    sheet.append(["code", "annee", "sexe", "age", "valeur"])
    sheet.append([29, 2019, "F", "85-89", 12.5])
    sheet.append(["2A", 2019.0, "T", "all", 7])
    sheet.append(["976", 2019, "H", "0", -1])
    path = tmp_path / "data.xlsx"
    workbook.save(path)
    bad = call_import(department_dataset, path)
    assert [(e["line"], e["column"], e["value"]) for e in bad.report["errors"]] == [(4, "value", "-1")]
    sheet.delete_rows(4)
    workbook.save(path)
    good = call_import(department_dataset, path)
    assert good.ok, good.report
    assert observed() == [("29", 2019, "F", "85-89", "", 12.5), ("2A", 2019, "T", "all", "", 7.0)]


def call_import(dataset, path):
    from indicators.services.datasets import dataset_import

    return dataset_import(dataset, path)


def test_the_command_creates_the_dataset_and_imports(tmp_path, cast, capsys):
    path = tmp_path / "ok.csv"
    path.write_text("area_code,period,sex,age_band,value\n29,2019,T,all,10\n")
    call_command("import_dataset", "medecins", str(path), "--create", "--name", "Médecins", "--level", "department",
                 "--publisher", "DREES", "--no-progress")
    assert Dataset.objects.get(code="medecins").publisher == "DREES"
    assert "1 observation(s) imported for period(s) 2019" in capsys.readouterr().out
    assert observed() == [("29", 2019, "T", "all", "", 10.0)]


def test_the_command_prints_the_report_and_fails_on_a_bad_file(tmp_path, department_dataset, cast, capsys):
    path = tmp_path / "bad.csv"
    rows = "".join(f"99,2019,T,{a}-{a},1\n" for a in range(25))
    path.write_text("area_code,period,sex,age_band,value\n" + rows)
    with pytest.raises(CommandError, match="25 error"):
        call_command("import_dataset", "deces", str(path), "--show", "3", "--no-progress")
    err = capsys.readouterr().err
    assert "line 2, column area_code: unknown department code (value: '99')" in err
    assert "... and 22 more error(s)" in err
    assert not Observation.objects.exists()


def test_the_command_refuses_an_unknown_dataset(tmp_path, db):
    with pytest.raises(CommandError, match="unknown dataset"):
        call_command("import_dataset", "nope", str(tmp_path / "x.csv"))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY path: PostgreSQL only")
def test_on_postgresql_rows_are_streamed_with_copy(tmp_path, department_dataset, cast, monkeypatch):
    calls = []
    real_insert = writers.CopyWriter._insert

    def counting_insert(self, clean):
        calls.append(len(clean))
        real_insert(self, clean)

    monkeypatch.setattr(writers.CopyWriter, "_insert", counting_insert)
    monkeypatch.setattr(writers.ObservationWriter, "_insert", lambda self, clean: pytest.fail("batch path used"))
    path = tmp_path / "many.csv"
    rows = "".join(f"{code},{year},{sex},{a}-{a + 4},{a * 1.5}\n" for code in ("29", "2A", "976")
                   for year in range(2010, 2020) for sex in "MF" for a in range(0, 95, 5))
    path.write_text("area_code,period,sex,age_band,value\n" + rows)
    result = call_import_chunked(department_dataset, path, chunk_rows=250)
    assert result.ok and result.rows == 1140
    assert sum(calls) == 1140 and len(calls) == 5
    assert Observation.objects.filter(age_band="90-94").count() == 60
    assert Observation.objects.get(area__code="2A", period=2012, sex="F", age_band="90-94").value == 135.0


@pytest.mark.skipif(connection.vendor != "sqlite", reason="batch path: SQLite only")
def test_on_sqlite_rows_are_written_in_batches(tmp_path, department_dataset, cast, monkeypatch):
    monkeypatch.setattr(writers, "SQLITE_BATCH", 7)
    path = tmp_path / "many.csv"
    rows = "".join(f"29,{year},T,all,{year}\n" for year in range(1990, 2020))
    path.write_text("area_code,period,sex,age_band,value\n" + rows)
    result = call_import_chunked(department_dataset, path, chunk_rows=8)
    assert result.ok and result.rows == 30
    assert sorted(Observation.objects.values_list("value", flat=True)) == [float(y) for y in range(1990, 2020)]


def call_import_chunked(dataset, path, chunk_rows):
    from indicators.services.datasets import dataset_import

    return dataset_import(dataset, path, chunk_rows=chunk_rows)
