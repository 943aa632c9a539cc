"""Disclosure control and reliability flags on the long result frame (area_id, period, sex, ...).

1. Primary suppression: a numerator below the indicator's threshold (10 by default: French SNDS/CNIL rules
   for health data) withholds value, limits, numerator and denominator (stored as NULL).
2. Secondary suppression across sex: with M + F = T, a triple with exactly one withheld cell lets anyone
   recover it by subtraction, so one more cell is withheld (the other sex, or the smaller sex when only T
   is withheld). Both are recorded as ``primary``.
3. Complementary suppression (``complementary.py``): more counts are withheld until no withheld count can
   be pinned down to less than the threshold from the published counts (parents are sums of children
   along every hierarchy, T = M + F, pooled periods are sums of single years); recorded ``complementary``.
   A table that cannot be protected raises DisclosureError: the run fails and nothing is published.
Method, references and limits: docs/methods/disclosure.md, docs/adr/0015-complementary-suppression.md.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .complementary import ComplementaryError, complementary_protection
from .methods import CI_COLUMNS
from .sex_rule import secondary_across_sex
from .spec import ComputeError

RATE_METHODS = {"crude_rate", "proportion", "dsr", "isr", "smr", "ratio"}


class DisclosureError(ComputeError):
    """No publishable protection of the withheld counts was found (the message names the cells)."""


def apply(frame: pd.DataFrame, method: str, threshold: int, unreliable_below: int,
          sources: pd.DataFrame | None = None, parents: pd.Series | None = None,
          masked: np.ndarray | None = None) -> tuple[pd.DataFrame, dict]:
    """Withhold, flag and say why; (frame, summary of the cells withheld by each rule).

    ``sources`` (target, source: the observed areas each area of the frame sums) enables complementary
    suppression; without it only the primary and sex rules run (a frame of observed areas alone, a
    producer's published rates). ``masked``: rows built from a figure the publisher masked (value unknown,
    NaN numerator): withheld as "masked_at_source", counted as withheld by the sex rule (an unknown cell
    must stay unknown), and unknowns to the audit (nobody, the pipeline included, knows them).
    """
    counts = frame["numerator"].to_numpy(dtype=float)
    masked = np.zeros(len(frame), dtype=bool) if masked is None else np.asarray(masked, dtype=bool)
    primary = (np.nan_to_num(counts, nan=np.inf) < threshold) & ~masked
    withheld = secondary_across_sex(frame, primary | masked, counts)
    rounds = 0
    if sources is not None and (withheld & ~masked).any():
        cells = frame[["area_id", "period", "sex", "numerator"]]
        try:
            protection = complementary_protection(cells, withheld, sources, parents, threshold)
        except ComplementaryError as error:
            raise DisclosureError(f"disclosure control: {error}") from error
        complementary, rounds = protection.mask & ~withheld, protection.rounds
    else:
        complementary = np.zeros(len(frame), dtype=bool)
    everything = withheld | complementary
    frame["suppressed"] = everything
    # The sex rule's mates are primary-rule cells too.
    frame["suppression"] = np.where(masked, "masked_at_source", np.where(
        withheld, "primary", np.where(complementary, "complementary", "")))
    frame.loc[everything, ["value", *CI_COLUMNS, "numerator", "denominator"]] = np.nan
    if method in RATE_METHODS:
        frame["unreliable"] = (np.nan_to_num(counts, nan=np.inf) < unreliable_below) & ~everything
    else:
        frame["unreliable"] = False
    summary = {"threshold": threshold, "masked_at_source": int(masked.sum()),
               "primary": int((withheld & ~masked).sum()), "complementary": int(complementary.sum()),
               "published": int((~everything).sum()), "rounds": rounds}
    return frame, summary
