"""The indicator page's state (level, period, sex, parent, class method, chosen areas) read from its URL.

Pure: it takes the query parameters and what the published release holds, and falls back to a choice that
exists for anything missing or not offered, so every URL shows a page (never an error) and the form only
offers what has data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from atlas.classify import METHODS

# Map levels in the order they are offered; France (country) is a reference line, never a map.
MAP_LEVELS = ["region", "department", "epci", "commune", "territory"]
PARENT_LEVELS = ("department", "region")
MAX_CHOSEN_AREAS = 8


@dataclass
class PageState:
    level: str
    period: str
    sex: str
    method: str
    parent: str = ""  # "<level>:<code>" of the department or region whose communes are shown
    areas: list[str] = field(default_factory=list)
    levels: list[str] = field(default_factory=list)
    periods: list[str] = field(default_factory=list)
    sexes: list[str] = field(default_factory=list)

    @property
    def parent_level(self) -> str:
        return self.parent.partition(":")[0]

    @property
    def parent_code(self) -> str:
        return self.parent.partition(":")[2]

    def query(self, **changes) -> dict:
        """The URL parameters of this state, with ``changes`` applied (for links)."""
        params = {"level": self.level, "period": self.period, "sex": self.sex, "method": self.method}
        if self.level == "commune" and self.parent:
            params["parent"] = self.parent
        params.update(changes)
        return {k: v for k, v in params.items() if v}


def page_state(params, choices: dict, default_parent: str = "") -> PageState:
    """``params``: a QueryDict-like (``get``, ``getlist``); ``choices``: {level: {"periods", "sexes"}}."""
    levels = [lv for lv in MAP_LEVELS if lv in choices]
    if not levels:
        return PageState(level="", period="", sex="", method="quantile")
    level = params.get("level")
    if level not in levels:
        level = "department" if "department" in levels else levels[0]
    periods, sexes = choices[level]["periods"], choices[level]["sexes"]
    period = params.get("period")
    if period not in periods:
        period = periods[-1]
    sex = params.get("sex")
    if sex not in sexes:
        sex = "T" if "T" in sexes else sexes[0]
    method = params.get("method")
    if method not in METHODS:
        method = "quantile"
    parent = ""
    if level == "commune":
        parent = params.get("parent") or ""
        parent_level, sep, code = parent.partition(":")
        if not sep or parent_level not in PARENT_LEVELS or not code:
            parent = default_parent
    areas = [code for code in params.getlist("areas") if code][:MAX_CHOSEN_AREAS]
    return PageState(level=level, period=period, sex=sex, method=method, parent=parent, areas=areas,
                     levels=levels, periods=periods, sexes=sexes)
