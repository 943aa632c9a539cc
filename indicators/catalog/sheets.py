"""The metadata sheet of an indicator (plain Python, no Django): what a reader needs to trust a figure.

Each catalog entry carries a ``sheet`` mapping (docs/catalog.md). Some fields follow from the method and
are filled in when the entry does not say otherwise (``method_label``, ``ci_method``,
``standard_population``); every field must end up present and non-empty. The date of the last computation
is not in the YAML: it comes from the indicator's publication (indicators.selectors.indicator_sheet).
"""

from __future__ import annotations

from urllib.parse import urlparse

LEVELS = ("commune", "epci", "territory", "department", "region", "country")
SOURCE_FIELDS = ("publisher", "dataset", "licence", "vintage", "url")
# Written by the author of the entry, never derived.
AUTHORED_FIELDS = ("numerator", "denominator", "population", "levels", "periods", "limits", "source")
DERIVED_FIELDS = ("method_label", "ci_method", "standard_population")
SHEET_FIELDS = (*AUTHORED_FIELDS, *DERIVED_FIELDS)

METHOD_LABELS = {
    "count": "Effectif",
    "crude_rate": "Taux brut",
    "proportion": "Proportion",
    "mean": "Moyenne",
    "dsr": "Taux standardisé sur l'âge (méthode directe)",
    "isr": "Taux standardisé (méthode indirecte)",
    "smr": "Indice comparatif (observés / attendus)",
    "life_expectancy": "Espérance de vie",
    "density": "Densité",
    "ratio": "Rapport à une période de référence",
    "published": "Valeur publiée par le producteur",
}
CI_METHODS = {
    "count": "Loi de Poisson : limites exactes sous 10 événements, approximation de Byar au-delà (95 % et 99,8 %)",
    "crude_rate": "Loi de Poisson : limites exactes sous 10 événements, approximation de Byar au-delà "
                  "(95 % et 99,8 %), dénominateur supposé sans erreur",
    "proportion": "Score de Wilson (95 % et 99,8 %)",
    "mean": "Aucun intervalle (données agrégées sans dispersion)",
    "dsr": "Méthode de Dobson (95 % et 99,8 %) ; non calculé sous 10 événements",
    "isr": "Limites de Poisson (exactes / Byar) des observés rapportées aux attendus",
    "smr": "Limites de Poisson (exactes / Byar) des observés rapportées aux attendus",
    "life_expectancy": "Variance de Silcocks (95 % et 99,8 %)",
    "density": "Aucun intervalle (quotient d'une population par une superficie)",
    "ratio": "Limites de Poisson exactes (Garwood, loi du khi-deux) du nombre observé, rapportées à la "
             "référence supposée sans erreur (95 % et 99,8 %)",
    "published": "Aucun intervalle : le producteur n'en publie pas",
}
STANDARDISED = {"dsr", "isr", "smr"}
NO_STANDARD = "Sans objet (indicateur non standardisé)"


def _blank(value) -> bool:
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, dict)):
        return not value
    return value is None


def complete_sheet(entry: dict) -> dict:
    """The entry's sheet with the derived fields filled in (what is stored and shown)."""
    sheet = dict(entry.get("sheet") or {})
    method = entry.get("method", "")
    sheet.setdefault("method_label", METHOD_LABELS.get(method, ""))
    sheet.setdefault("ci_method", CI_METHODS.get(method, ""))
    code = str(entry.get("standard_population") or "")
    if code == "esp2013":
        sheet.setdefault("standard_population", "Population standard européenne 2013 (Eurostat)")
    elif code.startswith("france-"):
        sheet.setdefault("standard_population", f"Population de la France au 1er janvier {code[7:]} (estimation Insee)")
    elif method not in STANDARDISED:
        sheet.setdefault("standard_population", NO_STANDARD)
    return sheet


def sheet_errors(entry: dict) -> list[tuple[str, str]]:
    """(key, reason) for every sheet field missing or empty, once the derived fields are filled in."""
    raw = entry.get("sheet")
    if not isinstance(raw, dict):
        return [("sheet", "missing metadata sheet (a mapping: " + ", ".join(AUTHORED_FIELDS) + ")")]
    sheet = complete_sheet(entry)
    errors = [(f"sheet.{key}", "unknown key") for key in raw if key not in SHEET_FIELDS]
    errors += [(f"sheet.{key}", "missing or empty") for key in SHEET_FIELDS if _blank(sheet.get(key))]
    levels = sheet.get("levels")
    if isinstance(levels, list):
        errors += [("sheet.levels", f"unknown level {level!r} (one of {', '.join(LEVELS)})")
                   for level in levels if level not in LEVELS]
    elif levels is not None:
        errors.append(("sheet.levels", "must be a list of levels"))
    source = sheet.get("source")
    if isinstance(source, dict):
        errors += [(f"sheet.source.{key}", "missing or empty") for key in SOURCE_FIELDS if _blank(source.get(key))]
        errors += [(f"sheet.source.{key}", "unknown key") for key in source if key not in SOURCE_FIELDS]
        url = urlparse(str(source.get("url") or ""))
        if source.get("url") and (url.scheme != "https" or not url.netloc):
            errors.append(("sheet.source.url", f"not an https URL of the publisher's page: {source['url']!r}"))
    elif source is not None:
        errors.append(("sheet.source", "must be a mapping of " + ", ".join(SOURCE_FIELDS)))
    return errors
