"""Published indicator values over the browser tests' national map (tests/browser/geography.py): two
periods, both sexes and each sex, for France, the regions, the 101 departments and four communes of
Finistère, with every flag the pages must show (primary and complementary suppression, masked at source,
unreliable), and INSEE population estimates by sex and age band for the pyramid."""

from django.core.cache import cache
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


def publish_territory_set(indicator: Indicator, code: str = "ars-test") -> list[Area]:
    """Two health territories of Finistère (a set as an ARS would load it, drawn as squares beside the
    department) with values of ``indicator`` in its published release, both periods and sexes."""
    from geo.models import TerritorySet
    from tests.geo.geoweb_geography import area

    territory_set = TerritorySet.objects.create(code=code, name="Territoires de santé (test)")
    france = Area.objects.get(level=Level.COUNTRY)
    communes = {a.code: a for a in Area.objects.filter(level=Level.COMMUNE)}
    made = []
    for i, (tcode, name, members) in enumerate([("brest", "Pays de Brest", ["29019", "29042"]),
                                                 ("cornouaille", "Cornouaille", ["29026", "29232"])]):
        territory = area(Level.TERRITORY, tcode, name, france, 100000 * (i + 1), 2000.0, at=(-7.0, 47.0 + i),
                         territory_set=territory_set, size=0.8)
        for commune in members:
            member_only(communes[commune], territory)
        made.append(territory)
    release = indicator.publication.release
    Value.objects.bulk_create([_value(release, indicator, t, 40 + i, period, sex)
                               for i, t in enumerate(made) for period in PERIODS for sex in "TMF"])
    # A published release never changes, so what it holds is cached; this one just did.
    cache.clear()
    return made


def member_only(commune: Area, territory: Area) -> None:
    from geo.models import CommuneMembership

    CommuneMembership.objects.create(commune=commune, area=territory, level=Level.TERRITORY)
