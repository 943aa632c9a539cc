"""The indicator computation pipeline, free of Django: DataFrames of observations in, a DataFrame of values out.

Stages (docs/architecture.md): filter -> dense cube (area x period x sex x age band) -> pool periods ->
roll up to every level through commune memberships -> statistic (indicators.stats) -> disclosure control
-> comparisons with parent and France -> quantiles and map classes.
"""

from .pipeline import VALUE_COLUMNS, ComputeResult, compute_indicator
from .spec import ComputeError, DataFilter, Geography, IndicatorSpec

__all__ = ["VALUE_COLUMNS", "ComputeError", "ComputeResult", "DataFilter", "Geography", "IndicatorSpec",
           "compute_indicator"]
