"""Reads of published values for the API and the pages: which values a filter selects, as plain rows with
disclosure control applied, ready for JSON, CSV or GeoJSON.

Rows come straight from ``values_list`` (no model instance, no serializer field per cell). Every row goes
through ``public_row``: a withheld value (primary or complementary suppression, masked at source) leaves
with null value, limits, numerator and denominator and without quantile, map class or comparisons,
whatever the table holds, so no output format can leak it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from geo.models import Area, Level
from geo.selectors import TERRITORY_SEPARATOR, AreaNotFound, area_ids_within, parent_resolve
from indicators.models import Indicator, IndicatorPublication, Release, Sex, Value
from indicators.models.choices import Suppression

PERIOD_RE = re.compile(r"(\d{4})(?:-(\d{4}))?")
RANGE_RE = re.compile(r"(\d{4})\.\.(\d{4})")
LATEST = "latest"
COVERAGE_SECONDS = 24 * 3600  # a published release never changes: its coverage can stay cached

# (output name, ORM path) in the order values_list returns them.
ROW_FIELDS = [
    ("indicator_id", "indicator_id"), ("area_code", "area__code"), ("set_code", "area__territory_set__code"),
    ("area_name", "area__name"), ("area_level", "area__level"), ("parent_code", "area__parent__code"),
    ("parent_name", "area__parent__name"), ("period", "period"), ("sex", "sex"), ("value", "value"),
    ("lower_ci_95", "lower_95"), ("upper_ci_95", "upper_95"), ("lower_ci_99_8", "lower_99_8"),
    ("upper_ci_99_8", "upper_99_8"), ("numerator", "numerator"), ("denominator", "denominator"),
    ("suppressed", "suppressed"), ("suppression", "suppression"), ("unreliable", "unreliable"),
    ("not_computable", "not_computable"), ("compared_to_parent", "cmp_parent"),
    ("compared_to_france", "cmp_france"), ("quantile", "quantile"), ("map_class", "map_class"),
    ("release", "release_id"), ("area_id", "area_id"),
]
ORM_FIELDS = [orm for _name, orm in ROW_FIELDS]
ORDERING = ["indicator__code", "period", "sex", "area__level", "area__code", "area_id"]
WITHHELD_FIELDS = ("value", "lower_ci_95", "upper_ci_95", "lower_ci_99_8", "upper_ci_99_8", "numerator",
                   "denominator", "quantile", "map_class")


class ValueFilterError(ValueError):
    """A filter names something that does not exist; ``accepted`` lists what would have been accepted."""

    def __init__(self, param: str, value: str, accepted=None, hint: str = ""):
        super().__init__(f"{param}={value!r}")
        self.param, self.value, self.accepted, self.hint = param, value, accepted, hint


@dataclass(frozen=True)
class IndicatorInfo:
    id: int
    code: str
    label_fr: str
    label_en: str
    unit: str
    simulated: bool
    theme: str = ""
    method: str = ""
    polarity: str = ""

    def label(self, language: str) -> str:
        return self.label_en if language == "en" and self.label_en else self.label_fr


@dataclass
class ValueSelection:
    """What a values request selects once every code is resolved."""

    indicators: dict[int, IndicatorInfo]
    pairs: list[tuple[int, int]]  # (indicator id, release id)
    level: str | None = None
    area_ids: list[int] | None = None
    within: object = None  # a subquery of area ids
    periods: dict[int, list[str]] | None = None  # per indicator; None: every period
    sex: str | None = None
    extra: dict = field(default_factory=dict)


def indicator_infos(codes: list[str] | None = None) -> dict[int, IndicatorInfo]:
    """Active indicators (all, or those ``codes`` name) with whether any of their datasets is simulated."""
    rows = Indicator.objects.filter(is_active=True)
    if codes:
        rows = rows.filter(code__in=codes)
    rows = rows.order_by("code").values_list("id", "code", "label_fr", "label_en", "unit",
                                             "numerator_dataset__simulated", "denominator_dataset__simulated",
                                             "theme", "method", "polarity")
    return {r[0]: IndicatorInfo(r[0], r[1], r[2], r[3], r[4], bool(r[5] or r[6]), r[7], r[8], r[9]) for r in rows}


def published_release_ids() -> list[int]:
    return list(Release.objects.filter(published_at__isnull=False).order_by("-published_at", "-pk")
                .values_list("pk", flat=True))


def value_pairs(infos: dict[int, IndicatorInfo], release: int | None) -> list[tuple[int, int]]:
    """(indicator, release) pairs to read: each indicator's published release, or release ``release``."""
    if release is None:
        rows = IndicatorPublication.objects.filter(indicator_id__in=infos).values_list("indicator_id", "release_id")
        return sorted(rows)
    if not Release.objects.filter(pk=release, published_at__isnull=False).exists():
        raise ValueFilterError("release", str(release), published_release_ids())
    present = Value.objects.filter(release_id=release, indicator_id__in=infos).order_by()
    return sorted((i, release) for i in present.values_list("indicator_id", flat=True).distinct())


