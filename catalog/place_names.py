"""How place names are compared: folded keys, stems of Polish declension ('Siedlcach' ~
'Siedlce'), abbreviations ('Maz.'), and the words around a place in a sentence (prepositions,
unit words, ordinary words that are also villages)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

from wordfreq import top_n_list

from catalog.text import cyrillic_to_polish, fold, folded_words, has_cyrillic

# --- text keys ------------------------------------------------------------------------------

# Endings of Polish declension, longest first; cutting one off both sides compares
# 'Siedlcach' with 'Siedlce' and 'Tomaszowie Mazowieckim' with 'Tomaszów Mazowiecki'.
ENDINGS = (
    "iego",
    "iemu",
    "ach",
    "iu",
    "ami",
    "iem",
    "ego",
    "emu",
    "ich",
    "ych",
    "ie",
    "im",
    "ym",
    "em",
    "ej",
    "om",
    "a",
    "e",
    "i",
    "u",
    "y",
    "o",
)
MIN_STEM = 3
WORD_ALIASES = {"wsi": "wies", "gorze": "gora", "wielkopolskim": "wielkopolski"}
ABBREVIATIONS = {
    "maz": "mazowiecki",
    "mazow": "mazowiecki",
    "wlkp": "wielkopolski",
    "wlk": "wielki",
    "lub": "lubelski",
    "n": "nad",
    "k": "kolo",
    "sl": "slaski",
    "gd": "gdanski",
    "pom": "pomorski",
    "kuj": "kujawski",
    "podl": "podlaski",
    "st": "stary",
    "gr": "gorny",
    "dln": "dolny",
    "tryb": "trybunalski",
    "zdr": "zdroj",
}


ENDING = re.compile(f"^(.{{{MIN_STEM},}}?)(?:{'|'.join(ENDINGS)})$")


@lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    """A folded word without its Polish ending ('siedlcach' -> 'siedlc', 'siedlce' -> 'siedlc').

    The longest ending that leaves at least MIN_STEM letters is cut.
    """
    word = WORD_ALIASES.get(word, word)
    match = ENDING.match(word)
    return match.group(1) if match else word


POLISH_FOLDS = str.maketrans("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ", "acelnoszzACELNOSZZ")
ASCII_WORD = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*")


def name_key(text: str) -> str:
    """The folded words of a name joined by spaces: 'Kędzierzyn-Koźle' -> 'kedzierzyn kozle'.

    Same as catalog.text.folded_words, with a fast path for Polish letters (the index folds
    over 50,000 names at start-up).
    """
    quick = text.translate(POLISH_FOLDS).lower()
    if quick.isascii():
        return " ".join(ASCII_WORD.findall(quick))
    return " ".join(folded_words(text))


def stem_key(words: Sequence[str]) -> str:
    """The stems of folded words joined by spaces."""
    return " ".join(stem(word) for word in words)


def exonym_keys(name: str) -> list[str]:
    """The keys a town's name in another language is known by, the indexed one first: its
    folded words ('Cracow' -> 'cracow'); for a Cyrillic name its Polish spellings, likeliest
    first ('Білосток' -> 'bilostok', ...), so that inflected Cyrillic ('у Білостоці') is
    compared by the same Polish stems as Polish names."""
    if not has_cyrillic(name):
        return [name_key(name)]
    return list(dict.fromkeys(name_key(spelling) for spelling in cyrillic_to_polish(name)))


# Words that say what kind of unit follows, or only lead up to a place.
GMINA_WORDS = frozenset({"gmina", "gm", "gminie", "gminy", "gmine"})
TOWN_WORDS = frozenset({"miasto", "m", "miescie", "miasta", "mst", "msc"})
POWIAT_WORDS = frozenset({"powiat", "pow", "powiecie", "powiatu", "p"})
WOJ_WORDS = frozenset({"wojewodztwo", "woj", "wojewodztwie", "wojewodztwa", "w-two"})
LEADING_WORDS = frozenset(
    {"w", "we", "z", "ze", "do", "na", "kolo", "k", "pod", "przy", "okolice", "okolic", "okol"}
    | {"in", "near"}  # English: 'living in Warsaw'
)
# Words after which a name is surely a place: prepositions (Polish, Ukrainian, Russian,
# English), unit words.
CYRILLIC_LEADS = frozenset(
    {"в", "у", "з", "із", "зі", "до", "бiля", "біля", "під", "коло"}
    | {"во", "из", "под", "около", "возле"}
)
PLACE_LEADS = (LEADING_WORDS | GMINA_WORDS | TOWN_WORDS | POWIAT_WORDS | CYRILLIC_LEADS) - {
    "m",
    "k",
    "p",
}


# Ordinary words that are also names of villages somewhere: never a place inside a sentence.
COMMON_TEXT = """
    a aby ale bez bo byc chce chcialabym chcialbym co czy dla dom domu dzieci dziecko gdzie
    i ich ja jak jest jestem juz kobieta las lat lata maz mam mama matka mi mieszkam mnie moj moja
    moje na nie nic o od ojciec on ona pan pani po pomoc pomocy pomocna potrzebuje praca pracy
    prosze przemoc przemocy rodzina rodzinie rodziny sie sam sama syn szukam tak tata to ty u
    w we z za ze zona zycie corka brat siostra babcia dziadek bieda bez pieniedzy pieniadze
    jesc jedzenie mieszkanie mieszkania nocleg alkohol pije bije boje zasilek urzad
    osrodek szkola szkole nauka lekarz szpital kolo pod nad przy miasto wies gmina
    powiat wojewodztwo polska nowa nowe nowy stara stare stary dobry dobra mala maly duza duzy
    gora gory zielona zielony wola lipa lipy brzozowa debowa pole borek pila mops gops pup
    pcpr ops ohp hej czesc dzien help
