"""Vectorised validation of long-format chunks (pandas, no Django import).

Every check is a boolean mask over the whole chunk; failing rows become report entries
(line, column, value, reason). Duplicate keys across the whole file are found at the end from a compact
int64 key per valid row (exact, not hashed: area position, period, sex, age band and category ids packed
into 63 bits), so memory stays at ~16 bytes per row whatever the file size.
"""

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from .codes import SEX_CODE_INDEX, normalize_age_band, normalize_sex, parse_numbers, parse_periods

MIN_PERIOD = 1900
_BITS_AREA, _BITS_PERIOD, _BITS_SEX, _BITS_AGE, _BITS_CATEGORY = 20, 9, 2, 12, 20
CODE_LENGTH = {"department": 2, "commune": 5, "region": 2}


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


class Vocabulary:
    """Stable small integer ids for age bands and categories across chunks (few distinct values)."""

    def __init__(self, bits: int):
        self.ids: dict[str, int] = {}
        self.limit = 1 << bits

    def encode(self, values: pd.Series) -> np.ndarray:
        for value in pd.unique(values):
            if value not in self.ids:
                if len(self.ids) + 1 >= self.limit:
                    raise OverflowError(f"more than {self.limit - 1} distinct values")
                self.ids[value] = len(self.ids)
        return values.map(self.ids).to_numpy(dtype="int64")


class ErrorLog:
    """Collects report entries; keeps the first ``limit`` in memory and counts all of them."""

    def __init__(self, limit: int = 10_000):
        self.limit, self.count, self.frames, self.kept = limit, 0, [], 0

    def add(self, lines: pd.Series, column: str, values: pd.Series, reason) -> None:
        if not len(lines):
            return
        self.count += len(lines)
        room = self.limit - self.kept
        if room <= 0:
            return
        reasons = reason if isinstance(reason, pd.Series) else pd.Series(reason, index=lines.index)
        frame = pd.DataFrame({
            "line": lines.to_numpy()[:room], "column": column,
            "value": values.fillna("").astype(str).to_numpy()[:room], "reason": reasons.to_numpy()[:room],
        })
        self.frames.append(frame)
        self.kept += len(frame)

    def add_one(self, error: dict) -> None:
        self.add(pd.Series([error["line"]]), error["column"], pd.Series([error["value"]]), error["reason"])

    def report(self) -> dict:
        if self.frames:
            frame = pd.concat(self.frames, ignore_index=True).sort_values(["line", "column"], kind="stable")
            errors = [
                {"line": int(line), "column": column, "value": value, "reason": reason}
                for line, column, value, reason in frame.itertuples(index=False, name=None)
            ]
        else:
            errors = []
        return {"errors": errors, "error_count": self.count, "truncated": self.count > len(errors)}


