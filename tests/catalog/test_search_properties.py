"""Properties of search over random catalogues: never a leak, always the same order."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.model import AgeRange, Service
from catalog.search import ADULT_AGE, Query, SearchIndex, childrens_line
from catalog.taxonomy import SITUATIONS
from tests.builders import area, catalog_with, service

GMINAS = ("146401", "142605", "142608", "201307", "201308", "020101")
AREA_CODES = ("", "14", "1426", "146401", "142605", "142608", "20", "2013", "201308", "02")
WORDS = ("praca", "bije", "zasilek", "asdf", "mama", "alzheimer", "czynsz", "PUP", "wózek", "")


@st.composite
def ages(draw: st.DrawFn) -> AgeRange:
    low = draw(st.none() | st.integers(0, 90))
    high = draw(st.none() | st.integers(low or 0, 100))
    return AgeRange(low, high)


@st.composite
def services(draw: st.DrawFn, number: int) -> Service:
    return service(
        f"s-{number:03d}",
        name=draw(st.sampled_from(("Zasiłki", "Praca", "Pomoc", "Opieka", "Telefon"))),
        situations=draw(st.lists(st.sampled_from(SITUATIONS), min_size=1, max_size=4)),
        areas=[area(code) for code in draw(st.sets(st.sampled_from(AREA_CODES), min_size=1))],
        ages=draw(ages()),
        keywords=draw(st.lists(st.sampled_from(WORDS[:-1]), max_size=2)),
        crisis=draw(st.booleans()),
    )


@st.composite
def catalogues(draw: st.DrawFn) -> list[Service]:
    size = draw(st.integers(1, 12))
    return [draw(services(number)) for number in range(size)]


queries = st.builds(
    Query,
    text=st.lists(st.sampled_from(WORDS), max_size=3).map(" ".join),
    situations=st.frozensets(st.sampled_from(SITUATIONS), max_size=2),
    age=st.none() | st.integers(0, 100),
    gmina=st.none() | st.sampled_from(GMINAS),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(catalogues(), queries)
def test_no_result_is_outside_the_person_place_or_age(items: list[Service], query: Query) -> None:
    index = SearchIndex(catalog_with(*items))

    matches = index.search(query, limit=100).matches

    for match in matches:
        if query.gmina is None:
            assert any(served.code == "" for served in match.service.areas)
        else:
            assert match.service.serves_place(query.gmina)
            assert any(
                served.code == "" or query.gmina.startswith(served.code)
                for served in match.service.areas
            )
        assert match.service.serves_age(query.age)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(catalogues(), queries)
def test_order_does_not_depend_on_catalogue_order_or_repetition(
    items: list[Service], query: Query
) -> None:
    forward = SearchIndex(catalog_with(*items)).search(query, limit=100)
    backward = SearchIndex(catalog_with(*reversed(items))).search(query, limit=100)

    assert [m.service.id for m in forward.matches] == [m.service.id for m in backward.matches]
    assert forward == SearchIndex(catalog_with(*items)).search(query, limit=100)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(catalogues(), queries)
def test_every_eligible_service_for_a_chosen_situation_is_found(
    items: list[Service], query: Query
) -> None:
    chosen = Query(situations=query.situations, age=query.age, gmina=query.gmina)
    index = SearchIndex(catalog_with(*items))

    found = {match.service.id for match in index.search(chosen, limit=1000).matches}

    for item in items:
        place_ok = (
            item.serves_place(chosen.gmina)
            if chosen.gmina
            else any(a.code == "" for a in item.areas)
        )
        covers = not chosen.situations or set(item.situations) & chosen.situations
        # A crisis line for the young is never offered to an adult, whatever its ages say.
        adult = chosen.age is not None and chosen.age >= ADULT_AGE
        if adult and childrens_line(item):
            assert item.id not in found
        elif place_ok and item.serves_age(chosen.age) and covers:
            assert item.id in found