"""
COMMON_WORDS = frozenset(COMMON_TEXT.split())
FREQUENT_WORDS = 50_000  # the commonest Polish words, as wordfreq counts them


@cache
def frequent_words() -> frozenset[str]:
    """The commonest Polish words, folded as people write them without Polish letters
    ('nałogu' -> 'nalogu', 'końcu' -> 'koncu'). Many villages are named like one of them; the
    dictionary (`catalog.lemmas.word_kind`) tells ordinary words only with their letters."""
    return frozenset(name_key(word) for word in top_n_list("pl", FREQUENT_WORDS) if word.isalpha())


# Words before a place a person is only near: 'pracuję pod Lublinem', 'koło Tomaszowa'.
NEAR_LEADS = frozenset({"pod", "spod", "kolo", "k", "obok", "niedaleko", "near"})
GENITIVE_LEADS = frozenset({"z", "ze", "do", "spod", "kolo", "k", "od", "obok", "niedaleko"})
# Words between a place and what says where it lies: 'X koło Y', 'X gm. Y', 'X pow. Z'.
QUALIFIER_LEADS = frozenset(
    {"kolo", "k", "pod", "gm", "gmina", "gminie", "pow", "powiat", "woj", "wojewodztwo", "obok"}
)


def genitive_variants(words: Sequence[str]) -> list[tuple[str, ...]]:
    """The words, then their last word as the nominative of a plural name might be:
    'mordow' -> 'mord' (Mordy), 'siedlec' -> 'siedlc' (Siedlce)."""
    variants = [tuple(words)]
    last = words[-1] if words else ""
    if len(last) >= 6 and last.endswith("ow"):
        variants.append((*words[:-1], last[:-2]))
    if len(last) >= 5 and last[-2] == "e" and last[-3] not in "aeiouy" and last[-1] == "c":
        variants.append((*words[:-1], last[:-2] + last[-1]))
    return variants


# Sound changes of Polish declension, undone: an inflected folded word's end, and what its
# nominative may end with instead ('w Sopocie' Sopot, 'w Stargardzie' Stargard, 'w Ujeździe'
# Ujazd, 'w Ostrołęce' Ostrołęka, 'w Przysusze' Przysucha, 'w Gdyni' Gdynia, 'w Rudzie
# Śląskiej' Ruda Śląska). simplemma knows many of these names, but only as written with
# Polish letters, which people in a hurry leave out.
ALTERNATIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ezdzie", ("azd", "azda")),
    ("dzie", ("d", "da")),
    ("cie", ("t", "ta")),
    ("dze", ("ga",)),
    ("sze", ("cha",)),
    ("ce", ("ka",)),
    ("ni", ("nia",)),
    ("iej", ("a", "ia")),
)
MAX_ALTERNATIONS = 32
# A mobile e: 'w Żywcu' Żywiec, 'z Mielca' Mielec, 'we Włocławku' Włocławek, 'w Skórcu' Skórzec.
_MOBILE_E = re.compile(r"^(.{2,}[^aeiouy])([ck])(?:u|a|em|iem|owi)$")


def alternation_variants(words: Sequence[str]) -> tuple[tuple[str, ...], ...]:
    """The words with sound changes of declension undone, each way they may go: 'zywcu' ->
    'zywiec', 'zywec'; 'bialymstoku' -> 'bialystoku' (an adjective inside); 'rudzie slaskiej'
    -> 'ruda slaska' (both words). At most MAX_ALTERNATIONS variants."""
    return _alternation_variants(tuple(words))


@lru_cache(maxsize=50_000)
def _alternation_variants(words: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    options: list[list[str]] = []
    for word in words:
        bases = [word]
        if "ymst" in word:  # 'Białymstoku', 'Krasnymstawie'
            bases.append(word.replace("ymst", "yst", 1))
        for ending, nominatives in ALTERNATIONS:
            if word.endswith(ending) and len(word) - len(ending) >= 2:
                bases.extend(word[: -len(ending)] + nominative for nominative in nominatives)
                break
        mobile = _MOBILE_E.match(word)
        if mobile:
            head, tail = mobile.groups()
            bases.extend((head + "ie" + tail, head + "e" + tail))
            if head.endswith("r"):  # 'w Skórcu' Skórzec
                bases.append(head + "ze" + tail)
        options.append(bases)
    variants = itertools.islice(itertools.product(*options), 1, MAX_ALTERNATIONS + 1)
    return tuple(variants)


# Ukrainian changes a stem's last consonant before the '-і' of the locative and dative: 'у
# Білостоці' Білосток, 'в Ельблонзі' Ельблонг. The dictionaries know few Polish towns' names.
UKRAINIAN_ALTERNATIONS = (("ці", "к"), ("зі", "г"), ("сі", "х"))


def ukrainian_alternation_undone(word: str) -> str:
    """A lower-case Cyrillic word with that change undone ('білостоці' -> 'білосток'), or the
    word itself."""
    for ending, consonant in UKRAINIAN_ALTERNATIONS:
        if word.endswith(ending) and len(word) > len(ending) + 2:
            return word[: -len(ending)] + consonant
    return word


@dataclass(frozen=True, slots=True)
class SentenceWord:
    """A word of a sentence: as written, folded, where it is, and how it is written."""

    text: str
    folded: str
    start: int
    end: int
    capital: bool  # a capital letter inside a sentence, not at its start
    cyrillic: bool
    words: tuple[str, ...] = ()  # its folded words ('Kędzierzyn-Koźle': two)

    @classmethod
    def of(cls, word: str, start: int, text: str) -> SentenceWord:
        """The word found at `start` of the sentence `text`."""
        before = text[:start].rstrip()
        sentence_start = not before or before[-1] in ".!?\n"
        return cls(
            text=word,
            folded=fold(word),
            start=start,
            end=start + len(word),
            capital=word[:1].isupper() and not sentence_start,
            cyrillic=has_cyrillic(word),
            words=tuple(folded_words(word)),
        )


SENTENCE_WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*\.?")


def without_span(text: str, start: int, end: int) -> str:
    """The text without one span, tidy around the cut."""
    rest = (text[:start].rstrip(" ,;-(") + " " + text[end:].lstrip(" ,;.-)")).strip()
    return re.sub(r"\s+", " ", rest)
