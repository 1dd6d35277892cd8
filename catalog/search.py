"""Search: eligibility (place, age) as a filter, then ranking by situation, text and locality.

`Query` is what is asked (built by `catalog.reading.Need.query` or by hand), `SearchIndex.search`
answers with a `SearchResult` of `Match`es.

Eligibility is never a score: services are picked from an index by the TERYT prefixes of the
person's gmina ('' Polska, województwo, powiat, gmina), so a service outside their place is
never even looked at, and a service outside their age is dropped before ranking.
"""

from __future__ import annotations

import copy
import heapq
import weakref
from array import array
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from catalog.heap import free_in_pieces, gc_paused
from catalog.model import LEVEL_BY_CODE_LENGTH, Catalog, Level, Service
from catalog.text import words
from catalog.vocabulary import (
    Lexicon,
    Token,
    Understanding,
    Vocabulary,
    tokenize,
    tokenize_catalog_text,
    vocabulary,
)

# How much each part of a service's text says about it.
_FIELD_WEIGHTS = {
    "name": 1.0,
    "keywords": 1.0,
    "short_name": 0.9,
    "institution": 0.6,
    "description": 0.6,
}
# The field weights as small codes, for the compact postings (0: none).
_WEIGHTS: tuple[float, ...] = (0.0, *sorted(set(_FIELD_WEIGHTS.values())))
_FIELD_CODES: Mapping[str, int] = {
    field_name: _WEIGHTS.index(weight) for field_name, weight in _FIELD_WEIGHTS.items()
}
_NO_WEIGHT = 0
ADULT_AGE = 18
CONTEXT_WEIGHT = 0.5  # a situation beside the main one counts half
TEXT_WEIGHT = 0.8  # a text match counts a bit less than a situation the person named
SPECIFIC_WEIGHT = 0.25  # a service about this situation only beats one doing ten things
LOCALITY: Mapping[Level, float] = {
    "gmina": 0.15,
    "powiat": 0.1,
    "wojewodztwo": 0.05,
    "country": 0.0,
}
AGE_TARGETED = {2: 0.3, 1: 0.05}  # made for people of this age (both bounds) or only 18+ etc.
NATIONAL_IN_TOP = 1  # national lines allowed in the first TOP places when local help exists
TOP = 3
_MIN_TEXT_SIMILARITY = 0.8  # typos count; looser likenesses would match nonsense
HINT_WORD_WEIGHT = 0.5  # a word that only says who ("syn", "mama") is not the problem
ALIAS_SIMILARITY = 0.9  # "MOPS" for a MOPR: the same kind of office under another name
_ACRONYM_END = frozenset(("w", "we", "dla", "na", "im", "przy"))
_ACRONYM_SKIP = frozenset(("i", "z", "ze", "oraz", "do", "o"))
_Ranked = tuple[float, int, Level]  # (minus the score, service position, level): sorts best first


@dataclass(frozen=True, slots=True)
class Query:
    """What we know about the person who needs help."""

    text: str = ""
    situations: frozenset[str] = frozenset()
    age: int | None = None  # of the person who needs help, not of the one writing
    gmina: str | None = None  # 6-digit code; None: place unknown -> only country-wide services
    adult: bool = False  # no age, but surely an adult ("mąż mnie bije"): no children's services
    main: str | None = None  # the main situation; the others only give context
    who: str | None = None  # "me", "child", "other": a child at risk gets children's lines
    # What the reader understood of `text` with the same vocabulary (`Need.query`), so that a
    # message is understood once; None, or an understanding of another text: the search
    # understands `text` itself.
    understanding: Understanding | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Match:
    """A service that serves the person, with why it was chosen."""

    service: Service
    score: float
    situations: tuple[str, ...]  # the query's situations this service covers
    level: Level  # the narrowest of its areas that contains the person's gmina


