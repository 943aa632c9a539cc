"""Vectorised validation of long-format chunks (pandas, no Django import).

Every check is a boolean mask over the whole chunk; failing rows become report entries
(line, column, value, reason), counted per kind. Duplicate keys across the whole file are found at the end from
a compact int64 key per valid row (exact, not hashed: area position, period, sex, age band and category ids
packed into 63 bits), so memory stays at ~16 bytes per row whatever the file size.
"""

import re
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from indicators.formulas import REASON as FORMULA, formula_mask

from .codes import SEX_CODE_INDEX, normalize_age_band, normalize_sex, parse_numbers, parse_periods
from .readers import FileFormatError

MIN_PERIOD = 1900
MAX_KEY_BITS = 63
_BITS_PERIOD, _BITS_SEX = 9, 2
# Every canonical band of ages 0-120 fits: "all", 121 single ages, 121 open bands, 7,260 bands a-b (7,503).
_BITS_AGE = 13
CODE_LENGTH = {"department": 2, "commune": 5, "region": 2}
CATEGORY_MAX_CHARS = 64
_PLURAL = {"category": "categories", "age_band": "age bands"}
REPORT_CELL_CHARS = 200
# Control characters (NUL cannot be stored in PostgreSQL text or JSON) and lone surrogates, shown as U+FFFD.
_UNPRINTABLE = "[\x00-\x1f\x7f-\x9f\ud800-\udfff]"
_UNPRINTABLE_RE = re.compile(_UNPRINTABLE)


def area_bits(area_count: int) -> int:
    return max(1, (max(area_count, 1) - 1).bit_length())


def category_bits(area_count: int) -> int:
    """Bits of the duplicate key left for category ids once areas, period, sex and age band have theirs:
    23 bits (8.4 M distinct categories) for the 35,000 communes, more for coarser levels."""
    return MAX_KEY_BITS - area_bits(area_count) - _BITS_PERIOD - _BITS_SEX - _BITS_AGE


def report_text(text: str, limit: int = REPORT_CELL_CHARS) -> str:
    """A cell or message as stored in a report: control characters replaced, cut at ``limit`` characters."""
    text = _UNPRINTABLE_RE.sub("\ufffd", str(text))
    return text if len(text) <= limit else text[:limit] + "…"


def _report_texts(values: pd.Series) -> np.ndarray:
    text = values.astype(object).where(values.notna(), "").astype(str).str.replace(_UNPRINTABLE, "\ufffd", regex=True)
    text = text.where(text.str.len() <= REPORT_CELL_CHARS, text.str.slice(0, REPORT_CELL_CHARS) + "…")
    return text.to_numpy(dtype=object)


def max_period() -> int:
    return date.today().year + 1


@dataclass
class AreaTable:
    """The areas of the dataset's level, the codes of other levels (for a precise message) and aliases."""

    level: str
    codes: pd.Index  # area codes of the dataset's level; position = compact area index
    ids: np.ndarray  # Area.id aligned with ``codes``
    other_levels: pd.Series  # code -> level, for codes that exist at another level only
    aliases: pd.Series = field(default_factory=lambda: pd.Series(dtype=str))  # alias code -> current code

    @classmethod
    def build(cls, level: str, areas: pd.DataFrame, aliases: pd.DataFrame | None = None) -> "AreaTable":
        """``areas``: columns id, level, code (all levels); ``aliases``: columns code, commune_code."""
        mine = areas[areas["level"] == level].drop_duplicates("code")
        others = areas[(areas["level"] != level) & ~areas["code"].isin(mine["code"])].drop_duplicates("code")
        alias_map = pd.Series(dtype=str)
        if level == "commune" and aliases is not None and len(aliases):
            alias_map = pd.Series(aliases["commune_code"].to_numpy(), index=aliases["code"].to_numpy())
        return cls(
            level=level,
            codes=pd.Index(mine["code"].astype(str).to_numpy()),
            ids=mine["id"].to_numpy(dtype="int64"),
            other_levels=pd.Series(others["level"].to_numpy(), index=others["code"].astype(str).to_numpy()),
            aliases=alias_map,
        )


