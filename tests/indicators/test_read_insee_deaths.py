"""INSEE daily deaths read from DATA_DIR; expected values read by hand from the raw cumulative lines."""

import pytest

from indicators.importing.insee_deaths import INSEE_DEATHS, read_insee_deaths
from indicators.importing.sources import COLUMNS, DEPARTMENTS

from .source_copies import assert_names, copy, line_of, refusal, reencoded, replaced, truncated


@pytest.fixture(scope="module")
def source(data_dir):
    return data_dir / INSEE_DEATHS


@pytest.fixture(scope="module")
def deaths(source):
    return read_insee_deaths(source)


def value(frame, area, year, category) -> str:
    rows = frame.query("area_code == @area and period == @year and category == @category")
    assert len(rows) == 1
    return rows["value"].iloc[0]


def test_finistere_march_is_the_cumulative_count_at_31_march(deaths):
    # "31-mars","Dept_29",908,955,852,890,1064,1117: Total_deces_2020 is 955, 2019 890, 2018 1117.
    frame, _ = deaths
    assert [value(frame, "29", year, "month-03") for year in ("2020", "2019", "2018")] == ["955", "890", "1117"]


def test_finistere_april_is_the_difference_of_two_month_ends(deaths):
    # "30-avr.","Dept_29",1719,1814,...: 1814 - 955.
    frame, _ = deaths
    assert value(frame, "29", "2020", "month-04") == str(1814 - 955)


def test_march_to_november_is_the_last_cumulative_count(deaths):
    # "09-nov.","Dept_29",6845,7207,6679,6956,6948,7307 and "09-nov.","Dept_67",...,7497,...,6527,...,6560.
    frame, _ = deaths
    assert [value(frame, "29", year, "mars-novembre") for year in ("2020", "2019", "2018")] == ["7207", "6956", "7307"]
    assert [value(frame, "67", year, "mars-novembre") for year in ("2020", "2019", "2018")] == ["7497", "6527", "6560"]


def test_the_months_add_up_to_march_november_everywhere(deaths):
    frame, _ = deaths
    numbers = frame.assign(n=frame["value"].astype(int))
    months = numbers[numbers["category"] != "mars-novembre"].groupby(["area_code", "period"])["n"].sum()
    whole = numbers[numbers["category"] == "mars-novembre"].set_index(["area_code", "period"])["n"]
    assert months.sort_index().equals(whole.sort_index())


def test_every_department_year_and_month_is_there_as_strings(deaths, source):
    frame, skipped = deaths
    assert list(frame.columns) == COLUMNS and skipped == []
    assert set(frame["area_code"]) == set(DEPARTMENTS)
    assert set(frame["category"]) == {f"month-{m:02d}" for m in range(3, 12)} | {"mars-novembre"}
    assert len(frame) == 101 * 3 * 10
    assert value(frame, "2A", "2020", "mars-novembre") != ""
    line = frame.query("area_code == '29' and period == '2020' and category == 'month-03'")["line"].iloc[0]
    assert line == line_of(source, b'"31-mars","Dept_29"')


def test_a_copy_cut_mid_line_is_refused(source, tmp_path):
    path = truncated(source, tmp_path, 0.7)
    lines = path.read_bytes().count(b"\n") + 1
    assert_names(refusal(read_insee_deaths, path), path, lines, "Total_deces_2018")


def test_a_copy_cut_at_a_line_break_is_refused_where_the_days_stop(source, tmp_path):
    kept = source.read_bytes().splitlines(keepends=True)[:-100]
    path = copy(source, tmp_path, b"".join(kept))
    assert_names(refusal(read_insee_deaths, path), path, line_of(source, b'"01-mars","Dept_976"'), "Date_evenement")


def test_a_double_encoded_copy_is_refused_at_the_first_august_day(source, tmp_path):
    # Latin-1 read as such, written as UTF-8, then that read as Windows-1252 and written as UTF-8 again: août
    # becomes aoÃ»t, which is no French month.
    once = reencoded(source, tmp_path, "latin-1", "utf-8")
    path = reencoded(once, tmp_path, "cp1252", "utf-8")
    error = refusal(read_insee_deaths, path)
    assert_names(error, path, line_of(source, "01-août".encode("latin-1")), "Date_evenement")
    assert "aoÃ»t" in str(error)


def test_a_utf16_copy_is_refused_at_line_1(source, tmp_path):
    path = reencoded(source, tmp_path, "latin-1", "utf-16")
    assert_names(refusal(read_insee_deaths, path), path, 1, "(encoding)")


def test_a_utf8_copy_reads_the_same_numbers(source, deaths, tmp_path):
    # The import detects UTF-8 or Windows-1252 (geo/encoding.py): a faithful UTF-8 copy is not damage.
    frame, _ = read_insee_deaths(reencoded(source, tmp_path, "latin-1", "utf-8"))
    assert frame.equals(deaths[0])


def test_a_renamed_header_column_is_refused(source, tmp_path):
    path = replaced(source, tmp_path, b'"Total_deces_2019"', b'"Total_deces_19"')
    assert_names(refusal(read_insee_deaths, path), path, 1, "Total_deces_2019")


def test_an_unparseable_count_is_refused_at_its_line(source, tmp_path):
    path = replaced(source, tmp_path, b'"31-mars","Dept_29",908,955,', b'"31-mars","Dept_29",908,9 55,')
    assert_names(refusal(read_insee_deaths, path), path, line_of(source, b'"31-mars","Dept_29"'), "Total_deces_2020")


def test_a_cumulative_count_that_goes_down_is_refused(source, tmp_path):
    path = replaced(source, tmp_path, b'"31-mars","Dept_29",908,955,', b'"31-mars","Dept_29",908,5,')
    error = refusal(read_insee_deaths, path)
    assert_names(error, path, line_of(source, b'"31-mars","Dept_29"'), "Total_deces_2020")
    assert "lower than the day before" in str(error)


def test_a_missing_day_is_refused_at_the_next_one(source, tmp_path):
    path = replaced(source, tmp_path, b'"15-avr.","Dept_29",', b'"16-avr.","Dept_29",')
    error = refusal(read_insee_deaths, path)
    assert_names(error, path, line_of(source, b'"15-avr.","Dept_29"'), "Date_evenement")
