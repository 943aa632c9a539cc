"""What each atlas page shows, assembled from the selectors (reads) and the pure modules (classes, state).

Views only call these and render; nothing here queries the ORM directly.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from atlas import classify
from atlas.state import PageState, page_state
from geo import selectors as geo_selectors
from geo.models import Level
from indicators.selectors import pages as selectors
from indicators.selectors import profiles
from indicators.models import Comparison, Sex

FLAG_LABELS = {
    "suppressed": gettext_lazy("Secret statistique (petits effectifs)"),
    "masked": gettext_lazy("Masquée par le producteur"),
    "not_computable": gettext_lazy("Non calculable"),
    "unreliable": gettext_lazy("Peu fiable (petits effectifs)"),
}


# Thousands and decimal separators of each language (Django's own for fr and en). number_format costs ~80 µs a
# call, which made a 1,200-commune page spend a second formatting numbers.
SEPARATORS = {"fr": ("\xa0", ","), "en": (",", ".")}


def fmt(value, digits: int = 1) -> str:
    """A number in the page's language ("1 234,5" in French); "–" when it is not known."""
    if value is None:
        return "–"
    thousands, decimal = SEPARATORS.get(get_language(), SEPARATORS["fr"])
    text = f"{value:,.{int(digits)}f}"
    return text.replace(",", "\x00").replace(".", decimal).replace("\x00", thousands)


def indicator_label(indicator) -> str:
    return indicator.label_en if get_language() == "en" and indicator.label_en else indicator.label_fr


def value_flag(row: dict) -> str:
    if row["suppression"] == "masked_at_source":
        return "masked"
    if row["suppressed"]:
        return "suppressed"
    if row["not_computable"] or row["value"] is None:
        return "not_computable"
    return "unreliable" if row["unreliable"] else ""


def profile_url(level: str, code: str) -> str:
    return reverse("atlas:territory", args=[level, code])


def france_area():
    return geo_selectors.area_list(level=Level.COUNTRY).first()


# --- home ------------------------------------------------------------------------------------------------

def home_context() -> dict:
    themes = [(theme or _("Autres indicateurs"), [(i, indicator_label(i)) for i in indicators])
              for theme, indicators in selectors.indicator_theme_list()]
    return {"themes": themes, "release_date": selectors.release_current_date()}


def search_context(q: str) -> dict:
    q = (q or "").strip()[:100]
    if not q:
        return {"q": "", "indicators": [], "areas": []}
    indicators = [(i, indicator_label(i)) for i in selectors.indicator_search(q)]
    areas = [{"area": a, "url": profile_url(a.level, a.public_code), "level_label": str(Level(a.level).label)}
             for a in geo_selectors.area_search_ranked(q, limit=20)]
    return {"q": q, "indicators": indicators, "areas": areas}


# --- indicator page --------------------------------------------------------------------------------------

def _parent_choices() -> list[dict]:
    rows = []
    for level in ("region", "department"):
        for area in geo_selectors.area_list(level=level).order_by("code"):
            rows.append({"value": f"{level}:{area.code}", "label": f"{area.name} ({area.code})",
                         "level": level})
    return rows


def _classes(rows: list[dict], state: PageState, indicator) -> tuple[list, list[dict]]:
    """Colour of each row and the legend entries (colour classes first, then the flags shown)."""
    values = [r["value"] for r in rows]
    legend = []
    if state.method == "significance":
        colors = [classify.SIGNIFICANCE.get(r["cmp_france"] or "not_compared") if r["value"] is not None else None
                  for r in rows]
        shown = {r["cmp_france"] or "not_compared" for r in rows if r["value"] is not None}
        for key in classify.SIGNIFICANCE_ORDER:
            if key in shown:
                legend.append({"color": classify.SIGNIFICANCE[key], "label": str(Comparison(key).label),
                               "pattern": ""})
    else:
        limits = classify.class_limits(values, state.method)
        colors_by_class = classify.palette(len(limits))
        index = classify.class_index(values, limits)
        colors = [None if i is None else colors_by_class[i] for i in index]
        for (low, high), color in zip(classify.class_ranges(values, limits), colors_by_class):
            legend.append({"color": color, "label": f"{fmt(low)} – {fmt(high)}", "pattern": ""})
    return colors, legend