class TooManyCodes(Exception):
    def __init__(self, value, capacity: int):
        super().__init__(f"more than {capacity:,} distinct values")
        self.value, self.capacity = value, capacity


class Vocabulary:
    """Stable small integer ids for age bands and categories across chunks (few distinct values)."""

    def __init__(self, capacity: int):
        self.ids: dict[str, int] = {}
        self.capacity = capacity

    def encode(self, values: pd.Series) -> np.ndarray:
        for value in pd.unique(values):
            if value not in self.ids:
                if len(self.ids) >= self.capacity:
                    raise TooManyCodes(value, self.capacity)
                self.ids[value] = len(self.ids)
        return values.map(self.ids).to_numpy(dtype="int64")

    def encode_optional(self, values: pd.Series) -> np.ndarray:
        """Ids as float64, NaN where the value is missing (invalid)."""
        valid = values.dropna()
        out = np.full(len(values), np.nan)
        out[values.notna().to_numpy()] = self.encode(valid) if len(valid) else []
        return out


class ErrorLog:
    """Collects report entries: keeps the first ``limit`` in memory, counts all of them, per kind too.

    A decisive error (the file cannot be read further, a column is missing) is always kept and listed first,
    however many errors came before it: it explains why the rest of the file was not checked.
    """

    def __init__(self, limit: int = 10_000):
        self.limit, self.count, self.frames, self.kept = limit, 0, [], 0
        self.kinds: dict[str, int] = {}
        self.decisive: list[dict] = []

    def add(self, lines: pd.Series, column: str, values: pd.Series, reason, kind=None) -> None:
        """``reason`` and ``kind`` (default: the reason) are one text or one per line."""
        if not len(lines):
            return
        self.count += len(lines)
        kind = reason if kind is None else kind
        counts = {kind: len(lines)} if isinstance(kind, str) else pd.Series(kind).value_counts().to_dict()
        for name, number in counts.items():
            self.kinds[name] = self.kinds.get(name, 0) + int(number)
        room = self.limit - self.kept
        if room <= 0:
            return
        reasons = reason if isinstance(reason, pd.Series) else pd.Series(reason, index=lines.index)
        frame = pd.DataFrame({
            "line": lines.to_numpy()[:room], "column": column,
            "value": _report_texts(pd.Series(values.to_numpy()[:room])), "reason": reasons.to_numpy()[:room],
        })
        self.frames.append(frame)
        self.kept += len(frame)

    def add_decisive(self, error: dict, kind: str) -> None:
        self.count += 1
        self.kinds[kind] = self.kinds.get(kind, 0) + 1
        self.decisive.append({"line": int(error["line"]), "column": report_text(error["column"]),
                              "value": report_text(error["value"]), "reason": report_text(error["reason"], 1000)})

    def report(self) -> dict:
        errors = list(self.decisive)
        if self.frames:
            frame = pd.concat(self.frames, ignore_index=True).sort_values(["line", "column"], kind="stable")
            errors += [
                {"line": int(line), "column": column, "value": value, "reason": reason}
                for line, column, value, reason in frame.itertuples(index=False, name=None)
            ]
        return {"errors": errors, "error_count": self.count, "truncated": self.count > len(errors),
                "counts_by_kind": dict(self.kinds)}


