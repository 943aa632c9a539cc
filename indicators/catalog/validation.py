"""Validate catalog entries (plain Python, no Django import): every problem names the file, the key and why."""

from collections.abc import Collection
from dataclasses import dataclass

from .sheets import sheet_errors

METHODS = {"count", "crude_rate", "proportion", "mean", "dsr", "isr", "smr", "life_expectancy", "density",
           "ratio", "published"}
NEEDS_DENOMINATOR = {"crude_rate", "proportion", "mean", "dsr", "isr", "smr", "life_expectancy", "ratio"}
NO_DENOMINATOR = {"count", "density", "published"}
NEEDS_STANDARD = {"dsr", "isr", "smr"}
POLARITIES = {"high_is_good", "low_is_good", "none"}
POOLINGS = {1, 3, 5}
SEXES = {None, "M", "F", "T"}
REQUIRED = ["code", "label_fr", "label_en", "theme", "definition", "method", "numerator", "polarity", "unit", "source",
            "sheet"]
OPTIONAL = {"denominator", "multiplier", "standard_population", "pooling", "disclosure_threshold",
            "unreliable_below", "notes", "is_active"}
FILTER_KEYS = {"dataset", "sex", "age_min", "age_max", "category", "periods"}
DENOMINATOR_ONLY = {"reference_periods", "carry_forward"}


@dataclass
class CatalogError:
    file: str
    key: str
    reason: str

    def __str__(self):
        return f"{self.file}: {self.key}: {self.reason}"


def _years_errors(where: str, spec: dict) -> list[tuple[str, str]]:
    errors = []
    for key in ("periods", "reference_periods"):
        years = spec.get(key)
        if years is not None and (not isinstance(years, list) or not years or not all(
                isinstance(y, int) and not isinstance(y, bool) and 1900 <= y <= 2100 for y in years)):
            errors.append((f"{where}.{key}", f"must be a non-empty list of years, got {years!r}"))
    if "carry_forward" in spec and not isinstance(spec["carry_forward"], bool):
        errors.append((f"{where}.carry_forward", "must be true or false"))
    if spec.get("reference_periods") and spec.get("carry_forward"):
        errors.append((f"{where}.carry_forward", "a reference-period mean already covers every year"))
    return errors


def _filter_errors(where: str, spec, datasets: set[str]) -> list[tuple[str, str]]:
    if not isinstance(spec, dict):
        return [(where, "must be a mapping with at least 'dataset'")]
    allowed = FILTER_KEYS | (DENOMINATOR_ONLY if where == "denominator" else set())
    errors = [(f"{where}.{k}", "unknown key") for k in spec if k not in allowed]
    errors += _years_errors(where, spec)
    if not spec.get("dataset"):
        errors.append((f"{where}.dataset", "missing dataset"))
    elif spec["dataset"] not in datasets:
        errors.append((f"{where}.dataset", f"unknown dataset {spec['dataset']!r}"))
    if spec.get("sex") not in SEXES:
        errors.append((f"{where}.sex", f"unknown sex {spec.get('sex')!r} (M, F, T or null)"))
    for bound in ("age_min", "age_max"):
        value = spec.get(bound)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 120):
            errors.append((f"{where}.{bound}", f"{value!r} is not an age (integer 0-120 or null)"))
    lo, hi = spec.get("age_min"), spec.get("age_max")
    if isinstance(lo, int) and isinstance(hi, int) and lo > hi:
        errors.append((f"{where}.age_max", f"age_max {hi} is below age_min {lo}"))
    return errors


def entry_errors(entry, datasets: set[str], standard_populations: Collection[str] = (),
                 standard_forms: str = "") -> list[tuple[str, str]]:
    """(key, reason) pairs for one indicator entry; ``datasets`` holds the known dataset codes,
    ``standard_populations`` the accepted standard population codes (indicators.services.standard_populations)
    and ``standard_forms`` how to write them, for the messages."""
    if not isinstance(entry, dict):
        return [("", "an indicator must be a mapping")]
    errors = [(k, "missing") for k in REQUIRED if entry.get(k) in (None, "")]
    errors += [(k, "unknown key") for k in entry if k not in REQUIRED and k not in OPTIONAL]
    method = entry.get("method")
    if method and method not in METHODS:
        errors.append(("method", f"unknown method {method!r} (one of {', '.join(sorted(METHODS))})"))
    if entry.get("numerator") is not None:
        errors += _filter_errors("numerator", entry["numerator"], datasets)
    if entry.get("denominator") is not None:
        errors += _filter_errors("denominator", entry["denominator"], datasets)
        if method in NO_DENOMINATOR:
            errors.append(("denominator", f"method {method} takes no denominator dataset"))
    elif method in NEEDS_DENOMINATOR:
        errors.append(("denominator", f"method {method} needs a denominator"))
    if entry.get("polarity") and entry["polarity"] not in POLARITIES:
        errors.append(("polarity", f"bad polarity {entry['polarity']!r} (high_is_good, low_is_good or none)"))
    multiplier = entry.get("multiplier", 1)
    if not isinstance(multiplier, (int, float)) or isinstance(multiplier, bool) or multiplier <= 0:
        errors.append(("multiplier", f"multiplier must be a number > 0, got {multiplier!r}"))
    if entry.get("pooling", 1) not in POOLINGS:
        errors.append(("pooling", f"pooling must be 1, 3 or 5 years, got {entry.get('pooling')!r}"))
    standard = entry.get("standard_population", "")
    if method == "dsr" and not standard:
        errors.append(("standard_population", f"method dsr needs a standard population ({standard_forms})"))
    if standard and standard not in standard_populations:
        errors.append(("standard_population", f"unknown standard population {standard!r} (use {standard_forms})"))
    for key in ("disclosure_threshold", "unreliable_below"):
        if key in entry and (not isinstance(entry[key], int) or entry[key] < 0):
            errors.append((key, "must be a non-negative integer"))
    if "sheet" in entry:
        errors += sheet_errors(entry)
    return errors
