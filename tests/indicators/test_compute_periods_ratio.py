"""The pure pipeline's period options and its two methods without a computed statistic of their own:
``ratio`` (observed over a reference-period mean, exact Poisson limits), ``published`` (a producer's
figure as is), ``periods`` (years kept) and ``carry_forward`` (a denominator's last year reused)."""

import numpy as np
import pytest
from scipy.stats import chi2

from indicators.compute import ComputeError, DataFilter, IndicatorSpec, compute_indicator
from tests.indicators.compute_fixtures import BRETAGNE, FINISTERE, FR, MORBIHAN, geography, observations


def _value(values, area, period, column="value"):
    row = values[(values.area_id == area) & (values.period == period) & (values.sex == "T")]
    assert len(row) == 1, (area, period, len(row))
    return row.iloc[0][column]


DEATHS = [(FINISTERE, 2018, "T", "all", 6679), (FINISTERE, 2019, "T", "all", 6956), (FINISTERE, 2020, "T", "all", 7207),
          (MORBIHAN, 2018, "T", "all", 5100), (MORBIHAN, 2019, "T", "all", 5300), (MORBIHAN, 2020, "T", "all", 5000)]


def _excess(**den):
    return IndicatorSpec("excess", "ratio", "department", DataFilter(periods=(2020,)), "department",
                         DataFilter(**{"reference_periods": (2018, 2019), **den}), disclosure_threshold=0)


def test_the_ratio_divides_2020_by_the_mean_of_2018_and_2019_with_exact_poisson_limits():
    values = compute_indicator(_excess(), geography(), observations(DEATHS), observations(DEATHS)).values
    assert set(values.period) == {"2020"}
    expected = (6679 + 6956) / 2
    assert _value(values, FINISTERE, "2020") == pytest.approx(7207 / expected)
    assert _value(values, FINISTERE, "2020", "denominator") == expected
    assert _value(values, FINISTERE, "2020", "lower_95") == pytest.approx(chi2.ppf(0.025, 2 * 7207) / 2 / expected)
    # Parents: sums of observed over sums of references.
    assert _value(values, BRETAGNE, "2020") == pytest.approx(12207 / ((6679 + 6956 + 5100 + 5300) / 2))
    assert _value(values, FR, "2020") == _value(values, BRETAGNE, "2020")


def test_a_missing_reference_year_is_an_error_naming_it():
    rows = [r for r in DEATHS if r[1] != 2019]
    with pytest.raises(ComputeError, match="reference year.*2019 missing"):
        compute_indicator(_excess(), geography(), observations(rows), observations(rows))


def test_an_area_without_every_reference_year_gets_no_ratio():
    rows = [r for r in DEATHS if not (r[0] == MORBIHAN and r[1] == 2018)]
    values = compute_indicator(_excess(), geography(), observations(rows), observations(rows)).values
    assert set(values.area_id) == {FINISTERE, BRETAGNE, FR}
    assert _value(values, BRETAGNE, "2020") == pytest.approx(7207 / ((6679 + 6956) / 2))


POPULATION = [(FINISTERE, 2020, "T", "all", 915000), (FINISTERE, 2021, "T", "all", 916000),
              (MORBIHAN, 2020, "T", "all", 760000), (MORBIHAN, 2021, "T", "all", 762000)]
EVENTS = [(area, year, "T", "all", count) for area, base in ((FINISTERE, 3000), (MORBIHAN, 2000))
          for year, count in ((2020, base), (2021, base + 500), (2022, base + 900), (2023, base // 10))]


def _rate(carry: bool, periods=(2020, 2021, 2022)):
    return IndicatorSpec("rate", "crude_rate", "department", DataFilter(periods=periods), "department",
                         DataFilter(carry_forward=carry), multiplier=100000, disclosure_threshold=0)


def test_a_year_after_the_denominator_s_last_uses_the_last_year_and_says_so():
    result = compute_indicator(_rate(True), geography(), observations(EVENTS), observations(POPULATION))
    assert sorted(set(result.values.period)) == ["2020", "2021", "2022"]  # 2023 left out by ``periods``
    assert _value(result.values, FINISTERE, "2022") == pytest.approx(3900 / 916000 * 100000)
    assert _value(result.values, FINISTERE, "2022", "denominator") == 916000
    assert any("2022 use(s) the figures of 2021" in note for note in result.notes)


def test_without_carry_forward_the_years_the_denominator_lacks_are_not_published():
    values = compute_indicator(_rate(False), geography(), observations(EVENTS), observations(POPULATION)).values
    assert sorted(set(values.period)) == ["2020", "2021"]


def test_a_published_figure_is_shown_as_is_for_its_own_areas_only():
    rates = [(FINISTERE, 2019, "T", "all", 4565.0), (MORBIHAN, 2019, "T", "all", 5.0)]
    spec = IndicatorSpec("cnam", "published", "department")
    values = compute_indicator(spec, geography(), observations(rates)).values
    assert set(values.area_id) == {FINISTERE, MORBIHAN}  # never summed into Bretagne or France
    assert _value(values, FINISTERE, "2019") == 4565.0
    # A rate of 5 is not a count of 5: no threshold applies, no interval is invented.
    morbihan = values[values.area_id == MORBIHAN].iloc[0]
    assert morbihan["value"] == 5.0 and not morbihan["suppressed"]
    assert np.isnan(morbihan["numerator"]) and np.isnan(morbihan["lower_95"])
