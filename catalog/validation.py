"""Whole-file checks of a catalogue: every problem at once, each with where it is, what is
wrong and, when we can tell, what was probably meant. A file with no errors becomes a
`Catalog` (places resolved to TERYT prefixes, phones parsed, contacts inherited).

Problems are values with a message key (`code`, texts in locales/*/catalog.po) and parameters;
the bot renders them in the reader's language.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Literal, Protocol, TypeVar

from babel import Locale
from pydantic import ValidationError
from rapidfuzz import fuzz, process

from catalog.assemble import Layout, build_with_layout
from catalog.format import (
    CSV_COLUMNS,
    EXTRA_CSV_COLUMNS,
    MODEL_KEYS,
    CatalogDocument,
    Path,
    RawDocument,
    level_of,
    read_document,
)
from catalog.heap import free_in_pieces, gc_paused
from catalog.hours import HoursError, OpeningHours, parse_hours
from catalog.hsds import is_hsds, read_hsds
from catalog.model import Catalog
from catalog.places import ReferenceAnswer, Unit
from catalog.taxonomy import SITUATIONS
from catalog.text import fold
from catalog.values import is_valid_email, is_valid_url, parse_ages, parse_phone
from catalog.vocabulary import vocabulary

Severity = Literal["error", "warning"]
Params = Mapping[str, str | int]
SAMPLE_RESOURCE = "sample-catalog.yaml"
ID_PATTERN = re.compile(r"[a-z0-9-]+")
# A service is found by a few dozen words people use; thousands are a mistake or an attack
# (every keyword is indexed and lemmatised).
MAX_KEYWORDS = 100
SHOWN_CHARS = 80  # a value from the file is shown in an error line cut to this many characters
_T = TypeVar("_T")


class PlaceReferences(Protocol):
    """What validation needs from the gazetteer: strict resolution of a written place."""

    def reference(self, text: str) -> ReferenceAnswer:
        """Resolve a catalogue place reference ('powiat siedlecki', '1426', 'Polska')."""
        ...


@dataclass(frozen=True, slots=True)
class Hint:
    """A suggestion shown after a problem ("did you mean domestic_violence?")."""

    code: str
    params: Params = dataclasses.field(default_factory=dict, hash=False)


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong (error) or suspicious (warning) in a catalogue file, and where."""

    severity: Severity
    code: str
    params: Params = dataclasses.field(default_factory=dict, hash=False)
    line: int | None = None  # YAML line, or CSV row (see `unit`)
    institution_id: str | None = None
    service_id: str | None = None
    field: str | None = None
    hint: Hint | None = None
    unit: Literal["line", "row"] = "line"
    places: tuple[Unit, ...] = ()  # the places it is about, named in the reader's language

    @property
    def is_error(self) -> bool:
        """True when this problem makes the file unusable."""
        return self.severity == "error"


@dataclass(frozen=True)
class Report:
    """The outcome of checking a file: a catalogue when there is no error, and every problem.

    `layout` is the catalogue's file layout made for its hash, for storing it without laying
    it out again (see `catalog.assemble.Layout`); drop the report, or take it out, before
    keeping the catalogue.
    """

    catalog: Catalog | None
    problems: tuple[Problem, ...]
    layout: Layout | None = field(default=None, repr=False, compare=False)

    @property
    def errors(self) -> tuple[Problem, ...]:
        """Problems that make the file unusable."""
        return tuple(problem for problem in self.problems if problem.is_error)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        """Problems that are allowed but probably deserve a look."""
        return tuple(problem for problem in self.problems if not problem.is_error)


def check(data: bytes, *, filename: str, places: PlaceReferences) -> Report:
    """Check a catalogue file (YAML, CSV or HSDS) and build the catalogue when nothing is
    wrong."""
    with gc_paused():
        if is_hsds(data, filename=filename):
            raw = read_hsds(data, filename=filename)
        else:
            raw = read_document(data, filename=filename)
        checker = _Checker(raw, places)
        document = checker.run()
        problems = tuple(sorted(checker.problems, key=_problem_order))
        place_codes = checker.place_codes
        # The file as read is several times the catalogue: freed a piece at a time (see
        # free_in_pieces), and before the catalogue is built, so that both never coexist.
        pieces = [*raw.parts(), *checker.parts()]
        del raw, checker
        free_in_pieces(pieces)
        catalog = layout = None
        if document is not None and not any(problem.is_error for problem in problems):
            catalog, layout = build_with_layout(document, place_codes)
        pieces = list(document.institutions) if document is not None else []
        del document
    free_in_pieces(pieces)
    return Report(catalog=catalog, problems=problems, layout=layout)


