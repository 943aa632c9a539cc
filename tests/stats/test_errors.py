"""Bad input, walking oracle errors.csv (the R package's input rules) rule by rule.

Each rule of a statistic owned here (Byar/Wilson helpers, rate, proportion, mean, DSR, ISR, SMR) maps to a
check below: ``refuses`` (StatsInputError naming the field), ``signature`` (Python itself refuses the
call: TypeError), ``result`` (documented output instead of an error) or ``differs`` (our API deliberately
differs; the check proves the documented behaviour, see docs/methods/). A new rule in errors.csv without a
check fails ``test_every_rule_of_our_statistics_has_a_check``.
"""

import json

import numpy as np
import pandas as pd
import pytest

from indicators.stats import StatsInputError, crude_rate, dsr, isr, mean, proportion, smr

from . import oracle

OURS = {"byars", "wilson", "rate", "proportion", "mean", "dsr", "isr", "smr"}
OTHERS = {"quantile", "life_expectancy", "funnel_significance"}  # helper stats2's methods


def _rows():
    path = oracle.collection_dir() / "errors.csv"
    return oracle.load(path.parent, path.name) if path.exists() else []


RULES = [r for r in _rows() if r["statistic"] in OURS]
RULE_IDS = [f"{r['statistic']}: {r['condition']}" for r in RULES]


def _dsr_data(**columns):
    base = {"x": [127.0, 25, 18], "n": [636.0, 558, 609], "stdpop": [5000.0, 5500, 5500]}
    for field, values in columns.items():
        base[field] = [np.nan if v is None else v for v in values] + base[field][len(values):]
    return pd.DataFrame(base).assign(g="29")


def _dsr(data=None, **kw):
    return dsr(_dsr_data() if data is None else data, "x", "n", "stdpop", ["g"], **kw)


def _isr_data(**columns):
    data = pd.DataFrame({"g": ["29", "29", "2A", "2A"], "x": [12.0, 30, 4, 9], "n": [1000.0, 900, 300, 250],
                         "x_ref": [40.0, 90, 40, 90], "n_ref": [5000.0, 4000, 5000, 4000]})
    return data.assign(**columns)


def _refuses(call, pattern):
    with pytest.raises(StatsInputError, match=pattern):
        call()


