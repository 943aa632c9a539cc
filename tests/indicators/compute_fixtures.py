"""A small hand-made geography for the pure pipeline tests (no database).

France (1) > Bretagne 53 (2) > Finistère 29 (10) and Morbihan 56 (11); communes Brest 29019 (100) and
Quimper 29232 (101) in 29, Vannes 56260 (102) in 56; an EPCI (20) holding Quimper and Vannes, so it crosses
the 29/56 border (its Area.parent is 29); a territory set (30, parent France) holding Brest and Vannes.
"""

import pandas as pd

from indicators.compute import Geography

FR, BRETAGNE, FINISTERE, MORBIHAN, EPCI, TERRITORY = 1, 2, 10, 11, 20, 30
BREST, QUIMPER, VANNES = 100, 101, 102


def geography() -> Geography:
    areas = pd.DataFrame(
        [
            (FR, "country", None, 550000.0, None),
            (BRETAGNE, "region", FR, 27208.0, None),
            (FINISTERE, "department", BRETAGNE, 6733.0, None),
            (MORBIHAN, "department", BRETAGNE, 6823.0, None),
            (EPCI, "epci", FINISTERE, 500.0, None),
            (TERRITORY, "territory", FR, 400.0, 1),
            (BREST, "commune", FINISTERE, 49.5, None),
            (QUIMPER, "commune", FINISTERE, 84.5, None),
            (VANNES, "commune", MORBIHAN, 32.3, None),
        ],
        columns=["id", "level", "parent_id", "area_km2", "territory_set_id"],
    )
    containing = {
        BREST: [BREST, FINISTERE, BRETAGNE, FR, TERRITORY],
        QUIMPER: [QUIMPER, FINISTERE, BRETAGNE, FR, EPCI],
        VANNES: [VANNES, MORBIHAN, BRETAGNE, FR, EPCI, TERRITORY],
    }
    memberships = pd.DataFrame(
        [(c, a) for c, areas_ in containing.items() for a in areas_], columns=["commune_id", "area_id"]
    )
    return Geography(areas, memberships)


def observations(rows) -> pd.DataFrame:
    """rows of (area_id, period, sex, age_band, value[, category])."""
    rows = [tuple(r) + ("",) * (6 - len(r)) for r in rows]
    return pd.DataFrame(rows, columns=["area_id", "period", "sex", "age_band", "value", "category"])
