"""Disclosure control and reliability flags on the long result frame (area_id, period, sex, ...).

Primary suppression: a numerator below the indicator's threshold (10 by default: French SNDS/CNIL rules
for health data) withholds value, limits, numerator and denominator (stored as NULL).
Secondary suppression across sex: with M + F = T, a triple with exactly one withheld cell lets anyone
recover it by subtraction, so one more cell is withheld: the other sex when M or F is withheld, the
smaller sex when only T is. Withholding across areas (a commune recovered from its department minus its
published neighbours) is not handled here; see docs/adr/0005-disclosure-control.md.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .methods import CI_COLUMNS
from .sex_rule import secondary_across_sex

RATE_METHODS = {"crude_rate", "proportion", "dsr", "isr", "smr", "ratio"}


def apply(frame: pd.DataFrame, method: str, threshold: int, unreliable_below: int,
          masked: np.ndarray | None = None) -> pd.DataFrame:
    """``masked``: rows built from a figure the publisher masked (value unknown): withheld as
    "masked_at_source", and counted as withheld by the sex rule (an unknown cell must stay unknown)."""
    counts = frame["numerator"].to_numpy(dtype=float)
    masked = np.zeros(len(frame), dtype=bool) if masked is None else np.asarray(masked, dtype=bool)
    primary = (np.nan_to_num(counts, nan=np.inf) < threshold) & ~masked
    withheld = secondary_across_sex(frame, primary | masked, counts)
    frame["suppressed"] = withheld
    # The sex rule's mates are primary-rule cells too.
    frame["suppression"] = np.where(masked, "masked_at_source", np.where(withheld, "primary", ""))
    frame.loc[withheld, ["value", *CI_COLUMNS, "numerator", "denominator"]] = np.nan
    if method in RATE_METHODS:
        frame["unreliable"] = (np.nan_to_num(counts, nan=np.inf) < unreliable_below) & ~withheld
    else:
        frame["unreliable"] = False
    return frame
