"""Reader of INSEE's daily deaths by department, 2018-2020 (pandas, no Django import).

``health/insee-deces/deces_quotidiens_departement.csv``: INSEE "Nombre de décès quotidiens par
département", release of 2020-11-20 (Licence Ouverte), as filtered by its GitHub copier (``France`` and
``NA`` rows dropped, ``,`` separator). One row per department (``Zone`` = ``Dept_01`` ... ``Dept_976``) and
day (``Date_evenement`` = ``01-mars`` ... ``09-nov.``: French month abbreviations, no year); for each of
2020, 2019 and 2018, the CUMULATIVE number of deaths since 1 March, all communes (``Total_deces_YYYY``)
and communes sending their records electronically (``Communes_a_envoi_dematerialise_DecesYYYY``).
Deaths are counted by PLACE OF DEATH, not residence.

Output (periods are integer years in ``Observation``, so the month goes in ``category``), from
``Total_deces_YYYY`` only:

* ``month-03`` ... ``month-11``: deaths of that month, the cumulative count at the month's last day in the
  file minus the one at the previous month's last day (March: the count at 31 March itself, since the
  count starts on 1 March). The file stops on 9 November: ``month-11`` covers 1-9 November only.
* ``mars-novembre``: deaths from 1 March to the file's last day (9 November), the last cumulative count.

``line`` is the source line of the day whose cumulative count closes the period. Every line is checked:
the day labels (a label that does not parse, e.g. ``aoÃ»t`` from a file decoded in the wrong encoding, is
refused at its line), each department holding the same run of consecutive days from 1 March, counts
whole numbers that never decrease, electronic communes never above the total.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .sources import COLUMNS, INTEGER, check_cells, check_complete, first_error, read_source_csv, split_departments

INSEE_DEATHS = Path("health/insee-deces/deces_quotidiens_departement.csv")
YEARS = (2020, 2019, 2018)
TOTAL = "Total_deces_{}"
ELECTRONIC = "Communes_a_envoi_dematerialise_Deces{}"
HEADER = ["Date_evenement", "Zone", *[c.format(y) for y in YEARS for c in (ELECTRONIC, TOTAL)]]
MONTHS = {"mars": 3, "avr.": 4, "mai": 5, "juin": 6, "juil.": 7, "août": 8, "sept.": 9, "oct.": 10, "nov.": 11}
WHOLE_PERIOD = "mars-novembre"
# Any year without 29 February: the labels run from 1 March, where every year has the same calendar.
_CALENDAR_YEAR = 2019


def _day_offsets(path: Path, table: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """(month number, days since 1 March) of each ``DD-mois`` label; an error at the first unreadable one."""
    parts = table["Date_evenement"].str.extract(r"^(?P<day>\d{2})-(?P<month>[^\d-]+)$")
    month = parts["month"].map(MONTHS)
    date = pd.to_datetime(
        str(_CALENDAR_YEAR) + "-" + month.astype("Int64").astype(str).str.zfill(2) + "-" + parts["day"],
        format="%Y-%m-%d", errors="coerce")
    first_error(path, table, date.isna(), "Date_evenement",
                f"not a day label DD-mois ({', '.join(MONTHS)}) from 1 March (wrong encoding?)")
    offset = (date - pd.Timestamp(_CALENDAR_YEAR, 3, 1)).dt.days
    return month.astype("int64"), offset


def _check_days(path: Path, table: pd.DataFrame, offset: pd.Series) -> None:
    """Each department: the days 1 March, 2 March, ... in order, none missing or repeated, same count."""
    starts = table["Zone"].ne(table["Zone"].shift())
    first_error(path, table, starts & table["Zone"].duplicated(), "Zone",
                "this Zone's lines are not together (it appeared earlier with another Zone in between)")
    position = table.groupby("Zone", sort=False).cumcount()
    first_error(path, table, offset.ne(position), "Date_evenement",
                "days must follow one another from 01-mars within each Zone (a day is missing, repeated or "
                "out of order)")
    check_complete(path, table, ["Zone"], "Date_evenement", int(offset.max()) + 1)


def _check_counts(path: Path, table: pd.DataFrame) -> None:
    counts = [c.format(y) for y in YEARS for c in (ELECTRONIC, TOTAL)]
    check_cells(path, table, counts, INTEGER, "a count (a whole number >= 0)")
    same_zone = table["Zone"].eq(table["Zone"].shift())
    for column in counts:  # six columns: a loop over columns, never over rows
        value = table[column].astype("int64")
        first_error(path, table, same_zone & value.lt(value.shift()), column,
                    "a cumulative count lower than the day before")
    for year in YEARS:
        first_error(path, table, table[ELECTRONIC.format(year)].astype("int64") > table[TOTAL.format(year)]
                    .astype("int64"), ELECTRONIC.format(year), "more deaths in electronic communes than in all")


def read_insee_deaths(path: Path) -> tuple[pd.DataFrame, list[dict]]:
    """Monthly and March-to-November deaths by department and year (see the module docstring)."""
    path = Path(path)
    table = read_source_csv(path, HEADER, ",")
    codes = table["Zone"].str.extract(r"^Dept_(.+)$", expand=False)
    first_error(path, table, codes.isna(), "Zone", "not a zone Dept_XX")
    department, skipped = split_departments(path, table, "Zone", codes)
    month, offset = _day_offsets(path, table)
    _check_days(path, table, offset)
    _check_counts(path, table)
    rows = table[department].assign(area_code=codes[department], month=month[department])
    # The last day of each month in the file closes that month (9 November closes November).
    closing = rows[rows["month"].ne(rows["month"].shift(-1)) | rows["area_code"].ne(rows["area_code"].shift(-1))]
    cumulative = closing.melt(id_vars=["area_code", "month", "line"], value_vars=[TOTAL.format(y) for y in YEARS],
                              var_name="column", value_name="cumulative")
    cumulative = cumulative.assign(period=cumulative["column"].str[-4:],
                                   cumulative=cumulative["cumulative"].astype("int64"))
    cumulative = cumulative.sort_values(["area_code", "period", "month"], kind="stable")
    before = cumulative.groupby(["area_code", "period"], sort=False)["cumulative"].shift(fill_value=0)
    monthly = cumulative.assign(value=(cumulative["cumulative"] - before).astype(str),
                                category="month-" + cumulative["month"].astype(str).str.zfill(2))
    last = cumulative.groupby(["area_code", "period"], sort=False).tail(1)
    whole = last.assign(value=last["cumulative"].astype(str), category=WHOLE_PERIOD)
    long = pd.concat([monthly, whole], ignore_index=True).assign(sex="T", age_band="all")
    order = np.lexsort((long["category"].to_numpy(), long["period"].to_numpy(), long["line"].to_numpy()))
    return long.iloc[order][COLUMNS].reset_index(drop=True), skipped