@dataclass(frozen=True, slots=True)
class SearchResult:
    """Services best first, and what was understood from the words."""

    matches: tuple[Match, ...]
    situations: frozenset[str]  # given plus detected from the text
    danger: bool = False  # the text signals immediate danger: crisis lines come first
    understood: bool = True  # False when the text meant nothing to us ("asdf")
    covered: bool = True  # the person's gmina is inside the catalogue's local area (or unknown)
    fallback: bool = False  # nothing local fits: the gmina's general office comes first


class SearchIndex:
    """A catalogue prepared for fast searching; immutable, swapped whole on reload."""

    def __init__(self, catalog: Catalog, *, words: Vocabulary | None = None) -> None:
        self._catalog: Catalog | None = catalog
        self._catalog_ref = weakref.ref(catalog)
        self._source = catalog.services  # what a copy of the catalogue shares with it
        with gc_paused():  # a million small objects, all kept: nothing to collect
            self.vocabulary = words if words is not None else vocabulary()
            # In id order, so that an index order is the id order (ties are broken by id).
            self._services: tuple[Service, ...] = _sorted_by_id(catalog.services)
            # Per service, what ranking reads for every eligible service, kept flat for speed.
            kinds: dict[tuple[str, ...], frozenset[str]] = {}  # a few hundred, each shared
            self._situations = [
                kinds.setdefault(service.situations, frozenset(service.situations))
                for service in self._services
            ]
            # Ages as small numbers (-1 and 1,000 for open ends), 2 bytes each.
            self._low = array("h", [_low(service) for service in self._services])
            self._high = array("h", [_high(service) for service in self._services])
            # Lines and services made for children ("-18", or a crisis line for the young with
            # no lower bound): never offered to an adult, even one whose age is not known.
            self._for_children = [for_children(service) for service in self._services]
            self._childrens_lines = [childrens_line(service) for service in self._services]
            self._age_bonus = [
                AGE_TARGETED.get((s.ages.low is not None) + (s.ages.high is not None), 0.0)
                for s in self._services
            ]
            # Per word form, the services whose text has it (ascending positions) and how much
            # (a code into `_WEIGHTS`): 5 bytes a pair instead of ~60 in a dict of floats.
            postings: dict[str, tuple[array[int], array[int]]] = {}
            by_area: dict[str, array[int]] = {}
            is_stopword = self.vocabulary.is_stopword
            for index, service in enumerate(self._services):
                for code in sorted({area.code for area in service.areas}):
                    listed = by_area.get(code)
                    if listed is None:
                        listed = by_area[code] = array("I")
                    listed.append(index)
                best: dict[str, int] = {}  # this service's forms, with their best weight's code
                for field_name, text in _texts(service):
                    weight = _FIELD_CODES[field_name]
                    for token in tokenize_catalog_text(text):
                        if is_stopword(token):
                            continue
                        for form in token.forms:
                            if weight > best.get(form, _NO_WEIGHT):  # codes go up with weights
                                best[form] = weight
                for form, weight in best.items():
                    served = postings.get(form)
                    if served is None:
                        served = postings[form] = (array("I"), array("B"))
                    served[0].append(index)
                    served[1].append(weight)
            self._by_area = by_area
            self._postings = postings
            self._lexicon = Lexicon(postings)

    @classmethod
    def of(cls, catalog: Catalog) -> SearchIndex:
        """The index of a catalogue, built once and kept with it (a reload brings a new one).

        A copy of the catalogue with the same services (`dataclasses.replace(catalog,
        loaded_at=...)` when it is stored) reuses the index built for the original.
        """
        cached = catalog.__dict__.get("_search_index")
        if isinstance(cached, SearchIndex):
            return cached
        for recent in filter(None, (ref() for ref in _RECENT)):
            if recent._source is catalog.services:
                index = copy.copy(recent)
                break
        else:
            index = cls(catalog)
        # The catalogue keeps its index; the index points back weakly, so that the pair is no
        # reference cycle and a replaced catalogue is freed at once (it may be gc-frozen).
        index._catalog = None
        index._catalog_ref = weakref.ref(catalog)
        object.__setattr__(catalog, "_search_index", index)
        _RECENT[:] = [weakref.ref(index), *_RECENT][:2]
        return index

    @property
    def catalog(self) -> Catalog:
        """The catalogue searched (of an index from `of`: alive while anyone holds it)."""
        catalog = self._catalog if self._catalog is not None else self._catalog_ref()
        if catalog is None:
            raise ReferenceError("the catalogue of this index was let go; keep the catalogue")
        return catalog

    def search(self, query: Query, *, limit: int = 10) -> SearchResult:
        """Services that serve this person, best first (never one outside place or age)."""
        understanding = query.understanding
        if understanding is None or understanding.text != query.text:
            understanding = self.vocabulary.understand(query.text)
        weights = dict(understanding.situations)
        for key in query.situations:
            weights[key] = 1.0
        if query.main in weights:
            weights = {
                key: weight if key == query.main else min(weight, CONTEXT_WEIGHT)
                for key, weight in weights.items()
            }
        eligible = self._eligible(query)
        grown_up = query.adult or (query.age is not None and query.age >= ADULT_AGE)
        if grown_up:  # the age filter has done the rest when the age is known
            unfit = self._for_children if query.age is None else self._childrens_lines
            eligible = {i: level for i, level in eligible.items() if not unfit[i]}
        text_scores, text_understood = self._text_scores(understanding, eligible)
        has_text = bool(understanding.tokens)
        understood = not has_text or understanding.understood or text_understood
        situations = frozenset(weights)
        if has_text and not understood and not query.situations:
            return SearchResult((), situations, danger=False, understood=False)
        ranked = self._ranked(
            eligible,
            weights,
            text_scores,
            asked=bool(weights) or has_text,
            age_known=query.age is not None,
            danger=understanding.danger,
        )
        covered = query.gmina is None or self.covers(query.gmina)
        fallback = False
        if understanding.danger:
            ordered = self._crisis_first(ranked, frozenset(understanding.situations), limit)
        else:
            ordered = _national_not_crowding(ranked, limit)
            ordered = self._safe_lines_in_top(ordered, eligible, query, weights)
            if (
                query.gmina is not None
                and covered
                and weights
                and not any(level != "country" for _, _, level in ranked)
            ):
                offices = self._general_offices(eligible)
                fallback = bool(offices)
                ordered = offices + [item for item in ordered if item not in offices]
        matches = tuple(
            Match(
                self._services[index],
                -negative_score,
                tuple(key for key in self._services[index].situations if key in weights),
                level,
            )
            for negative_score, index, level in ordered[:limit]
        )
        danger = understanding.danger
        return SearchResult(
            matches,
            situations,
            danger=danger,
            understood=understood,
            covered=covered,
            fallback=fallback,
        )

    def known_words(self, text: str) -> str:
        """The words of a text that mean something to this search (the vocabulary's words and
        the catalogue's own), in order: what a conversation keeps of a person's words for a
        later search. Names, numbers and the rest of their story are left out."""
        kept = [
            token.surface
            for token in tokenize(text)
            if not self.vocabulary.is_stopword(token)
            and (self.vocabulary.knows(token) or self._matches(token))
        ]
        return " ".join(kept)

    def covers(self, gmina: str) -> bool:
        """True when some service of the catalogue serves this gmina locally (not only the
        national lines): the person lives inside the catalogue's area."""
        return self.locality(gmina) > 0

    def locality(self, gmina: str) -> int:
        """How locally the catalogue serves a gmina: 3 a service of the gmina itself, 2 of its
        powiat, 1 of its województwo, 0 only national lines."""
        for score, length in ((3, 6), (2, 4), (1, 2)):
            if gmina[:length] in self._by_area:
                return score
        return 0

    @property
    def local_areas(self) -> tuple[str, ...]:
        """The catalogue's area as the widest codes it serves locally (no '' for Poland)."""
        codes = sorted(code for code in self._by_area if code)
        widest = [
            code for code in codes if not any(code.startswith(o) for o in codes if o != code)
        ]
        return tuple(widest)

    def general_office(self, query: Query) -> Service | None:
        """The person's gmina social-help office that has a phone (see `_general_offices`):
        whom a card with no contact sends them to."""
        for _score, index, _level in self._general_offices(self._eligible(query)):
            if self._services[index].contact.phones:
                return self._services[index]
        return None

    def _general_offices(self, eligible: Mapping[int, Level]) -> list[_Ranked]:
        """The gmina's social-help office (MOPS, GOPS, OPS: the local service for poverty and
        general help), the first contact when nothing local fits the situation; failing that,
        the most local general services."""
        general = [
            (index, level)
            for index, level in eligible.items()
            if level != "country" and not self._services[index].crisis
        ]
        for wanted in ("gmina", "powiat", "wojewodztwo"):
            offices = [
                index
                for index, level in general
                if level == wanted and "poverty" in self._situations[index]
            ]
            if offices:
                # The office that takes the widest range of matters is the social-help centre.
                offices.sort(key=lambda index: (-len(self._situations[index]), index))
                return [(-1.0, index, wanted) for index in offices[:2]]
        return []

    def _safe_lines_in_top(
        self,
        ordered: list[_Ranked],
        eligible: Mapping[int, Level],
        query: Query,
        weights: Mapping[str, float],
    ) -> list[_Ranked]:
        """For violence and a child at risk, a fitting 24/7 line in the first three, beside
        the local service (adults: Niebieska Linia, 112, the town's crisis line; children:
        116 111, 800 12 12 12, 112)."""
        main = query.main or (max(weights, key=lambda key: weights[key]) if weights else None)
        child = query.who == "child" or (query.age is not None and query.age < ADULT_AGE)
        if main != "domestic_violence" and not (child and main == "family"):
            return ordered

        def fitting(index: int, *, for_a_child: bool) -> bool:
            service = self._services[index]
            made_for_children = self._for_children[index]
            return (
                service.crisis
                and main in self._situations[index]
                and (made_for_children if for_a_child else not made_for_children)
            )

        # A child gets a children's line if the catalogue has one, else any fitting line.
        line: _Ranked | None = None
        for for_a_child in (True, False) if child else (False,):
            if any(fitting(index, for_a_child=for_a_child) for _, index, _ in ordered[:TOP]):
                return ordered
            # the best ranked fitting line, else the first eligible one the ranking left out
            ranked = (item for item in ordered if fitting(item[1], for_a_child=for_a_child))
            left_out = (
                (0.0, index, level)
                for index, level in sorted(eligible.items())
                if fitting(index, for_a_child=for_a_child)
            )
            line = next(ranked, None) or next(left_out, None)
            if line is not None:
                break
        if line is None:
            return ordered
        rest = [item for item in ordered if item != line]
        return [*rest[:1], line, *rest[1:]]

    def _ranked(
        self,
        eligible: Mapping[int, Level],
        weights: Mapping[str, float],
        text_scores: Mapping[int, float],
        *,
        asked: bool,
        age_known: bool,
        danger: bool,
    ) -> list[_Ranked]:
        """Every eligible service that answers the question, best first (ties by id).

        Score: the share of the person's situations it covers, a bonus for doing only that,
        its own words matching theirs, then locality and an age-made-for-them bonus.
        """
        total = sum(weights.values())
        asked_for = frozenset(weights)
        services_situations = self._situations
        ranked: list[_Ranked] = []
        for index, level in eligible.items():
            relevance = TEXT_WEIGHT * text_scores.get(index, 0.0)
            covered = services_situations[index] & asked_for
            if covered:
                share = sum(weights[key] for key in covered)
                relevance += share / total
                relevance += SPECIFIC_WEIGHT * share / len(services_situations[index])
            if relevance <= 0.0:
                if asked and not (danger and self._services[index].crisis):
                    continue
            elif age_known:
                relevance += self._age_bonus[index]
            ranked.append((-round(relevance + LOCALITY[level], 6), index, level))
        ranked.sort()
        return ranked

    def _eligible(self, query: Query) -> dict[int, Level]:
        """Services serving the person's place and age, with the narrowest level that does."""
        gmina = (query.gmina or "")[:6]
        prefixes = [gmina[:length] for length in (6, 4, 2) if len(gmina) >= length]
        prefixes.append("")
        eligible: dict[int, Level] = {}
        for prefix in prefixes:  # narrowest first: the first level seen is the most local
            level = LEVEL_BY_CODE_LENGTH[len(prefix)]
            for index in self._by_area.get(prefix, ()):
                eligible.setdefault(index, level)
        age = query.age
        if age is None:
            return eligible
        low, high = self._low, self._high
        return {i: level for i, level in eligible.items() if low[i] <= age <= high[i]}

    def _crisis_first(
        self, ranked: Sequence[_Ranked], danger_situations: frozenset[str], limit: int
    ) -> list[_Ranked]:
        """On danger words: crisis lines serving the person first (those for the danger first)."""
        crisis = [item for item in ranked if self._services[item[1]].crisis]
        crisis.sort(key=lambda item: (not danger_situations & self._situations[item[1]], item))
        shown = set(crisis)
        others = [item for item in ranked[: limit + len(crisis)] if item not in shown]
        return crisis + others

    def _text_scores(
        self, understanding: Understanding, eligible: Mapping[int, Level]
    ) -> tuple[dict[int, float], bool]:
        """How much of the person's words each eligible service's own text contains.

        Also says whether any word matched any service at all (then the text meant something).
        """
        if not understanding.content:
            return {}, False
        totals: dict[int, float] = {}
        any_match = False
        weight_sum = 0.0
        for position in understanding.content:
            # A word that only says who ("syn", "mama") counts half: it is not the problem.
            word_weight = HINT_WORD_WEIGHT if position in understanding.hints else 1.0
            weight_sum += word_weight
            best: dict[int, float] = {}
            for form, similarity in self._matches(understanding.tokens[position]).items():
                any_match = True
                # What a match is worth, by the field's weight code (the same product as
                # similarity * weight * word_weight, computed once per form).
                worth = [similarity * weight * word_weight for weight in _WEIGHTS]
                positions, codes = self._postings[form]
                if len(positions) <= len(eligible):  # a rare form: look its services up
                    for index, code in zip(positions, codes, strict=True):
                        if index in eligible and worth[code] > best.get(index, 0.0):
                            best[index] = worth[code]
                    continue
                end = len(positions)  # a common form: find each eligible service in it
                for index in eligible:
                    at = bisect_left(positions, index)
                    if (
                        at < end
                        and positions[at] == index
                        and worth[codes[at]] > best.get(index, 0.0)
                    ):
                        best[index] = worth[codes[at]]
            for index, value in best.items():
                totals[index] = totals.get(index, 0.0) + value
        return {index: value / weight_sum for index, value in totals.items()}, any_match

    def _matches(self, token: Token) -> dict[str, float]:
        """Words of the catalogue this word is: itself, another form, a typo, or an alias."""
        found = {
            form: similarity
            for form, similarity in self._lexicon.match(token).items()
            if similarity >= _MIN_TEXT_SIMILARITY
        }
        for form in token.forms:
            for alias in self.vocabulary.aliases.get(form, ()):
                if alias in self._postings and alias not in found:
                    found[alias] = ALIAS_SIMILARITY
        return found