CHECKS = {
    ("byars", "x < 0"): lambda ex: _refuses(lambda: crude_rate([ex["x"]], [100]), r"x: negative value -4"),
    ("byars", "confidence < 0.9, or 1 < confidence < 90, or > 100"):
        lambda ex: _refuses(lambda: crude_rate([ex["x"]], [100], confidence=ex["confidence"]), "confidence"),
    ("wilson", "x < 0"): lambda ex: _refuses(lambda: proportion([ex["x"]], [ex["n"]]), "x: negative value -4"),
    ("wilson", "n < 0"): lambda ex: _refuses(lambda: proportion([ex["x"]], [ex["n"]]), "n: value must be .* -6"),
    ("wilson", "x > n"): lambda ex: _refuses(lambda: proportion([ex["x"]], [ex["n"]]), "x: greater than n"),
    ("rate", "missing data/x/n"): lambda ex: pytest.raises(TypeError, crude_rate),
    ("rate", "any x < 0 (NA ignored)"):
        lambda ex: _refuses(lambda: crude_rate(ex["x"], ex["n"]), r"x: negative value -65 in row 0"),
    ("rate", "any n <= 0 (NA ignored)"):
        lambda ex: _refuses(lambda: crude_rate(ex["x"], ex["n"]), r"n: value must be greater than 0, got 0 in row 2"),
    # differs: no ``type`` argument; every call returns value, limits and metadata, callers pick columns.
    ("rate", "type not in value/lower/upper/standard/full"):
        lambda ex: pytest.raises(TypeError, crude_rate, [1], [10], type=ex["type"]),
    # differs: any number of levels (the project reports 95% and 99.8% and may add 90%).
    ("rate", "more than 2 confidence levels"):
        lambda ex: _has_levels(crude_rate([30], [1000], confidence=ex["confidence"]), ["95", "99_8", "100"]),
    ("rate", "2 levels other than (0.95, 0.998)"):
        lambda ex: _has_levels(crude_rate([30], [1000], confidence=ex["confidence"]), ["95", "98"]),
    ("rate", "confidence out of range"):
        lambda ex: _refuses(lambda: crude_rate([1], [10], confidence=ex["confidence"]), "confidence: level 0.5"),
    ("rate", "x > n"): lambda ex: _allowed_rate(ex),
    ("proportion", "any x < 0"): lambda ex: _refuses(lambda: proportion(ex["x"], ex["n"]), r"x: negative .* row 1"),
    ("proportion", "any n <= 0"): lambda ex: _refuses(lambda: proportion(ex["x"], ex["n"]), r"n: value .* row 1"),
    ("proportion", "any x > n"): lambda ex: _refuses(lambda: proportion(ex["x"], ex["n"]), r"x: greater .* row 0"),
    ("proportion", "confidence out of range (NA allowed = no CIs)"):
        lambda ex: _refuses(lambda: proportion([1], [10], confidence=ex["confidence"]), "confidence"),
    ("mean", "missing data/x"): lambda ex: pytest.raises(TypeError, mean),
    ("mean", "confidence out of range"):
        lambda ex: _refuses(lambda: mean([1.0, 2.0], confidence=ex["confidence"]), "confidence"),
    ("mean", "2 levels other than (0.95, 0.998)"):
        lambda ex: _has_levels(mean([1.0, 2.0, 4.0], confidence=ex["confidence"]), ["95", "100"]),
    ("dsr", "x/n/stdpop not a column"):
        lambda ex: _refuses(lambda: dsr(_dsr_data(), "x", "pop", "stdpop", ["g"]), "n: 'pop' is not a column"),
    ("dsr", "non-numeric x/n/stdpop"):
        lambda ex: _refuses(lambda: _dsr(_dsr_data().assign(x=ex["x"])), "x: expected numbers"),
    ("dsr", "NA in n"): lambda ex: _refuses(lambda: _dsr(_dsr_data(n=ex["n"])), r"n: missing value .* '29'"),
    ("dsr", "NA in stdpop"):
        lambda ex: _refuses(lambda: _dsr(_dsr_data(stdpop=ex["stdpop"])), r"stdpop: missing value .* '29'"),
    ("dsr", "any x < 0 (NA x allowed, treated as 0)"):
        lambda ex: _refuses(lambda: _dsr(_dsr_data(x=ex["x"])), r"x: negative value -26 in group '29' \(row 2\)"),
    ("dsr", "any n <= 0"): lambda ex: _refuses(lambda: _dsr(_dsr_data(n=ex["n"])), r"n: value .* 0 in group '29'"),
    ("dsr", "any stdpop < 0 (0 allowed)"):
        lambda ex: _refuses(lambda: _dsr(_dsr_data(stdpop=ex["stdpop"])), r"stdpop: negative value -6000"),
    ("dsr", "confidence not numeric"):
        lambda ex: _refuses(lambda: _dsr(confidence=ex["confidence"]), "confidence: must be a number"),
    ("dsr", "confidence out of range / >2 levels / bad pair"):
        lambda ex: _refuses(lambda: _dsr(confidence=ex["confidence"]), "confidence: level 0.74"),
    ("dsr", "multiplier not numeric / <= 0"):
        lambda ex: _refuses(lambda: _dsr(multiplier=ex["multiplier"]), "multiplier: must be a finite number"),
    ("dsr", "independent_events not a single TRUE/FALSE"):
        lambda ex: _refuses(lambda: _dsr(independent_events=ex["independent_events"]), "independent_events"),
    ("dsr", "independent_events=FALSE without eventfreq / ageband, or NA in them"): lambda ex: _non_independent(),
    ("dsr", "non-independent: same group+ageband with different n or stdpop across frequencies"):
        lambda ex: _refuses(lambda: _dsr(_dsr_data().assign(f=[1, 2, 3], band=["a", "a", "b"]),
                                         independent_events=False, eventfreq="f", ageband="band"),
                            r"n: differs between event frequencies .* 558 in group '29' \(row 1\)"),
    ("dsr", "total count < 10"): lambda ex: _dsr_not_computed(),
    ("isr", "any x < 0"): lambda ex: _isr_refuses(isr, x=[12.0, 1, 4, -9]),
    ("isr", "any n < 0 (n = 0 allowed)"): lambda ex: _isr_refuses(isr, n=[1000.0, 0, 300, -5]),
    # differs: reference rates come per row (joined by age band), so groups may have different band counts.
    ("isr", "groups with different row counts"): lambda ex: _uneven_groups(isr),
    ("isr", "x_ref / n_ref length != rows per group"):
        lambda ex: _refuses(lambda: isr(_isr_data(), "x", "n", [40.0, 90], "n_ref", ["g"]), "different lengths"),
    ("isr", "confidence checks"):
        lambda ex: _refuses(lambda: isr(_isr_data(), "x", "n", "x_ref", "n_ref", ["g"], confidence=0.8),
                            "confidence"),
    ("smr", "same as isr"): lambda ex: _smr_same_as_isr(),
}