def period_key(label: str) -> tuple[int, int]:
    """'2019' -> (2019, 2019); '2017-2019' -> (2019, 2017): sorted by last year, then first."""
    match = PERIOD_RE.fullmatch(label)
    if not match:
        return (0, 0)
    first, last = int(match.group(1)), int(match.group(2) or match.group(1))
    return (last, first)


def value_coverage(indicator_id: int, release_id: int) -> dict:
    """Levels, periods and sexes holding values of an indicator in a release (cached: releases are immutable)."""
    key = f"values:coverage:{indicator_id}:{release_id}"
    coverage = cache.get(key)
    if coverage is None:
        rows = (Value.objects.filter(indicator_id=indicator_id, release_id=release_id).order_by()
                .values_list("area__level", "period", "sex").distinct())
        levels, periods, sexes = set(), set(), set()
        for level, period, sex in rows:
            levels.add(level)
            periods.add(period)
            sexes.add(sex)
        order = {lv: i for i, lv in enumerate(Level.values)}
        coverage = {"levels": sorted(levels, key=order.get), "periods": sorted(periods, key=period_key),
                    "sexes": [s for s in Sex.values if s in sexes]}
        cache.set(key, coverage, COVERAGE_SECONDS)
    return coverage


def periods_select(pairs, period: str | None) -> dict[int, list[str]] | None:
    """Per indicator, the periods ``period`` names: one label, a range ``2015..2020`` (periods whose years
    all lie in it) or ``latest``. Raises ValueFilterError for a malformed period."""
    if not period:
        return None
    single, span = PERIOD_RE.fullmatch(period), RANGE_RE.fullmatch(period)
    if period != LATEST and not single and not span:
        raise ValueFilterError("period", period, ["2019", "2017-2019", "2015..2020", LATEST])
    if single and single.group(2) and int(single.group(2)) < int(single.group(1)):
        raise ValueFilterError("period", period, ["2019", "2017-2019", "2015..2020", LATEST])
    chosen: dict[int, list[str]] = {}
    for indicator_id, release_id in pairs:
        labels = value_coverage(indicator_id, release_id)["periods"]
        if period == LATEST:
            picked = labels[-1:]
        elif span:
            low, high = int(span.group(1)), int(span.group(2))
            picked = [p for p in labels if period_key(p)[1] >= low and period_key(p)[0] <= high]
        else:
            picked = [p for p in labels if p == period]
        chosen[indicator_id] = picked
    return chosen


def areas_resolve(codes: list[str], level: str | None) -> list[int]:
    """Ids of the areas ``codes`` name (at ``level`` if given; territories as <set>:<code>)."""
    plain = [c for c in codes if TERRITORY_SEPARATOR not in c]
    query = Q(code__in=plain, territory_set__isnull=True)
    for code in codes:
        if TERRITORY_SEPARATOR in code:
            set_code, _sep, area_code = code.partition(TERRITORY_SEPARATOR)
            query |= Q(territory_set__code=set_code, code=area_code)
    areas = Area.objects.filter(query)
    if level:
        areas = areas.filter(level=level)
    rows = list(areas.values_list("id", "code", "territory_set__code"))
    found = {f"{s}{TERRITORY_SEPARATOR}{c}" if s else c for _i, c, s in rows}
    missing = [c for c in codes if c not in found]
    if missing:
        where = _(" au niveau %(level)s") % {"level": level} if level else ""
        raise ValueFilterError("area", ",".join(missing), hint=_(
            "Aucun territoire de ce code%(where)s ; les codes sont ceux de /api/v1/areas/.") % {"where": where})
    return [i for i, _c, _s in rows]


def parent_within(code: str, parent_level: str | None, level: str | None):
    """The areas under parent ``code``: of ``level`` at any depth, or its direct children without a level."""
    try:
        parent = parent_resolve(code, parent_level, level)
    except AreaNotFound:
        raise ValueFilterError("parent", code, hint=_("Aucun territoire de ce code ; voir /api/v1/areas/."))
    if level:
        return area_ids_within(parent, level)
    return Area.objects.filter(parent=parent).values("id")


