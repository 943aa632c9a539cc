"""Name normalisation shared by import and search (no Django import)."""

import re
import unicodedata

_SEPARATORS = re.compile(r"[\s'’\-_]+")


def normalize_name(text: str) -> str:
    """Lower-case, accent-free, separators collapsed to one space: "Saint-Étienne" -> "saint etienne".

    Done in Python at write and query time so search behaves the same on SQLite and PostgreSQL
    (neither needs the unaccent extension).
    """
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = stripped.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    return _SEPARATORS.sub(" ", stripped.lower()).strip()