def _has_levels(result, tags):
    assert [c for c in result.columns if c.startswith("lower_")] == [f"lower_{t}" for t in tags]


def _allowed_rate(ex):
    res = crude_rate([ex["x"]], [ex["n"]])
    assert res["value"][0] == pytest.approx(113636.36363636365, rel=1e-12)


def _non_independent():
    data = _dsr_data().assign(f=[1.0, 2.0, None], band=["a", "b", "c"])
    _refuses(lambda: _dsr(data, independent_events=False), "eventfreq and ageband: both columns are required")
    _refuses(lambda: _dsr(data, independent_events=False, eventfreq="f", ageband="band"),
             r"f: missing value nan in group '29' \(row 2\)")
    data = data.assign(f=[1.0, 2.0, 3.0], band=["a", None, "c"])
    _refuses(lambda: _dsr(data, independent_events=False, eventfreq="f", ageband="band"), "band: missing value")


def _dsr_not_computed():
    res = _dsr(_dsr_data(x=[5.0, 4.0, 0.0]))
    assert np.isnan(res["value"].iloc[0]) and np.isnan(res["upper_95"].iloc[0])
    assert res["statistic"].iloc[0] == "dsr NA for total count < 10"


def _isr_refuses(function, **columns):
    field = next(iter(columns))
    with pytest.raises(StatsInputError, match=rf"{field}: negative value -\d+ in group '2A' \(row \d\)"):
        function(_isr_data(**columns), "x", "n", "x_ref", "n_ref", ["g"])
    if field == "n":  # a zero population in one band is fine
        assert function(_isr_data(n=[1000.0, 0, 300, 250]), "x", "n", "x_ref", "n_ref", ["g"])["value"].notna().all()


def _uneven_groups(function):
    data = _isr_data().iloc[:3]
    res = function(data, "x", "n", "x_ref", "n_ref", ["g"])
    assert res.loc["2A", "expected"] == pytest.approx(300 * 40 / 5000)


def _smr_same_as_isr():
    _isr_refuses(smr, x=[12.0, 1, 4, -9])
    _isr_refuses(smr, n=[1000.0, 0, 300, -5])
    _uneven_groups(smr)
    _refuses(lambda: smr(_isr_data(), "x", "n", "x_ref", "n_ref", ["g"], confidence=101), "confidence")


def test_errors_catalogue_is_loaded_and_split_between_the_two_helpers(oracle_dir):
    rows = oracle.load(oracle_dir, "errors.csv")
    assert len(rows) == oracle.row_count(oracle_dir, "errors.csv") > 0
    assert {r["statistic"] for r in rows} == OURS | OTHERS
    assert len(RULES) == sum(r["statistic"] in OURS for r in rows)


def test_every_rule_of_our_statistics_has_a_check():
    keys = [(r["statistic"], r["condition"]) for r in RULES]
    assert sorted(keys) == sorted(CHECKS)


@pytest.mark.parametrize("rule", RULES, ids=RULE_IDS)
def test_input_rule_from_the_r_package(rule):
    example = json.loads(rule["example"]) if rule["example"] else {}
    CHECKS[(rule["statistic"], rule["condition"])](example)  # each check asserts (raises / result)


@pytest.mark.parametrize("bad", [[np.inf], [np.nan, -np.inf]])
def test_infinite_values_are_refused_not_turned_into_nan(bad):
    with pytest.raises(StatsInputError, match="x: infinite value"):
        crude_rate(bad, [1.0] * len(bad))


def test_arrays_of_different_lengths_are_refused():
    with pytest.raises(StatsInputError, match=r"different lengths: x=2, n=3"):
        proportion([1, 2], [10, 10, 10])


@pytest.mark.parametrize("bad", ["12", [True, False], [object()], [[1, 2], [3, 4]]])
def test_values_that_are_not_numbers_are_refused(bad):
    with pytest.raises(StatsInputError, match="x: expected"):
        crude_rate(bad, [10.0, 10.0])


def test_a_text_column_is_refused_naming_the_column():
    data = pd.DataFrame({"deaths": ["3", "4"], "pop": [10.0, 20.0]})
    with pytest.raises(StatsInputError, match="deaths: expected numbers"):
        crude_rate("deaths", "pop", data=data)


def test_errors_name_every_group_column_of_the_offending_row():
    data = pd.DataFrame({"dep": ["29", "976"], "sex": [1, 2], "x": [3.0, -2.0], "n": [100.0, 50.0]})
    with pytest.raises(StatsInputError, match=r"x: negative value -2 in group \('976', 2\) \(row 1\)"):
        crude_rate("x", "n", data=data, group_cols=["dep", "sex"])