def _hover(row: dict, unit: str) -> str:
    lines = [f"<b>{row['name']}</b> ({row['code']})"]
    if row["value"] is None:
        lines.append(str(FLAG_LABELS[row["flag"]]))
    else:
        lines.append(f"{_('Valeur')} : {fmt(row['value'])} {unit}".strip())
        if row["lower_95"] is not None:
            lines.append(f"{_('IC 95 %')} : [{fmt(row['lower_95'])} ; {fmt(row['upper_95'])}]")
        if row["numerator"] is not None:
            lines.append(f"{_('Numérateur')} : {fmt(row['numerator'], 0)} · "
                         f"{_('Dénominateur')} : {fmt(row['denominator'], 0)}")
        if row["flag"] == "unreliable":
            lines.append(str(FLAG_LABELS["unreliable"]))
    return "<br>".join(lines)


def _export_links(indicator, state: PageState) -> list[dict]:
    base = reverse("indicator-values", args=[indicator.code])
    params = {"level": state.level, "period": state.period, "sex": state.sex}
    if state.level == "commune" and state.parent:
        params.update(parent=state.parent_code, parent_level=state.parent_level)
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return [
        {"label": _("CSV (séparateur virgule, point décimal)"), "url": f"{base}?{query}&format=csv"},
        {"label": _("CSV pour Excel en français (point-virgule, virgule décimale)"),
         "url": f"{base}?{query}&format=csv&dialect=excel-fr"},
        {"label": _("GeoJSON (QGIS)"), "url": f"{base}?{query}&format=geojson"},
        {"label": _("JSON (API)"), "url": f"{base}?{query}"},
    ]


def indicator_context(indicator, params) -> dict:
    choices = selectors.indicator_choice_map(indicator)
    parents = _parent_choices()
    default_parent = next((p["value"] for p in parents if p["level"] == "department"), "")
    state = page_state(params, choices, default_parent)
    parent = None
    if state.parent:
        try:
            parent = geo_selectors.area_get(state.parent_level, state.parent_code)
        except geo_selectors.AreaNotFound:
            state.parent, parent = default_parent, None
    rows = selectors.indicator_page_values(indicator, level=state.level, period=state.period, sex=state.sex,
                                           parent=parent) if state.level else []
    for row in rows:
        row["flag"] = value_flag(row)
    colors, legend = _classes(rows, state, indicator)
    for row, color in zip(rows, colors):
        row["color"] = color
        row["hover"] = _hover(row, indicator.unit)
        row["url"] = profile_url(row["level"], row["code"])
        row["cmp_label"] = str(Comparison(row["cmp_france"]).label) if row["cmp_france"] else ""
    flags = sorted({r["flag"] for r in rows if r["flag"]}, key=list(FLAG_LABELS).index)
    legend += [{"color": "", "label": str(FLAG_LABELS[f]), "pattern": f} for f in flags]
    simulated = selectors.indicator_is_simulated(indicator)
    references = _references(indicator, state, parent)
    chosen = [r for r in rows if r["code"] in state.areas]
    series = _series(indicator, state, chosen, references)
    label = indicator_label(indicator)
    map_data = {
        "level": state.level, "parent": state.parent, "unit": indicator.unit, "title": label,
        "period": state.period, "simulated": simulated,
        "source": indicator.source, "rows": [_map_row(r) for r in rows], "legend": legend,
        "references": [{"name": ref["label"], "value": ref["value"]} for ref in references
                       if ref["value"] is not None],
        "series": series,
        "geojsonUrl": reverse("api-geojson", args=[state.level or "department"]),
        "strings": _chart_strings(),
    }
    return {
        "indicator": indicator, "label": label, "state": state, "legend": legend,
        # Highest value first, withheld and missing values last.
        "rows": sorted(rows, key=lambda r: (r["value"] is None, -(r["value"] or 0.0), r["name"])),
        "simulated": simulated, "parents": parents, "parent": parent, "references": references,
        "map_data": map_data, "exports": _export_links(indicator, state), "flag_labels": FLAG_LABELS,
        "level_labels": {lv: Level(lv).label for lv in state.levels},
        "sex_labels": {s: Sex(s).label for s in state.sexes},
        "method_labels": method_labels(), "fmt": fmt,
    }


