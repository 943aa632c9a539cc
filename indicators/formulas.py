"""Cells a spreadsheet would run as a formula (CSV/formula injection), one rule for import and export.

A cell starting with ``=``, ``+``, ``-`` or ``@`` followed by anything but a plain number is run as a formula
by Excel and LibreOffice when the CSV is opened (``=HYPERLINK(...)``, ``+cmd|...``, ``@SUM(...)``). The import
refuses such cells in code columns (docs/adr/0012-import-text-codes-and-formulas.md); CSV exports pass every
text cell through ``csv_safe_cell``. A signed number (``-5``, ``+3.5``) and a lone sign (``-``) are data.
Plain module: no Django import.
"""

import re

import numpy as np
import pandas as pd

FORMULA_PREFIXES = ("=", "+", "-", "@")
# Also run as formulas by some spreadsheets when they lead a cell: neutralised on export.
_EXPORT_PREFIXES = FORMULA_PREFIXES + ("\t", "\r")
_NUMBER = r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?"
_NUMBER_RE = re.compile(_NUMBER)
REASON = "looks like a spreadsheet formula"


def looks_like_formula(text: str) -> bool:
    return len(text) > 1 and text.startswith(FORMULA_PREFIXES) and _NUMBER_RE.fullmatch(text) is None


def formula_mask(texts: pd.Series) -> np.ndarray:
    """``looks_like_formula`` over a Series of texts (NaN is not a formula); run on distinct values."""
    text = texts.astype(object).where(texts.notna(), "").astype(str)
    starts = text.str.match(r"[=+\-@].").to_numpy(dtype=bool)
    return starts & ~text.str.fullmatch(_NUMBER).to_numpy(dtype=bool)


def csv_safe_cell(value):
    """The cell to write into a CSV export: text a spreadsheet would run is prefixed with ``'`` (shown, not run).

    Numbers and None pass unchanged; so do texts that are plain (signed) numbers.
    """
    if not isinstance(value, str) or not value.startswith(_EXPORT_PREFIXES):
        return value
    if value.startswith(("\t", "\r")) or looks_like_formula(value):
        return "'" + value
    return value
