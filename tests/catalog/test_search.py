"""Search: eligibility is a filter, ranking is situation, text, then locality."""

from __future__ import annotations

import dataclasses
import gc
import weakref
from datetime import UTC, datetime

import pytest

from catalog import search
from catalog.search import Query, SearchIndex, release
from tests.builders import (
    MORDY,
    POLSKA,
    POWIAT_SIEDLECKI,
    SIEDLCE,
    area,
    catalog_with,
    crisis_line,
    institution,
    service,
)

MORDY_GMINA = "142605"
TOWN_OF_SIEDLCE = "146401"
WARSZAWA = "146501"


def index_of(*services: object) -> SearchIndex:
    return SearchIndex(catalog_with(*services))  # type: ignore[arg-type]


def ids(index: SearchIndex, query: Query, *, limit: int = 10) -> list[str]:
    return [match.service.id for match in index.search(query, limit=limit).matches]


# Eligibility


def test_county_service_serves_every_gmina_of_its_county() -> None:
    index = index_of(service("pcpr-pfron", situations=["disability"], areas=[POWIAT_SIEDLECKI]))

    found = ids(index, Query(text="wózek", gmina=MORDY_GMINA))

    assert found == ["pcpr-pfron"]


def test_an_understanding_of_another_text_is_not_taken_for_the_query_s() -> None:
    index = index_of(
        service("pup-praca", situations=["unemployment"], areas=[POLSKA]),
        service("oik", situations=["domestic_violence"], areas=[POLSKA]),
    )
    other = index.vocabulary.understand("mąż mnie bije")

    with_it = ids(index, Query(text="szukam pracy", understanding=other))

    assert with_it == ids(index, Query(text="szukam pracy"))
    assert with_it[0] == "pup-praca"


def test_service_of_another_gmina_is_never_returned() -> None:
    index = index_of(
        service("mopr-siedlce", situations=["poverty"], areas=[SIEDLCE]),
        service("gops-mordy", situations=["poverty"], areas=[MORDY]),
    )

    found = ids(index, Query(situations=frozenset({"poverty"}), gmina=MORDY_GMINA))

    assert found == ["gops-mordy"]


def test_service_outside_the_age_of_the_person_is_never_returned() -> None:
    index = index_of(
        service("ohp-mlodziez", situations=["unemployment"], areas=[POLSKA], ages="15-25"),
        service("pup-praca", situations=["unemployment"], areas=[POLSKA]),
    )

    found = ids(index, Query(text="szukam pracy", age=40, gmina=MORDY_GMINA))

    assert found == ["pup-praca"]


def test_age_bounds_are_inclusive() -> None:
    index = index_of(
        service("tel-dzieci", situations=["mental_health"], areas=[POLSKA], ages="-18")
    )

    assert ids(index, Query(text="smutno mi", age=18)) == ["tel-dzieci"]
    assert ids(index, Query(text="smutno mi", age=19)) == []


def test_unknown_age_does_not_filter() -> None:
    index = index_of(service("ohp", situations=["youth"], areas=[POLSKA], ages="15-25"))

    assert ids(index, Query(situations=frozenset({"youth"}))) == ["ohp"]


def test_unknown_place_gets_only_country_wide_services() -> None:
    index = index_of(
        service("mopr-siedlce", situations=["poverty"], areas=[SIEDLCE]),
        service("national", situations=["poverty"], areas=[POLSKA]),
    )

    found = ids(index, Query(situations=frozenset({"poverty"}), gmina=None))

    assert found == ["national"]


def test_gmina_written_with_its_type_digit_still_matches_its_areas() -> None:
    index = index_of(service("gops-mordy", situations=["poverty"], areas=[MORDY]))

    assert ids(index, Query(text="zasiłek", gmina="1426053")) == ["gops-mordy"]


# Understanding the words


