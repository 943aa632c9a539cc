"""An area's profile, read by the API (``/api/v1/profiles/``, JSON and CSV) and the territory and comparison
pages alike: every published indicator's latest value for the area (both sexes where published, else the
first sex), beside the same period's values of its parent, its region and France, with the comparisons and
the recent trend (last 5 periods, indicators.stats.trend).

Rows go through ``public_row``, so a withheld value is null here too and the trend of a series holding one
cannot be calculated (it never uses a withheld count). One query reads every indicator's rows."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.db.models import Q

from geo.models import Area, Level
from geo.selectors import area_get
from indicators.models import Sex, Value
from indicators.selectors.values import (
    NAMES, ORM_FIELDS, IndicatorInfo, indicator_infos, period_key, public_row, published_value_q, value_pairs,
)
from indicators.stats import StatsInputError
from indicators.stats.trend import recent_trend

TREND_POINTS = 5
# Methods whose numerator and denominator the trend test applies to (others: "cannot be calculated").
TREND_METHODS = {"crude_rate": "rate", "proportion": "proportion"}
UNKNOWN_TREND = "cannot be calculated"
ROLES = ("parent", "region", "france")
_I = {name: i for i, name in enumerate(NAMES)}
_AREA_ID, _PERIOD, _SEX = _I["area_id"], _I["period"], _I["sex"]


@dataclass
class ProfileLine:
    """One indicator of a profile: ``latest`` and each of ``references`` are public rows (``NAMES``)."""

    info: IndicatorInfo
    sex: str
    latest: list
    references: list  # one public row or None per reference area, in the order given
    series: list      # the area's rows of that sex, oldest period first
    trend: str

    @property
    def period(self) -> str:
        return self.latest[_PERIOD]


def profile_references(area: Area) -> dict[str, Area | None]:
    """The yardsticks of ``area``: its parent, its region and France (None where there is none or where it
    is the area itself; a department's parent and region are the same area)."""
    chain, node = [], area.parent
    while node is not None and len(chain) < 6:
        chain.append(node)
        node = node.parent
    france = next((a for a in chain if a.level == Level.COUNTRY), None)
    if france is None and area.level != Level.COUNTRY:
        france = Area.objects.filter(level=Level.COUNTRY).order_by("id").first()
    parent = area.parent if area.parent is not None and area.parent.level != Level.COUNTRY else None
    region = next((a for a in chain if a.level == Level.REGION), None)
    return {"parent": parent, "region": region, "france": france}


def distinct_references(references: dict[str, Area | None]) -> list[tuple[str, Area]]:
    """(role, area) once per area, in ROLES order: a department's region appears once, as its parent."""
    seen, out = set(), []
    for role in ROLES:
        area = references.get(role)
        if area is not None and area.pk not in seen:
            seen.add(area.pk)
            out.append((role, area))
    return out


def _trend(info: IndicatorInfo, series: list[list]) -> str:
    last = series[-TREND_POINTS:]
    statistic = TREND_METHODS.get(info.method)
    if not statistic or len(last) < TREND_POINTS:
        return UNKNOWN_TREND
    frame = pd.DataFrame({"t": np.arange(TREND_POINTS), "x": [r[_I["numerator"]] for r in last],
                          "n": [r[_I["denominator"]] for r in last]}).astype(float)
    polarity = info.polarity if info.polarity in ("high_is_good", "low_is_good") else None
    try:
        return str(recent_trend(frame, "t", "x", "n", statistic=statistic, polarity=polarity)["trend"].iloc[0])
    except StatsInputError:
        return UNKNOWN_TREND


def profile_lines(area: Area, references: list[Area], *, release: int | None = None) -> list[ProfileLine]:
    """Each indicator with a value for ``area``, theme then code (raises ValueFilterError on an unknown
    release). Indicators without a value for the area are left out."""
    infos = indicator_infos()
    pairs = value_pairs(infos, release)
    if not pairs:
        return []
    which = Q()
    for indicator_id, release_id in pairs:
        which |= Q(indicator_id=indicator_id, release_id=release_id)
    ids = {area.pk, *(a.pk for a in references)}
    table: dict[int, dict[tuple[int, str, str], list]] = {}
    for row in Value.objects.filter(which, area_id__in=ids).order_by().values_list(*ORM_FIELDS):
        table.setdefault(row[0], {})[(row[_AREA_ID], row[_SEX], row[_PERIOD])] = public_row(row)
    lines = []
    for indicator_id, _release in pairs:
        cells = table.get(indicator_id, {})
        own = [(sex, r) for (a, sex, _p), r in cells.items() if a == area.pk]
        if not own:
            continue
        sexes = {sex for sex, _r in own}
        sex = Sex.BOTH.value if Sex.BOTH.value in sexes else sorted(sexes)[0]
        series = sorted((r for s, r in own if s == sex), key=lambda r: period_key(r[_PERIOD]))
        info, latest = infos[indicator_id], series[-1]
        refs = [cells.get((a.pk, sex, latest[_PERIOD])) for a in references]
        lines.append(ProfileLine(info, sex, latest, refs, series, _trend(info, series)))
    lines.sort(key=lambda line: (line.info.theme, line.info.code))
    return lines


def profile_spread(lines: list[ProfileLine], level: str) -> list[dict | None]:
    """For each line: how the published values of every area of ``level`` spread for the same indicator,
    release, period and sex ({min, q1, median, q3, max, count}, plain floats and an int), the spine chart's
    bars. Withheld values are not in it (``published_value_q``, public_row's rule), so no bound is drawn
    from a number that was not published."""
    if not lines:
        return []
    which = Q()
    for line in lines:
        which |= Q(indicator_id=line.info.id, release_id=line.latest[_I["release"]], period=line.period,
                   sex=line.sex)
    rows = Value.objects.filter(which, published_value_q(), area__level=level).order_by()
    frame = pd.DataFrame.from_records(rows.values_list("indicator_id", "value"),
                                      columns=["indicator", "value"]).astype({"value": float})
    values = frame.groupby("indicator")["value"]
    table = pd.DataFrame({"min": values.min(), "q1": values.quantile(0.25), "median": values.median(),
                          "q3": values.quantile(0.75), "max": values.max()}).astype(float)
    table["count"] = values.size()
    spread = {i: {**{k: float(v) for k, v in row.items() if k != "count"}, "count": int(row["count"])}
              for i, row in table.to_dict("index").items()}
    return [spread.get(line.info.id) for line in lines]


@dataclass
class AreaProfile:
    area: Area
    roles: dict[str, Area | None]        # parent, region, france (profile_references)
    references: list[tuple[str, Area]]   # each once, in the order of every line's ``references``
    lines: list[ProfileLine]

    def reference(self, line: ProfileLine, role: str) -> list | None:
        """``line``'s row of the area playing ``role`` (None when there is no such area or row)."""
        area = self.roles[role]
        at = next((i for i, (_r, a) in enumerate(self.references) if area is not None and a.pk == area.pk), None)
        return line.references[at] if at is not None else None


def profile_of(area: Area, *, release: int | None = None) -> AreaProfile:
    """The profile of ``area`` beside its parent, region and France (raises ValueFilterError on an unknown
    release). The API's JSON and CSV and the territory page all start here."""
    roles = profile_references(area)
    references = distinct_references(roles)
    return AreaProfile(area, roles, references, profile_lines(area, [a for _r, a in references], release=release))


def _brief(row: list | None) -> dict | None:
    if row is None:
        return None
    return {name: row[_I[name]] for name in ("area_code", "area_name", "area_level", "value", "lower_ci_95",
                                              "upper_ci_95", "lower_ci_99_8", "upper_ci_99_8", "numerator",
                                              "denominator", "suppressed", "unreliable")}


def _area_ref(area: Area | None) -> dict | None:
    return {"level": area.level, "code": area.code, "name": area.name} if area is not None else None


def area_profile(level: str, code: str, *, release: int | None = None, language: str = "fr") -> dict:
    """The profile of one area as the API's JSON (raises geo.selectors.AreaNotFound)."""
    profile = profile_of(area_get(level, code), release=release)
    spreads = profile_spread(profile.lines, profile.area.level)
    entries = [{
        "indicator": line.info.code, "indicator_label": line.info.label(language), "theme": line.info.theme,
        "unit": line.info.unit, "polarity": line.info.polarity, "period": line.period, "sex": line.sex,
        "simulated": line.info.simulated, "area": _brief(line.latest),
        **{role: _brief(profile.reference(line, role)) for role in ROLES},
        "compared_to_parent": line.latest[_I["compared_to_parent"]],
        "compared_to_france": line.latest[_I["compared_to_france"]],
        "trend": {"label": line.trend, "points": [{"period": r[_PERIOD], "value": r[_I["value"]]}
                                                  for r in line.series[-TREND_POINTS:]]},
        "spread": {"level": profile.area.level, **spread} if spread else None,
        "release": line.latest[_I["release"]],
    } for line, spread in zip(profile.lines, spreads)]
    return {"area": {"level": profile.area.level, "code": code, "name": profile.area.name},
            "parent": _area_ref(profile.roles["parent"]), "region": _area_ref(profile.roles["region"]),
            "indicators": entries}
