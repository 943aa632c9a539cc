"""Reads of the indicator engine. ``engine``: runs and the bulk frames the compute pipeline eats; ``pages``:
the atlas pages' reads (themes, choices, one level's values, series, profile rows, population pyramid);
``values``: published values as filtered, disclosure-safe rows; ``profiles``: one area's latest values beside
its parent's and France's; ``catalog``: themes, indicators and their coverage; ``releases``: releases and
what changed between them."""

from .engine import (
    OBSERVATION_COLUMNS,
    PG_CHUNKS,
    geography_frame,
    indicator_is_simulated,
    indicator_list,
    indicator_sheet,
    indicator_simulated_ids,
    indicator_value_list,
    observation_frame,
    observation_frames,
    release_cell_frame,
    run_detail,
)

__all__ = [
    "OBSERVATION_COLUMNS",
    "PG_CHUNKS",
    "geography_frame",
    "indicator_is_simulated",
    "indicator_list",
    "indicator_sheet",
    "indicator_simulated_ids",
    "indicator_value_list",
    "observation_frame",
    "observation_frames",
    "release_cell_frame",
    "run_detail",
]