# The last indexes built, for copies of their catalogues (weak: an index lives with its catalogue).
_RECENT: list[weakref.ref[SearchIndex]] = []


def release(held: list[Catalog]) -> None:
    """Free catalogues no longer served, a piece at a time: run it in a worker thread.

    Freeing a country-scale catalogue and its index in one go holds the GIL for a quarter of a
    second (see `free_in_pieces`), and the bot's event loop waits. Takes the catalogues out of
    `held`; one that someone else still holds stays alive and searchable, of course.
    """
    pieces: list[object] = []
    while held:
        catalog = held.pop()
        pieces.extend(_parts(catalog))
        index = catalog.__dict__.get("_search_index")
        if isinstance(index, SearchIndex):
            pieces.extend(_parts(index))
            pieces.extend(_parts(index._lexicon))
        del catalog, index
    free_in_pieces(pieces)


def _parts(holder: object) -> list[object]:
    """The objects inside an object's containers (one level down), to free them in pieces."""
    parts: list[object] = []
    for value in vars(holder).values() if hasattr(holder, "__dict__") else ():
        if isinstance(value, dict):
            parts.extend(value.values())
        elif isinstance(value, list | tuple | frozenset):
            parts.extend(value)
    return parts


def _service_id(service: Service) -> str:
    return service.id


