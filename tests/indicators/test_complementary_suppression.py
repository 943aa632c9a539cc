"""Complementary suppression (indicators.compute.complementary): after it, the audit finds no withheld
count narrower than the threshold, on departments, on communes with an EPCI across a department border,
and on pooled periods; the same inputs withhold the same cells."""

import numpy as np
import pandas as pd

from indicators.compute.audit import feasible_intervals
from indicators.compute.complementary import complementary_protection, complementary_suppression
from indicators.compute.disclosure import secondary_across_sex

FRANCE, OCCITANIE, MAYOTTE_REGION, BRETAGNE = 1, 76, 6, 53
LOZERE, GARD, HERAULT, MAYOTTE, FINISTERE, MORBIHAN = 48, 30, 34, 976, 29, 56


def table(counts: dict, parents: dict, years=(2015,), sexes=("M", "F", "T")):
    """Cells of every area in ``parents`` (plus France) from observed counts {area: {(year, sex): n}}."""
    rows = []
    children = {}
    for child, parent in parents.items():
        children.setdefault(parent, []).append(child)

    def total(area, year, sex):
        if area in counts:
            if sex == "T":
                return counts[area][(year, "M")] + counts[area][(year, "F")]
            return counts[area][(year, sex)]
        return sum(total(c, year, sex) for c in children[area])

    for area in [FRANCE, *parents]:
        for year in years:
            for sex in sexes:
                rows.append((area, year, sex, float(total(area, year, sex))))
    return pd.DataFrame(rows, columns=["area_id", "period", "sex", "numerator"])


def protect(cells, sources, parents, threshold=10):
    counts = cells["numerator"].to_numpy()
    primary = secondary_across_sex(cells, counts < threshold, counts)
    mask = complementary_suppression(cells, primary, sources, pd.Series(parents), threshold)
    audited = cells.assign(numerator=np.where(mask, np.nan, counts), withheld=mask)
    return primary, mask, feasible_intervals(audited, sources, threshold)


def department_case():
    parents = {OCCITANIE: FRANCE, MAYOTTE_REGION: FRANCE, BRETAGNE: FRANCE, LOZERE: OCCITANIE, GARD: OCCITANIE,
               HERAULT: OCCITANIE, MAYOTTE: MAYOTTE_REGION, FINISTERE: BRETAGNE, MORBIHAN: BRETAGNE}
    counts = {LOZERE: {(2015, "M"): 4, (2015, "F"): 3}, MAYOTTE: {(2015, "M"): 5, (2015, "F"): 3},
              GARD: {(2015, "M"): 40, (2015, "F"): 45}, HERAULT: {(2015, "M"): 90, (2015, "F"): 95},
              FINISTERE: {(2015, "M"): 60, (2015, "F"): 70}, MORBIHAN: {(2015, "M"): 50, (2015, "F"): 48}}
    departments = [LOZERE, GARD, HERAULT, MAYOTTE, FINISTERE, MORBIHAN]
    sources = pd.DataFrame([(parents[d], d) for d in departments] + [(FRANCE, d) for d in departments]
                           + [(d, d) for d in departments], columns=["target", "source"])
    return table(counts, parents), sources, parents


def test_the_primary_rule_alone_leaves_tiny_departments_recoverable():
    cells, sources, parents = department_case()
    counts = cells["numerator"].to_numpy()
    primary = secondary_across_sex(cells, counts < 10, counts)
    audited = cells.assign(numerator=np.where(primary, np.nan, counts), withheld=primary)
    assert not feasible_intervals(audited, sources, 10).ok


def test_after_complementary_suppression_no_tiny_department_can_be_pinned_down():
    cells, sources, parents = department_case()
    primary, mask, audit = protect(cells, sources, parents)
    assert audit.ok, audit.recoverable
    assert (mask & ~primary).any()
    assert (mask >= primary).all()  # only ever adds
    # Mayotte's region has one department: the region's count itself must go (and France's stays).
    withheld = set(map(tuple, cells.loc[mask, ["area_id", "sex"]].to_numpy()))
    assert (MAYOTTE_REGION, "T") in withheld
    assert (FRANCE, "T") not in withheld


def test_it_withholds_the_same_cells_for_the_same_inputs_and_again_on_its_own_output():
    cells, sources, parents = department_case()
    _, first, _ = protect(cells, sources, parents)
    shuffled = cells.sample(frac=1, random_state=4)
    _, second, _ = protect(shuffled.reset_index(drop=True), sources, parents)
    key = ["area_id", "period", "sex"]
    assert (set(map(tuple, cells.loc[first, key].to_numpy()))
            == set(map(tuple, shuffled.reset_index(drop=True).loc[second, key].to_numpy())))
    again = complementary_suppression(cells, first, sources, pd.Series(parents), 10)
    assert (again == first).all()


