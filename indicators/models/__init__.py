"""Indicator engine models (contract: datasets -> observations -> indicators -> runs -> releases -> values)."""

from .catalog import Indicator, empty_filter
from .choices import Comparison, Method, Polarity, Pooling, Sex
from .datasets import Dataset, Observation, Upload
from .runs import IndicatorPublication, Release, Run
from .stamps import IndicatorStamp, SourceStamp
from .values import Value

__all__ = [
    "Comparison",
    "Dataset",
    "Indicator",
    "IndicatorPublication",
    "IndicatorStamp",
    "Method",
    "Observation",
    "Polarity",
    "Pooling",
    "Release",
    "Run",
    "Sex",
    "SourceStamp",
    "Upload",
    "Value",
    "empty_filter",
]
