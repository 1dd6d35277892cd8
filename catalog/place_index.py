"""The names of every place, indexed: which gminas a name (as typed) can mean.

`catalog.places.Gazetteer` decides among them; this index only finds them. A name matches by
its folded key, then by stems ('Siedlcach' ~ 'Siedlce', 'z Siedlec'), by abbreviation
('Tomaszów Maz.'), and, when asked to be fuzzy, by one or two typos. Qualifiers ('powiat
tomaszowski', 'łódzkie') name the areas a place must lie in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from catalog.place_names import (
    ABBREVIATIONS,
    GMINA_WORDS,
    POWIAT_WORDS,
    WOJ_WORDS,
    WORD_ALIASES,
    alternation_variants,
    exonym_keys,
    frequent_words,
    genitive_variants,
    name_key,
    stem,
    stem_key,
)
from catalog.place_types import ExonymRecord, LocalityRecord, Unit

TOWN_RM = frozenset({"96", "95", "98"})  # TERYT SIMC kinds of a town (miasto, its part)


@dataclass(slots=True)
class NameMatch:
    """Gminas a name matched, and how (exact name, locality, prefix...)."""

    gminas: list[str] = field(default_factory=list)  # 6-digit codes named like the query
    localities: dict[str, str] = field(default_factory=dict)  # gmina code -> locality name
    prefix_towns: list[str] = field(default_factory=list)  # 'Tomaszów' -> Tomaszów Mazowiecki
    exonym: bool = False  # its gminas were named only in another language ('Cracow')

    def empty(self) -> bool:
        """True when the name matched nothing."""
        return not (self.gminas or self.localities or self.prefix_towns)


class PlaceNameIndex:
    """Folded names of gminas, localities, powiats and województwa, with the codes they name.

    `rank` orders gminas by kind (0 a city with powiat rights ... 3 a rural gmina). A gmina
    is also named by its town's names in other languages (`exonyms`: 'Cracow', 'Білосток'
    by its Polish spelling), matched like its own name except as the first word of a longer
    name ('Nowy' is never 'Novyy Sonch') or with a typo, and never in place of a Polish name.
    """

    def __init__(
        self,
        units: Mapping[str, Unit],
        rank: Mapping[str, int],
        localities: Iterable[LocalityRecord],
        exonyms: Iterable[ExonymRecord] = (),
    ) -> None:
        self._units = units
        self._rank = rank
        # folded name -> gmina codes with that name / (gmina, locality name) pairs
        self.gminas: dict[str, list[str]] = defaultdict(list)
        self.localities: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self.powiats: dict[str, list[str]] = defaultdict(list)
        self.wojewodztwa: dict[str, str] = {}
        for unit in units.values():
            key = name_key(unit.name)
            if unit.level == "gmina":
                self.gminas[key].append(unit.code)
            elif unit.level == "powiat":
                self.powiats[key].append(unit.code)
            else:
                self.wojewodztwa[key] = unit.code
        self._town_localities: set[str] = set()
        # One string object per gmina code and per name, shared by every index (memory).
        keys: dict[str, tuple[str, str]] = {}  # name as written -> (that name, its key)
        seen: set[tuple[str, str]] = set()
        for locality in localities:
            owner = units.get(locality.gmina)
            if owner is None:
                continue
            gmina = owner.code
            named = keys.get(locality.name)
            if named is None:
                named = keys[locality.name] = (locality.name, name_key(locality.name))
            name, key = named
            if (gmina, key) not in seen:
                seen.add((gmina, key))
                self.localities[key].append((gmina, name))
            if locality.rm in TOWN_RM:
                self._town_localities.add(gmina + key)
        self._exonyms: set[str] = set()
        for exonym in exonyms:
            key = exonym_keys(exonym.name)[0]
            owner = units.get(exonym.gmina)
            polish = key not in self._exonyms and (key in self.gminas or key in self.localities)
            if owner is None or polish:
                continue  # a Polish place's name stays that place's only
            self._exonyms.add(key)
            if owner.code not in self.gminas[key]:
                self.gminas[key].append(owner.code)
        self._stems: dict[str, list[str]] = defaultdict(list)
        self._first: dict[str, list[str]] = defaultdict(list)
        for key in {*self.gminas, *self.localities}:
            parts = key.split(" ")
            stemmed = stem_key(parts)
            if stemmed != key:
                self._stems[stemmed].append(key)
            if len(parts) > 1 and key not in self._exonyms:
                self._first[parts[0]].append(key)
        self._frequent = frequent_words()  # kept with the index: later starts need no wordfreq
        # Build the lazy indexes now: the first person's lookup should not pay for them.
        _ = (self._multiword, self._typo_buckets, self._suggestion_keys)
        _ = (self._woj_stems, self._powiat_stems)

    def is_name(self, key: str) -> bool:
        """True when a folded key is the whole name of a gmina or a locality."""
        return key in self.gminas or key in self.localities

    def is_frequent(self, words: Sequence[str]) -> bool:
        """True when every folded word is one of the commonest Polish words ('w nalogu')."""
        return all(word in self._frequent for word in words)

    def is_town(self, gmina: str, name: str) -> bool:
        """True when the locality of this name in this gmina is a town (or a part of one)."""
        return gmina + name_key(name) in self._town_localities

    def town_and_rural(self, codes: Sequence[str]) -> tuple[str, str] | None:
        """'Siedlce': the town and the rural gmina around it, which share the name."""
        if len(codes) != 2:
            return None
        first, second = sorted(codes, key=lambda code: self._rank[code])
        if self._rank[first] <= 1 and self._rank[second] == 3 and first[:2] == second[:2]:
            return first, second
        return None

    # --- names ------------------------------------------------------------------------------

    def match(self, words: Sequence[str], *, fuzzy: bool) -> NameMatch:
        """The gminas, localities and towns a name (folded words) can mean."""
        match = NameMatch()
        if not words:
            return match
        keys = self._keys_for(words, fuzzy=fuzzy)
        match.exonym = bool(keys) and all(key in self._exonyms for key in keys)
        for key in keys:
            for code in self.gminas.get(key, ()):
                if code not in match.gminas:
                    match.gminas.append(code)
            for code, name in self.localities.get(key, ()):
                match.localities.setdefault(code, name)
        if not fuzzy:
            # 'Tomaszów' also names the towns 'Tomaszów Mazowiecki' and 'Tomaszów Lubelski'
            joined = " ".join(words)
            firsts = list(self._first.get(words[0], ()))
            if len(words) == 1:  # 'koło Tomaszowa': the first word of a town's name, inflected
                firsts += self._firsts_inflected(words[0])
                joined = next((key.split(" ")[0] for key in firsts), joined)
            for key in firsts:
                if key.startswith(joined + " ") and key not in keys:
                    for code in self.gminas.get(key, ()):
                        if self._rank[code] <= 2 and code not in match.prefix_towns:
                            match.prefix_towns.append(code)
            # 'Kalisz' is the city, not also Kalisz Pomorski; 'Siedlce' the town and its gmina
            city = any(self._rank[code] <= 1 for code in match.gminas)
            if match.prefix_towns and (city or self.town_and_rural(match.gminas)):
                match.prefix_towns = []
        return match

    def _keys_for(self, words: Sequence[str], *, fuzzy: bool) -> list[str]:
        """The index keys a name matches: exact, by stems, by abbreviation, or by typo."""
        key = " ".join(words)
        if key in self.gminas:
            return [key]
        if key in self.localities:
            # 'z Miechowa', 'z Siedlec': an inflected gmina seat beats a village whose own
            # name has that spelling
            seats = [k for k in self.stemmed_keys(words) if k in self.gminas]
            return [key, *seats]
        keys = self.stemmed_keys(words)
        if keys:
            return keys
        keys = self._abbreviated(words)
        if keys or not fuzzy:
            return keys
        return self._typo_keys(key)

    def stemmed_keys(self, words: Sequence[str]) -> list[str]:
        """Names with the same stems; for a plural name's genitive ('z Mordów', 'z Siedlec')
        also without its '-ów' or the 'e' that comes and goes ('Siedlec' -> 'Siedlce'). When
        no Polish gmina has, also gminas whose stem a sound change of declension hides; a
        Polish one found so goes before an exonym ('w Skórcu' is Skórzec, not 'Skorca')."""
        keys = self._keys_of_stems(genitive_variants(words))
        if any(key in self.gminas and key not in self._exonyms for key in keys):
            return keys
        hidden = [key for key in self._hidden_gminas(words) if key not in keys]
        if any(key not in self._exonyms for key in hidden):
            keys = [key for key in keys if key not in self._exonyms]
            hidden = [key for key in hidden if key not in self._exonyms]
        return keys + hidden

    def _hidden_gminas(self, words: Sequence[str]) -> list[str]:
        """Gminas named by inflected words whose stem a sound change hides: 'w Żywcu',
        'w Sopocie', 'w Ostrołęce', 'w Paprotni' (the gmina Paprotnia, not the villages
        Paprotno). Gminas only: among 100,000 village names too many ordinary words change
        like this ('w Polsce' is not the village Polska)."""
        found = self._keys_of_stems(alternation_variants(words))
        return [key for key in found if key in self.gminas]

    def _keys_of_stems(self, variants: Sequence[Sequence[str]]) -> list[str]:
        keys: list[str] = []
        for variant in variants:
            stemmed = stem_key(variant)
            found = list(self._stems.get(stemmed, ()))
            if stemmed in self.gminas or stemmed in self.localities:
                found.append(stemmed)
            keys.extend(key for key in found if key not in keys)
        return keys

    def has_stem(self, words: Sequence[str]) -> bool:
        """True when inflected words (each of 4 letters or more) stem like a known name."""
        long_enough = all(len(WORD_ALIASES.get(word, word)) >= 4 for word in words)
        return long_enough and (
            any(
                stem_key(variant) in self._stems or stem_key(variant) in self.gminas
                for variant in genitive_variants(words)
            )
            or bool(self._hidden_gminas(words))
        )

    def starts_town_name(self, words: Sequence[str]) -> bool:
        """True when one inflected word is the first word of a town's name: 'Siemianowicach'
        (Siemianowice Śląskie), 'Kędzierzynie' (Kędzierzyn-Koźle), 'Ostrowcu'."""
        return len(words) == 1 and bool(self._firsts_inflected(words[0]))

    def _firsts_inflected(self, word: str) -> list[str]:
        """Names of several words whose first word this one is, inflected: 'tomaszowa' ->
        'tomaszow mazowiecki', ...; 'ostrowcu' -> 'ostrowiec swietokrzyski' (a mobile e)."""
        found = self._first_by_stem.get(stem(word), [])
        if found:
            return list(found)
        for (variant,) in alternation_variants([word]):
            found = self._first_by_stem.get(stem(variant), [])
            if found:
                return list(found)
        return []

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
        """Every Polish name by (first letter, length) and by (second letter, length).

        A typo rarely hits both of the first two letters, so the names worth comparing with a
        query are in a few small buckets, not all 40,000. Exonyms are not: many are spellings
        of one name a letter or two apart ('Krakuw', 'Krakow'), so a typo would find a town
        where a person should be asked what they meant.
        """
        buckets: dict[tuple[str, int], list[str]] = defaultdict(list)
        for key in {*self.gminas, *self.localities} - self._exonyms:
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

    def suggest(self, words: Sequence[str]) -> tuple[str, ...]:
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
        gminas = sorted(
            (unit for unit in self._units.values() if unit.level == "gmina"),
            key=lambda unit: unit.code,
        )
        names = {name_key(unit.name): unit.name for unit in gminas}
        for key, pairs in self.localities.items():
            if any(code + key in self._town_localities for code, _ in pairs):
                names.setdefault(key, pairs[0][1])
        return names

    @cached_property
    def _suggestion_keys(self) -> list[str]:
        return list(self._suggestion_names)

    # --- qualifiers ("Ujazd, łódzkie", "(powiat tomaszowski)") ------------------------------

    @cached_property
    def _woj_stems(self) -> dict[str, str]:
        return {stem_key(key.split()): code for key, code in self.wojewodztwa.items()}

    @cached_property
    def _powiat_stems(self) -> dict[str, list[str]]:
        index: dict[str, list[str]] = defaultdict(list)
        for key, codes in self.powiats.items():
            index[stem_key(key.split())].extend(codes)
        return index

    def woj_code(self, words: Sequence[str]) -> str | None:
        """The województwo these words name ('mazowieckie', 'mazowieckim'), if any."""
        code = self.wojewodztwa.get(" ".join(words))
        return code if code is not None else self._woj_stems.get(stem_key(words))

    def powiat_codes(self, words: Sequence[str]) -> list[str]:
        """The powiats these words name ('tomaszowski' names two)."""
        key = " ".join(words)
        if key in self.powiats:
            return list(self.powiats[key])
        return list(self._powiat_stems.get(stem_key(words), ()))

    def qualifier_codes(self, words: Sequence[str]) -> list[str] | None:
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
            woj = self.woj_code(words)
            if woj is not None:
                codes.append(woj)
        if kind in ("any", "powiat") and not codes:
            codes.extend(self.powiat_codes(words))
        if kind == "gmina" or (kind == "any" and not codes):
            codes.extend(self.gminas.get(" ".join(words), ()))
        return codes or None

    def within(self, codes: Sequence[str], qualifiers: Sequence[tuple[str, ...]]) -> list[str]:
        """The codes that lie inside every area the qualifiers name (unknown ones ignored)."""
        kept = list(codes)
        for qualifier in qualifiers:
            areas = self.qualifier_codes(qualifier)
            if areas is None:
                continue
            kept = [code for code in kept if any(code.startswith(area) for area in areas)]
        return kept
