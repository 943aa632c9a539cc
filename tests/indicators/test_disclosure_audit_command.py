"""manage.py disclosure_audit on a computed release of the engine cast (Bretagne: Brest, Quimper, Vannes)."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from indicators.compute import pipeline
from indicators.models import Value
from indicators.services import runs
from tests.indicators.compute_cast import build_engine_cast

pytestmark = pytest.mark.django_db


def computed(**fields):
    cast = build_engine_cast(**fields)
    run = runs.run_create(codes=[cast.indicator.code])
    runs.run_execute(run.pk)
    return cast, run


def test_a_computed_release_passes_the_audit():
    _, run = computed()
    out = StringIO()
    call_command("disclosure_audit", "mortalite-generale", "--release", str(run.release_id), stdout=out)
    assert "no suppressed count can be pinned down" in out.getvalue()
    assert Value.objects.filter(release_id=run.release_id, suppression="complementary").exists()


def test_it_names_the_suppressed_counts_that_subtraction_recovers(monkeypatch):
    # A release computed with the primary and sex rules only (as before complementary suppression): Vannes
    # women (6) are withheld, and with them Morbihan's women (Vannes is Morbihan's only commune here), but
    # Bretagne - Finistère gives them back.
    monkeypatch.setattr(pipeline, "_sources", lambda *args: None)
    computed()
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="can be pinned down"):
        call_command("disclosure_audit", "mortalite-generale", stdout=out, stderr=err)
    assert "recoverable: area 56 period 2018 sex F: [6, 6] (width 0)" in err.getvalue()
    assert "narrowest interval" in out.getvalue()


def test_it_reads_a_given_release_and_passes_when_nothing_is_withheld():
    _, run = computed(disclosure_threshold=5)
    out = StringIO()
    call_command("disclosure_audit", "mortalite-generale", "--release", str(run.release_id), stdout=out)
    assert "0 withheld cell(s)" in out.getvalue()
    assert "no suppressed count can be pinned down" in out.getvalue()


def test_it_refuses_an_unknown_indicator_or_release():
    cast, _ = computed()
    with pytest.raises(CommandError, match="unknown indicator code 'nope'"):
        call_command("disclosure_audit", "nope")
    with pytest.raises(CommandError, match="release 999999 holds no value"):
        call_command("disclosure_audit", cast.indicator.code, "--release", "999999")
