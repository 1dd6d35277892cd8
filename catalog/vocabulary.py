"""What people's words mean: situation vocabularies and danger words (locales/vocabulary/*.yaml).

People in crisis write short, inflected, without Polish letters and with typos ("maz pije i
bije", "stracilem prace"). Words are compared after the normalisation of `catalog.text`, and a
word matches a vocabulary term when it is the same word or lemma, the same stem with another
ending (Polish inflection without a dictionary for words typed without diacritics), or one or
two typos away. Phrases match when their words come in order with at most two other words in
between ("nie mam dziś gdzie spać").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import yaml
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from catalog.lemmas import lemma
from catalog.taxonomy import SITUATIONS
from catalog.text import fold, words

VOCABULARY_LANGUAGES = ("pl", "uk", "en", "ru")
PEOPLE = ("me", "on_behalf", "child", "other", "adult", "spouse")  # see `people` in pl.yaml
STRONG = 1.0  # a phrase that names the situation ("nie mam gdzie spać")
HINT = 0.5  # a word that points at it without naming it ("syn", "mama")
MAX_GAP = 2  # other words allowed between two words of a phrase
INFLECTED = 0.9  # the same word with another ending
TYPO = 0.8  # a word one or two keys away from a known one
_MIN_STEM = 3  # shortest shared beginning counted as "the same word, another ending"
_MIN_TYPO = 4  # shortest word that may have a typo (at four letters, only a swap)
# Inflectional endings (folded) of Polish, Ukrainian (and Russian) and English: two words that
# differ only by these after a shared stem are forms of one word ("zasilek", "zasilku").
_ENDINGS_WRITTEN = (
    "a e i o u y ia ie ii iu ich im imi iem em om ow owi owie ach ami ej ego emu ym ymi ce ek "
    "ka ki ku kiem ke ko kow kach kami c esz emy ecie asz amy acie aja eja l la lo li ly lem "
    "lam osc osci а я у ю и і о е є ї ою ею ом ем ам ям ах ях ами ями ів ей ого ому ий ій их "
    "ім ими іми ої ти ть ться ся ує ують ать ить s es ed ing er 's"
)
_ENDINGS = frozenset(_ENDINGS_WRITTEN.split()) | {""}
# libyaml's safe loader parses the vocabularies ten times faster (start-up), same result.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, slots=True)
class Token:
    """A word of a text: folded as written, and the folded dictionary form."""

    surface: str
    lemma: str

    @property
    def forms(self) -> tuple[str, ...]:
        """Both spellings to try, the written one first."""
        return (self.surface,) if self.surface == self.lemma else (self.surface, self.lemma)


def tokenize(text: str) -> tuple[Token, ...]:
    """The words of a text as tokens (lemmas need the diacritics, so they come before folding)."""
    return tuple(_token(word) for word in words(text))


@lru_cache(maxsize=100_000)
def tokenize_catalog_text(text: str) -> tuple[Token, ...]:
    """`tokenize` for catalogue texts, cached: names and keywords repeat across services.

    Not for what people write: their messages are never kept, not even in a cache.
    """
    return tokenize(text)


@lru_cache(maxsize=200_000)
def _token(word: str) -> Token:
    """One word as a token; cached, as catalogues and people repeat the same words."""
    return Token(fold(word), fold(lemma(word)))


def similarity(written: str, known: str) -> float:
    """How surely a folded word is a known folded word: 1 same, 0.9 other ending, 0.8 typo."""
    if written == known:
        return 1.0
    shorter = min(len(written), len(known))
    if shorter < _MIN_STEM:
        return 0.0
    common = 0
    for a, b in zip(written, known, strict=False):
        if a != b:
            break
        common += 1
    # the stem may end before the shared letters do: "жильем" is "жиль-ем", "жилье" "жиль-е"
    for stem in range(common, _MIN_STEM - 1, -1):
        if (
            (stem >= 4 or (stem == _MIN_STEM and shorter >= 5))
            and written[stem:] in _ENDINGS
            and known[stem:] in _ENDINGS
        ):
            return INFLECTED
    if written[0] != known[0]:  # people seldom mistype a first letter: "очень" is no "учень"
        return 0.0
    if shorter >= 5 and _typo_distance(written, known) <= _typo_limit(shorter):
        return TYPO
    if shorter == _MIN_TYPO and len(written) == len(known) and _swapped(written, known):
        return TYPO  # a short word only by two letters swapped: "bjie" is "bije", "pije" is not
    return 0.0


def _typo_limit(length: int) -> int:
    """Typos tolerated in a word this long: one, two from ten letters ("alkocholik")."""
    return 1 if length < 10 else 2


def _swapped(a: str, b: str) -> bool:
    """True when two words of one length differ only by two neighbouring letters swapped."""
    diffs = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    return len(diffs) == 2 and diffs[1] == diffs[0] + 1 and a[diffs[0]] == b[diffs[1]]


def _typo_distance(a: str, b: str) -> int:
    """Edits between two words, adjacent swaps counting as one ("pomco" for "pomoc")."""
    distance: int = Levenshtein.distance(a, b, score_cutoff=3)
    if distance == 2 and len(a) == len(b) and _swapped(a, b):
        return 1
    return distance


class Lexicon:
    """A set of known folded words, answering "which of them is this written word?" fast.

    Exact forms by dictionary, other endings by a 3-letter beginning, typos by rapidfuzz over
    the words of about the same length; answers are cached per written form.
    """

    def __init__(self, known: Iterable[str]) -> None:
        self._known = frozenset(word for word in known if word)
        self._by_stem: dict[str, list[str]] = {}
        self._by_length: dict[int, list[str]] = {}
        for word in sorted(self._known):
            if len(word) >= _MIN_STEM:
                self._by_stem.setdefault(word[:_MIN_STEM], []).append(word)
            if len(word) >= _MIN_TYPO:
                self._by_length.setdefault(len(word), []).append(word)
        self._cache: dict[tuple[str, bool], tuple[tuple[str, float], ...]] = {}

    def __contains__(self, word: object) -> bool:
        return word in self._known

    def __len__(self) -> int:
        return len(self._known)

    def lookup(self, written: str, *, typos: bool = True) -> tuple[tuple[str, float], ...]:
        """Known words this folded word may be, with how sure (best first, then by word);
        without `typos`, only the same word or another ending of it."""
        cached = self._cache.get((written, typos))
        if cached is not None:
            return cached
        found: dict[str, float] = {}
        if written in self._known:
            found[written] = 1.0
        if len(written) >= _MIN_STEM:
            for known in self._by_stem.get(written[:_MIN_STEM], ()):
                score = similarity(written, known)
                if score >= INFLECTED and score > found.get(known, 0.0):
                    found[known] = score
        # a known word spelt right is not a typo of another
        if typos and len(written) >= _MIN_TYPO and not found:
            limit = _typo_limit(len(written))
            for length in range(len(written) - limit, len(written) + limit + 1):
                candidates = self._by_length.get(length)
                if not candidates:
                    continue
                for known, _, _ in process.extract(
                    written,
                    candidates,
                    scorer=Levenshtein.distance,
                    score_cutoff=limit + 1,  # the cheap bound; similarity() decides
                    limit=None,
                ):
                    score = similarity(written, known)
                    if score > found.get(known, 0.0):
                        found[known] = score
        answer = tuple(sorted(found.items(), key=lambda item: (-item[1], item[0])))
        if len(self._cache) > 50_000:
            self._cache.clear()
        self._cache[written, typos] = answer
        return answer

    def match(self, token: Token) -> dict[str, float]:
        """Known words matched by either form of a token, each with its best certainty.

        Only what was written can have a typo: the lemma is the dictionary's own spelling
        ('вийшов' -> 'вийти' is not a typo of 'вбити').
        """
        best: dict[str, float] = {}
        for form in token.forms:
            for known, score in self.lookup(form, typos=form == token.surface):
                if score > best.get(known, 0.0):
                    best[known] = score
        return best


@dataclass(frozen=True, slots=True)
class Term:
    """One word of a vocabulary phrase: its folded forms, or a stem when written 'alkohol*'."""

    forms: frozenset[str]
    stem: str | None = None


@dataclass(frozen=True, slots=True)
class Phrase:
    """A vocabulary entry: words in order, what it signals and how strongly."""

    terms: tuple[Term, ...]
    situations: tuple[str, ...]
    weight: float = STRONG
    danger: bool = False
    written: str = ""
    language: str = ""  # of the vocabulary file it comes from


@dataclass(frozen=True, slots=True)
class Understanding:
    """What a text says: situations with strength, danger, and its words."""

    situations: Mapping[str, float]
    danger: bool
    tokens: tuple[Token, ...]
    content: tuple[int, ...]  # positions of the words that are not stopwords
    matched: frozenset[int] = field(default_factory=frozenset)  # positions a phrase used
    hints: frozenset[int] = field(default_factory=frozenset)  # positions that only hint ("syn")
    # Words matched per vocabulary language: evidence of the language a short text is in.
    languages: Mapping[str, int] = field(default_factory=dict)
    text: str = ""  # the text understood: a search handed this checks it is its query's text

    @property
    def understood(self) -> bool:
        """True when some situation was recognised."""
        return bool(self.situations) or self.danger


class Vocabulary:
    """The situation phrases, danger phrases and stopwords of all languages together.

    Languages are merged: people mix them, and the words rarely collide.
    """

    def __init__(
        self,
        phrases: Sequence[Phrase],
        *,
        not_danger: Sequence[Phrase] = (),
        stopwords: Iterable[str] = (),
        aliases: Iterable[Iterable[str]] = (),
        people: Sequence[Phrase] = (),
    ) -> None:
        self.phrases = tuple(phrases)
        self.people = tuple(people)
        self.not_danger = tuple(not_danger)
        self.stopwords = frozenset(stopwords)
        self.aliases: dict[str, frozenset[str]] = {}
        for group in aliases:
            members = frozenset(fold(word) for word in group)
            for member in members:
                self.aliases[member] = self.aliases.get(member, frozenset()) | members
        every = (*self.phrases, *self.not_danger, *self.people)
        forms = {form for p in every for t in p.terms for form in t.forms}
        self._lexicon = Lexicon(forms)
        self._stems = tuple(sorted({t.stem for p in every for t in p.terms if t.stem}))
        self._by_first = _by_first_term(self.phrases)
        self._people: dict[str, tuple[str, ...]] = {}
        for phrase in self.people:
            key = " ".join(fold(word) for word in words(phrase.written))
            self._people[key] = (*self._people.get(key, ()), phrase.situations[0])
        self._longest_person = max((len(key.split()) for key in self._people), default=1)
        self._not_danger_by_first = _by_first_term(self.not_danger)

    @classmethod
    def from_documents(cls, documents: Iterable[Mapping[str, Any]]) -> Vocabulary:
        """Build from parsed vocabulary files (the documents of `load_documents`)."""
        phrases: list[Phrase] = []
        not_danger: list[Phrase] = []
        stopwords: set[str] = set()
        aliases: list[list[str]] = []
        people: list[Phrase] = []
        for document in documents:
            lang = str(document.get("language") or "")
            aliases.extend(
                [str(word) for word in group] for group in document.get("aliases") or ()
            )
            for section, weight in (("situations", STRONG), ("hints", HINT)):
                for key, entries in (document.get(section) or {}).items():
                    _check_key(key)
                    phrases.extend(
                        _phrase(entry, (key,), weight, language=lang) for entry in entries or ()
                    )
            for key, entries in (document.get("danger") or {}).items():
                situations = () if key == "any" else (_check_key(key),)
                phrases.extend(
                    _phrase(entry, situations, STRONG, danger=True, language=lang)
                    for entry in entries or ()
                )
            not_danger.extend(
                _phrase(entry, (), 0.0, language=lang)
                for entry in document.get("not_danger") or ()
            )
            for role, entries in (document.get("people") or {}).items():
                if role not in PEOPLE:
                    msg = f"vocabulary: unknown people key {role!r}"
                    raise ValueError(msg)
                people.extend(
                    _phrase(entry, (role,), 0.0, language=lang) for entry in entries or ()
                )
            for word in document.get("stopwords") or ():
                stopwords.update(token.surface for token in tokenize(str(word)))
        return cls(
            phrases, not_danger=not_danger, stopwords=stopwords, aliases=aliases, people=people
        )

    def situation_words(self, *, hints: bool = False) -> dict[str, str]:
        """Each phrase that names a situation (with `hints`, each that only points at one),
        folded, -> the first situation it is listed under: what a written key may have meant.
        """
        weight = HINT if hints else STRONG
        found: dict[str, str] = {}
        for phrase in self.phrases:
            if not phrase.danger and phrase.weight == weight:
                found.setdefault(fold(phrase.written.rstrip("*")), phrase.situations[0])
        return found

    def knows(self, token: Token) -> bool:
        """True when the word is (a form of) a word of some phrase: it can mean something."""
        return bool(self._term_scores(token))

    def is_stopword(self, token: Token) -> bool:
        """True for words that carry no meaning for search ("i", "mam", "pomoc")."""
        return token.surface in self.stopwords or token.lemma in self.stopwords

    def understand(self, text: str) -> Understanding:
        """Situations (with strength) and danger signalled by a text."""
        tokens = tokenize(text)
        matches = [self._term_scores(token) for token in tokens]
        excluded: set[int] = set()
        for phrase, starts in _candidates(self.not_danger, self._not_danger_by_first, matches):
            for used in _find(phrase, matches, starts):
                excluded.update(used)
        found: list[tuple[Phrase, frozenset[int]]] = []
        languages: dict[str, int] = {}
        for phrase, starts in _candidates(self.phrases, self._by_first, matches):
            for occurrence in _find(phrase, matches, starts):
                if phrase.danger and excluded.intersection(occurrence):
                    continue
                found.append((phrase, frozenset(occurrence)))
                if phrase.language:
                    languages[phrase.language] = languages.get(phrase.language, 0) + len(
                        occurrence
                    )
                break
        situations: dict[str, float] = {}
        danger = False
        matched: set[int] = set()
        named: set[int] = set()  # words of phrases that name a situation, not only hint at it
        for phrase, words_used in found:
            if not phrase.danger and _inside_longer(words_used, found):
                continue
            matched.update(words_used)
            if phrase.weight >= STRONG:
                named.update(words_used)
            danger = danger or phrase.danger
            for key in phrase.situations:
                situations[key] = max(situations.get(key, 0.0), phrase.weight)
        content = tuple(i for i, token in enumerate(tokens) if not self.is_stopword(token))
        hints = frozenset(matched - named)
        return Understanding(
            situations, danger, tokens, content, frozenset(matched), hints, languages, text
        )

    def people_in(self, tokens: Sequence[Token]) -> dict[str, list[tuple[int, ...]]]:
        """The people a text speaks of ("syn", "w imieniu", "mąż"): role -> word positions.

        Written forms only, no typos or lemmas: the words are short ("mi", "ma", "me") and a
        near miss would say who needs help wrongly.
        """
        surfaces = [token.surface for token in tokens]
        found: dict[str, list[tuple[int, ...]]] = {}
        for start in range(len(surfaces)):
            for size in range(min(self._longest_person, len(surfaces) - start), 0, -1):
                key = " ".join(surfaces[start : start + size])
                for role in self._people.get(key, ()):
                    found.setdefault(role, []).append(tuple(range(start, start + size)))
        return found

    def _term_scores(self, token: Token) -> dict[str, float]:
        """Every vocabulary form (and 'stem*') this token matches."""
        scores = self._lexicon.match(token)
        for stem in self._stems:
            if any(form.startswith(stem) for form in token.forms):
                scores["*" + stem] = 1.0
        return scores


def _inside_longer(used: frozenset[int], found: Sequence[tuple[Phrase, frozenset[int]]]) -> bool:
    """True when a longer phrase covers these words: the longer one says what they mean.

    "przemoc w rodzinie" is violence, not also "family"; "dom dziecka" is foster care;
    "alkoholik w rodzinie" only hints at family. Danger phrases never hide others: a beaten
    child is also violence at home.
    """
    return any(used < other_used and not other.danger for other, other_used in found)


def _by_first_term(phrases: Sequence[Phrase]) -> dict[str, list[int]]:
    """Phrase positions by each form (or '*stem') of their first word."""
    index: dict[str, list[int]] = {}
    for position, phrase in enumerate(phrases):
        first = phrase.terms[0]
        keys = {"*" + first.stem} if first.stem is not None else first.forms
        for key in keys:
            index.setdefault(key, []).append(position)
    return index


def _candidates(
    phrases: Sequence[Phrase],
    by_first: Mapping[str, Sequence[int]],
    matches: Sequence[Mapping[str, float]],
) -> list[tuple[Phrase, list[int]]]:
    """The phrases whose first word occurs in the text, in vocabulary order, each with the
    positions of the text where that first word is."""
    starts: dict[int, list[int]] = {}
    for at, scores in enumerate(matches):
        for key in scores:
            for phrase in by_first.get(key, ()):
                found = starts.setdefault(phrase, [])
                if not found or found[-1] != at:
                    found.append(at)
    return [(phrases[phrase], starts[phrase]) for phrase in sorted(starts)]


def _term_matches(term: Term, scores: Mapping[str, float]) -> bool:
    if term.stem is not None:
        return ("*" + term.stem) in scores
    return any(form in scores for form in term.forms)


def _find(
    phrase: Phrase, matches: Sequence[Mapping[str, float]], starts: Iterable[int]
) -> Iterable[tuple[int, ...]]:
    """Positions of the text where the phrase occurs (in order, small gaps allowed), from the
    positions where its first word is."""
    for start in starts:
        used = [start]
        for term in phrase.terms[1:]:
            position = used[-1] + 1
            end = min(len(matches), position + MAX_GAP + 1)
            while position < end and not _term_matches(term, matches[position]):
                position += 1
            if position >= end:
                break
            used.append(position)
        if len(used) == len(phrase.terms):
            yield tuple(used)


def _check_key(key: str) -> str:
    if key not in SITUATIONS:
        msg = f"vocabulary: unknown situation key {key!r}"
        raise ValueError(msg)
    return key


def _phrase(
    entry: object,
    situations: tuple[str, ...],
    weight: float,
    *,
    danger: bool = False,
    language: str = "",
) -> Phrase:
    written = str(entry)
    terms: list[Term] = []
    for part in written.split():
        if part.endswith("*"):
            stem = fold(part[:-1])
            terms.append(Term(frozenset(), stem=stem))
            continue
        # each word its own term: "self-harm" is "self" then "harm", not either of them
        terms.extend(Term(frozenset(token.forms)) for token in tokenize(part))
    if not terms:
        msg = f"vocabulary: empty phrase {written!r}"
        raise ValueError(msg)
    return Phrase(tuple(terms), situations, weight, danger, written, language)


def load_documents(languages: Iterable[str] = VOCABULARY_LANGUAGES) -> list[Mapping[str, Any]]:
    """The vocabulary files of locales/vocabulary, parsed."""
    folder = resources.files("locales").joinpath("vocabulary")
    documents = []
    for lang in languages:
        with folder.joinpath(f"{lang}.yaml").open("r", encoding="utf-8") as handle:
            documents.append(yaml.load(handle, Loader=_YAML_LOADER) or {})  # noqa: S506 - safe
    return documents


@cache
def vocabulary() -> Vocabulary:
    """The vocabulary of all languages, loaded once per process."""
    return Vocabulary.from_documents(load_documents())


def is_danger(text: str) -> bool:
    """True when a message signals immediate danger: suicide, self-harm, violence now, a child."""
    return vocabulary().understand(text).danger