def value_selection(*, indicators: list[str], release: int | None = None, level: str | None = None,
                    areas: list[str] | None = None, parent: str | None = None, parent_level: str | None = None,
                    period: str | None = None, sex: str | None = None) -> ValueSelection:
    """Resolve a values filter; raises ValueFilterError naming the parameter that names nothing."""
    infos = indicator_infos(indicators or None)
    if indicators:
        unknown = [c for c in indicators if c not in {i.code for i in infos.values()}]
        if unknown:
            raise ValueFilterError("indicator", ",".join(unknown), [i.code for i in indicator_infos().values()])
    pairs = value_pairs(infos, release)
    selection = ValueSelection(indicators=infos, pairs=pairs, level=level, sex=sex)
    if areas:
        selection.area_ids = areas_resolve(areas, level)
    if parent:
        selection.within = parent_within(parent, parent_level, level)
    selection.periods = periods_select(pairs, period)
    return selection


def value_rows(selection: ValueSelection) -> QuerySet:
    """The selected values as ``values_list`` tuples in ``ROW_FIELDS`` order, in a stable order."""
    if not selection.pairs:
        return Value.objects.none().values_list(*ORM_FIELDS)
    which = Q()
    for indicator_id, release_id in selection.pairs:
        part = Q(indicator_id=indicator_id, release_id=release_id)
        if selection.periods is not None:
            part &= Q(period__in=selection.periods.get(indicator_id, []))
        which |= part
    rows = Value.objects.filter(which)
    if selection.level:
        rows = rows.filter(area__level=selection.level)
    if selection.sex:
        rows = rows.filter(sex=selection.sex)
    if selection.area_ids is not None:
        rows = rows.filter(area_id__in=selection.area_ids)
    if selection.within is not None:
        rows = rows.filter(area_id__in=selection.within)
    return rows.order_by(*ORDERING).values_list(*ORM_FIELDS)


NAMES = [name for name, _orm in ROW_FIELDS]
_INDEX = {name: i for i, name in enumerate(NAMES)}
_WITHHELD_AT = [_INDEX[n] for n in WITHHELD_FIELDS]
_CMP_AT = [_INDEX["compared_to_parent"], _INDEX["compared_to_france"]]
_REASONS = {Suppression.PRIMARY, Suppression.COMPLEMENTARY, Suppression.MASKED_AT_SOURCE}


_CODE, _SET = _INDEX["area_code"], _INDEX["set_code"]
_SUPPRESSED, _SUPPRESSION = _INDEX["suppressed"], _INDEX["suppression"]
_UNRELIABLE, _NOT_COMPUTABLE = _INDEX["unreliable"], _INDEX["not_computable"]


def published_value_q() -> Q:
    """The rows ``public_row`` leaves a number in, as a filter, for reads that want only published numbers
    from the database (a spread over a level) without formatting every row: the same rule, same reasons."""
    return Q(suppressed=False) & ~Q(suppression__in=[reason.value for reason in _REASONS]) & Q(value__isnull=False)


def public_row(row: tuple) -> list:
    """One values_list tuple as published: territory codes as <set>:<code>, withheld values emptied, and
    blank comparisons as None."""
    out = list(row)
    if out[_SET]:
        out[_CODE] = f"{out[_SET]}{TERRITORY_SEPARATOR}{out[_CODE]}"
    reason = out[_SUPPRESSION]
    if out[_SUPPRESSED] or reason in _REASONS:
        out[_SUPPRESSED] = True
        out[_SUPPRESSION] = reason or Suppression.PRIMARY.value
        # "Unreliable" means fewer than unreliable_below events: on a complementary suppression (a count
        # above the threshold) it would bound the withheld count.
        out[_UNRELIABLE] = False
        for i in _WITHHELD_AT:
            out[i] = None
        for i in _CMP_AT:
            out[i] = None
    else:
        out[_SUPPRESSION] = None
        for i in _CMP_AT:
            out[i] = out[i] or None
    return out


def value_note(row: list, simulated: bool) -> str:
    """Why a value is withheld, unreliable, missing or simulated, in the active language; "" otherwise."""
    notes = []
    if row[_SUPPRESSED]:
        notes.append(str(Suppression(row[_SUPPRESSION]).label))
    elif row[_NOT_COMPUTABLE]:
        notes.append(_("non calculable"))
    if row[_UNRELIABLE]:
        notes.append(_("peu fiable (trop peu d'événements)"))
    if simulated:
        notes.append(_("données simulées"))
    return "; ".join(notes)
