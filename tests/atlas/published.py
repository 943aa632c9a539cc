"""Published indicator values over the browser tests' national map (tests/browser/geography.py): two
periods, both sexes and each sex, for France, the regions, the 101 departments and four communes of
Finistère, with every flag the pages must show (primary and complementary suppression, masked at source,
unreliable), and INSEE population estimates by sex and age band for the pyramid."""

from django.utils import timezone

from geo.models import Area, Level
from indicators.models import Dataset, Indicator, IndicatorPublication, Observation, Release, Value

PERIODS = ["2018", "2019"]
FLAGGED = {"29042": "primary", "29232": "masked_at_source", "2A": "complementary"}
UNRELIABLE = {"29026", "976"}


def value_of(index: int, period: str, sex: str) -> float:
    return 100.0 + 3.0 * index + (5.0 if period == "2019" else 0.0) + {"T": 0.0, "M": 2.0, "F": -2.0}[sex]


def publish_indicator(code="densite-medecins", label="Médecins généralistes pour 100 000 habitants",
                      theme="Offre de soins", *, simulated=False, periods=PERIODS) -> Indicator:
    population = Dataset.objects.get_or_create(code="insee-population", defaults={
        "name": "Population", "level": Level.DEPARTMENT})[0]
    counts = Dataset.objects.create(code=f"{code}-counts", name="Effectifs", level=Level.DEPARTMENT,
                                    simulated=simulated)
    indicator = Indicator.objects.create(
        code=code, label_fr=label, label_en="General practitioners per 100,000 inhabitants", theme=theme,
        definition="Nombre de médecins généralistes rapporté à la population.", method="crude_rate",
        numerator_dataset=counts, denominator_dataset=population, multiplier=100000, polarity="high_is_good",
        unit="pour 100 000 hab.", source="DREES, RPPS ; Insee",
    )
    release = Release.objects.create(published_at=timezone.now())
    rows = []
    areas = list(Area.objects.exclude(level=Level.TERRITORY).order_by("level", "code"))
    for index, area in enumerate(areas):
        for period in periods:
            for sex in "TMF":
                rows.append(_value(release, indicator, area, index, period, sex))
    Value.objects.bulk_create(rows)
    IndicatorPublication.objects.create(indicator=indicator, release=release, published_at=release.published_at)
    return indicator


def _value(release, indicator, area, index, period, sex) -> Value:
    value = value_of(index, period, sex)
    cmp = "better" if value > 300 else "worse" if value < 150 else "similar"
    fields = dict(value=value, lower_95=value - 4.0, upper_95=value + 4.0, numerator=value * 10,
                  denominator=1_000_000.0, cmp_france=cmp, cmp_parent=cmp, quantile=1, map_class=1)
    suppression = FLAGGED.get(area.code, "")
    if suppression:
        fields = dict.fromkeys(("value", "lower_95", "upper_95", "numerator", "denominator", "quantile",
                                "map_class"))
        fields.update(cmp_france="", cmp_parent="", suppressed=True, suppression=suppression)
    return Value(release=release, indicator=indicator, area=area, period=period, sex=sex,
                 unreliable=area.code in UNRELIABLE, **fields)


def publish_population(departments=("29", "56", "2A")) -> None:
    dataset = Dataset.objects.get_or_create(code="insee-population", defaults={
        "name": "Population", "level": Level.DEPARTMENT})[0]
    rows = []
    for area in Area.objects.filter(level=Level.DEPARTMENT, code__in=departments):
        for i, band in enumerate(["0-4", "5-9", "10-14", "15-19", "95+"]):
            for sex, base in (("M", 1000), ("F", 1100)):
                rows.append(Observation(dataset=dataset, area=area, period=2021, sex=sex, age_band=band,
                                        value=base + 10 * i))
    Observation.objects.bulk_create(rows)