def load_sample(places: PlaceReferences) -> Catalog:
    """The bundled sample catalogue (served until a partnership loads its own)."""
    data = resources.files("catalog").joinpath("data", SAMPLE_RESOURCE).read_bytes()
    report = check(data, filename=SAMPLE_RESOURCE, places=places)
    if report.catalog is None:
        codes = ", ".join(f"{p.code} (line {p.line})" for p in report.errors)
        raise ValueError(f"the bundled sample catalogue does not validate: {codes}")
    return report.catalog


@cache
def language_codes() -> frozenset[str]:
    """ISO 639-1 codes (two letters) that Babel knows."""
    codes = (str(code) for code in Locale("en").languages)
    return frozenset(code for code in codes if re.fullmatch("[a-z]{2}", code))


# Country codes people write instead of language codes.
LANGUAGE_MISTAKES: Mapping[str, str] = {
    "ua": "uk",
    "cz": "cs",
    "gr": "el",
    "jp": "ja",
    "by": "be",
    "se": "sv",
    "dk": "da",
    "gb": "en",
    "us": "en",
    "ee": "et",
    "il": "he",
    "cn": "zh",
    "kz": "kk",
    "ge": "ka",
    "am": "hy",
}


@cache
def _situation_names() -> Mapping[str, str]:
    """Folded texts that name a situation -> its key: the keys themselves, then the phrases of
    locales/vocabulary that name one (the words people use; coordinators use them too)."""
    names = {_as_name(key): key for key in SITUATIONS}
    for text, key in vocabulary().situation_words().items():
        names.setdefault(_as_name(text), key)
    return names


@cache
def _situation_words() -> Mapping[str, str]:
    """`_situation_names`, then the vocabulary's words that only point at a situation
    ('dzieci' -> family, 'money' -> poverty): good enough for a suggestion, not for a name."""
    choices = dict(_situation_names())
    for text, key in vocabulary().situation_words(hints=True).items():
        choices.setdefault(_as_name(text), key)
    return choices


def _as_name(written: str) -> str:
    """A written situation name as compared: folded, '_' and '-' as spaces ('ex-offender')."""
    return fold(written).replace("_", " ").replace("-", " ")


def situation_named(written: str, labels: Mapping[str, str] | None = None) -> str | None:
    """The situation a text names exactly: its key, a word for it ('przemoc'), or one of
    `labels` (folded label -> key; the front end's button labels), in any case and without
    Polish letters. None when it names none: `suggest_situation` then guesses."""
    query = _as_name(written)
    if labels is not None and query in labels:
        return labels[query]
    return _situation_names().get(query)


def suggest_situation(written: str) -> str | None:
    """The situation key probably meant by an unknown one (a typo, or a word for it)."""
    query = _as_name(written)
    if len(query) < 3:
        return None
    choices = _situation_words()
    if query in choices:
        return choices[query]
    for text, key in choices.items():  # an inflected or shortened single word: 'przemocy'
        single = " " not in text and min(len(text), len(query)) >= 5
        if single and (query.startswith(text) or text.startswith(query)):
            return key
    if len(query) < 4:
        return None
    found = process.extractOne(query, list(choices), scorer=fuzz.ratio, score_cutoff=80)
    return choices[found[0]] if found else None


def closest(word: str, choices: Iterable[str], *, cutoff: float = 70) -> str | None:
    """The choice nearest to a mistyped word, when one is near enough."""
    found = process.extractOne(
        word.casefold(), list(choices), scorer=fuzz.ratio, score_cutoff=cutoff
    )
    return found[0] if found else None


# --- the checker --------------------------------------------------------------------------

_TYPE_CODES: Mapping[str, str] = {
    "string_type": "catalog.expected_text",
    "list_type": "catalog.expected_list",
    "tuple_type": "catalog.expected_list",
    "float_type": "catalog.expected_number",
    "float_parsing": "catalog.expected_number",
    "int_type": "catalog.expected_number",
    "int_parsing": "catalog.expected_number",
    "bool_type": "catalog.expected_boolean",
    "bool_parsing": "catalog.expected_boolean",
    "date_type": "catalog.expected_date",
    "date_parsing": "catalog.expected_date",
    "date_from_datetime_parsing": "catalog.expected_date",
    "date_from_datetime_inexact": "catalog.expected_date",
    "model_type": "catalog.expected_mapping",
    "model_attributes_type": "catalog.expected_mapping",
    "dict_type": "catalog.expected_mapping",
    "string_too_short": "catalog.empty_value",
}