def test_situation_is_detected_from_words_without_polish_letters() -> None:
    index = index_of(
        service("pup", situations=["unemployment"], areas=[POLSKA], name="Oferty pracy"),
        service("caritas", situations=["poverty"], areas=[POLSKA], name="Paczki"),
    )

    result = index.search(Query(text="stracilem prace"))

    assert "unemployment" in result.situations
    assert result.matches[0].service.id == "pup"


def test_nonsense_finds_nothing_and_says_so() -> None:
    index = index_of(service("pup", situations=["unemployment"], areas=[POLSKA]))

    result = index.search(Query(text="asdf qwerty"))

    assert result.matches == ()
    assert result.understood is False


def test_nonsense_with_a_chosen_situation_still_finds_the_situation() -> None:
    index = index_of(service("pup", situations=["unemployment"], areas=[POLSKA]))

    result = index.search(Query(text="asdf", situations=frozenset({"unemployment"})))

    assert [match.service.id for match in result.matches] == ["pup"]
    assert result.understood is False


def test_institution_short_name_finds_its_services() -> None:
    owner = institution("pup-siedlce", name="Powiatowy Urząd Pracy", short_name="PUP Siedlce")
    index = index_of(
        service("pup-staze", name="Staże", situations=["education"], institution=owner),
        service("mopr", situations=["poverty"], areas=[SIEDLCE]),
    )

    found = ids(index, Query(text="PUP", gmina=TOWN_OF_SIEDLCE))

    assert found == ["pup-staze"]


def test_keyword_with_a_typo_finds_the_service() -> None:
    index = index_of(
        service(
            "alzheimer",
            name="Wsparcie opiekunów",
            situations=["illness"],
            keywords=["alzheimer"],
            areas=[POLSKA],
        ),
        service("hospicjum", name="Hospicjum domowe", situations=["illness"], areas=[POLSKA]),
    )

    found = ids(index, Query(text="alzhaimer"))

    assert found[0] == "alzheimer"


def test_empty_question_lists_every_eligible_service_most_local_first() -> None:
    index = index_of(
        service("national", areas=[POLSKA]),
        service("county", areas=[POWIAT_SIEDLECKI]),
        service("gmina", areas=[MORDY]),
        service("other-gmina", areas=[SIEDLCE]),
    )

    assert ids(index, Query(gmina=MORDY_GMINA)) == ["gmina", "county", "national"]


def test_chosen_situations_and_free_text_are_combined() -> None:
    index = index_of(
        service("przemoc", situations=["domestic_violence"], areas=[MORDY]),
        service("uzaleznienia", situations=["addiction"], areas=[MORDY]),
        service("both", situations=["domestic_violence", "addiction"], areas=[MORDY]),
    )

    result = index.search(
        Query(text="mąż pije", situations=frozenset({"domestic_violence"}), gmina=MORDY_GMINA)
    )

    assert {"domestic_violence", "addiction"} <= result.situations
    assert result.matches[0].service.id == "both"


# Ranking


def test_more_local_service_comes_first_when_equally_relevant() -> None:
    index = index_of(
        service("national", situations=["poverty"], areas=[POLSKA]),
        service("wojewodztwo", situations=["poverty"], areas=[area("14")]),
        service("county", situations=["poverty"], areas=[POWIAT_SIEDLECKI]),
        service("gmina", situations=["poverty"], areas=[MORDY]),
    )

    found = ids(index, Query(text="nie mam pieniędzy", gmina=MORDY_GMINA))

    assert found == ["gmina", "county", "wojewodztwo", "national"]


def test_match_level_is_the_narrowest_area_containing_the_person() -> None:
    index = index_of(
        service("pup", situations=["unemployment"], areas=[SIEDLCE, POWIAT_SIEDLECKI])
    )

    in_town = index.search(Query(text="praca", gmina=TOWN_OF_SIEDLCE)).matches
    in_mordy = index.search(Query(text="praca", gmina=MORDY_GMINA)).matches

    assert [match.level for match in in_town] == ["gmina"]
    assert [match.level for match in in_mordy] == ["powiat"]


