"""A release written by hand, so outputs can be compared with exact text: department values of one indicator
for 2019, Finistère published, Morbihan withheld (primary) although the table still holds its numbers,
Bretagne masked at source, France published; a second, simulated indicator."""

from django.utils import timezone

from indicators.models import Dataset, Indicator, IndicatorPublication, Release, Value

FULL = dict(value=168.25, lower_95=151.5, upper_95=187.0, lower_99_8=141.75, upper_99_8=198.2, numerator=345.0,
            denominator=205000.0)


def build_handmade(areas, population_dataset, *, simulated_dataset: Dataset | None = None):
    release = Release.objects.create(published_at=timezone.now(), note="à la main")
    indicator = Indicator.objects.create(code="taux-main", label_fr="Taux à la main", label_en="Hand-made rate",
                                         theme="Mortalité", method="crude_rate", numerator_dataset=population_dataset,
                                         unit="pour 100 000 habitants", multiplier=100000)
    IndicatorPublication.objects.create(indicator=indicator, release=release, published_at=release.published_at)
    rows = [
        Value(area=areas["29"], **FULL, cmp_parent="worse", cmp_france="similar", quantile=5, map_class=5),
        # The table holds numbers a buggy writer left: the API must still send none of them.
        Value(area=areas["56"], **FULL, suppressed=True, suppression="primary", cmp_parent="better",
              cmp_france="better", quantile=1, map_class=1, unreliable=True),
        Value(area=areas["53"], **FULL, suppression="masked_at_source", cmp_parent="similar", map_class=3),
        Value(area=areas["FR"], value=100.5, lower_95=99.0, upper_95=102.0, lower_99_8=98.0, upper_99_8=103.0,
              numerator=1000.0, denominator=995024.0, unreliable=True),
    ]
    for row in rows:
        row.release, row.indicator, row.period, row.sex = release, indicator, "2019", "T"
    Value.objects.bulk_create(rows)
    simulated = None
    if simulated_dataset is not None:
        simulated = Indicator.objects.create(code="taux-simule", label_fr="Taux simulé", theme="Mortalité",
                                             method="crude_rate", numerator_dataset=simulated_dataset)
        IndicatorPublication.objects.create(indicator=simulated, release=release, published_at=release.published_at)
        Value.objects.create(release=release, indicator=simulated, area=areas["29"], period="2019", sex="T",
                             value=1.5, numerator=3.0, denominator=200.0)
    return release, indicator, simulated