def _factorize(raw: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """(row -> unique index, uniques); a missing cell maps to a trailing NaN unique."""
    codes, uniques = pd.factorize(raw, use_na_sentinel=True)
    codes = np.where(codes < 0, len(uniques), codes)
    return codes, pd.Series(list(uniques) + [None], dtype=object)


def _plain_numbers(raw: pd.Series) -> np.ndarray:
    """float64 of every cell, NaN where not a plain number (those get the careful parse).

    numpy's C conversion of the whole column is ~7x faster than ``pd.to_numeric``; any cell it refuses
    (decimal comma, text) sends the chunk to ``pd.to_numeric`` with coercion instead.
    """
    cells = raw.to_numpy(dtype=object, na_value=np.nan)
    try:
        # Python's float() also reads "1_000", which the careful parse refuses: such chunks take the slow path.
        if not raw.str.contains("_", regex=False).any():
            return np.asarray(cells, dtype="float64").copy()
    except (ValueError, TypeError):
        pass
    return pd.to_numeric(raw, errors="coerce").to_numpy(dtype="float64", na_value=np.nan, copy=True)


def _category_name(texts: pd.Series) -> pd.Series:
    """Categories are free text, stored as written (stripped); NaN where too long for the column."""
    names = texts.str.strip()
    return names.where(names.str.len() <= CATEGORY_MAX_CHARS)


def _take(per_unique: pd.Series, codes: np.ndarray) -> np.ndarray:
    return per_unique.to_numpy(dtype="float64", na_value=np.nan)[codes]


class Validator:
    """Validates chunks one after the other; ``clean`` rows come out with area ids and canonical codes."""

    def __init__(self, areas: AreaTable, errors: ErrorLog):
        self.areas, self.errors = areas, errors
        self.bits_area, self.bits_category = area_bits(len(areas.codes)), category_bits(len(areas.codes))
        self.ages, self.categories = Vocabulary(1 << _BITS_AGE), Vocabulary(1 << self.bits_category)
        self.keys: list[np.ndarray] = []
        self.key_lines: list[np.ndarray] = []
        self.periods: set[int] = set()
        self.rows = 0

    def validate(self, frame: pd.DataFrame, lines: pd.Series) -> pd.DataFrame:
        """Clean rows: area_id, period, sex_id, age_id, category_id (ids of ``vocabulary()``) and value.

        Codes have few distinct values, so each code column is factorised and checked on its unique values
        only, then mapped back onto the rows with a numpy take; values get a C-level parse first and the
        decimal-comma/thousands fallback only where that failed. Raises FileFormatError when a column holds
        more distinct codes than the key can number.
        """
        self.rows += len(frame)
        if "category" not in frame:
            frame = frame.assign(category=pd.NA)
        bad = np.zeros(len(frame), dtype=bool)
        lines = lines.to_numpy(dtype="int64")
        position = self._areas(frame["area_code"], lines, bad)
        period = self._periods(frame["period"], lines, bad)
        sex = self._sexes(frame["sex"], lines, bad)
        age = self._codes(frame["age_band"], lines, bad, self.ages, normalize_age_band,
                          "unknown age band (expected all, 0, 1-4, 85-89, 95+...)", "unknown age band")
        category = self._codes(frame["category"], lines, bad, self.categories, _category_name,
                               f"category longer than {CATEGORY_MAX_CHARS} characters")
        # A figure the publisher masked (CNAM's "<10") has no value to check: it is stored NULL, masked.
        masked = (frame["masked"].fillna(False).to_numpy(dtype=bool) if "masked" in frame
                  else np.zeros(len(frame), dtype=bool))
        value = self._values(frame["value"], lines, bad, masked)
        good = ~bad
        clean = pd.DataFrame({
            "area_id": self.areas.ids[position[good]],
            "period": period[good].astype("int64"),
            "sex_id": sex[good].astype("int64"),
            "age_id": age[good].astype("int64"),
            "category_id": category[good].astype("int64"),
            "value": value[good],
            "masked": masked[good],
        })
        self._remember_keys(position[good], clean, lines[good])
        self.periods.update(int(p) for p in np.unique(clean["period"].to_numpy()))
        return clean

    def vocabulary(self) -> dict[str, dict[int, str]]:
        """{"sex"|"age_band"|"category": {id: text}} for the ids in clean rows."""
        return {
            "sex": {index: code for code, index in SEX_CODE_INDEX.items()},
            "age_band": {index: band for band, index in self.ages.ids.items()},
            "category": {index: name for name, index in self.categories.ids.items()},
        }

    def _flag(self, mask: np.ndarray, lines: np.ndarray, column, values: pd.Series, reason, bad, kind=None) -> None:
        if mask.any():
            reasons = reason if isinstance(reason, str) else pd.Series(reason[mask])
            kinds = kind if kind is None or isinstance(kind, str) else kind[mask]
            self.errors.add(pd.Series(lines[mask]), column, pd.Series(values.to_numpy()[mask]), reasons, kinds)
            bad |= mask

    def _formulas(self, texts: pd.Series, row_codes, lines, column, raw, bad) -> np.ndarray:
        """Rows whose cell a spreadsheet would run as a formula (docs/adr/0012): reported, and left out of
        the column's other checks. ``texts``: the stripped distinct values."""
        rows = formula_mask(texts)[row_codes]
        self._flag(rows, lines, column, raw, FORMULA, bad)
        return rows

    def _sexes(self, raw: pd.Series, lines, bad) -> np.ndarray:
        codes, uniques = _factorize(raw)
        formula = self._formulas(uniques.fillna("").astype(str).str.strip(), codes, lines, "sex", raw, bad)
        sex = _take(normalize_sex(uniques.fillna("")).map(SEX_CODE_INDEX), codes)
        self._flag(np.isnan(sex) & ~formula, lines, "sex", raw, "unknown sex (expected M/F/T, H, 1/2/0, hommes...)",
                   bad, "unknown sex")
        return sex

    def _codes(self, raw: pd.Series, lines, bad, vocabulary: Vocabulary, normalize, reason, kind=None) -> np.ndarray:
        """Ids of an age band or category column (NaN where invalid), checked on the distinct values."""
        codes, uniques = _factorize(raw)
        texts = uniques.fillna("").astype(str).str.strip()
        formula = self._formulas(texts, codes, lines, raw.name, raw, bad)
        canonical = normalize(uniques.fillna("").astype(str)).where(~formula_mask(texts))
        try:
            ids = vocabulary.encode_optional(canonical)
        except TooManyCodes as exc:
            first = int(np.argmax(codes == int(np.flatnonzero((canonical == exc.value).to_numpy())[0])))
            what = _PLURAL[raw.name]
            raise FileFormatError(
                int(lines[first]), raw.name, str(raw.iloc[first]),
                f"more than {exc.capacity:,} distinct {what}: the import cannot hold more (the rest was not checked)",
                kind=f"too many distinct {what}",
            ) from exc
        result = _take(pd.Series(ids, index=canonical.index), codes)
        self._flag(np.isnan(result) & ~formula, lines, raw.name, raw, reason, bad, kind)
        return result

    def _areas(self, raw: pd.Series, lines, bad) -> np.ndarray:
        row_codes, uniques = _factorize(raw)
        codes = uniques.fillna("").astype(str).str.strip()
        formula = self._formulas(codes, row_codes, lines, "area_code", raw, bad)
        width = CODE_LENGTH.get(self.areas.level)
        if width:
            # Spreadsheets drop leading zeros ("1" for "01", "1004" for "01004"): restore them.
            short = codes.str.fullmatch(r"\d+").fillna(False).astype(bool) & (codes.str.len() < width)
            codes = codes.where(~short, codes.str.zfill(width))
        if len(self.areas.aliases):
            resolved = codes.map(self.areas.aliases)
            use_alias = resolved.notna() & (self.areas.codes.get_indexer(codes) < 0)
            codes = codes.where(~use_alias, resolved)
        found = self.areas.codes.get_indexer(codes)
        other = codes.map(self.areas.other_levels).astype(object)
        unknown = f"unknown {self.areas.level} code"
        known_elsewhere = other.notna() & (codes != "")
        reasons = pd.Series(unknown, index=codes.index).where(
            ~known_elsewhere, "area code of level " + other.fillna("").astype(str) + ", dataset level is " + self.areas.level
        ).where(codes != "", "missing area code")
        kinds = reasons.where(~known_elsewhere, "area code of another level")
        position = found[row_codes]
        self._flag((position < 0) & ~formula, lines, "area_code", raw, reasons.to_numpy()[row_codes], bad,
                   kinds.to_numpy()[row_codes])
        return position

    def _periods(self, raw: pd.Series, lines, bad) -> np.ndarray:
        codes, uniques = _factorize(raw)
        period = _take(parse_periods(uniques.fillna("").astype(str)), codes)
        self._flag(np.isnan(period), lines, "period", raw, "period is not a year (YYYY)", bad,
                   "period is not a year")
        with np.errstate(invalid="ignore"):
            out = ~np.isnan(period) & ((period < MIN_PERIOD) | (period > max_period()))
        self._flag(out, lines, "period", raw, f"period out of range {MIN_PERIOD}-{max_period()}", bad,
                   "period out of range")
        return period

    def _values(self, raw: pd.Series, lines, bad, masked: np.ndarray) -> np.ndarray:
        """Parsed values; NaN for masked rows, whose cell must be empty (a masked figure is never a number)."""
        value = _plain_numbers(raw)
        if masked.any():
            given = raw.fillna("").astype(str).str.strip().ne("").to_numpy()
            self._flag(masked & given, lines, "value", raw, "a masked figure must have an empty value", bad)
            value[masked] = np.nan
        retry = np.isnan(value) & ~masked
        if retry.any():
            subset = raw[retry].fillna("").astype(str)
            missing = np.zeros(len(raw), dtype=bool)
            missing[retry] = (subset.str.strip() == "").to_numpy()
            self._flag(missing, lines, "value", raw, "missing value", bad)
            parsed, ambiguous = parse_numbers(subset)
            amb = np.zeros(len(raw), dtype=bool)
            amb[retry] = ambiguous.to_numpy() & ~missing[retry]
            self._flag(amb, lines, "value", raw,
                       "ambiguous number (both '.' and ',' or several ','): write 1234.5 or 1234,5", bad,
                       "ambiguous number")
            value[retry] = parsed.to_numpy()
            self._flag(np.isnan(value) & ~missing & ~amb & ~masked, lines, "value", raw, "value is not a number", bad)
        infinite = np.isinf(value)
        self._flag(infinite, lines, "value", raw, "value is not finite", bad)
        with np.errstate(invalid="ignore"):
            self._flag(value < 0, lines, "value", raw, "negative value", bad)
        return value

    def _remember_keys(self, position: np.ndarray, clean: pd.DataFrame, lines: np.ndarray) -> None:
        key = position.astype("int64")
        key = (key << _BITS_PERIOD) | (clean["period"].to_numpy(dtype="int64") - MIN_PERIOD)
        key = (key << _BITS_SEX) | clean["sex_id"].to_numpy(dtype="int64")
        key = (key << _BITS_AGE) | clean["age_id"].to_numpy(dtype="int64")
        key = (key << self.bits_category) | clean["category_id"].to_numpy(dtype="int64")
        self.keys.append(key)
        self.key_lines.append(lines.astype("int64"))

    def check_duplicates(self) -> None:
        """Report every row whose key (area after alias resolution, period, sex, age band, category) repeats."""
        if not self.keys:
            return
        keys = np.concatenate(self.keys)
        lines = np.concatenate(self.key_lines)
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        repeat = np.flatnonzero(sorted_keys[1:] == sorted_keys[:-1]) + 1
        if not len(repeat):
            return
        # The first line holding each repeated key, found by a search over the sorted keys.
        first = order[np.searchsorted(sorted_keys, sorted_keys[repeat], side="left")]
        dup_lines = pd.Series(lines[order[repeat]])
        reasons = "duplicate key (area, period, sex, age_band, category) of line " + pd.Series(lines[first]).astype(str)
        self.errors.add(dup_lines, "area_code", self.describe_keys(sorted_keys[repeat]), reasons,
                        "duplicate key")

    def describe_keys(self, keys: np.ndarray) -> pd.Series:
        """"29019|2019|M|0-4|" for each packed key (the value column of a duplicate-key report line)."""
        mask = lambda bits: (1 << bits) - 1  # noqa: E731
        category = keys & mask(self.bits_category)
        keys = keys >> self.bits_category
        age = keys & mask(_BITS_AGE)
        keys = keys >> _BITS_AGE
        sex = keys & mask(_BITS_SEX)
        keys = keys >> _BITS_SEX
        period = (keys & mask(_BITS_PERIOD)) + MIN_PERIOD
        position = keys >> _BITS_PERIOD
        sexes = {index: code for code, index in SEX_CODE_INDEX.items()}
        ages = {index: band for band, index in self.ages.ids.items()}
        categories = {index: name for name, index in self.categories.ids.items()}
        parts = [
            pd.Series(self.areas.codes[position]), pd.Series(period).astype(str), pd.Series(sex).map(sexes),
            pd.Series(age).map(ages), pd.Series(category).map(categories),
        ]
        return parts[0].str.cat(parts[1:], sep="|")