class Validator:
    """Validates chunks one after the other; ``clean`` rows come out with area ids and canonical codes."""

    def __init__(self, areas: AreaTable, errors: ErrorLog):
        self.areas, self.errors = areas, errors
        self.ages, self.categories = Vocabulary(_BITS_AGE), Vocabulary(_BITS_CATEGORY)
        self.keys: list[np.ndarray] = []
        self.key_lines: list[np.ndarray] = []
        self.periods: set[int] = set()
        self.rows = 0

    def validate(self, frame: pd.DataFrame, lines: pd.Series) -> pd.DataFrame:
        self.rows += len(frame)
        if "category" not in frame:
            frame = frame.assign(category=pd.NA)
        bad = pd.Series(False, index=frame.index)
        position = self._areas(frame["area_code"], lines, bad)
        period = self._periods(frame["period"], lines, bad)
        sex = normalize_sex(frame["sex"].fillna(""))
        self._flag(sex.isna(), lines, "sex", frame["sex"], "unknown sex (expected M/F/T, H, 1/2/0, hommes...)", bad)
        age = normalize_age_band(frame["age_band"].fillna(""))
        self._flag(age.isna(), lines, "age_band", frame["age_band"],
                   "unknown age band (expected all, 0, 1-4, 85-89, 95+...)", bad)
        category = frame["category"].fillna("").astype(str).str.strip()
        self._flag(category.str.len() > 64, lines, "category", category, "category longer than 64 characters", bad)
        value = self._values(frame["value"], lines, bad)
        good = ~bad
        clean = pd.DataFrame({
            "area_id": self.areas.ids[position[good].to_numpy(dtype="int64")],
            "period": period[good].astype("int64"),
            "sex": sex[good].astype(str),
            "age_band": age[good].astype(str),
            "category": category[good],
            "value": value[good],
        })
        self._remember_keys(position[good], clean, lines[good])
        self.periods.update(int(p) for p in pd.unique(clean["period"]))
        return clean

    def _flag(self, mask, lines, column, values, reason, bad) -> None:
        mask = mask.fillna(True).astype(bool) if hasattr(mask, "fillna") else mask
        if mask.any():
            self.errors.add(lines[mask], column, values[mask], reason if isinstance(reason, str) else reason[mask])
            bad |= mask

    def _areas(self, raw: pd.Series, lines, bad) -> pd.Series:
        codes = raw.fillna("").astype(str).str.strip()
        width = CODE_LENGTH.get(self.areas.level)
        if width:
            # Spreadsheets drop leading zeros ("1" for "01", "1004" for "01004"): restore them.
            short = codes.str.fullmatch(r"\d+").fillna(False).astype(bool) & (codes.str.len() < width)
            codes = codes.where(~short, codes.str.zfill(width))
        if len(self.areas.aliases):
            resolved = codes.map(self.areas.aliases)
            use_alias = resolved.notna() & (self.areas.codes.get_indexer(codes) < 0)
            codes = codes.where(~use_alias, resolved)
        position = pd.Series(self.areas.codes.get_indexer(codes), index=raw.index)
        unknown = position < 0
        if unknown.any():
            other = codes[unknown].map(self.areas.other_levels).astype(object)
            reasons = pd.Series(f"unknown {self.areas.level} code", index=other.index).where(
                other.isna(), "area code of level " + other.fillna("") + ", dataset level is " + self.areas.level
            )
            reasons = reasons.where(codes[unknown] != "", "missing area code")
            self._flag(unknown, lines, "area_code", raw, reasons.reindex(raw.index), bad)
        return position

    def _periods(self, raw: pd.Series, lines, bad) -> pd.Series:
        period = parse_periods(raw.fillna(""))
        self._flag(period.isna(), lines, "period", raw, "period is not a year (YYYY)", bad)
        out = period.notna() & ((period < MIN_PERIOD) | (period > max_period()))
        self._flag(out, lines, "period", raw, f"period out of range {MIN_PERIOD}-{max_period()}", bad)
        return period

    def _values(self, raw: pd.Series, lines, bad) -> pd.Series:
        missing = raw.isna() | (raw.fillna("").astype(str).str.strip() == "")
        self._flag(missing, lines, "value", raw, "missing value", bad)
        value, ambiguous = parse_numbers(raw.fillna("").astype(str))
        self._flag(~missing & ambiguous, lines, "value", raw,
                   "ambiguous number (both '.' and ',' or several ','): write 1234.5 or 1234,5", bad)
        nan = ~missing & ~ambiguous & value.isna()
        self._flag(nan, lines, "value", raw, "value is not a number", bad)
        infinite = value.notna() & ~np.isfinite(value.fillna(0))
        self._flag(infinite, lines, "value", raw, "value is not finite", bad)
        self._flag(value.notna() & (value < 0) & ~infinite, lines, "value", raw, "negative value", bad)
        return value

    def _remember_keys(self, position: pd.Series, clean: pd.DataFrame, lines: pd.Series) -> None:
        key = position.to_numpy(dtype="int64")
        key = (key << _BITS_PERIOD) | (clean["period"].to_numpy(dtype="int64") - MIN_PERIOD)
        key = (key << _BITS_SEX) | clean["sex"].map(SEX_CODE_INDEX).to_numpy(dtype="int64")
        key = (key << _BITS_AGE) | self.ages.encode(clean["age_band"])
        key = (key << _BITS_CATEGORY) | self.categories.encode(clean["category"])
        self.keys.append(key)
        self.key_lines.append(lines.to_numpy(dtype="int64"))

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
        self.errors.add(dup_lines, "area_code", self.describe_keys(sorted_keys[repeat]), reasons)

    def describe_keys(self, keys: np.ndarray) -> pd.Series:
        """"29019|2019|M|0-4|" for each packed key (the value column of a duplicate-key report line)."""
        mask = lambda bits: (1 << bits) - 1  # noqa: E731
        category = keys & mask(_BITS_CATEGORY)
        keys = keys >> _BITS_CATEGORY
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
