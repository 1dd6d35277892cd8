"""Places in memory: the gazetteer (TERYT units, localities, postal codes, coordinates) and
resolving what a person types or shares to the gmina that serves them.

`catalog.places_store` keeps what a gazetteer is built from (the imported tables, the bundled
file of every place in Poland) and the built index; `catalog.places_import` reads the official
files. Resolution compares folded text: exact names first, then names with Polish endings cut
off ('Siedlcach' ~ 'Siedlce'), abbreviations ('Maz.'), the Cyrillic spelling, and finally
small typos.
"""

from __future__ import annotations

import logging
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Literal

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from catalog.geo import distance_km, in_poland_polygon
from catalog.place_names import (
    ABBREVIATIONS,
    COMMON_WORDS,
    GENITIVE_LEADS,
    GMINA_WORDS,
    LEADING_WORDS,
    PLACE_LEADS,
    POWIAT_WORDS,
    QUALIFIER_LEADS,
    SENTENCE_WORD,
    TOWN_WORDS,
    WOJ_WORDS,
    WORD_ALIASES,
    SentenceWord,
    genitive_variants,
    name_key,
    stem,
    stem_key,
    without_span,
)
from catalog.place_types import (
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
from catalog.text import (
    clean,
    cyrillic_to_polish,
    fold,
    folded_words,
    has_cyrillic,
    word_kind,
)

_LOG = logging.getLogger(__name__)

# The gazetteer and the values its lookups give (defined in catalog.place_types).
__all__ = [
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
    "unit_json",
]

MAX_CANDIDATES = 8
LOCATE_MAX_KM = 25.0  # farther than this from any known place: no gmina is guessed
OUTSIDE_POLAND_KM = 30.0  # outside the border polygon and this far from a Polish place


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
_TOWN_RM = frozenset({"96", "95", "98"})


@dataclass(frozen=True, slots=True)
class _Query:
    """A place as typed, taken apart: the name's folded words and what qualifies it."""

    words: tuple[str, ...]
    mode: Literal["any", "gmina", "town", "powiat", "wojewodztwo"] = "any"
    within: tuple[tuple[str, ...], ...] = ()  # qualifiers' words ('powiat', 'tomaszowski')


@dataclass(slots=True)
class _Match:
    """Gminas a name matched, and how (exact name, locality, prefix...)."""

    gminas: list[str] = field(default_factory=list)  # 6-digit codes named like the query
    localities: dict[str, str] = field(default_factory=dict)  # gmina code -> locality name
    prefix_towns: list[str] = field(default_factory=list)  # 'Tomaszów' -> Tomaszów Mazowiecki

    def empty(self) -> bool:
        return not (self.gminas or self.localities or self.prefix_towns)


_GRID = 0.1  # degrees per cell of the pin index


class Gazetteer:
    """All known places, indexed in memory for fast lookups."""

    def __init__(self, data: PlaceData) -> None:
        self.info = dict(data.info)
        self._units: dict[str, Unit] = {}
        self._teryt7: dict[str, str] = {}  # 7-digit code (any type digit) -> 6-digit gmina
        self._rank: dict[str, int] = {}
        self._build_units(data.units)
        # folded name -> gmina codes with that name / (gmina, locality name) pairs
        self._gmina_names: dict[str, list[str]] = defaultdict(list)
        self._locality_names: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self._powiat_names: dict[str, list[str]] = defaultdict(list)
        self._woj_names: dict[str, str] = {}
        for unit in self._units.values():
            key = name_key(unit.name)
            if unit.level == "gmina":
                self._gmina_names[key].append(unit.code)
            elif unit.level == "powiat":
                self._powiat_names[key].append(unit.code)
            else:
                self._woj_names[key] = unit.code
        self._town_localities: set[str] = set()
        # One string object per gmina code and per name, shared by every index (memory).
        keys: dict[str, tuple[str, str]] = {}  # name as written -> (that name, its key)
        seen: set[tuple[str, str]] = set()
        for locality in data.localities:
            owner = self._units.get(locality.gmina)
            if owner is None:
                continue
            gmina = owner.code
            named = keys.get(locality.name)
            if named is None:
                named = keys[locality.name] = (locality.name, name_key(locality.name))
            name, key = named
            if (gmina, key) not in seen:
                seen.add((gmina, key))
                self._locality_names[key].append((gmina, name))
            if locality.rm in _TOWN_RM:
                self._town_localities.add(gmina + key)
        self._stems: dict[str, list[str]] = defaultdict(list)
        self._first: dict[str, list[str]] = defaultdict(list)
        for key in {*self._gmina_names, *self._locality_names}:
            parts = key.split(" ")
            stemmed = stem_key(parts)
            if stemmed != key:
                self._stems[stemmed].append(key)
            if len(parts) > 1:
                self._first[parts[0]].append(key)
        self._postal: dict[str, list[str]] = defaultdict(list)
        for postal in data.postal:
            codes = self._postal[postal.code]
            owner = self._units.get(postal.gmina)
            if owner is not None and owner.code not in codes:
                codes.append(owner.code)
        self._grid: dict[tuple[int, int], list[PointRecord]] = defaultdict(list)
        for point in data.points:
            if point.gmina in self._units:
                self._grid[self._cell(point.lat, point.lon)].append(point)
        # Build the lazy indexes now: the first person's lookup should not pay for them.
        _ = (self._multiword, self._typo_buckets, self._suggestion_keys)
        _ = (self._woj_stems, self._powiat_stems)

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

    # --- construction -----------------------------------------------------------------------

    @property
    def is_builtin(self) -> bool:
        """True for the bundled places (no import done)."""
        return self.info.get("source") == "builtin"

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
        variants = [text]
        if has_cyrillic(text):
            variants = cyrillic_to_polish(text)
        fallback: PlaceAnswer | None = None
        for variant in variants:
            query = self._parse(variant)
            if not query.words:
                continue
            answer = self._answer(query, fuzzy=False, prefer=prefer)
            if answer.gmina or answer.candidates:
                return answer
            fallback = fallback or answer
        for variant in variants[:4]:
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
            code = self._woj_code(query.words)
            return self._area_answer(code) if code is not None else PlaceAnswer()
        if query.mode == "powiat":
            codes = self._powiat_codes(query.words)
            codes = self._filter_within(codes, query.within)
            if len(codes) == 1:
                return self._area_answer(codes[0])
            return PlaceAnswer(candidates=self._first_towns(codes))
        match, within = self._match_name(query.words, fuzzy=fuzzy), query.within
        if match.empty() and not fuzzy:
            # "Ujazd łódzkie", "Nowa Wieś powiat siedlecki": units after the name, no comma
            for cut in range(len(query.words) - 1, 0, -1):
                tail = query.words[cut:]
                if self._qualifier_codes(tail) is not None:
                    match = self._match_name(query.words[:cut], fuzzy=False)
                    within = (*within, tail)
                    if not match.empty():
                        break
        if match.empty() and not fuzzy:
            located = self._gmina_and_locality(query.words)
            if located is not None:
                return located
        if match.empty():
            if fuzzy:
                return PlaceAnswer(suggestions=self._suggest(query.words))
            return PlaceAnswer()
        return self._decide(match, query.mode, within, prefer)

    def _gmina_and_locality(self, words: Sequence[str]) -> PlaceAnswer | None:
        """'Warszawa Mokotów', 'Siedlce Stok Lacki': a gmina, then a place inside it."""
        for cut in range(1, len(words)):
            gminas = set(self._match_name(words[:cut], fuzzy=False).gminas)
            if not gminas:
                continue
            inside = {
                code: name
                for code, name in self._match_name(words[cut:], fuzzy=False).localities.items()
                if code in gminas
            }
            if len(inside) == 1:
                code, name = next(iter(inside.items()))
                return PlaceAnswer(gmina=self._units[code], locality=name)
        return None

    def _decide(
        self,
        match: _Match,
        mode: str,
        within: Sequence[tuple[str, ...]],
        prefer: ServesGmina | None = None,
    ) -> PlaceAnswer:
        gminas = self._filter_within(match.gminas, within)
        localities = {
            code: name
            for code, name in match.localities.items()
            if self._filter_within([code], within)
        }
        prefix_towns = self._filter_within(match.prefix_towns, within)
        if prefer is not None:
            # same-name places the catalogue does not serve are not asked about; among served
            # ones the person is asked (a wrong guess would send them to offices not theirs)
            served = {code: prefer(code) > 0 for code in (*gminas, *prefix_towns, *localities)}
            if any(served.values()):
                gminas = [code for code in gminas if served[code]]
                prefix_towns = [code for code in prefix_towns if served[code]]
                localities = {code: n for code, n in localities.items() if served[code]}
        if mode == "town":
            towns = [code for code in gminas if self._rank[code] <= 2]
            gminas = towns or gminas
        elif mode == "gmina" and len(gminas) > 1:
            rural = [code for code in gminas if self._rank[code] >= 2]
            gminas = rural or gminas
        if gminas and not prefix_towns:
            if len(gminas) == 1:
                return PlaceAnswer(gmina=self._units[gminas[0]])
            pair = self._town_and_rural(gminas)
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
            candidates = self._candidates(named, others, localities)
            return PlaceAnswer(
                candidates=candidates,
                candidate_localities=tuple(
                    None if unit.code in named else localities.get(unit.code)
                    for unit in candidates
                ),
            )
        return PlaceAnswer()

    def _town_and_rural(self, codes: Sequence[str]) -> tuple[str, str] | None:
        """'Siedlce': the town and the rural gmina around it, which share the name."""
        if len(codes) != 2:
            return None
        first, second = sorted(codes, key=lambda code: self._rank[code])
        if self._rank[first] <= 1 and self._rank[second] == 3 and first[:2] == second[:2]:
            return first, second
        return None

    def _match_name(self, words: Sequence[str], *, fuzzy: bool) -> _Match:
        match = _Match()
        if not words:
            return match
        keys = self._keys_for(words, fuzzy=fuzzy)
        for key in keys:
            for code in self._gmina_names.get(key, ()):
                if code not in match.gminas:
                    match.gminas.append(code)
            for code, name in self._locality_names.get(key, ()):
                match.localities.setdefault(code, name)
        if not fuzzy:
            # 'Tomaszów' also names the towns 'Tomaszów Mazowiecki' and 'Tomaszów Lubelski'
            joined = " ".join(words)
            firsts = list(self._first.get(words[0], ()))
            if len(words) == 1:  # 'koło Tomaszowa': the first word of a town's name, inflected
                firsts += self._first_by_stem.get(stem(words[0]), [])
                joined = next((key.split(" ")[0] for key in firsts), joined)
            for key in firsts:
                if key.startswith(joined + " ") and key not in keys:
                    for code in self._gmina_names.get(key, ()):
                        if self._rank[code] <= 2 and code not in match.prefix_towns:
                            match.prefix_towns.append(code)
            if match.prefix_towns and self._town_and_rural(match.gminas):
                match.prefix_towns = []
        return match

    def _keys_for(self, words: Sequence[str], *, fuzzy: bool) -> list[str]:
        """The index keys a name matches: exact, by stems, by abbreviation, or by typo."""
        key = " ".join(words)
        if key in self._gmina_names:
            return [key]
        if key in self._locality_names:
            # 'z Miechowa', 'z Siedlec': an inflected gmina seat beats a village whose own
            # name has that spelling
            seats = [k for k in self._stemmed_keys(words) if k in self._gmina_names]
            return [key, *seats]
        keys = self._stemmed_keys(words)
        if keys:
            return keys
        keys = self._abbreviated(words)
        if keys or not fuzzy:
            return keys
        return self._typo_keys(key)

    def _stemmed_keys(self, words: Sequence[str]) -> list[str]:
        """Names with the same stems; for a plural name's genitive ('z Mordów', 'z Siedlec')
        also without its '-ów' or the 'e' that comes and goes ('Siedlec' -> 'Siedlce')."""
        keys: list[str] = []
        for variant in genitive_variants(words):
            stemmed = stem_key(variant)
            found = list(self._stems.get(stemmed, ()))
            if stemmed in self._gmina_names or stemmed in self._locality_names:
                found.append(stemmed)
            keys.extend(key for key in found if key not in keys)
        return keys

    def _abbreviated(self, words: Sequence[str]) -> list[str]:
        """'Tomaszow Maz', 'Gorzów Wlkp.': later words may be cut short."""
        if len(words) < 2:
            return []
        expanded = [ABBREVIATIONS.get(word, word) for word in words]
        found = []
        bucket = (stem(expanded[0]), len(expanded), expanded[1][:1])
        for key, parts in self._multiword.get(bucket, ()):
            if all(
                part.startswith(word) or part.startswith(short) or stem(part) == stem(word)
                for part, word, short in zip(parts[1:], expanded[1:], words[1:], strict=True)
            ):
                found.append(key)
        return found

    @cached_property
    def _multiword(self) -> dict[tuple[str, int, str], list[tuple[str, tuple[str, ...]]]]:
        """Names of several words by (stem of the first, word count, second's first letter)."""
        index: dict[tuple[str, int, str], list[tuple[str, tuple[str, ...]]]] = defaultdict(list)
        for keys in self._first.values():
            for key in keys:
                parts = tuple(key.split(" "))
                index[(stem(parts[0]), len(parts), parts[1][:1])].append((key, parts))
        return index

    @cached_property
    def _first_by_stem(self) -> dict[str, list[str]]:
        """Names of several words by the stem of their first word ('tomasz' -> 'tomaszow
        mazowiecki', ...)."""
        index: dict[str, list[str]] = defaultdict(list)
        for first, keys in self._first.items():
            index[stem(first)].extend(key for key in keys if " " in key)
        return index

    @cached_property
    def _typo_buckets(self) -> dict[tuple[str, int], list[str]]:
        """Every name by (first letter, length) and by (second letter, length).

        A typo rarely hits both of the first two letters, so the names worth comparing with a
        query are in a few small buckets, not all 40,000.
        """
        buckets: dict[tuple[str, int], list[str]] = defaultdict(list)
        for key in {*self._gmina_names, *self._locality_names}:
            buckets[(key[:1], len(key))].append(key)
            buckets[("+" + key[1:2], len(key))].append(key)
        return buckets

    def _typo_keys(self, key: str) -> list[str]:
        """Names one typo away (two for long names); not for short words, too many collide.

        A typo is a letter missing, extra, wrong, or two letters swapped.
        """
        if len(key) < 5:
            return []
        limit = 1 if len(key) < 9 else 2
        choices: set[str] = set()
        for length in range(len(key) - limit, len(key) + limit + 1):
            choices.update(self._typo_buckets.get((key[:1], length), ()))
            choices.update(self._typo_buckets.get(("+" + key[1:2], length), ()))
        best: list[tuple[int, str]] = [
            (int(distance), found)
            for found, distance, _ in process.extract(
                key, choices, scorer=OSA.distance, score_cutoff=limit, limit=20
            )
        ]
        if not best:
            return []
        lowest = min(distance for distance, _ in best)
        return sorted({found for distance, found in best if distance == lowest})

    def _suggest(self, words: Sequence[str]) -> tuple[str, ...]:
        """'Did you mean': the closest gmina and town names, when something is close."""
        key = " ".join(words)
        if len(key) < 4:
            return ()
        found = process.extract(
            key, self._suggestion_keys, scorer=fuzz.ratio, score_cutoff=75, limit=3
        )
        return tuple(self._suggestion_names[name] for name, _, _ in found)

    @cached_property
    def _suggestion_names(self) -> dict[str, str]:
        names = {name_key(unit.name): unit.name for unit in self.units("gmina")}
        for key, pairs in self._locality_names.items():
            if any(code + key in self._town_localities for code, _ in pairs):
                names.setdefault(key, pairs[0][1])
        return names

    @cached_property
    def _suggestion_keys(self) -> list[str]:
        return list(self._suggestion_names)

    # --- qualifiers ("Ujazd, łódzkie", "(powiat tomaszowski)") ------------------------------

    @cached_property
    def _woj_stems(self) -> dict[str, str]:
        return {stem_key(key.split()): code for key, code in self._woj_names.items()}

    @cached_property
    def _powiat_stems(self) -> dict[str, list[str]]:
        index: dict[str, list[str]] = defaultdict(list)
        for key, codes in self._powiat_names.items():
            index[stem_key(key.split())].extend(codes)
        return index

    def _woj_code(self, words: Sequence[str]) -> str | None:
        code = self._woj_names.get(" ".join(words))
        return code if code is not None else self._woj_stems.get(stem_key(words))

    def _powiat_codes(self, words: Sequence[str]) -> list[str]:
        key = " ".join(words)
        if key in self._powiat_names:
            return list(self._powiat_names[key])
        return list(self._powiat_stems.get(stem_key(words), ()))

    def _qualifier_codes(self, words: Sequence[str]) -> list[str] | None:
        """The area codes a qualifier names, or None when it names no unit."""
        words = list(words)
        kind = "any"
        while words and (
            words[0] in POWIAT_WORDS or words[0] in WOJ_WORDS or words[0] in GMINA_WORDS
        ):
            kind = (
                "powiat"
                if words[0] in POWIAT_WORDS
                else "woj"
                if words[0] in WOJ_WORDS
                else "gmina"
            )
            words.pop(0)
        if not words:
            return None
        codes: list[str] = []
        if kind in ("any", "woj"):
            woj = self._woj_code(words)
            if woj is not None:
                codes.append(woj)
        if kind in ("any", "powiat") and not codes:
            codes.extend(self._powiat_codes(words))
        if kind == "gmina" or (kind == "any" and not codes):
            codes.extend(self._gmina_names.get(" ".join(words), ()))
        return codes or None

    def _filter_within(self, codes: Sequence[str], within: Sequence[tuple[str, ...]]) -> list[str]:
        kept = list(codes)
        for qualifier in within:
            areas = self._qualifier_codes(qualifier)
            if areas is None:
                continue
            kept = [code for code in kept if any(code.startswith(area) for area in areas)]
        return kept

    # --- answers ----------------------------------------------------------------------------

    def _candidates(
        self,
        named: Sequence[str],
        others: Sequence[str],
        localities: dict[str, str] | None = None,
    ) -> tuple[Unit, ...]:
        """At most MAX_CANDIDATES gminas: those named like the query (towns first), then the
        gminas of localities of that name, as far apart as possible (one per województwo,
        then one per powiat)."""
        chosen = sorted(dict.fromkeys(named), key=lambda code: (self._rank[code], code))
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
        return 0 if code + name_key(localities[code]) in self._town_localities else 1

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
        found: list[tuple[tuple[int, ...], PlaceAnswer, int, int]] = []
        taken: set[int] = set()  # words of a longer place already found
        for size in range(min(4, len(tokens)), 0, -1):
            for start in range(len(tokens) - size + 1):
                if taken.intersection(range(start, start + size)):
                    continue
                span = tokens[start : start + size]
                previous = tokens[start - 1].folded if start else ""
                answer = self._extract_span(
                    span, previous, whole=size == len(tokens), prefer=prefer
                )
                if answer is None:
                    continue
                taken.update(range(start, start + size))
                begin, end = span[0].start, span[-1].end
                answer, end = self._qualified(answer, tokens, start + size, end, prefer)
                lead = start - 1  # 'w gminie Siedlce': the leading words go with the place
                while lead >= 0 and tokens[lead].folded in PLACE_LEADS:
                    begin, lead = tokens[lead].start, lead - 1
                found.append((self._sureness(answer, prefer, size, start), answer, begin, end))
        if not found:
            return None, text
        # 'Jan Kowalski ... Siedlce': the surest place mentioned, not merely the first
        _, answer, begin, end = max(found, key=lambda item: item[0])
        return answer, without_span(text, begin, end)

    @staticmethod
    def _sureness(
        answer: PlaceAnswer, prefer: ServesGmina | None, size: int, start: int
    ) -> tuple[int, ...]:
        """How surely a place found in a sentence is where the person lives: one the catalogue
        serves, not a guess, one gmina rather than several, more words, earlier."""
        units = [answer.gmina] if answer.gmina is not None else list(answer.candidates)
        served = prefer is not None and any(prefer(unit.code) for unit in units)
        return (served, not answer.weak, answer.gmina is not None, size, -start)

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
        variants = cyrillic_to_polish(written)[:16] if cyrillic else [written]
        for variant in variants:
            # each word was folded once, when the sentence was split
            words = folded_words(variant) if cyrillic else [w for t in span for w in t.words]
            key = " ".join(words)
            exact = key in self._gmina_names or key in self._locality_names
            abbreviated = len(words) > 1 and words[-1] in ABBREVIATIONS
            if not exact and not (capital or proper or after_lead or abbreviated):
                continue
            if not exact and not (self._has_stem(words) or abbreviated):
                continue
            match = self._match_name(words, fuzzy=False)
            if previous in GENITIVE_LEADS and match.gminas:
                # 'z Siedlec': the genitive of Siedlce, or the gmina Siedlec; both are asked
                # about (or the one the catalogue serves is taken)
                for key in self._stemmed_keys(words):
                    for code in self._gmina_names.get(key, ()):
                        if code not in match.gminas:
                            match.gminas.append(code)
            if match.empty():
                continue
            towns = [code for code in match.gminas if self._rank[code] <= 2]
            multiword_answer = whole and exact and len(span) > 1
            if common and not capital and not (exact and towns) and not multiword_answer:
                continue
            village_only = not match.gminas and not match.prefix_towns
            if village_only and not (capital or after_lead or (whole and exact)):
                continue
            mode = (
                "gmina" if previous in GMINA_WORDS else "town" if previous in TOWN_WORDS else "any"
            )
            answer = self._decide(match, mode, (), prefer)
            if answer.gmina or answer.candidates:
                weak = village_only and not (after_lead or whole or exact)
                return replace(answer, weak=weak) if weak else answer
        return None

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
            areas = self._qualifier_codes(words)
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

    def _has_stem(self, words: Sequence[str]) -> bool:
        long_enough = all(len(WORD_ALIASES.get(word, word)) >= 4 for word in words)
        return long_enough and any(
            stem_key(variant) in self._stems or stem_key(variant) in self._gmina_names
            for variant in genitive_variants(words)
        )

    # --- pins -------------------------------------------------------------------------------

    @staticmethod
    def _cell(lat: float, lon: float) -> tuple[int, int]:
        return math.floor(lat / _GRID), math.floor(lon / _GRID)

    def nearest(
        self, lat: float, lon: float, *, max_km: float = 60.0
    ) -> tuple[PointRecord, float] | None:
        """The known place nearest to a point, within max_km."""
        row, col = self._cell(lat, lon)
        best: tuple[PointRecord, float] | None = None
        reach = math.ceil(max_km / (111.0 * _GRID * max(0.3, math.cos(math.radians(lat)))))
        for ring in range(reach + 1):
            for r in range(row - ring, row + ring + 1):
                for c in range(col - ring, col + ring + 1):
                    if max(abs(r - row), abs(c - col)) != ring:
                        continue
                    for point in self._grid.get((r, c), ()):
                        d = distance_km(lat, lon, point.lat, point.lon)
                        if d <= max_km and (best is None or d < best[1]):
                            best = (point, d)
            if best is not None and best[1] < ring * 111.0 * _GRID * 0.5:
                break
        return best

    def locate(self, lat: float, lon: float) -> PlaceAnswer:
        """Resolve a shared location pin to the gmina (nearest known place)."""
        found = self.nearest(lat, lon)
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
            code = self._woj_names.get(key)
            return self._reference_of([code] if code else [], key, "wojewodztwo")
        if query.mode == "powiat":
            codes = self._filter_within(self._powiat_names.get(key, []), query.within)
            return self._reference_of(codes, key, "powiat")
        codes = self._filter_within(self._gmina_names.get(key, []), query.within)
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
            return ReferenceAnswer(suggestions=self._suggest(key.split()))
        names = self._woj_names if level == "wojewodztwo" else self._powiat_names
        close = process.extract(key, list(names), scorer=fuzz.ratio, score_cutoff=75, limit=3)
        return ReferenceAnswer(suggestions=tuple(name for name, _, _ in close))


def unit_json(unit: Unit) -> dict[str, str | None]:
    """A gmina as the CLI's --json prints it."""
    return {
        "teryt": unit.teryt,
        "name": unit.name,
        "powiat": unit.powiat,
        "wojewodztwo": unit.wojewodztwo,
    }
