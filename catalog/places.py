"""Places in memory: the gazetteer (TERYT units, localities, postal codes, coordinates) and
resolving what a person types or shares to the gmina that serves them.

`catalog.place_index` finds which places a name can mean (exact names, names with Polish
endings cut off ('Siedlcach' ~ 'Siedlce'), abbreviations ('Maz.'), small typos); the
gazetteer decides among them, reads places inside sentences and Cyrillic spellings, and
resolves postal codes, location pins (`catalog.geo`) and the catalogue's own references.
`catalog.places_store` keeps what a gazetteer is built from and the built index;
`catalog.places_import` reads the official files.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from rapidfuzz import fuzz, process

from catalog.geo import PinGrid, in_poland_polygon
from catalog.lemmas import lemma, word_kind
from catalog.place_index import NameMatch, PlaceNameIndex
from catalog.place_names import (
    ABBREVIATIONS,
    COMMON_WORDS,
    CYRILLIC_LEADS,
    GENITIVE_LEADS,
    GMINA_WORDS,
    LEADING_WORDS,
    NEAR_LEADS,
    PLACE_LEADS,
    POWIAT_WORDS,
    QUALIFIER_LEADS,
    SENTENCE_WORD,
    TOWN_WORDS,
    WOJ_WORDS,
    SentenceWord,
    name_key,
    stem,
    stem_key,
    ukrainian_alternation_undone,
    without_span,
)
from catalog.place_types import (
    ExonymRecord,
    LocalityRecord,
    PlaceAnswer,
    PlaceData,
    PointRecord,
    PostalRecord,
    ReferenceAnswer,
    ServesGmina,
    Unit,
    UnitLevel,
    UnitRecord,
)
from catalog.text import clean, cyrillic_to_polish, fold, folded_words, has_cyrillic

_LOG = logging.getLogger(__name__)

# The gazetteer and the values its lookups give (defined in catalog.place_types).
__all__ = [
    "ExonymRecord",
    "Gazetteer",
    "LocalityRecord",
    "PlaceAnswer",
    "PlaceData",
    "PointRecord",
    "PostalRecord",
    "ReferenceAnswer",
    "ServesGmina",
    "Unit",
    "UnitLevel",
    "UnitRecord",
    "name_key",
    "stem",
    "stem_key",
]

MAX_CANDIDATES = 8
LONG_WORD = 8  # letters: an inflected word this long is rarely an ordinary word's twin
LOCATE_MAX_KM = 25.0  # farther than this from any known place: no gmina is guessed
OUTSIDE_POLAND_KM = 30.0  # outside the border polygon and this far from a Polish place


_SEGMENT_END = re.compile(r"[,;:.!?()\[\]\n]")
_POSTAL = re.compile(r"(?<!\d)(\d{2})\s?[-\u2010-\u2015]?\s?(\d{3})(?!\d)")
_SPLIT = re.compile(r"[,;()\[\]/]")

_KIND_RANK = {
    "miasto na prawach powiatu": 0,
    "gmina miejska": 1,
    "gmina miejska, miasto stołeczne": 0,
    "gmina miejsko-wiejska": 2,
    "gmina wiejska": 3,
}
_LOCALITY_RANK = 4  # a village's gmina ranks after gminas named like the query


_CYRILLIC_WORD = re.compile("[\u0400-\u04ff]+")
MAX_CHANGED_WORDS = 2  # a Cyrillic name of more words is only spelled as written


def _cyrillic_spellings(text: str, *, limit: int) -> list[tuple[str, bool]]:
    """Polish spellings a Cyrillic place name may stand for, likeliest first, each with whether
    it is of a changed form: spellings of the name as written, then of its words in their
    dictionary form (the Ukrainian lemma: 'Новому Сончі' -> 'новий сончі', 'Замості' ->
    'замостя') and with a Ukrainian consonant change undone ('Білостоці' -> 'білосток'). A
    changed form may name a gmina only: too many villages are named like one ('в Парижі' is
    no village Paryż). At most `limit` spellings of each form."""
    written = cyrillic_to_polish(text, limit=limit)
    spellings = [(spelling, False) for spelling in written]
    if text.count(" ") >= MAX_CHANGED_WORDS:  # names of three words are not declined so
        return spellings
    changed = [
        _CYRILLIC_WORD.sub(lambda word: lemma(word.group(0).casefold()), text),
        _CYRILLIC_WORD.sub(
            lambda word: ukrainian_alternation_undone(word.group(0).casefold()), text
        ),
    ]
    seen = set(written)
    for form in dict.fromkeys(form for form in changed if form != text.casefold()):
        for spelling in cyrillic_to_polish(form, limit=limit):
            if spelling not in seen:
                seen.add(spelling)
                spellings.append((spelling, True))
    return spellings


@dataclass(frozen=True, slots=True)
class _Query:
    """A place as typed, taken apart: the name's folded words and what qualifies it."""

    words: tuple[str, ...]
    mode: Literal["any", "gmina", "town", "powiat", "wojewodztwo"] = "any"
    within: tuple[tuple[str, ...], ...] = ()  # qualifiers' words ('powiat', 'tomaszowski')


