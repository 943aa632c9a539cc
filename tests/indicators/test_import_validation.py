"""Every validation rule of the long-format import: the report names line, column, value and reason,
and the database is left unchanged."""

import pytest

from geo.models import Level
from indicators.models import Dataset, Observation, Upload
from indicators.services.datasets import dataset_import

from .engdata_cast import cast, commune_dataset, department_dataset, write, errors_of  # noqa: F401# noqa: F401

HEADER = "area_code,period,sex,age_band,value\n"
GOOD = "29,2019,M,0-4,10\n2A,2019,F,0-4,12\n"


@pytest.fixture
def existing(cast, department_dataset):
    """One earlier observation that a failed import must leave untouched."""
    return Observation.objects.create(
        dataset=department_dataset, area=cast["29"], period=2018, sex="T", age_band="all", value=5
    )


def assert_unchanged(existing):
    assert list(Observation.objects.values_list("id", "value")) == [(existing.id, 5.0)]


@pytest.mark.parametrize(
    ("row", "column", "value", "reason"),
    [
        ("99,2019,M,0-4,1", "area_code", "99", "unknown department code"),
        ("53,2019,M,0-4,1", "area_code", "53", "area code of level region, dataset level is department"),
        (",2019,M,0-4,1", "area_code", "", "missing area code"),
        ("29,2019,X,0-4,1", "sex", "X", "unknown sex"),
        ("29,2019,M,4-0,1", "age_band", "4-0", "unknown age band"),
        ("29,2019,M,jeunes,1", "age_band", "jeunes", "unknown age band"),
        ("29,2019,M,0-4,-3", "value", "-3", "negative value"),
        ("29,2019,M,0-4,abc", "value", "abc", "value is not a number"),
        ("29,2019,M,0-4,1_000", "value", "1_000", "value is not a number"),
        ("29,2019,M,0-4,NaN", "value", "NaN", "value is not a number"),
        ("29,2019,M,0-4,inf", "value", "inf", "value is not finite"),
        ("29,2019,M,0-4,", "value", "", "missing value"),
        ('29,2019,M,0-4,"1.234,5"', "value", "1.234,5", "ambiguous number"),
        ("29,1850,M,0-4,1", "period", "1850", "period out of range"),
        ("29,2999,M,0-4,1", "period", "2999", "period out of range"),
        ("29,19,M,0-4,1", "period", "19", "period is not a year"),
    ],
)
def test_it_reports_each_bad_row_and_writes_nothing(tmp_path, department_dataset, existing, row, column, value, reason):
    result = dataset_import(department_dataset, write(tmp_path, HEADER + GOOD + row + "\n"))
    assert not result.ok
    assert result.report["error_count"] == 1
    line, got_column, got_value, got_reason = errors_of(result)[0]
    assert (line, got_column, got_value) == (4, column, value)
    assert got_reason.startswith(reason)
    assert_unchanged(existing)


def test_it_lists_every_bad_row_not_just_the_first(tmp_path, department_dataset, existing):
    rows = "".join(f"29,{1980 + i},M,0-4,-{i + 1}\n" for i in range(30))
    result = dataset_import(department_dataset, write(tmp_path, HEADER + rows + "99,2019,T,all,1\n"))
    assert result.report["error_count"] == 31
    assert [e[0] for e in errors_of(result)] == list(range(2, 33))
    assert not result.report["truncated"]
    assert_unchanged(existing)


def test_it_truncates_the_stored_report_but_counts_everything(tmp_path, cast, department_dataset):
    rows = "".join(f"29,{1950 + i},M,0-4,x\n" for i in range(50))
    result = dataset_import(department_dataset, write(tmp_path, HEADER + rows), report_limit=10)
    assert result.report["error_count"] == 50
    assert len(result.report["errors"]) == 10 and result.report["truncated"]


def test_it_refuses_duplicate_keys_naming_both_lines(tmp_path, department_dataset, existing):
    text = HEADER + GOOD + "29,2019,H,0-4,11\n"  # H is M: same key as line 2
    result = dataset_import(department_dataset, write(tmp_path, text), chunk_rows=1)
    assert errors_of(result) == [
        (4, "area_code", "29|2019|M|0-4|", "duplicate key (area, period, sex, age_band, category) of line 2")
    ]
    assert_unchanged(existing)


