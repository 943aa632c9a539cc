"""Readers and planners for the geography import (no database access: services.py writes).

``sources``: where each file lives and where to download it; ``cog``: COG 2026 codes, names, hierarchy,
populations; ``geojson``: validated GeoJSON reading; ``plan``: the desired state of every area;
``sync``: diff against the database and bulk writes; ``territories``: territory-set CSV.
"""


class ImportDataError(Exception):
    """Bad or missing input; the message names the file (and line/feature/field when known)."""
