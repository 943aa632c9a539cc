"""An area's profile: every published indicator's latest value for the area (both sexes), beside its
parent's and France's for the same period, with the comparisons and the recent trend (last 5 periods,
indicators.stats.trend). Rows go through ``public_row``, so a withheld value is null here too and the trend
of a series holding one cannot be calculated (it never uses a withheld count)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from django.db.models import Q

from geo.models import Area, Level
from geo.selectors import area_get
from indicators.models import Sex, Value
from indicators.selectors.values import (
    NAMES, ORM_FIELDS, IndicatorInfo, indicator_infos, period_key, public_row, value_pairs,
)
from indicators.stats import StatsInputError
from indicators.stats.trend import recent_trend

TREND_POINTS = 5
# Methods whose numerator and denominator the trend test applies to (others: "cannot be calculated").
TREND_METHODS = {"crude_rate": "rate", "proportion": "proportion"}
UNKNOWN_TREND = "cannot be calculated"
_I = {name: i for i, name in enumerate(NAMES)}


def _brief(row: list | None) -> dict | None:
    if row is None:
        return None
    return {name: row[_I[name]] for name in ("area_code", "area_name", "area_level", "value", "lower_ci_95",
                                              "upper_ci_95", "lower_ci_99_8", "upper_ci_99_8", "numerator",
                                              "denominator", "suppressed", "unreliable")}


def _trend(info: IndicatorInfo, series: list[list]) -> dict:
    last = series[-TREND_POINTS:]
    points = [{"period": r[_I["period"]], "value": r[_I["value"]]} for r in last]
    statistic = TREND_METHODS.get(info.method)
    label = UNKNOWN_TREND
    if statistic and len(last) == TREND_POINTS:
        frame = pd.DataFrame({"t": np.arange(TREND_POINTS), "x": [r[_I["numerator"]] for r in last],
                              "n": [r[_I["denominator"]] for r in last]}).astype(float)
        polarity = info.polarity if info.polarity in ("high_is_good", "low_is_good") else None
        try:
            label = str(recent_trend(frame, "t", "x", "n", statistic=statistic, polarity=polarity)["trend"].iloc[0])
        except StatsInputError:
            label = UNKNOWN_TREND
    return {"label": label, "points": points}


def area_profile(level: str, code: str, *, release: int | None = None, language: str = "fr") -> dict:
    """The profile of one area (raises geo.selectors.AreaNotFound)."""
    area = area_get(level, code)
    france = Area.objects.filter(level=Level.COUNTRY).order_by("id").first()
    parent = area.parent
    infos = indicator_infos()
    pairs = value_pairs(infos, release)
    ids = {a.id for a in (area, parent, france) if a is not None}
    which = Q()
    for indicator_id, release_id in pairs:
        which |= Q(indicator_id=indicator_id, release_id=release_id)
    rows = Value.objects.filter(which, area_id__in=ids, sex=Sex.BOTH).order_by().values_list(*ORM_FIELDS) \
        if pairs else []
    table: dict[int, dict[tuple[int, str], list]] = {}
    for row in rows:
        table.setdefault(row[0], {})[(row[-1], row[_I["period"]])] = public_row(row)
    entries = []
    for indicator_id, _release in pairs:
        cells = table.get(indicator_id, {})
        series = sorted((r for (a, _p), r in cells.items() if a == area.id), key=lambda r: period_key(r[_I["period"]]))
        if not series:
            continue
        info, latest = infos[indicator_id], series[-1]
        period = latest[_I["period"]]
        entries.append({
            "indicator": info.code, "indicator_label": info.label(language), "theme": info.theme,
            "unit": info.unit, "polarity": info.polarity, "period": period, "simulated": info.simulated,
            "area": _brief(latest),
            "parent": _brief(cells.get((parent.id, period))) if parent else None,
            "france": _brief(cells.get((france.id, period))) if france and france.id != area.id else None,
            "compared_to_parent": latest[_I["compared_to_parent"]],
            "compared_to_france": latest[_I["compared_to_france"]],
            "trend": _trend(info, series),
            "release": latest[_I["release"]],
        })
    entries.sort(key=lambda e: (e["theme"], e["indicator"]))
    return {"area": {"level": area.level, "code": code, "name": area.name},
            "parent": {"level": parent.level, "code": parent.code, "name": parent.name} if parent else None,
            "indicators": entries}