SORT_STEP = 5_000  # services sorted at a time by `_sorted_by_id`


def _sorted_by_id(services: Sequence[Service]) -> tuple[Service, ...]:
    """The services in id order, sorted in parts and merged.

    Sorting 100,000 ids is one call in C that holds the GIL for a tenth of a second (the bot's
    event loop waits); parts of 5,000 take a few milliseconds each, and the merge runs in
    Python, letting other threads in. The order is the same as `sorted` (stable, by id).
    """
    parts = [
        sorted(services[start : start + SORT_STEP], key=_service_id)
        for start in range(0, len(services), SORT_STEP)
    ]
    return tuple(heapq.merge(*parts, key=_service_id))


def _texts(service: Service) -> list[tuple[str, str]]:
    """The service's own words, by field (the institution's acronym counts as a short name)."""
    texts = [("name", service.name), ("institution", service.institution.name)]
    texts.extend(("keywords", keyword) for keyword in service.keywords)
    if service.institution.short_name:
        texts.append(("short_name", service.institution.short_name))
    acronym = _acronym(service.institution.name)
    if acronym:
        texts.append(("short_name", acronym))
    if service.description:
        texts.append(("description", service.description))
    return texts


def _acronym(name: str) -> str | None:
    """What people call an office by: "Powiatowy Urząd Pracy w Siedlcach" -> "PUP".

    The initials of the words before the place ("w", "we") or purpose ("dla", "na"),
    skipping "i", "z", "oraz"; None when that gives fewer than three letters.
    """
    initials = []
    for word in words(name):
        if word in _ACRONYM_END:
            break
        if word not in _ACRONYM_SKIP:
            initials.append(word[0])
    return "".join(initials) if 3 <= len(initials) <= 6 else None


