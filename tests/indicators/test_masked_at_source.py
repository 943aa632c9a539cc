"""CNAM's "<10" through compute (both backends): the values it feeds are withheld as masked at source, with
their parents, and no masked figure becomes a number anywhere in the Value table."""

import pytest

from indicators.models import Indicator, Observation, Value
from indicators.services import runs
from indicators.services.reference import reference_data_import

from .engdata_cast import cast  # noqa: F401

NUMBERS = ["value", "lower_95", "upper_95", "lower_99_8", "upper_99_8", "numerator", "denominator"]


def _indicator(code, category, method="crude_rate"):
    return Indicator.objects.create(
        code=code, label_fr=code, method=method, numerator_dataset_id=_dataset("cnam-ald"),
        numerator_filter={"category": category},
        denominator_dataset_id=None if method == "count" else _dataset("insee-population"),
        denominator_filter={"sex": "T"} if method != "count" else {}, multiplier=100_000, polarity="low_is_good")


def _dataset(code):
    from indicators.models import Dataset
    return Dataset.objects.get(code=code).pk


@pytest.fixture
def computed(cast, data_dir):
    outcomes = reference_data_import(data_dir, codes=["insee-population", "cnam-ald"])
    assert all(o.result.ok for o in outcomes)
    indicators = [_indicator("ald4-taux", "ALD4"), _indicator("ald4-effectif", "ALD4", "count"),
                  _indicator("ald8-taux", "ALD8")]
    run = runs.run_execute(runs.run_create(codes=[i.code for i in indicators]).pk)
    assert run.status == "succeeded", run.error
    return {i.code: i for i in indicators}


def _values(indicator):
    return {(v.area.code, v.sex): v for v in Value.objects.filter(indicator=indicator, period="2019")
            .select_related("area")}


def test_a_masked_count_withholds_its_value_as_masked_at_source(computed):
    masked = set(Observation.objects.filter(dataset__code="cnam-ald", category="ALD4", masked=True)
                 .values_list("area__code", flat=True))
    assert {"29", "2A"} <= masked  # ALD 4 (bilharziasis) is "<10" in most departments
    for code in ("ald4-taux", "ald4-effectif"):
        values = _values(computed[code])
        for area in masked:
            value = values[(area, "T")]
            assert value.suppression == "masked_at_source" and value.suppressed, (code, area)
            assert all(getattr(value, name) is None for name in NUMBERS), (code, area)
            assert value.map_class is None and value.quantile is None
            assert value.cmp_parent in ("", "not_compared") and value.cmp_france in ("", "not_compared")


def test_a_parent_summing_a_masked_child_is_masked_too(computed):
    values = _values(computed["ald4-taux"])
    for parent in ("53", "94", "FR"):  # Bretagne holds Finistère, Corse holds Corse-du-Sud, France all
        assert values[(parent, "T")].suppression == "masked_at_source", parent
        assert values[(parent, "T")].numerator is None and values[(parent, "T")].value is None


def test_unmasked_counts_are_published_as_usual(computed):
    values = _values(computed["ald8-taux"])
    finistere = values[("29", "T")]
    diabetes = Observation.objects.get(dataset__code="cnam-ald", category="ALD8", area__code="29").value
    population = Observation.objects.get(dataset__code="insee-population", area__code="29", period=2019, sex="T",
                                         age_band="all").value
    assert finistere.suppression == "" and finistere.numerator == diabetes
    assert finistere.value == pytest.approx(diabetes / population * 100_000)
    assert values[("FR", "T")].suppression == ""


def test_no_masked_source_figure_becomes_a_number_anywhere_in_the_value_table(computed):
    masked = Observation.objects.filter(dataset__code="cnam-ald", masked=True)
    pairs = set(masked.values_list("area_id", "category"))
    assert pairs
    ancestors = {}
    from geo.models import Area
    parents = dict(Area.objects.values_list("id", "parent_id"))
    for area_id, category in pairs:
        chain, current = [], area_id
        while current is not None:
            chain.append(current)
            current = parents.get(current)
        ancestors.setdefault(category, set()).update(chain)
    for indicator in computed.values():
        category = indicator.numerator_filter["category"]
        reached = Value.objects.filter(indicator=indicator, area_id__in=ancestors.get(category, set()))
        for name in NUMBERS:
            assert not reached.filter(**{f"{name}__isnull": False}).exists(), (indicator.code, name)
        assert not reached.exclude(suppression="masked_at_source").exists(), indicator.code
    # And the masked rows themselves never received a number.
    assert not masked.filter(value__isnull=False).exists()