def method_labels() -> dict:
    return {"quantile": _("Quintiles"), "jenks": _("Seuils naturels (Fisher-Jenks)"),
            "equal": _("Intervalles égaux"), "significance": _("Écart significatif à la France")}


def _map_row(r: dict) -> dict:
    return {"code": r["code"], "name": r["name"], "value": r["value"], "lo": r["lower_95"], "hi": r["upper_95"],
            "flag": r["flag"], "color": r["color"], "hover": r["hover"], "url": r["url"]}


def _references(indicator, state: PageState, parent) -> list[dict]:
    areas = [a for a in (france_area(), parent) if a is not None]
    if not areas or not state.level:
        return []
    rows = {r["area_id"]: r for r in selectors.indicator_area_values(
        indicator, [a.pk for a in areas], sex=state.sex, period=state.period)}
    return [{"area": a, "label": a.name, "value": rows.get(a.pk, {}).get("value"),
             "row": rows.get(a.pk)} for a in areas]


def _series(indicator, state: PageState, chosen: list[dict], references: list[dict]) -> list[dict]:
    ids = [r["area_id"] for r in chosen] + [ref["area"].pk for ref in references]
    if not ids or len(state.periods) < 2:
        return []
    names = {r["area_id"]: r["name"] for r in chosen} | {ref["area"].pk: ref["label"] for ref in references}
    lines: dict[int, dict] = {}
    for row in selectors.indicator_area_values(indicator, ids, sex=state.sex):
        line = lines.setdefault(row["area_id"], {"name": names[row["area_id"]], "x": [], "y": []})
        line["x"].append(row["period"])
        line["y"].append(row["value"])
    return [lines[i] for i in ids if i in lines]


def _chart_strings() -> dict:
    return {
        "ranking": _("Classement des territoires"), "series": _("Évolution"), "france": _("France"),
        "source": _("Source"), "loadError": _("La carte n'a pas pu être chargée."), "value": _("Valeur"),
        "period": _("Période"), "noData": _("Pas de donnée"),
    }


# --- territory profile and comparison --------------------------------------------------------------------

# The significance test's verdicts (indicators.stats.trend) in the page's language; "cannot be calculated"
# shows nothing.
TREND_LABELS = {
    "decreasing": gettext_lazy("En baisse"), "increasing": gettext_lazy("En hausse"),
    "no significant change": gettext_lazy("Pas d'évolution significative"),
    "decreasing and getting worse": gettext_lazy("En baisse, en dégradation"),
    "decreasing and getting better": gettext_lazy("En baisse, en amélioration"),
    "increasing and getting better": gettext_lazy("En hausse, en amélioration"),
    "increasing and getting worse": gettext_lazy("En hausse, en dégradation"),
}


def _trend(series: list[dict], verdict: str) -> dict:
    known = [r for r in series if r["value"] is not None]
    test = str(TREND_LABELS[verdict]) if verdict in TREND_LABELS else ""
    if len(known) < 2:
        return {"label": "", "symbol": "", "test": test}
    first, last = known[0], known[-1]
    change = (last["value"] - first["value"]) / abs(first["value"]) if first["value"] else 0.0
    symbol = "↗" if change > 0.02 else "↘" if change < -0.02 else "→"
    return {"symbol": symbol, "test": test, "label": f"{first['period']} : {fmt(first['value'])} → "
                                                     f"{last['period']} : {fmt(last['value'])}"}


