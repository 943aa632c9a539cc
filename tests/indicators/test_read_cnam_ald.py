"""CNAM's ALD workbook read from DATA_DIR; expected values read by hand in the sheets (Excel row numbers)."""

import pytest

from indicators.importing.cnam_ald import ALD_LABELS, CNAM_ALD, read_cnam_ald
from indicators.importing.sources import COLUMNS, DEPARTMENTS

from .source_copies import assert_names, copy, refusal, replaced, truncated

COUNTS = "2019_ALD-prevalentes-par-departement_serie-annuelle.xls, sheet Prévalence_tableauVII_2019"


@pytest.fixture(scope="module")
def source(data_dir):
    return data_dir / CNAM_ALD


@pytest.fixture(scope="module")
def counts(source):
    return read_cnam_ald(source, "counts")


@pytest.fixture(scope="module")
def rates(source):
    return read_cnam_ald(source, "rates")


def cell(frame, area, category):
    rows = frame[(frame["area_code"] == area) & (frame["category"] == category)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_diabetes_counts_are_cnam_s(counts):
    frame, skipped = counts
    # Row 32: 29 Finistère, ALD8 27960; row 22: 201 Corse-du-Sud, 6200; row 103: 976 Mayotte*, 260.
    assert [cell(frame, code, "ALD8")["value"] for code in ("29", "2A", "976")] == ["27960", "6200", "260"]
    assert cell(frame, "29", "ALD8")["line"] == 32
    assert not frame.loc[frame["category"] == "ALD8", "masked"].any()
    assert skipped == []


def test_a_count_below_10_stays_masked_and_is_never_a_number(counts):
    frame, _ = counts
    finistere = cell(frame, "29", "ALD4")
    assert finistere["masked"] and finistere["value"] == ""
    masked = frame[frame["masked"]]
    assert len(masked) == 103 and (masked["value"] == "").all()
    assert frame.loc[~frame["masked"], "value"].str.fullmatch(r"\d+0").all()  # rounded to 10, never masked
    assert (frame.loc[frame["category"] == "ALD4", "masked"]).sum() == 91


def test_every_department_and_ald_is_there_with_corsica_as_2a_2b(counts):
    frame, _ = counts
    assert list(frame.columns) == [*COLUMNS, "masked"]
    assert set(frame["area_code"]) == set(DEPARTMENTS)
    assert not frame["area_code"].isin(["201", "202"]).any()
    assert set(frame["category"]) == set(ALD_LABELS)
    assert set(frame["period"]) == {"2019"} and set(frame["sex"]) == {"T"} and set(frame["age_band"]) == {"all"}


def test_standardised_rates_are_read_as_published_and_the_notes_are_skipped(rates):
    frame, skipped = rates
    assert cell(frame, "29", "ALD8")["value"] == "3419"
    assert cell(frame, "2A", "ALD8")["value"] == "4118"
    assert not frame["masked"].any() and len(frame) == 101 * 30
    assert [s["line"] for s in skipped] == [105, 106]
    assert "Mayotte" in skipped[0]["value"] and "standardisation" in skipped[1]["value"]


def test_a_truncated_workbook_is_refused_naming_the_file(source, tmp_path):
    path = truncated(source, tmp_path)
    assert_names(refusal(read_cnam_ald, path), path, 1, "(workbook)")


@pytest.mark.parametrize("encoding", ["cp1252", "utf-16"])
def test_a_workbook_saved_as_text_is_refused(source, tmp_path, encoding):
    text = "Code département;Nom du département;ALD1\n29;Finistère;7240\n"
    path = copy(source, tmp_path, text.encode(encoding))
    error = refusal(read_cnam_ald, path)
    assert_names(error, path, 1, "(workbook)")
    assert "not a readable Excel .xls workbook" in str(error)


def test_a_renamed_header_column_is_refused_at_row_2(source, tmp_path):
    # Same length in the workbook's string table, so the copy stays a valid workbook.
    path = replaced(source, tmp_path, "Code département".encode("latin-1"), "Code departemenX".encode("latin-1"))
    error = refusal(read_cnam_ald, path)
    assert str(error).startswith(COUNTS)
    assert_names(error, path, 2, "Code département")
    assert "Code departemenX" in str(error)


def test_a_mask_spelled_otherwise_is_an_unparseable_count(source, tmp_path):
    path = replaced(source, tmp_path, b"<10", b"<1O")
    error = refusal(read_cnam_ald, path)
    # Row 3 is Ain, whose first masked cell is ALD4 (Bilharziose).
    assert str(error).startswith(COUNTS)
    assert_names(error, path, 3, "ALD4")
    assert "'<1O'" in str(error)


def test_an_unknown_table_is_a_programming_error(source):
    with pytest.raises(ValueError, match="table must be one of"):
        read_cnam_ald(source, "effectifs")
