"""Area search: accent- and case-insensitive names, code prefixes, relevance order."""

import pytest
from rest_framework.test import APIClient

from tests.geo.geoweb_geography import build_small_france

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def geo():
    return build_small_france()


def search(q, **params):
    response = APIClient().get("/api/v1/areas/", {"q": q, **params})
    assert response.status_code == 200, response.content
    return [(row["level"], row["code"]) for row in response.json()["results"]]


@pytest.mark.parametrize("q", ["chateaulin", "CHÂTEAULIN", "Châteaulin", "  chateaulin "])
def test_chateaulin_is_found_whatever_the_accents_and_case(q):
    assert search(q, level="commune") == [("commune", "29026")]


@pytest.mark.parametrize("q", ["saint etienne", "Saint-Étienne", "SAINT-ETIENNE", "saint  étienne"])
def test_saint_etienne_is_found_with_or_without_hyphen_and_accent(q):
    assert search(q) == [("commune", "42218")]


def test_a_full_commune_code_finds_that_commune_first():
    assert search("29042")[0] == ("commune", "29042")


def test_a_code_prefix_finds_every_commune_under_it():
    assert search("290", level="commune") == [("commune", "29024"), ("commune", "29026"), ("commune", "29042")]


def test_corsican_codes_are_searched_case_insensitively():
    assert search("2a", level="commune") == [("commune", "2A001"), ("commune", "2A004")]
    assert search("2A")[0] == ("department", "2A")


def test_mayotte_is_found_by_code_and_by_name():
    assert search("976") == [("department", "976"), ("commune", "97611")]
    assert ("region", "06") in search("mayotte")


def test_exact_code_ranks_before_a_name_containing_the_word():
    # "Châteaulin" is also in the EPCI's name; the commune itself starts with it and ranks first.
    assert search("chateaulin") == [("commune", "29026"), ("epci", "200067247")]


def test_name_words_may_come_in_any_order_and_search_combines_with_filters():
    assert search("launay port") == [("commune", "29222")]
    # Same relevance and level: the more populous first (Finistère before Côtes-d'Armor).
    assert search("e", level="department", parent="53", parent_level="region") == [("department", "29"), ("department", "22")]


def test_an_exact_name_ranks_larger_levels_and_larger_populations_first():
    from tests.geo.geoweb_geography import area

    area("commune", "22998", "Bretagne", population=125)
    assert search("bretagne")[:2] == [("region", "53"), ("commune", "22998")]


def test_an_empty_search_filters_nothing_and_a_search_without_match_is_empty():
    assert len(search("", level="commune")) == 10
    assert search("zzz-nowhere") == []
