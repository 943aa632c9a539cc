"""Disclosure audit of a published (or unpublished) release of one indicator: docs/methods/disclosure.md."""

from __future__ import annotations

import numpy as np
import pandas as pd

from indicators.compute.audit import AuditResult, feasible_intervals
from indicators.compute.geography import rollup
from indicators.models import Indicator, IndicatorPublication
from indicators.selectors import geography_frame, release_cell_frame


class AuditError(Exception):
    """The audit cannot run (no such release of the indicator); the message is for the user."""


def indicator_disclosure_audit(indicator: Indicator, release_id: int | None = None) -> AuditResult:
    """Each withheld count's feasible interval given every count the release publishes for ``indicator``.

    Every area of the numerator's level is a source, with data or not (an area without a row is an unknown
    the attacker must bound too); parents sum them along the same hierarchy the pipeline rolls up.
    """
    if release_id is None:
        publication = IndicatorPublication.objects.filter(indicator=indicator).first()
        if publication is None:
            raise AuditError(f"indicator {indicator.code} has no published release")
        release_id = publication.release_id
    cells = release_cell_frame(indicator, release_id)
    if cells.empty:
        raise AuditError(f"release {release_id} holds no value of indicator {indicator.code}")
    geo = geography_frame()
    level = indicator.numerator_dataset.level
    observed = geo.areas.loc[(geo.areas["level"] == level) & geo.areas["territory_set_id"].isna(), "id"]
    targets, matrix = rollup(geo, level, observed.to_numpy(dtype=np.int64))
    coo = matrix.tocoo()
    sources = pd.DataFrame({"target": targets[coo.row], "source": observed.to_numpy(dtype=np.int64)[coo.col]})
    return feasible_intervals(cells, sources, threshold=indicator.disclosure_threshold)