def test_service_for_the_situation_only_beats_one_doing_everything() -> None:
    index = index_of(
        service(
            "zasilki",
            situations=["poverty", "family", "unemployment", "domestic_violence"],
            areas=[MORDY],
        ),
        service("przemoc", situations=["domestic_violence"], areas=[MORDY]),
    )

    assert ids(index, Query(text="przemoc", gmina=MORDY_GMINA))[0] == "przemoc"


def test_national_lines_do_not_crowd_out_local_help() -> None:
    lines = [crisis_line(f"line-{n}", situations=["domestic_violence"]) for n in range(3)]
    local = [
        service(f"local-{n}", situations=["domestic_violence", "poverty", "family"], areas=[MORDY])
        for n in range(3)
    ]
    index = index_of(*lines, *local)

    top = index.search(Query(text="przemoc", gmina=MORDY_GMINA)).matches[:3]

    assert sum(match.level == "country" for match in top) == 1


def test_national_lines_fill_the_top_when_nothing_local_fits() -> None:
    lines = [crisis_line(f"line-{n}", situations=["domestic_violence"]) for n in range(3)]
    index = index_of(*lines, service("local", situations=["poverty"], areas=[MORDY]))

    result = index.search(Query(text="przemoc", gmina=MORDY_GMINA), limit=3)

    # No dead end: the gmina's general office first, then the national lines.
    assert [match.service.id for match in result.matches] == ["local", "line-0", "line-1"]
    assert result.fallback


def test_same_question_gives_the_same_order_whatever_the_catalogue_order() -> None:
    services = [
        service(f"s-{n}", situations=["poverty"], areas=[MORDY if n % 2 else POLSKA])
        for n in range(8)
    ]
    forward = index_of(*services)
    backward = index_of(*reversed(services))
    query = Query(text="bieda", gmina=MORDY_GMINA)

    assert ids(forward, query) == ids(backward, query) == ids(forward, query)


def test_equal_services_are_ordered_by_id() -> None:
    index = index_of(*(service(name, situations=["poverty"], areas=[MORDY]) for name in "cab"))

    assert ids(index, Query(text="bieda", gmina=MORDY_GMINA)) == ["a", "b", "c"]


def test_limit_cuts_the_list() -> None:
    index = index_of(*(service(f"s{n}", situations=["poverty"], areas=[MORDY]) for n in range(9)))

    assert len(ids(index, Query(text="bieda", gmina=MORDY_GMINA), limit=4)) == 4


# Danger


def test_danger_words_put_crisis_lines_serving_the_person_first() -> None:
    index = index_of(
        service("oik", situations=["mental_health"], areas=[MORDY]),
        crisis_line("116-123", situations=["mental_health"], ages="18-"),
        crisis_line("116-111", phones=["116 111"], situations=["mental_health"], ages="-18"),
        crisis_line("niebieska", phones=["800 120 002"], situations=["domestic_violence"]),
    )

    result = index.search(Query(text="chce sie zabic", age=30, gmina=MORDY_GMINA))

    assert result.danger is True
    assert [match.service.id for match in result.matches] == ["116-123", "niebieska", "oik"]


def test_child_in_danger_gets_the_line_for_children() -> None:
    index = index_of(
        crisis_line("116-123", situations=["mental_health"], ages="18-"),
        crisis_line("116-111", phones=["116 111"], situations=["mental_health"], ages="-18"),
    )

    result = index.search(Query(text="nie chcę żyć", age=14))

    assert [match.service.id for match in result.matches] == ["116-111"]


def test_ordinary_question_is_not_danger() -> None:
    index = index_of(crisis_line("116-123"))

    assert index.search(Query(text="zabić czas")).danger is False


def test_index_is_built_once_per_catalogue() -> None:
    catalog = catalog_with(service("a", areas=[POLSKA]))

    assert SearchIndex.of(catalog) is SearchIndex.of(catalog)