def _national_not_crowding(ranked: Sequence[_Ranked], limit: int) -> list[_Ranked]:
    """Keep national lines visible but let local help fill the first places."""
    head: list[_Ranked] = []
    rest: list[_Ranked] = []
    for item in ranked:
        national = item[2] == "country"
        crowded = sum(entry[2] == "country" for entry in head) >= NATIONAL_IN_TOP
        if len(head) < TOP and not (national and crowded):
            head.append(item)
        else:
            rest.append(item)
        if len(head) == TOP and len(head) + len(rest) >= limit:
            break
    while len(head) < TOP and rest:  # nothing local left: national lines fill the places
        head.append(rest.pop(0))
    return head + rest


def for_children(service: Service) -> bool:
    """A service made for children: ages up to 18 at most, or a crisis line for the young
    (116 111, 800 12 12 12) that sets no lower age."""
    high, low = service.ages.high, service.ages.low
    if high is not None and high <= ADULT_AGE and (low is None or low < ADULT_AGE):
        return True
    return childrens_line(service)


def childrens_line(service: Service) -> bool:
    """A crisis line for the young that sets no lower age (116 111, 800 12 12 12)."""
    return service.crisis and "youth" in service.situations and service.ages.low is None


def _low(service: Service) -> int:
    return service.ages.low if service.ages.low is not None else -1


def _high(service: Service) -> int:
    return service.ages.high if service.ages.high is not None else 1_000