def test_communes_of_an_epci_across_a_department_border_are_protected():
    rng = np.random.default_rng(11)
    communes = list(range(1001, 1021))
    department = {c: FINISTERE if c < 1011 else MORBIHAN for c in communes}
    epci = 900  # straddles the border: 1009, 1010 (Finistère) and 1011, 1012 (Morbihan)
    parents = {BRETAGNE: FRANCE, FINISTERE: BRETAGNE, MORBIHAN: BRETAGNE, epci: FINISTERE, **department}
    counts = {c: {(y, s): int(rng.poisson(3 if c in (1010, 1011, 1004) else 25)) for y in (2018, 2019)
                  for s in "MF"} for c in communes}
    members = [1009, 1010, 1011, 1012]
    sources = pd.DataFrame([(department[c], c) for c in communes] + [(BRETAGNE, c) for c in communes]
                           + [(FRANCE, c) for c in communes] + [(epci, c) for c in members]
                           + [(c, c) for c in communes], columns=["target", "source"])
    cells = table(counts, {k: v for k, v in parents.items() if k != epci}, years=(2018, 2019))
    epci_rows = [(epci, y, s, float(sum(counts[c][(y, "M")] + counts[c][(y, "F")] if s == "T"
                                        else counts[c][(y, s)] for c in members)))
                 for y in (2018, 2019) for s in "MFT"]
    cells = pd.concat([cells, pd.DataFrame(epci_rows, columns=cells.columns)], ignore_index=True)
    # The EPCI's parent is "its main department", not a container: the groups come from ``sources``.
    primary, mask, audit = protect(cells, sources, parents)
    assert primary.any()
    assert audit.ok, audit.recoverable


def test_pooled_periods_are_protected_with_their_single_years():
    parents = {BRETAGNE: FRANCE, FINISTERE: BRETAGNE, MORBIHAN: BRETAGNE}
    counts = {FINISTERE: {(y, s): n for (y, s), n in {(2017, "M"): 30, (2017, "F"): 31, (2018, "M"): 4,
                                                        (2018, "F"): 29, (2019, "M"): 33, (2019, "F"): 35}.items()},
              MORBIHAN: {(y, s): 20 + y % 7 for y in (2017, 2018, 2019) for s in "MF"}}
    singles = table(counts, parents, years=(2017, 2018, 2019))
    pooled = singles.groupby(["area_id", "sex"], as_index=False)["numerator"].sum().assign(period="2017-2019")
    cells = pd.concat([singles, pooled[singles.columns]], ignore_index=True)
    sources = pd.DataFrame([(BRETAGNE, FINISTERE), (BRETAGNE, MORBIHAN), (FRANCE, FINISTERE), (FRANCE, MORBIHAN),
                            (FINISTERE, FINISTERE), (MORBIHAN, MORBIHAN)], columns=["target", "source"])
    primary, mask, audit = protect(cells, sources, parents)
    assert audit.ok, audit.recoverable


def synthetic_communes(n_communes=1_200, seed=3):
    """Communes in departments of ~345, EPCIs of ~28 (some cut by a department border) and territories of
    ~175, Poisson counts of a long-tailed population: the shape of the France-scale benchmark, smaller."""
    rng = np.random.default_rng(seed)
    i = np.arange(n_communes)
    commune = 100_000 + i
    department = 100 + i // 345
    epci = 1_000 + i // 28
    territory = 5_000 + i // 175
    sources = pd.concat([pd.DataFrame({"target": t, "source": commune})
                         for t in (commune, department, np.full(n_communes, FRANCE), epci, territory)])
    parents = pd.Series(np.concatenate([np.full(department.max() - 99, FRANCE), department]),
                        index=np.concatenate([np.arange(100, department.max() + 1), commune]))
    size = rng.lognormal(7.0, 1.2, n_communes)
    observed = pd.DataFrame({"source": np.tile(commune, 2), "sex": np.repeat(["M", "F"], n_communes),
                             "n": rng.poisson(np.tile(size, 2) * 0.0045)})
    sums = sources.merge(observed, on="source").groupby(["target", "sex"])["n"].sum().unstack()
    sums["T"] = sums["M"] + sums["F"]
    cells = sums.stack().rename("numerator").reset_index().rename(columns={"target": "area_id"})
    return cells.assign(period=2019, numerator=cells["numerator"].astype(float))[
        ["area_id", "period", "sex", "numerator"]], sources.reset_index(drop=True), parents


def test_communes_cut_by_borders_are_protected_as_the_exact_audit_confirms():
    cells, sources, parents = synthetic_communes()
    counts = cells["numerator"].to_numpy()
    primary = secondary_across_sex(cells, counts < 10, counts)
    protection = complementary_protection(cells, primary, sources, parents, 10)
    assert protection.audit.ok and (protection.mask >= primary).all()
    # Most of the tiny communes are covered by twins of their own EPCI: few extra cells are lost.
    assert (protection.mask & ~primary).sum() < 0.05 * primary.sum()
    audited = cells.assign(numerator=np.where(protection.mask, np.nan, counts), withheld=protection.mask)
    exact = feasible_intervals(audited, sources, 10)  # from the published cells only, as an outsider
    assert exact.ok, exact.recoverable


def test_certified_intervals_from_the_true_counts_lie_inside_the_exact_ones():
    cells, sources, _ = synthetic_communes(n_communes=400, seed=5)
    counts = cells["numerator"].to_numpy()
    withheld = secondary_across_sex(cells, counts < 10, counts)
    audited = cells.assign(numerator=np.where(withheld, np.nan, counts), withheld=withheld)
    certified = feasible_intervals(audited, sources, 10, true_counts=counts).intervals
    exact = feasible_intervals(audited, sources, 10).intervals
    key = ["area_id", "period", "sex"]
    both = certified.merge(exact, on=key, suffixes=("_cert", "_exact"))
    open_exact = both[both["exact_exact"]]
    assert len(both) == withheld.sum()
    assert (open_exact["lower_cert"] >= open_exact["lower_exact"] - 1e-6).all()
    assert (open_exact["upper_cert"] <= open_exact["upper_exact"] + 1e-6).all()
    assert (both["protected_cert"] <= both["protected_exact"]).all()  # a certificate never over-claims