# Parameters the checker writes itself (not values from the file): shown whole.


class _Checker:
    """Walks a raw document once, collecting problems and the places it resolves."""

    def __init__(self, raw: RawDocument, places: PlaceReferences) -> None:
        self.raw = raw
        self.places = places
        self.problems: list[Problem] = []
        self.place_codes: dict[str, str] = {}
        self._answers: dict[str, ReferenceAnswer] = {}
        self._institution_ids: dict[str, Path] = {}  # where each id was first seen
        self._service_ids: dict[str, Path] = {}

    def parts(self) -> list[object]:
        """Where each id was seen (one path per institution and service), to free in pieces."""
        return [*self._institution_ids.values(), *self._service_ids.values()]

    def run(self) -> CatalogDocument | None:
        for read in self.raw.problems:
            self._add(
                read.code,
                read.path,
                read.params,
                line=read.line,
                hint=Hint(*read.hint) if read.hint else self._read_hint(read.code, read.params),
                severity=read.severity,
            )
        if self.raw.data is None:
            return None
        document = self._structure()
        if isinstance(self.raw.data, dict):
            self._values(self.raw.data)
        return document

    # structure: pydantic's errors, translated

    def _structure(self) -> CatalogDocument | None:
        try:
            return CatalogDocument.model_validate(self.raw.data)
        except ValidationError as error:
            for detail in error.errors():
                self._structure_problem(tuple(detail["loc"]), detail["type"], detail)
            return None

    def _structure_problem(self, loc: Path, kind: str, detail: Mapping[str, object]) -> None:
        name = _field_of(loc)
        if kind == "extra_forbidden":
            key = str(loc[-1])
            hint = _did_you_mean(closest(key, MODEL_KEYS[level_of(loc[:-1])]))
            self._add("catalog.unknown_key", loc, {"key": key}, hint=hint)
        elif loc == ():
            self._add("catalog.not_mapping", loc, {})
        elif kind == "missing":
            self._add("catalog.missing_field", loc, {"field": name or ""})
        elif loc[:1] == ("version",):
            self._add("catalog.bad_version", loc, {"found": str(detail.get("input"))})
        elif "geo" in loc:
            self._add(
                "catalog.bad_geo",
                loc,
                {"geo": _shown(self._value_at(loc[: loc.index("geo") + 1]))},
            )
        elif kind == "too_short":
            self._add("catalog.empty_list", loc, {"field": name or ""})
        elif kind in _TYPE_CODES:
            self._add(
                _TYPE_CODES[kind], loc, {"field": name or "", "value": _shown(detail.get("input"))}
            )
        else:
            self._add(
                "catalog.bad_value", loc, {"field": name or "", "detail": str(detail.get("msg"))}
            )

    # values: what the file's texts mean

    def _values(self, data: Mapping[str, object]) -> None:
        partnership = _text(data.get("partnership"))
        if partnership and not ID_PATTERN.fullmatch(partnership):
            self._add("catalog.bad_id", ("partnership",), {"id": partnership})
        institutions = data.get("institutions")
        if not isinstance(institutions, list):
            return
        for index, institution in enumerate(institutions):
            if isinstance(institution, dict):
                self._institution(("institutions", index), institution)

    def _institution(self, path: Path, data: Mapping[str, object]) -> None:
        self._identifier(path, data, self._institution_ids, "catalog.duplicate_institution")
        place = _text(data.get("place"))
        place_code = self._place((*path, "place"), place) if place else None
        reachable = self._contact_values(path, data)
        self._geo(path, data.get("geo"))
        services = data.get("services")
        if not isinstance(services, list):
            return
        area_codes: list[str | None] = []
        for index, service in enumerate(services):
            if isinstance(service, dict):
                service_path = (*path, "services", index)
                area_codes += self._service(service_path, service, data, reachable=reachable)
        resolved = [code for code in area_codes if code is not None]
        if (
            place_code is not None
            and resolved
            and len(resolved) == len(area_codes)
            and not any(place_code.startswith(code) for code in resolved)
        ):
            self._add(
                "catalog.own_place_not_served", path, {"place": place or ""}, severity="warning"
            )

    def _service(
        self,
        path: Path,
        data: Mapping[str, object],
        institution: Mapping[str, object],
        *,
        reachable: bool,
    ) -> list[str | None]:
        """Check one service; returns the codes of its areas (None where unresolved)."""
        self._identifier(path, data, self._service_ids, "catalog.duplicate_service")
        self._situations(path, data.get("situations"))
        ages = _text(data.get("ages"))
        if ages is not None:
            outcome = parse_ages(ages)
            if isinstance(outcome, str):
                self._add(outcome, (*path, "ages"), {"ages": ages}, hint=Hint("catalog.hint.ages"))
        if not self._contact_values(path, data) and not reachable:
            self._add("catalog.no_contact", path, {}, severity="warning")
        confidential = _is_true(data.get("confidential")) or _is_true(
            institution.get("confidential")
        )
        if confidential and not (data.get("phones") or institution.get("phones")):
            self._add("catalog.confidential_no_phone", path, {})
        if _is_true(data.get("crisis")):
            hours = _text(data.get("hours")) or _text(institution.get("hours"))
            parsed = parse_hours(hours) if hours else None
            if not (isinstance(parsed, OpeningHours) and parsed.always_open):
                self._add(
                    "catalog.crisis_not_24_7", path, {"hours": hours or ""}, severity="warning"
                )
        keywords = data.get("keywords")
        if isinstance(keywords, list) and len(keywords) > MAX_KEYWORDS:
            self._add(
                "catalog.too_many_keywords",
                (*path, "keywords"),
                {"count": len(keywords), "limit": MAX_KEYWORDS},
            )
        areas = data.get("area")
        if not (isinstance(areas, list) and areas):
            place = _text(institution.get("place"))
            return [self.place_codes.get(place) if place else None]
        codes: list[str | None] = []
        for index, area in enumerate(areas):
            text = _text(area)
            if text == "":
                self._add("catalog.empty_value", (*path, "area", index), {"field": "area"})
            codes.append(self._place((*path, "area", index), text) if text else None)
        return codes

    def _identifier(
        self, path: Path, data: Mapping[str, object], seen: dict[str, Path], code: str
    ) -> None:
        identifier = _text(data.get("id"))
        if not identifier:
            return
        if not ID_PATTERN.fullmatch(identifier):
            hint = _did_you_mean(re.sub(r"[^a-z0-9-]+", "-", fold(identifier)).strip("-"))
            self._add("catalog.bad_id", (*path, "id"), {"id": identifier}, hint=hint)
        first = seen.get(identifier)
        if first is None:
            seen[identifier] = (*path, "id")
        else:
            line = self.raw.line_of(first)
            self._add(code, (*path, "id"), {"id": identifier, "first": line or "?"})

    def _situations(self, path: Path, value: object) -> None:
        if not isinstance(value, list):
            return
        for index, item in enumerate(value):
            if isinstance(item, str) and item not in SITUATIONS:
                hint = _did_you_mean(suggest_situation(item)) or Hint(
                    "catalog.hint.situations", {"keys": ", ".join(SITUATIONS)}
                )
                self._add(
                    "catalog.unknown_situation",
                    (*path, "situations", index),
                    {"situation": item},
                    hint=hint,
                )

    def _contact_values(self, path: Path, data: Mapping[str, object]) -> bool:
        """Check phones, e-mail, website, hours, languages; True when there is a way to reach."""
        reachable = False
        phones = data.get("phones")
        if isinstance(phones, list):
            for index, phone in enumerate(phones):
                text = _text(phone)
                if text is None:
                    continue
                outcome = parse_phone(text)
                reachable = True
                if isinstance(outcome, str):
                    self._add(outcome, (*path, "phones", index), {"phone": text})
        email = data.get("email")
        if isinstance(email, str) and email.strip():
            reachable = True
            if not is_valid_email(email.strip()):
                self._add("catalog.bad_email", (*path, "email"), {"email": email})
        website = data.get("website")
        if isinstance(website, str) and website.strip():
            reachable = True
            if not is_valid_url(website.strip()):
                self._add(
                    "catalog.bad_url",
                    (*path, "website"),
                    {"url": website},
                    hint=self._url_hint(website.strip()),
                )
        hours = data.get("hours")
        if isinstance(hours, str):
            parsed = parse_hours(hours)
            if isinstance(parsed, HoursError):
                self._add(
                    "catalog.bad_hours",
                    (*path, "hours"),
                    {"hours": hours, "near": parsed.near},
                    hint=Hint("catalog.hint.hours"),
                )
        languages = data.get("languages")
        if isinstance(languages, list):
            for index, language in enumerate(languages):
                if isinstance(language, str) and language.lower() not in language_codes():
                    hint = _did_you_mean(LANGUAGE_MISTAKES.get(language.lower())) or Hint(
                        "catalog.hint.languages"
                    )
                    self._add(
                        "catalog.bad_language",
                        (*path, "languages", index),
                        {"language": language},
                        hint=hint,
                    )
        return reachable

    def _geo(self, path: Path, geo: object) -> None:
        if isinstance(geo, list) and len(geo) == 2 and all(_is_number(v) for v in geo):
            lat, lon = (float(str(v)) for v in geo)
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                self._add("catalog.bad_geo", (*path, "geo"), {"geo": _shown(geo)})

    def _url_hint(self, website: str) -> Hint | None:
        if "://" not in website and is_valid_url(f"https://{website}"):
            return _did_you_mean(f"https://{website}")
        return None

    def _place(self, path: Path, text: str) -> str | None:
        answer = self._answers.get(text)
        if answer is None:
            answer = self.places.reference(text)
            self._answers[text] = answer
        if answer.code is not None:
            self.place_codes[text] = answer.code
            return answer.code
        if answer.candidates:
            self._add(
                "catalog.ambiguous_place",
                path,
                {"place": text},
                hint=Hint("catalog.hint.qualify_place"),
                places=answer.candidates,
            )
        else:
            hint = _did_you_mean(" / ".join(answer.suggestions[:3]))
            self._add("catalog.unknown_place", path, {"place": text}, hint=hint)
        return None

    # recording

    def _read_hint(self, code: str, params: Params) -> Hint | None:
        if code == "catalog.not_utf8":
            return Hint("catalog.hint.save_utf8")
        if code != "catalog.csv_unknown_column":
            return None
        return _did_you_mean(
            closest(str(params.get("column", "")), (*CSV_COLUMNS, *EXTRA_CSV_COLUMNS))
        )

    def _value_at(self, path: Path) -> object:
        value: object = self.raw.data
        for part in path:
            if isinstance(part, int) and isinstance(value, list) and part < len(value):
                value = value[part]
            elif isinstance(part, str) and isinstance(value, dict):
                value = value.get(part)
            else:
                return None
        return value

    def _add(
        self,
        code: str,
        path: Path,
        params: Params,
        *,
        line: int | None = None,
        hint: Hint | None = None,
        severity: Severity = "error",
        places: tuple[Unit, ...] = (),
    ) -> None:
        institution_id = service_id = None
        if len(path) >= 2 and path[0] == "institutions":
            institution_id = _text(self._value_at((*path[:2], "id")))
            if len(path) >= 4 and path[2] == "services":
                service_id = _text(self._value_at((*path[:4], "id")))
        shown = {
            key: _preview(value) if isinstance(value, str) else value
            for key, value in params.items()
        }
        self.problems.append(
            Problem(
                severity=severity,
                code=code,
                params=shown,
                line=line if line is not None else self.raw.line_of(path) if path else None,
                institution_id=institution_id,
                service_id=service_id,
                field=_field_of(path),
                hint=hint,
                unit="row" if self.raw.kind == "csv" else "line",
                places=places,
            )
        )