def test_it_refuses_missing_columns(tmp_path, department_dataset, existing):
    result = dataset_import(department_dataset, write(tmp_path, "code,period,sex,value\n29,2019,M,1\n"))
    assert errors_of(result) == [(1, "age_band", "code, period, sex, value", "missing column(s): age_band")]
    assert_unchanged(existing)


def test_it_refuses_a_file_without_data_rows(tmp_path, department_dataset, existing):
    result = dataset_import(department_dataset, write(tmp_path, HEADER))
    assert errors_of(result) == [(2, "", "", "the file holds no data rows")]


def test_it_reports_a_ragged_line(tmp_path, department_dataset, existing):
    result = dataset_import(department_dataset, write(tmp_path, HEADER + GOOD + "29,2020,M,0-4,1,extra\n"))
    assert not result.ok
    assert result.report["errors"][0]["line"] == 4
    assert "unreadable file" in result.report["errors"][0]["reason"]
    assert_unchanged(existing)


def test_it_resolves_arrondissements_to_their_commune(tmp_path, commune_dataset, cast):
    text = HEADER + "75101,2019,T,all,100\n29019,2019,T,all,7\n"
    result = dataset_import(commune_dataset, write(tmp_path, text))
    assert result.ok, result.report
    assert dict(Observation.objects.values_list("area__code", "value")) == {"75056": 100.0, "29019": 7.0}


def test_two_arrondissements_of_one_commune_are_duplicates(tmp_path, commune_dataset, cast):
    text = HEADER + "75101,2019,T,all,100\n75102,2019,T,all,50\n"
    result = dataset_import(commune_dataset, write(tmp_path, text))
    assert errors_of(result) == [
        (3, "area_code", "75056|2019|T|all|", "duplicate key (area, period, sex, age_band, category) of line 2")
    ]
    assert not Observation.objects.exists()


def test_it_restores_leading_zeros_lost_by_spreadsheets(tmp_path, commune_dataset, cast):
    result = dataset_import(commune_dataset, write(tmp_path, HEADER + "1004,2019,T,all,3\n"))
    assert result.ok, result.report
    assert Observation.objects.get().area.code == "01004"


def test_it_refuses_a_commune_code_in_a_department_dataset(tmp_path, department_dataset, cast):
    result = dataset_import(department_dataset, write(tmp_path, HEADER + "29019,2019,T,all,3\n"))
    assert errors_of(result) == [
        (2, "area_code", "29019", "area code of level commune, dataset level is department")
    ]


def test_reimport_replaces_only_the_periods_in_the_file(tmp_path, department_dataset, cast):
    first = HEADER + "29,2018,T,all,1\n29,2019,T,all,2\n2A,2019,T,all,3\n"
    assert dataset_import(department_dataset, write(tmp_path, first, "a.csv")).ok
    other = Dataset.objects.create(code="autre", name="Autre", level=Level.DEPARTMENT)
    assert dataset_import(other, write(tmp_path, HEADER + "29,2019,T,all,9\n", "o.csv")).ok
    result = dataset_import(department_dataset, write(tmp_path, HEADER + "29,2019,T,all,20\n", "b.csv"))
    assert (result.rows, result.deleted, result.periods) == (1, 2, [2019])
    mine = Observation.objects.filter(dataset=department_dataset)
    assert sorted(mine.values_list("area__code", "period", "value")) == [("29", 2018, 1.0), ("29", 2019, 20.0)]
    assert Observation.objects.get(dataset=other).value == 9.0


def test_the_upload_records_status_report_and_rows(tmp_path, department_dataset, cast):
    upload = Upload.objects.create(dataset=department_dataset, original_name="bad.csv")
    dataset_import(department_dataset, write(tmp_path, HEADER + "99,2019,T,all,1\n"), upload=upload)
    upload.refresh_from_db()
    assert upload.status == Upload.Status.INVALID and upload.finished_at is not None
    assert upload.report["errors"][0]["value"] == "99"
    good = Upload.objects.create(dataset=department_dataset, original_name="good.csv")
    dataset_import(department_dataset, write(tmp_path, HEADER + GOOD, "g.csv"), upload=good)
    good.refresh_from_db()
    assert (good.status, good.row_count) == (Upload.Status.IMPORTED, 2)
    assert set(Observation.objects.values_list("upload_id", flat=True)) == {good.id}
