"""manage.py prune_releases: superseded and dead releases go, published and in-flight ones stay."""

import pytest
from django.core.management import CommandError, call_command

from indicators.models import IndicatorPublication, Release, Run, Value
from indicators.selectors import indicator_value_list
from indicators.services import runs
from indicators.services.releases import release_prune
from tests.indicators.compute_cast import build_engine_cast


@pytest.fixture
def engine(db):
    return build_engine_cast()


def _publish(engine) -> Run:
    return runs.run_execute(runs.run_create(codes=[engine.indicator.code]).pk)


def test_it_deletes_superseded_releases_beyond_the_ones_kept(engine):
    first, second, third = _publish(engine), _publish(engine), _publish(engine)
    per_release = Value.objects.filter(release_id=third.release_id).count()
    result = release_prune(keep=1)
    assert result.releases == [first.release_id] and result.values == per_release
    assert set(Release.objects.values_list("pk", flat=True)) == {second.release_id, third.release_id}
    assert not Value.objects.filter(release_id=first.release_id).exists()
    first.refresh_from_db()
    assert first.release_id is None and first.status == Run.Status.SUCCEEDED  # the run's history stays


def test_the_published_release_survives_keep_zero_and_still_serves_the_same_values(engine):
    _publish(engine)
    last = _publish(engine)
    before = sorted((v.area_id, v.period, v.sex, v.value) for v in indicator_value_list(engine.indicator))
    release_prune(keep=0)
    assert list(Release.objects.values_list("pk", flat=True)) == [last.release_id]
    assert IndicatorPublication.objects.get(indicator=engine.indicator).release_id == last.release_id
    after = sorted((v.area_id, v.period, v.sex, v.value) for v in indicator_value_list(engine.indicator))
    assert after == before and len(after) == 9 * 3 * 3


def test_it_keeps_the_release_of_a_pending_run_and_drops_the_one_of_a_failed_run(engine):
    _publish(engine)
    pending = runs.run_create(codes=[engine.indicator.code])
    failed = Run.objects.create(status=Run.Status.FAILED, release=Release.objects.create(note="failed run"))
    Value.objects.create(release=failed.release, indicator=engine.indicator,
                         area=engine.areas["29019"], period="2019", sex="T", value=1.0)
    result = release_prune(keep=0)
    assert result.releases == [failed.release_id] and result.values == 1
    assert Release.objects.filter(pk=pending.release_id).exists()


def test_a_dry_run_reports_and_deletes_nothing(engine, capsys):
    first = _publish(engine)
    _publish(engine)
    count = Value.objects.count()
    call_command("prune_releases", "--keep", "0", "--dry-run")
    out = capsys.readouterr().out
    per_release = Value.objects.filter(release_id=first.release_id).count()
    assert f"would delete 1 release(s) ({first.release_id}) holding {per_release:,} value(s)" in out
    assert Value.objects.count() == count


def test_the_command_refuses_a_negative_keep(engine):
    with pytest.raises(CommandError, match="--keep must be 0 or more"):
        call_command("prune_releases", "--keep", "-1")
