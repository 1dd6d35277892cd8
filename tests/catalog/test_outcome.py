"""A search's outcome for the unmet-needs statistics: local, fallback, national or none."""

from __future__ import annotations

from catalog.model import Level, Service
from catalog.outcome import UNMET, search_outcome
from catalog.search import Match
from tests.builders import POLSKA, crisis_line, institution, service


def match(found: Service, level: Level) -> Match:
    return Match(found, 1.0, found.situations, level)


def test_a_gmina_or_powiat_service_is_a_local_answer() -> None:
    mopr = service()
    pcpr = service("pcpr-siedlce", areas=["1426"])

    assert search_outcome([match(mopr, "gmina")], fallback=False) == "local"
    assert search_outcome([match(pcpr, "powiat")], fallback=False) == "local"


def test_only_crisis_or_national_lines_are_national() -> None:
    helpline = crisis_line()
    national = service("rzecznik", institution=institution("rpo", place=POLSKA), areas=[POLSKA])

    found = [match(helpline, "country"), match(national, "country")]

    assert search_outcome(found, fallback=False) == "national"


def test_a_regional_service_is_not_local() -> None:
    regional = service("rops", areas=["14"])

    assert search_outcome([match(regional, "wojewodztwo")], fallback=False) == "national"


def test_the_general_office_offered_instead_is_the_fallback_even_though_it_is_local() -> None:
    mopr = service()

    assert search_outcome([match(mopr, "gmina")], fallback=True) == "fallback"


def test_nothing_found_is_none_and_every_outcome_but_local_is_unmet() -> None:
    assert search_outcome([], fallback=False) == "none"
    assert frozenset({"fallback", "national", "none"}) == UNMET
