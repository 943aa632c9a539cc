"""Santé publique France COVID-19 files read from DATA_DIR; expected values summed by hand (awk) from the raw files."""

import pandas as pd
import pytest

from indicators.importing.codes import normalize_age_band
from indicators.importing.spf_covid import (
    SPF_FILES, coverage, read_spf_admissions_age, read_spf_hospital_daily, read_spf_vaccination_age,
    read_spf_vaccination_sex,
)
from indicators.importing.sources import COLUMNS, DEPARTMENTS

from .source_copies import assert_names, line_of, refusal, reencoded, replaced, truncated


@pytest.fixture(scope="module")
def daily(data_dir):
    return data_dir / SPF_FILES["hospital_daily"]


@pytest.fixture(scope="module")
def hospital(daily):
    return read_spf_hospital_daily(daily)


def value(frame, **where) -> str:
    rows = frame
    for column, wanted in where.items():
        rows = rows[rows[column] == wanted]
    assert len(rows) == 1, where
    return rows["value"].iloc[0]


def test_finistere_2020_hospital_events_are_the_sums_of_its_days(hospital):
    frame, _ = hospital
    finistere = {"hospitalisations": "797", "reanimations": "168", "deces-hopital": "121", "retours-domicile": "537"}
    for category, expected in finistere.items():
        assert value(frame, area_code="29", period="2020", category=category) == expected
    assert value(frame, area_code="976", period="2021", category="hospitalisations") == "1157"
    assert value(frame, area_code="976", period="2021", category="deces-hopital") == "104"


def test_hospital_output_is_the_long_format_of_strings_for_the_101_departments(hospital):
    frame, _ = hospital
    assert list(frame.columns) == COLUMNS
    assert set(frame["area_code"]) == set(DEPARTMENTS)
    assert set(frame["period"]) == {"2020", "2021", "2022", "2023"}
    assert len(frame) == 101 * 4 * 4
    assert frame["value"].str.fullmatch(r"\d+").all()
    assert set(frame["sex"]) == {"T"} and set(frame["age_band"]) == {"all"}


def test_saint_martin_rows_are_reported_as_skipped_not_dropped(hospital, daily):
    frame, skipped = hospital
    assert "978" not in set(frame["area_code"])
    assert len(skipped) == 1108
    assert skipped[0]["line"] == line_of(daily, b'"978";') and skipped[0]["value"] == "978"
    assert "Saint-Martin" in skipped[0]["reason"]


def test_coverage_says_2020_and_2023_are_partial_years(daily):
    days = coverage(daily)
    assert days.loc[2020, "first"] == pd.Timestamp("2020-03-19")
    assert days.loc[2023, "last"] == pd.Timestamp("2023-03-31")


def test_bretagne_weekly_admissions_are_summed_by_year_in_the_project_bands(data_dir):
    frame, skipped = read_spf_admissions_age(data_dir / SPF_FILES["admissions_age"])
    assert value(frame, area_code="53", period="2020", age_band="all") == "4721"
    assert value(frame, area_code="53", period="2021", age_band="90+") == "873"
    bands = pd.Series(sorted(set(frame["age_band"])))
    assert (normalize_age_band(bands) == bands).all()
    assert set(bands) == {"all", "90+", *[f"{lo}-{lo + 9}" for lo in range(0, 90, 10)]}
    assert skipped == [] and frame["area_code"].nunique() == 18


def test_vaccination_by_age_keeps_the_snapshot_of_2023_and_spf_denominators(data_dir):
    frame, skipped = read_spf_vaccination_age(data_dir / SPF_FILES["vaccination_age"])
    assert set(frame["period"]) == {"2023"}
    assert value(frame, area_code="29", age_band="80+", category="complet") == "62004"
    assert value(frame, area_code="29", age_band="80+", category="dose1") == "62856"
    assert value(frame, area_code="976", age_band="all", category="population-spf") == "299348.0"
    assert frame.query("area_code == '48' and age_band == '0-4'").empty  # as published: no 0-4 row for Lozère
    assert {s["value"] for s in skipped} == {"977", "978"} and len(skipped) == 30


def test_vaccination_by_sex_maps_spf_codes_to_m_f_t(data_dir):
    path = data_dir / SPF_FILES["vaccination_sex"]
    frame, skipped = read_spf_vaccination_sex(path)
    assert value(frame, area_code="29", sex="F", category="complet") == "402972"
    assert set(frame["sex"]) == {"M", "F", "T"} and set(frame["age_band"]) == {"all"}
    assert [s["line"] for s in skipped if s["value"] == "978"] == [206, 207, 310]


def test_a_file_cut_mid_line_is_refused_at_its_last_line(daily, tmp_path):
    path = truncated(daily, tmp_path)
    lines = path.read_bytes().count(b"\n") + 1
    assert_names(refusal(read_spf_hospital_daily, path), path, lines, "incid_rad")


def test_a_file_cut_at_a_line_break_is_refused_where_days_go_missing(daily, tmp_path):
    data = daily.read_bytes()
    path = tmp_path / daily.name
    path.write_bytes(b"".join(data.splitlines(keepends=True)[:-500]))
    assert_names(refusal(read_spf_hospital_daily, path), path, line_of(daily, b'"978";'), "jour")


def test_a_utf16_copy_is_refused_at_line_1(daily, tmp_path):
    path = reencoded(daily, tmp_path, "ascii", "utf-16")
    error = refusal(read_spf_hospital_daily, path)
    assert_names(error, path, 1, "(encoding)")
    assert "UTF-16" in str(error)


def test_a_renamed_header_column_is_refused_naming_the_expected_one(daily, tmp_path):
    path = replaced(daily, tmp_path, b'"incid_rea"', b'"incid_icu"')
    error = refusal(read_spf_hospital_daily, path)
    assert_names(error, path, 1, "incid_rea")
    assert "incid_icu" in str(error)


def test_an_unparseable_count_is_refused_at_its_line(daily, tmp_path):
    path = replaced(daily, tmp_path, b'"01";2020-03-21;3;', b'"01";2020-03-21;1,5;')  # line 4: a decimal comma
    assert_names(refusal(read_spf_hospital_daily, path), path, 4, "incid_hosp")


def test_a_line_with_an_extra_field_is_refused_at_its_line(daily, tmp_path):
    path = replaced(daily, tmp_path, b'"01";2020-03-21;', b'"01";2020-03-21;0;')
    assert_names(refusal(read_spf_hospital_daily, path), path, 4, "(extra field)")


def test_a_vaccination_copy_in_windows_1252_with_a_broken_number_names_line_and_field(data_dir, tmp_path):
    source = data_dir / SPF_FILES["vaccination_age"]
    # Windows-1252 is ASCII for these files: the copy reads the same, and its bad cell is still found.
    path = replaced(source, tmp_path, b";68105.0;", b";68\xa0105,0;")
    assert_names(refusal(read_spf_vaccination_age, path), path, 393, "pop")


def test_a_weekly_file_missing_a_region_is_refused(data_dir, tmp_path):
    source = data_dir / SPF_FILES["admissions_age"]
    kept = [line for line in source.read_bytes().splitlines(keepends=True) if not line.startswith(b'"94";')]
    path = tmp_path / source.name
    path.write_bytes(b"".join(kept))
    error = refusal(read_spf_admissions_age, path)
    assert_names(error, path, len(kept), "reg")
    assert "94" in str(error)