def test_office_is_found_by_its_acronym_and_by_another_name_of_its_kind() -> None:
    mopr = institution("mopr-siedlce", name="Miejski Ośrodek Pomocy Rodzinie w Siedlcach")
    index = index_of(
        service("mopr-zasilki", name="Zasiłki", situations=["poverty"], institution=mopr),
        service(
            "caritas",
            name="Paczki",
            situations=["housing"],
            institution=institution("caritas", name="Caritas Diecezji Siedleckiej"),
        ),
    )

    assert ids(index, Query(text="MOPR", gmina=TOWN_OF_SIEDLCE)) == ["mopr-zasilki"]
    assert ids(index, Query(text="mops", gmina=TOWN_OF_SIEDLCE))[0] == "mopr-zasilki"


def test_medicines_are_not_fear_when_letters_are_folded() -> None:
    index = index_of(
        service("zasilki", situations=["poverty"], areas=[MORDY]),
        crisis_line("116-123", situations=["mental_health"]),
    )

    assert ids(index, Query(text="pieniądze na leki", gmina=MORDY_GMINA)) == ["zasilki"]


def test_index_is_reused_for_a_copy_of_the_catalogue_with_another_load_time() -> None:
    catalog = catalog_with(service("a", areas=[POLSKA]))
    built = SearchIndex.of(catalog)

    copied = dataclasses.replace(catalog, loaded_at=datetime(2026, 11, 23, tzinfo=UTC))
    index = SearchIndex.of(copied)

    assert index.catalog is copied
    assert index._postings is built._postings


def test_a_catalogue_and_its_index_are_freed_without_the_cycle_collector() -> None:
    catalog = catalog_with(service("a", areas=[POLSKA]))
    index = SearchIndex.of(catalog)
    catalog_ref, index_ref = weakref.ref(catalog), weakref.ref(index)

    gc.disable()
    try:
        del catalog, index
        freed = catalog_ref() is None and index_ref() is None
    finally:
        gc.enable()

    assert freed


def test_release_frees_a_catalogue_and_its_index_and_empties_the_list() -> None:
    catalog = catalog_with(service("a", areas=[POLSKA]), service("b", areas=[MORDY]))
    SearchIndex.of(catalog)
    catalog_ref = weakref.ref(catalog)
    held = [catalog]
    del catalog

    release(held)

    assert held == []
    assert catalog_ref() is None


def test_release_leaves_a_catalogue_someone_still_holds_searchable() -> None:
    catalog = catalog_with(service("a", areas=[POLSKA]))
    SearchIndex.of(catalog)

    release([catalog])

    assert ids(SearchIndex.of(catalog), Query(text="", situations=frozenset({"poverty"}))) == ["a"]


def test_index_orders_services_by_id_when_sorted_in_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "SORT_STEP", 2)
    names = ["e", "a", "d", "b", "c"]
    catalog = catalog_with(*(service(name, areas=[POLSKA]) for name in names))

    index = SearchIndex(catalog)

    assert [s.id for s in index._services] == sorted(names)


def test_a_word_most_services_have_scores_as_if_only_the_eligible_had_it() -> None:
    # "alzheimer" is in more services than serve Mordy: found there by bisection in its
    # compact list of services, and worth exactly what it is worth in a small catalogue
    mordy_owner = institution("gops-mordy", place=MORDY)
    local = [
        service("mordy-alzheimer", institution=mordy_owner, name="Grupa wsparcia alzheimer"),
        service("mordy-opieka", institution=mordy_owner, name="Opieka wytchnieniowa"),
    ]
    elsewhere = [
        service(f"warszawa-{n}", name="Grupa wsparcia alzheimer", areas=[area(WARSZAWA)])
        for n in range(30)
    ]
    big, small = index_of(*elsewhere, *local), index_of(*local)
    query = Query(text="alzheimer", gmina=MORDY_GMINA)

    found = [(m.service.id, m.score) for m in big.search(query).matches]

    assert found == [(m.service.id, m.score) for m in small.search(query).matches]
    assert found[0][0] == "mordy-alzheimer"
    assert all(not service_id.startswith("warszawa") for service_id, _ in found)
