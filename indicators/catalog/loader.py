"""Read catalog YAML files: each holds ``indicators: [ {...}, ... ]`` (see docs/catalog.md)."""

from pathlib import Path

import yaml

from .validation import CatalogError, entry_errors

DEFINITIONS_DIR = Path(__file__).resolve().parent / "definitions"


def catalog_files(path: Path | None = None) -> list[Path]:
    path = Path(path or DEFINITIONS_DIR)
    return sorted(path.glob("*.yaml")) + sorted(path.glob("*.yml")) if path.is_dir() else [path]


def read_catalog(path: Path | None = None, datasets: set[str] = frozenset(), standard_populations=(),
                 standard_forms: str = "") -> tuple[list[dict], list[CatalogError]]:
    """All entries (each with ``catalog_file``) and all errors of every file; codes must be unique overall.

    ``standard_populations``/``standard_forms``: the accepted codes and their description
    (indicators.services.standard_populations, the list compute also uses)."""
    entries, errors, seen = [], [], {}
    for file in catalog_files(path):
        name = str(file)
        try:
            document = yaml.safe_load(file.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            errors.append(CatalogError(name, "", f"unreadable YAML: {exc}"))
            continue
        items = document.get("indicators") if isinstance(document, dict) else None
        if not isinstance(items, list):
            errors.append(CatalogError(name, "indicators", "missing list of indicators"))
            continue
        for position, entry in enumerate(items):
            label = entry.get("code") if isinstance(entry, dict) and entry.get("code") else f"#{position + 1}"
            errors += [CatalogError(name, f"{label}.{key}" if key else label, reason)
                       for key, reason in entry_errors(entry, datasets, standard_populations, standard_forms)]
            if isinstance(entry, dict) and entry.get("code"):
                if entry["code"] in seen:
                    errors.append(CatalogError(name, f"{label}.code", f"duplicate code (also in {seen[entry['code']]})"))
                seen[entry["code"]] = name
                entries.append({**entry, "catalog_file": name})
    if not catalog_files(path):
        errors.append(CatalogError(str(path), "", "no catalog file found"))
    return entries, errors
