"""The observation key (dataset, area, period, sex, age band, category) is unique because the import makes it so
(no database index enforces it, ADR 0009): a file repeating a key is refused, a re-import replaces, imports of one
dataset run one at a time, and rows streamed before a bad row are rolled back."""

import threading
import time

import psycopg
import pytest
from django.db import connection, connections

from indicators.models import Observation
from indicators.services.datasets import dataset_import

from .engdata_cast import build_cast, cast, department_dataset  # noqa: F401

HEADER = "area_code,period,sex,age_band,value\n"


def rows(offset=0):
    """228 rows: 2 years x 3 departments x 2 sexes x 19 bands."""
    return "".join(f"{code},{year},{sex},{a}-{a + 4},{a + offset}\n" for year in (2018, 2019)
                   for code in ("29", "2A", "976") for sex in "MF" for a in range(0, 95, 5))


ROWS = rows()


def write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def keys():
    return list(Observation.objects.values_list("dataset_id", "area_id", "period", "sex", "age_band", "category"))


def test_importing_the_same_file_twice_leaves_one_row_per_key(tmp_path, department_dataset, cast):
    path = write(tmp_path, HEADER + ROWS)
    first = dataset_import(department_dataset, path, chunk_rows=50)
    second = dataset_import(department_dataset, path, chunk_rows=50)
    assert (first.rows, second.rows, second.deleted) == (228, 228, 228)
    assert len(keys()) == len(set(keys())) == 228


def test_a_key_repeated_chunks_apart_is_refused_and_the_streamed_rows_are_rolled_back(
    tmp_path, department_dataset, cast
):
    Observation.objects.create(dataset=department_dataset, area=cast["29"], period=2019, sex="T", age_band="all",
                               value=5)
    # The repeat sits 169 rows after the original: earlier chunks of 50 rows have already been streamed.
    path = write(tmp_path, HEADER + ROWS + "2A,2018,F,10-14,1\n")
    result = dataset_import(department_dataset, path, chunk_rows=50)
    assert not result.ok
    assert [(e["line"], e["value"]) for e in result.report["errors"]] == [(230, "2A|2018|F|10-14|")]
    assert result.report["errors"][0]["reason"].endswith("of line 61")
    assert list(Observation.objects.values_list("period", "sex", "value")) == [(2019, "T", 5.0)]


def test_a_bad_row_after_streamed_chunks_keeps_the_old_rows_of_the_replaced_periods(
    tmp_path, department_dataset, cast
):
    assert dataset_import(department_dataset, write(tmp_path, HEADER + ROWS, "old.csv")).ok
    before = sorted(Observation.objects.values_list("id", "value"))
    # New values for the same keys; the bad rows come after four streamed chunks.
    bad = rows(offset=100).replace("976,2019,F,90-94", "976,2019,F,90-94x", 1) + "29,2019,T,all,-1\n"
    result = dataset_import(department_dataset, write(tmp_path, HEADER + bad, "new.csv"), chunk_rows=50)
    assert [(e["line"], e["column"]) for e in result.report["errors"]] == [(229, "age_band"), (230, "value")]
    assert sorted(Observation.objects.values_list("id", "value")) == before


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks between connections: PostgreSQL")
def test_imports_of_one_dataset_wait_for_each_other(tmp_path, transactional_db):
    from geo.models import Level
    from indicators.models import Dataset

    build_cast()
    dataset = Dataset.objects.create(code="deces", name="Décès", level=Level.DEPARTMENT)
    path = write(tmp_path, HEADER + ROWS)
    settings = connection.settings_dict
    other = psycopg.connect(host=settings["HOST"], port=settings["PORT"] or 5432, user=settings["USER"],
                            dbname=settings["NAME"], password=settings["PASSWORD"] or None)
    other.execute("SELECT id FROM indicators_dataset WHERE id = %s FOR UPDATE", [dataset.pk])  # a running import
    outcome = {}

    def run():
        try:
            outcome["result"] = dataset_import(dataset, path)
        finally:
            connections.close_all()

    worker = threading.Thread(target=run)
    worker.start()
    try:
        time.sleep(1.0)
        waiting, visible = worker.is_alive(), Observation.objects.exists()
    finally:
        other.rollback()
        other.close()
        worker.join(30)
    assert waiting and not visible
    assert outcome["result"].ok and Observation.objects.count() == 228