def _page_line(line) -> dict:
    """One profile line (indicators.selectors.profiles, as the API reads it) in the pages' row names."""
    latest = selectors.page_row(line.latest)
    latest["flag"] = value_flag(latest)
    series = [selectors.page_row(r) for r in line.series]
    return {
        "indicator": line.info, "label": line.info.label(get_language()), "sex": line.sex,
        "period": line.period, "latest": latest,
        "references": [selectors.page_row(r) if r is not None else None for r in line.references],
        "cmp": latest["cmp_france"], "cmp_label": str(Comparison(latest["cmp_france"]).label)
        if latest["cmp_france"] else "", "cmp_color": classify.SIGNIFICANCE.get(latest["cmp_france"], ""),
        "flag_label": str(FLAG_LABELS[latest["flag"]]) if latest["flag"] else "",
        "trend": _trend(series, line.trend),
        "series": {"x": [r["period"] for r in series], "y": [r["value"] for r in series]},
    }


def profile_lines(area, references: list) -> list[dict]:
    return [_page_line(line) for line in profiles.profile_lines(area, references)]


def _spine(lines: list[dict], spread: list[dict | None], france_at: int | None) -> list[dict]:
    """The spine chart's rows: the area's value, the level's spread and France's value, for the lines that
    have all three (the script centres each row on France and puts "better" on the right). Counts are left
    out: France's count is not a yardstick for an area's."""
    rows = []
    for line, s in zip(lines, spread):
        if line["indicator"].method == "count":
            continue
        value = line["latest"]["value"]
        france = line["references"][france_at] if france_at is not None else None
        if value is None or s is None or france is None or france["value"] is None or s["count"] < 2:
            continue
        line["spread"] = s
        rows.append({"label": line["label"], "value": value, "france": france["value"], **s,
                     "polarity": line["indicator"].polarity, "color": line["cmp_color"] or "#969696",
                     "unit": line["indicator"].unit})
    return rows


def territory_context(level: str, code: str) -> dict:
    detail = geo_selectors.area_detail(level, code)
    profile = profiles.profile_of(detail.area)
    references = [a for _role, a in profile.references]
    lines = [_page_line(line) for line in profile.lines]
    france_at = next((i for i, a in enumerate(references) if a.level == Level.COUNTRY), None)
    spine = _spine(lines, profiles.profile_spread(profile.lines, detail.area.level), france_at)
    pyramid = selectors.population_pyramid(detail.area)
    csv_url = reverse("area-profile", args=[level, code]) + "?format=csv"
    return {"detail": detail, "area": detail.area, "code": code, "references": references, "lines": lines,
            "pyramid": pyramid, "fmt": fmt, "spine": spine,
            "pyramid_rows": list(zip(pyramid["bands"], pyramid["men"], pyramid["women"])) if pyramid else [],
            "level_label": Level(detail.area.level).label,
            "chart_data": {"pyramid": pyramid, "spine": spine, "strings": {
                "men": _("Hommes"), "women": _("Femmes"), "title": _("Pyramide des âges"),
                "spineTitle": _("Le territoire parmi ceux de même niveau, centré sur la France"),
                "worse": _("← moins bon (ou plus bas)"), "better": _("meilleur (ou plus haut) →"),
                "range": _("Étendue"), "quartiles": _("25e – 75e centile"), "area": detail.area.name,
                "france": _("France"), "source": _("Source : Atlas Santé, valeurs publiées")}},
            "csv_url": csv_url, "csv_fr_url": csv_url + "&dialect=excel-fr",
            "compare_url": reverse("atlas:compare") + f"?a={level}:{code}"}


def compare_context(keys: list[str]) -> dict:
    """Areas given as ``<level>:<code>`` side by side: each indicator's latest value of each area."""
    areas, errors = [], []
    for key in keys[:6]:
        level, _sep, code = key.partition(":")
        try:
            areas.append(geo_selectors.area_get(level, code))
        except (geo_selectors.AreaNotFound, ValueError):
            errors.append(key)
    table: dict[str, dict] = {}
    for column, area in enumerate(areas):
        for line in profile_lines(area, []):
            entry = table.setdefault(line["indicator"].code, {"label": line["label"], "cells": [None] * len(areas)})
            entry["cells"][column] = line
    return {"areas": areas, "errors": errors, "table": list(table.values()), "keys": keys, "fmt": fmt}
