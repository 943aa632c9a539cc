"""Plain descriptions of what to compute: no Django, so the pipeline can be driven from tests or scripts."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

SEXES = ("M", "F", "T")
LEVELS_WITH_CONTAINING_PARENT = {"commune", "department", "region"}
CONFIDENCE = (0.95, 0.998)


class ComputeError(ValueError):
    """The indicator cannot be computed from the data given (the message says which input and why)."""


@dataclass(frozen=True)
class DataFilter:
    sex: str | None = None
    age_min: int | None = None
    age_max: int | None = None
    category: str | None = None
    # Years kept (None: every year). 2023 of SPF's files is a partial year, so rates stop at 2022.
    periods: tuple[int, ...] | None = None
    # Denominator only: the mean over these years stands for every numerator year (excess mortality:
    # deaths of 2020 against the 2018-2019 average). docs/methods/ratio.md.
    reference_periods: tuple[int, ...] | None = None
    # Denominator only: a numerator year after the denominator's last one uses that last year (INSEE
    # estimates stop at 2021; COVID admissions of 2022 are set against the 2021 population).
    carry_forward: bool = False

    @classmethod
    def from_dict(cls, raw: dict | None) -> DataFilter:
        raw = raw or {}
        periods, reference = raw.get("periods"), raw.get("reference_periods")
        return cls(raw.get("sex") or None, raw.get("age_min"), raw.get("age_max"), raw.get("category") or None,
                   tuple(int(p) for p in periods) if periods else None,
                   tuple(int(p) for p in reference) if reference else None, bool(raw.get("carry_forward")))

    @property
    def has_age_range(self) -> bool:
        return self.age_min is not None or self.age_max is not None


@dataclass
class IndicatorSpec:
    """An indicator as the pipeline needs it (mirrors indicators.models.Indicator)."""

    code: str
    method: str
    numerator_level: str
    numerator_filter: DataFilter = field(default_factory=DataFilter)
    denominator_level: str | None = None
    denominator_filter: DataFilter = field(default_factory=DataFilter)
    multiplier: float = 1.0
    # band label -> weight (already re-banded to the data's bands by the caller or by the pipeline).
    standard_weights: pd.Series | None = None
    pooling: int = 1
    polarity: str = "none"
    disclosure_threshold: int = 10
    unreliable_below: int = 20
    # Dataset codes, only to name the input in messages.
    numerator_dataset: str = ""
    denominator_dataset: str = ""

    def __post_init__(self):
        if self.pooling not in (1, 3, 5):
            raise ComputeError(f"{self.code}: pooling must be 1, 3 or 5 years, not {self.pooling!r}")


@dataclass
class Geography:
    """areas: columns id, level, parent_id, area_km2 (optional: code, for messages); memberships: commune_id, area_id."""

    areas: pd.DataFrame
    memberships: pd.DataFrame

    def france_id(self) -> int | None:
        ids = self.areas.loc[self.areas["level"] == "country", "id"]
        return int(ids.iloc[0]) if len(ids) == 1 else None

    def area_labels(self) -> pd.Series | None:
        return self.areas.set_index("id")["code"] if "code" in self.areas else None