def _did_you_mean(suggestion: str | None) -> Hint | None:
    """The hint naming what was probably meant; None when there is no suggestion."""
    return Hint("catalog.hint.did_you_mean", {"suggestion": suggestion}) if suggestion else None


def _field_of(path: Path) -> str | None:
    names = [part for part in path if isinstance(part, str)]
    return names[-1] if names else None


def _text(value: object) -> str | None:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _is_true(value: object) -> bool:
    """`crisis: true` in YAML, or 'true'/'tak'/'1' in a CSV cell."""
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and value.strip().casefold() in {"true", "tak", "yes", "1"}


def _is_number(value: object) -> bool:
    try:
        float(str(value))
    except ValueError:
        return False
    return not isinstance(value, bool)


def _shown(value: object) -> str:
    """A value from the file as an error line shows it: a short preview, never the whole."""
    if isinstance(value, list | tuple):
        text = ", ".join(_preview(str(item)) for item in value[:5])
        return _preview(text + (", …" if len(value) > 5 else ""))
    return _preview(str(value))


def _preview(text: str) -> str:
    """At most SHOWN_CHARS characters of a text, with '…' where it was cut."""
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


def _problem_order(problem: Problem) -> tuple[int, int]:
    return (problem.line or 0, 0 if problem.is_error else 1)
