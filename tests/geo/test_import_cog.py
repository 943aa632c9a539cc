"""geo.importers.cog on the real COG 2026 files (no database)."""

import pytest

from geo.importers.cog import load_cog
from geo.importers.sources import resolve


@pytest.fixture(scope="module")
def cog(data_dir):
    return load_cog(resolve(data_dir))


def test_codes_stay_strings_with_their_leading_zeros(cog):
    ain = cog.departments.set_index("code").loc["01"]
    assert ain["name"] == "Ain" and ain["region"] == "84"
    commune = cog.communes.set_index("code").loc["01001"]
    assert commune["department"] == "01" and commune["name"] == "L'Abergement-Clémenciat"
    # Region 01 (Guadeloupe) and department 01 (Ain) are different things with the same code.
    assert cog.regions.set_index("code").loc["01", "name"] == "Guadeloupe"


def test_corsica_is_2a_and_2b_and_never_20(cog):
    assert {"2A", "2B"} <= set(cog.departments["code"]) and "20" not in set(cog.departments["code"])
    assert not cog.communes["code"].str.startswith("20").any()


def test_the_collectivites_d_outre_mer_are_left_out(cog):
    assert cog.skipped_com == 94
    assert len(cog.communes) == 34_875 and len(cog.departments) == 101 and len(cog.regions) == 18
    assert cog.communes["population"].sum() == 68_350_798


def test_arrondissements_of_paris_lyon_marseille_point_to_their_commune(cog):
    aliases = cog.aliases.set_index("code")
    assert aliases.loc["75101", "commune"] == "75056"
    assert aliases.loc["69381", "commune"] == "69123"
    assert aliases.loc["13201", "commune"] == "13055"
    assert (aliases["kind"] == "arrondissement-municipal").sum() == 45
    assert not set(aliases.index) & set(cog.communes["code"])


def test_four_island_communes_have_no_epci(cog):
    assert sorted(cog.communes.loc[cog.communes["epci"] == "", "code"]) == ["22016", "29083", "29155", "85113"]
    assert cog.communes.set_index("code").loc["75056", "epci"] == "200054781"  # Métropole du Grand Paris


def test_restricting_keeps_the_regions_and_the_epcis_touching_the_departments(cog):
    small = cog.restrict(["29", "976"])
    assert set(small.regions["code"]) == {"53", "06"}
    assert "242900744" in set(small.epcis["code"])  # CC Poher Communauté, mostly in 29, also in 22
    assert set(small.communes["department"]) == {"29", "976"}