class Gazetteer:
    """All known places, indexed in memory for fast lookups."""

    def __init__(self, data: PlaceData) -> None:
        self.info = dict(data.info)
        self._units: dict[str, Unit] = {}
        self._teryt7: dict[str, str] = {}  # 7-digit code (any type digit) -> 6-digit gmina
        self._rank: dict[str, int] = {}
        self._build_units(data.units)
        self.names = PlaceNameIndex(self._units, self._rank, data.localities, data.exonyms)
        self._postal: dict[str, list[str]] = defaultdict(list)
        for postal in data.postal:
            codes = self._postal[postal.code]
            owner = self._units.get(postal.gmina)
            if owner is not None and owner.code not in codes:
                codes.append(owner.code)
        self.pins = PinGrid(point for point in data.points if point.gmina in self._units)

    def _build_units(self, records: Iterable[UnitRecord]) -> None:
        names: dict[str, str] = {}
        for record in records:
            if len(record.teryt) in (2, 4):
                names[record.teryt] = record.name
        for record in records:
            teryt = record.teryt
            if len(teryt) == 2:
                unit = Unit(teryt, teryt, "wojewodztwo", record.name.lower(), record.kind)
            elif len(teryt) == 4:
                woj = names.get(teryt[:2], "").lower() or None
                unit = Unit(teryt, teryt, "powiat", record.name, record.kind, wojewodztwo=woj)
            elif len(teryt) == 7 and teryt[6] in "123":
                code = teryt[:6]
                woj = names.get(teryt[:2], "").lower() or None
                unit = Unit(
                    code, teryt, "gmina", record.name, record.kind, names.get(teryt[:4]), woj
                )
                self._rank[code] = _KIND_RANK.get(record.kind, 3)
                self._teryt7[teryt] = code
            else:
                continue
            self._units[unit.code] = unit
        for code, unit in self._units.items():
            if unit.level == "powiat" and unit.kind.startswith("miasto"):
                for gmina_code in (c for c in self._rank if c.startswith(code)):
                    self._rank[gmina_code] = 0

    # --- units ------------------------------------------------------------------------------

    def unit(self, code: str) -> Unit | None:
        """The unit with this serving prefix (2, 4 or 6 digits) or full TERYT code."""
        code = code.strip()
        if len(code) == 7:
            gmina = self._teryt7.get(code) or (
                code[:6] if code[6] in "45" and code[:6] in self._units else None
            )
            return self._units.get(gmina) if gmina else None
        return self._units.get(code)

    def units(self, level: UnitLevel | None = None) -> list[Unit]:
        """Every unit (of one level), in code order."""
        found = (u for u in self._units.values() if level is None or u.level == level)
        return sorted(found, key=lambda unit: unit.code)

    def gminas_in(self, code: str) -> list[Unit]:
        """The gminas inside an area code ('' is all of Poland)."""
        return [u for u in self.units("gmina") if u.code.startswith(code)]

    # --- free text --------------------------------------------------------------------------

    def find(self, text: str, *, prefer: ServesGmina | None = None) -> PlaceAnswer:
        """Resolve what a person wrote ('w Siedlcach', '08-110', 'Мехув') to their gmina.

        `prefer` tells which gminas the catalogue in use serves: among places of one name,
        those are kept ('Tomaszów' with a catalogue of powiat tomaszowski).
        """
        text = clean(text)
        postal = _POSTAL.search(text)
        if postal:
            return self._with_postal_code(text, postal)
        if text.isdigit() and len(text) in (6, 7):  # a gmina's TERYT code
            unit = self.unit(text)
            return PlaceAnswer(gmina=unit) if unit and unit.level == "gmina" else PlaceAnswer()
        variants = [(text, False)]
        if has_cyrillic(text):
            words = text.split(" ")
            while len(words) > 1 and fold(words[0]) in CYRILLIC_LEADS:  # 'у Білостоці'
                words.pop(0)
            variants = _cyrillic_spellings(" ".join(words), limit=64)
        fallback: PlaceAnswer | None = None
        by_village: PlaceAnswer | None = None
        for variant, changed in variants:
            query = self._parse(variant)
            if not query.words:
                continue
            answer = self._answer(query, fuzzy=False, prefer=prefer)
            village = bool(answer.locality or any(answer.candidate_localities))
            if not (answer.gmina or answer.candidates):
                fallback = fallback or answer
            elif len(variants) == 1 or not village:
                return answer
            elif not changed:  # a Cyrillic spelling naming a village: another may name a gmina
                by_village = by_village or answer
        if by_village is not None:
            return by_village
        for variant, _ in variants[:4]:
            query = self._parse(variant)
            if query.words:
                answer = self._answer(query, fuzzy=True, prefer=prefer)
                if answer.gmina or answer.candidates:
                    return answer
                if answer.suggestions and not (fallback and fallback.suggestions):
                    fallback = answer
        return fallback or PlaceAnswer()

    def _with_postal_code(self, text: str, postal: re.Match[str]) -> PlaceAnswer:
        """'08-110' alone, or '08-110 Siedlce': the name decides, the code settles ties."""
        code = postal.group(1) + "-" + postal.group(2)
        by_code = self._postal_answer(code)
        rest = without_span(text, postal.start(), postal.end())
        if not folded_words(rest):
            return by_code
        by_name = self.find(rest)
        served = set(self._postal.get(code, ()))
        if by_name.gmina is not None and (not served or by_name.gmina.code in served):
            return by_name
        inside = [unit for unit in by_name.candidates if unit.code in served]
        if len(inside) == 1:
            return PlaceAnswer(gmina=inside[0])
        if by_code.gmina is not None or by_code.candidates:
            return by_code
        return by_name

    def _parse(self, text: str) -> _Query:
        parts = [part for part in _SPLIT.split(text) if part.strip()]
        if not parts:
            return _Query(())
        words = folded_words(parts[0])
        within = [tuple(folded_words(part)) for part in parts[1:]]
        mode: Literal["any", "gmina", "town", "powiat", "wojewodztwo"] = "any"
        while words:
            head = words[0]
            if head in GMINA_WORDS and len(words) > 1:
                mode = "gmina"
            elif head in TOWN_WORDS and len(words) > 1:
                mode = "town"
            elif head in POWIAT_WORDS and len(words) > 1:
                mode = "powiat"
            elif head in WOJ_WORDS and len(words) > 1:
                mode = "wojewodztwo"
            elif not (head in LEADING_WORDS and len(words) > 1):
                break
            words.pop(0)
        return _Query(tuple(words), mode, tuple(w for w in within if w))

    def _answer(
        self, query: _Query, *, fuzzy: bool, prefer: ServesGmina | None = None
    ) -> PlaceAnswer:
        if query.mode == "wojewodztwo":
            code = self.names.woj_code(query.words)
            return self._area_answer(code) if code is not None else PlaceAnswer()
        if query.mode == "powiat":
            codes = self.names.powiat_codes(query.words)
            codes = self.names.within(codes, query.within)
            if len(codes) == 1:
                return self._area_answer(codes[0])
            return PlaceAnswer(candidates=self._first_towns(codes))
        match, within = self.names.match(query.words, fuzzy=fuzzy), query.within
        if match.empty() and not fuzzy:
            # "Ujazd łódzkie", "Nowa Wieś powiat siedlecki": units after the name, no comma
            for cut in range(len(query.words) - 1, 0, -1):
                tail = query.words[cut:]
                if self.names.qualifier_codes(tail) is not None:
                    match = self.names.match(query.words[:cut], fuzzy=False)
                    within = (*within, tail)
                    if not match.empty():
                        break
        if match.empty() and not fuzzy:
            located = self._gmina_and_locality(query.words)
            if located is not None:
                return located
        if match.empty():
            if fuzzy:
                return PlaceAnswer(suggestions=self.names.suggest(query.words))
            return PlaceAnswer()
        return self._decide(match, query.mode, within, prefer)

    def _gmina_and_locality(self, words: Sequence[str]) -> PlaceAnswer | None:
        """'Warszawa Mokotów', 'Siedlce Stok Lacki': a gmina, then a place inside it."""
        for cut in range(1, len(words)):
            gminas = set(self.names.match(words[:cut], fuzzy=False).gminas)
            if not gminas:
                continue
            inside = {
                code: name
                for code, name in self.names.match(words[cut:], fuzzy=False).localities.items()
                if code in gminas
            }
            if len(inside) == 1:
                code, name = next(iter(inside.items()))
                return PlaceAnswer(gmina=self._units[code], locality=name)
        return None

    def _decide(
        self,
        match: NameMatch,
        mode: str,
        within: Sequence[tuple[str, ...]],
        prefer: ServesGmina | None = None,
    ) -> PlaceAnswer:
        gminas = self.names.within(match.gminas, within)
        localities = {
            code: name
            for code, name in match.localities.items()
            if self.names.within([code], within)
        }
        prefix_towns = self.names.within(match.prefix_towns, within)
        if prefer is not None:
            # same-name places the catalogue does not serve are not asked about; among served
            # ones the person is asked (a wrong guess would send them to offices not theirs)
            level = {code: prefer(code) for code in (*gminas, *prefix_towns, *localities)}
            if any(level.values()):
                gminas = [code for code in gminas if level[code]]
                prefix_towns = [code for code in prefix_towns if level[code]]
                localities = {code: n for code, n in localities.items() if level[code]}
            if gminas or prefix_towns:
                # 'Tomaszów' names towns; villages of that name served less locally than the
                # best of them (a service for a whole województwo) are not worth asking about
                town_level = max(level[code] for code in (*gminas, *prefix_towns))
                localities = {c: n for c, n in localities.items() if level[c] >= town_level}
        if mode == "town":
            towns = [code for code in gminas if self._rank[code] <= 2]
            gminas = towns or gminas
        elif mode == "gmina" and len(gminas) > 1:
            rural = [code for code in gminas if self._rank[code] >= 2]
            gminas = rural or gminas
        if gminas and not prefix_towns:
            if len(gminas) == 1:
                return PlaceAnswer(gmina=self._units[gminas[0]])
            pair = self.names.town_and_rural(gminas)
            if pair and mode != "gmina":
                return PlaceAnswer(
                    gmina=self._units[pair[0]], same_name_other=self._units[pair[1]]
                )
            return PlaceAnswer(candidates=self._candidates(gminas, []))
        named = list(dict.fromkeys([*gminas, *prefix_towns]))
        others = [code for code in localities if code not in named]
        if len(named) + len(others) == 1:
            code = (named or others)[0]
            locality = localities.get(code) if not named else None
            return PlaceAnswer(gmina=self._units[code], locality=locality)
        if named or others:
            candidates = self._candidates(named, others, localities, served=prefer)
            return PlaceAnswer(
                candidates=candidates,
                candidate_localities=tuple(
                    None if unit.code in named else localities.get(unit.code)
                    for unit in candidates
                ),
            )
        return PlaceAnswer()

    # --- answers ----------------------------------------------------------------------------

    def _candidates(
        self,
        named: Sequence[str],
        others: Sequence[str],
        localities: dict[str, str] | None = None,
        *,
        served: ServesGmina | None = None,
    ) -> tuple[Unit, ...]:
        """At most MAX_CANDIDATES gminas: those named like the query (the most locally served
        first, then towns first), then the gminas of localities of that name, as far apart as
        possible (one per województwo, then one per powiat)."""
        level = served or (lambda _code: 0)
        chosen = sorted(
            dict.fromkeys(named), key=lambda code: (-level(code), self._rank[code], code)
        )
        ordered = sorted(
            (code for code in dict.fromkeys(others) if code not in chosen),
            key=lambda code: (
                self._locality_rank(code, localities) if localities else self._rank[code],
                code,
            ),
        )
        for width in (2, 4):
            seen = {code[:width] for code in chosen}
            for code in ordered:
                if code[:width] not in seen and code not in chosen:
                    chosen.append(code)
                    seen.add(code[:width])
        chosen += [code for code in ordered if code not in chosen]
        return tuple(self._units[code] for code in chosen[:MAX_CANDIDATES])

    def _locality_rank(self, code: str, localities: dict[str, str]) -> int:
        return 0 if self.names.is_town(code, localities[code]) else 1

    def _first_towns(self, areas: Sequence[str]) -> tuple[Unit, ...]:
        """One gmina per area, its biggest kind (usually the seat): candidates are gminas."""
        found = []
        for area in areas[:MAX_CANDIDATES]:
            gminas = sorted(
                self.gminas_in(area), key=lambda unit: (self._rank[unit.code], unit.code)
            )
            if gminas:
                found.append(gminas[0])
        return tuple(found)

    def _area_answer(self, code: str) -> PlaceAnswer:
        """A powiat or województwo named: its only gmina, or its gminas to choose from."""
        gminas = [unit.code for unit in self.gminas_in(code)]
        if len(gminas) == 1:
            return PlaceAnswer(gmina=self._units[gminas[0]])
        return PlaceAnswer(candidates=self._candidates([], gminas))

    def _postal_answer(self, code: str) -> PlaceAnswer:
        gminas = self._postal.get(code, [])
        if len(gminas) == 1:
            return PlaceAnswer(gmina=self._units[gminas[0]])
        return PlaceAnswer(candidates=self._candidates([], gminas))

    # --- a place inside a sentence ----------------------------------------------------------

    def extract(
        self, text: str, *, prefer: ServesGmina | None = None
    ) -> tuple[PlaceAnswer | None, str]:
        """Find a place mentioned inside a longer text ('mąż mnie bije, Siedlce').

        Returns the answer (None when no place is mentioned) and the text without the place.
        Conservative, because many villages are named like ordinary words ('Praca', 'Pokój'):
        whole names only; an ordinary word is a place only when written with a capital letter
        inside the sentence; endings ('w Siedlcach') only for words the dictionary knows as
        names or written with a capital; a name only a village has needs a capital letter,
        a preposition before it, or to be all that was written.
        """
        text = clean(text)
        postal = _POSTAL.search(text)
        if postal:
            by_code = self._postal_answer(postal.group(1) + "-" + postal.group(2))
            if by_code.gmina or by_code.candidates:
                return by_code, without_span(text, postal.start(), postal.end())
        tokens = [
            SentenceWord.of(m.group(0).rstrip("."), m.start(), text)
            for m in SENTENCE_WORD.finditer(text)
        ]
        # 'Rokiciny, brak pieniędzy': words set apart by punctuation are a part of their own
        cuts = [
            index == 0 or bool(_SEGMENT_END.search(text[tokens[index - 1].end : token.start]))
            for index, token in enumerate(tokens)
        ]
        cuts.append(True)
        found: list[tuple[tuple[int, ...], PlaceAnswer, int, int]] = []
        taken: set[int] = set()  # words of a longer place already found
        for size in range(min(4, len(tokens)), 0, -1):
            for start in range(len(tokens) - size + 1):
                if taken.intersection(range(start, start + size)):
                    continue
                span = tokens[start : start + size]
                previous = tokens[start - 1].folded if start else ""
                alone = cuts[start] and cuts[start + size]  # all that was written, or a part
                answer = self._extract_span(span, previous, whole=alone, prefer=prefer)
                if answer is None:
                    continue
                taken.update(range(start, start + size))
                begin, end = span[0].start, span[-1].end
                answer, end = self._qualified(answer, tokens, start + size, end, prefer)
                lead = start - 1  # 'w gminie Siedlce': the leading words go with the place
                while lead >= 0 and tokens[lead].folded in PLACE_LEADS:
                    begin, lead = tokens[lead].start, lead - 1
                near = previous in NEAR_LEADS  # 'pracuję pod Lublinem' is not where one lives
                sureness = self._sureness(answer, prefer, size, start, near=near)
                found.append((sureness, answer, begin, end))
        if not found:
            return None, text
        # 'Jan Kowalski ... Siedlce': the surest place mentioned, not merely the first
        _, answer, begin, end = max(found, key=lambda item: item[0])
        return answer, without_span(text, begin, end)

    @staticmethod
    def _sureness(
        answer: PlaceAnswer, prefer: ServesGmina | None, size: int, start: int, *, near: bool
    ) -> tuple[int, ...]:
        """How surely a place found in a sentence is where the person lives: not one they are
        only near, one the catalogue serves, not a guess, one gmina rather than several, more
        words, earlier."""
        units = [answer.gmina] if answer.gmina is not None else list(answer.candidates)
        served = prefer is not None and any(prefer(unit.code) for unit in units)
        return (not near, served, not answer.weak, answer.gmina is not None, size, -start)

    def _extract_span(
        self,
        span: Sequence[SentenceWord],
        previous: str,
        *,
        whole: bool,
        prefer: ServesGmina | None,
    ) -> PlaceAnswer | None:
        """The place a span of words names, if it surely is one (see `extract`)."""
        first, last = span[0].folded, span[-1].folded
        if first in PLACE_LEADS or last in PLACE_LEADS:
            return None
        if len(span) == 1 and first in COMMON_WORDS:
            return None
        capital = span[0].capital
        after_lead = previous in PLACE_LEADS
        kinds = [word_kind(token.text) for token in span]
        common = all(kind == "common" for kind in kinds)
        proper = "proper" in kinds
        cyrillic = any(token.cyrillic for token in span)
        if cyrillic and not (capital or after_lead or whole):
            return None
        written = " ".join(token.text for token in span)
        variants = _cyrillic_spellings(written, limit=16) if cyrillic else [(written, False)]
        by_village: PlaceAnswer | None = None
        for variant, changed in variants:
            # each word was folded once, when the sentence was split
            words = name_key(variant).split() if cyrillic else [w for t in span for w in t.words]
            key = " ".join(words)
            exact = self.names.is_name(key)
            abbreviated = len(words) > 1 and words[-1] in ABBREVIATIONS
            if not exact and not (capital or proper or after_lead or abbreviated):
                continue
            # 'w Siemianowicach': a town's first word, written as a name or long after 'w'
            town_start = capital or (after_lead and len(words[0]) >= LONG_WORD)
            inflected = self.names.has_stem(words) or (
                town_start and self.names.starts_town_name(words)
            )
            if not exact and not (inflected or abbreviated):
                continue
            match = self.names.match(words, fuzzy=False)
            if previous in GENITIVE_LEADS and match.gminas:
                # 'z Siedlec': the genitive of Siedlce, or the gmina Siedlec; both are asked
                # about (or the one the catalogue serves is taken)
                for key in self.names.stemmed_keys(words):
                    for code in self.names.gminas.get(key, ()):
                        if code not in match.gminas:
                            match.gminas.append(code)
            if match.empty():
                continue
            towns = [code for code in match.gminas if self._rank[code] <= 2]
            village_only = not match.gminas and not match.prefix_towns
            # 'Mordy, …', 'gm. Rokiciny': a gmina's whole name standing apart or after a
            # unit word is that gmina, though the dictionary also knows it as an ordinary word
            named = exact and (
                (whole and (len(span) > 1 or not village_only))
                or previous in GMINA_WORDS
                or previous in TOWN_WORDS
            )
            if common and not capital and not (exact and towns) and not named:
                continue
            # a name in another language may also be another country's place ('Beirut' is a
            # name of Bierutów) or an ordinary word of a third ('Policija'): like a village's,
            # it needs more than being written
            foreign = match.exonym
            if (village_only or foreign) and not (capital or after_lead or (whole and exact)):
                continue
            if (village_only and changed) or (foreign and common and not capital):
                continue
            if village_only and not capital and not whole and self.names.is_frequent(words):
                continue  # 'w nalogu', 'w koncu': ordinary words written without Polish letters
            mode = (
                "gmina" if previous in GMINA_WORDS else "town" if previous in TOWN_WORDS else "any"
            )
            answer = self._decide(match, mode, (), prefer)
            if answer.gmina or answer.candidates:
                weak = (village_only and not (after_lead or whole or exact)) or (
                    foreign and not (after_lead or whole)
                )
                answer = replace(answer, weak=weak) if weak else answer
                if not (village_only and cyrillic):
                    return answer
                # a Cyrillic spelling naming a village: another may name a gmina ('Щецин')
                by_village = by_village or answer
        return by_village

    def _qualified(
        self,
        answer: PlaceAnswer,
        tokens: Sequence[SentenceWord],
        after: int,
        end: int,
        prefer: ServesGmina | None,
    ) -> tuple[PlaceAnswer, int]:
        """'Ujazd koło Tomaszowa', 'Ujazd gm. Ujazd', 'Ujazd (łódzkie)': the words after a
        place that say where it lies narrow its candidates. Returns the answer and where the
        place's words end (with the qualifier, which is taken out of the text too)."""
        if not answer.candidates:
            return answer, end
        position = after
        while position < len(tokens) and tokens[position].folded in QUALIFIER_LEADS:
            position += 1
        for size in range(min(3, len(tokens) - position), 0, -1):
            words = [token.folded for token in tokens[position : position + size]]
            areas = self.names.qualifier_codes(words)
            if areas is None and position > after:  # 'koło Tomaszowa': a place near it
                written = " ".join(token.text for token in tokens[position:][:size])
                near = self.find(written, prefer=prefer)
                units = [near.gmina] if near.gmina else list(near.candidates)
                areas = [unit.code[:4] for unit in units if unit is not None] or None
            if areas is None:
                continue
            inside = [
                (unit, locality)
                for unit, locality in zip(
                    answer.candidates,
                    answer.candidate_localities or (None,) * len(answer.candidates),
                    strict=False,
                )
                if any(unit.code.startswith(area) for area in areas)
            ]
            if not inside:
                continue
            qualified_end = tokens[position + size - 1].end
            if len(inside) == 1:
                return PlaceAnswer(gmina=inside[0][0], locality=inside[0][1]), qualified_end
            narrowed = replace(
                answer,
                candidates=tuple(unit for unit, _ in inside),
                candidate_localities=tuple(locality for _, locality in inside),
            )
            return narrowed, qualified_end
        return answer, end

    # --- pins -------------------------------------------------------------------------------

    def locate(self, lat: float, lon: float) -> PlaceAnswer:
        """Resolve a shared location pin to the gmina (nearest known place)."""
        found = self.pins.nearest(lat, lon)
        inside = in_poland_polygon(lat, lon)
        if found is None or found[1] > LOCATE_MAX_KM:
            far = found is None or found[1] > OUTSIDE_POLAND_KM
            return PlaceAnswer(outside_poland=not inside and far)
        point, distance = found
        if not inside and distance > OUTSIDE_POLAND_KM:
            return PlaceAnswer(outside_poland=True)
        unit = self._units[point.gmina]
        locality = point.name if name_key(point.name) != name_key(unit.name) else None
        return PlaceAnswer(gmina=unit, locality=locality, distance_km=round(distance, 1))

    # --- catalogue references ---------------------------------------------------------------

    def reference(self, text: str) -> ReferenceAnswer:
        """Resolve a catalogue `place`/`area` strictly (no guessing; ambiguity is an error)."""
        text = clean(text)
        if fold(text) in {"polska", "poland", "cala polska", "caly kraj"}:  # folded: no "ł"
            return ReferenceAnswer(code="")
        if text.isdigit():
            unit = self.unit(text) if len(text) in (2, 4, 6, 7) else None
            if unit is None:
                return ReferenceAnswer()
            return ReferenceAnswer(code=unit.code, unit=unit)
        query = self._parse(text)
        if not query.words:
            return ReferenceAnswer()
        key = " ".join(query.words)
        if query.mode == "wojewodztwo":
            code = self.names.wojewodztwa.get(key)
            return self._reference_of([code] if code else [], key, "wojewodztwo")
        if query.mode == "powiat":
            codes = self.names.within(self.names.powiats.get(key, []), query.within)
            return self._reference_of(codes, key, "powiat")
        codes = self.names.within(self.names.gminas.get(key, []), query.within)
        if query.mode == "town":
            codes = [code for code in codes if self._rank[code] <= 2]
        elif query.mode == "gmina" and len(codes) > 1:
            codes = [code for code in codes if self._rank[code] >= 2] or codes
        if not codes:  # a village or town in several gminas ("Nowa Wieś"): name them
            named = self._answer(query, fuzzy=False).candidates
            if len(named) > 1:
                return ReferenceAnswer(candidates=named)
        return self._reference_of(codes, key, "gmina")

    def _reference_of(self, codes: Sequence[str], key: str, level: UnitLevel) -> ReferenceAnswer:
        if len(codes) == 1:
            return ReferenceAnswer(code=codes[0], unit=self._units[codes[0]])
        if codes:
            return ReferenceAnswer(candidates=tuple(self._units[code] for code in codes))
        if level == "gmina":
            return ReferenceAnswer(suggestions=self.names.suggest(key.split()))
        names = self.names.wojewodztwa if level == "wojewodztwo" else self.names.powiats
        close = process.extract(key, list(names), scorer=fuzz.ratio, score_cutoff=75, limit=3)
        return ReferenceAnswer(suggestions=tuple(name for name, _, _ in close))
