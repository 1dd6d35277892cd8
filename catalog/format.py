"""The catalogue file, format v1 (see README "Catalogue format"): pydantic models, and reading
and writing it as YAML or CSV.

Reading keeps, for every institution, service, key and list item, the line (YAML) or row (CSV)
it came from, so that validation can say "line 42". The models only check the shape of the
file; what the values mean (places, phones, situations) is checked by `catalog.validation`.

A catalogue's content goes back into the file's layout in `catalog.assemble`; what reading
big files needs so that the bot keeps answering meanwhile is in `catalog.heap`.

Fields the project adds to format v1 (all optional): in CSV, the columns `catalog_name`,
`catalog_updated`, `sources`, `service_confidential` and `service_phones`, `service_email`,
`service_website`, `service_hours`, `service_languages` (a service's own contact), so that
every YAML catalogue can be written as CSV and read back unchanged.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from hashlib import sha256
from typing import Annotated, Any, Final, Literal

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator
from yaml.composer import ComposerError

from catalog.heap import gc_paused

Path = tuple[str | int, ...]  # where a value sits in the document: ("institutions", 0, "id")
FileKind = Literal["yaml", "csv", "hsds"]


def _number_to_text(value: object) -> object:
    """`phones: [112]` and `ages: 18-` come out of YAML as numbers or text: accept both."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


Text = Annotated[str, BeforeValidator(_number_to_text)]


class _Document(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class ServiceDocument(_Document):
    """One service as the file writes it."""

    id: Text = Field(min_length=1)
    name: Text = Field(min_length=1)
    description: str | None = None
    situations: list[str] = Field(min_length=1)
    keywords: list[Text] = Field(default_factory=list)
    ages: Text | None = None
    area: list[Text] | None = None
    crisis: bool = False
    free: bool = True
    checked: date | None = None  # when the data was last confirmed (overrides the institution's)
    confidential: bool = False  # never show the institution's address, geo or a map link
    phones: list[Text] | None = None
    email: str | None = None
    website: str | None = None
    hours: str | None = None
    languages: list[str] | None = None

    @field_validator("area", "phones", "languages", mode="after")
    @classmethod
    def _empty_means_inherited(cls, value: list[str] | None) -> list[str] | None:
        """`area: []` reads as "not given": the default applies, as for a missing key."""
        return value or None


class InstitutionDocument(_Document):
    """One institution and its services as the file writes them."""

    id: Text = Field(min_length=1)
    name: Text = Field(min_length=1)
    short_name: Text | None = None
    address: str | None = None
    place: Text = Field(min_length=1)
    geo: tuple[float, float] | None = None
    phones: list[Text] = Field(default_factory=list)
    email: str | None = None
    website: str | None = None
    hours: str | None = None
    languages: list[str] | None = None
    sources: list[str] = Field(default_factory=list)
    checked: date | None = None  # when the data was last confirmed
    confidential: bool = False  # a shelter: never show its address, geo or a map link
    services: list[ServiceDocument] = Field(min_length=1)

    @field_validator("languages", mode="after")
    @classmethod
    def _empty_means_default(cls, value: list[str] | None) -> list[str] | None:
        """`languages: []` reads as "not given" (the default, Polish)."""
        return value or None


class CatalogDocument(_Document):
    """A whole catalogue file, format v1."""

    version: Literal[1]
    name: Text = Field(min_length=1)
    updated: date | None = None
    partnership: Text | None = None  # whose catalogue; None: the deployment's default one
    institutions: list[InstitutionDocument] = Field(min_length=1)

    def content_hash(self) -> str:
        """sha256 of a canonical JSON form: equal for equal content, whatever the file form.

        Hashed institution by institution: small steps let other threads (the bot answering
        people during a reload) run in between.
        """
        own = self.model_dump(mode="json", exclude={"institutions"}, exclude_none=True)
        digest = sha256(canonical_json(own))
        for institution in self.institutions:
            digest.update(b"\n" + canonical_json(institution.model_dump(mode="json")))
        return digest.hexdigest()

    @classmethod
    def from_json(cls, text: str) -> CatalogDocument:
        """A document from its JSON (`catalog_json`), validated institution by institution."""
        return cls.from_parts(text, ())

    @classmethod
    def from_parts(cls, head: str, institutions: Iterable[str]) -> CatalogDocument:
        """A document from the JSON of its own keys and of each institution, one at a time.

        `head` may hold the institutions itself (a whole document); then `institutions` adds
        nothing.
        """
        data = json.loads(head)
        found = data.pop("institutions", None)
        items = found if isinstance(found, list) else map(json.loads, institutions)
        validated = [InstitutionDocument.model_validate(item) for item in items]
        # validated institutions are taken as they are (pydantic does not revalidate instances)
        return cls.model_validate({**data, "institutions": validated})


# one encoder: json.dumps makes one per call when given options
_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def canonical_json(data: object) -> bytes:
    """Data as JSON with sorted keys and no spaces: the same data always gives the same bytes."""
    return _CANONICAL.encode(data).encode()


MODEL_KEYS: Mapping[str, tuple[str, ...]] = {
    "catalog": tuple(CatalogDocument.model_fields),
    "institution": tuple(InstitutionDocument.model_fields),
    "service": tuple(ServiceDocument.model_fields),
}


def level_of(path: Path) -> str:
    """Which model a key at this path belongs to: 'catalog', 'institution' or 'service'."""
    depth = len([part for part in path if isinstance(part, int)])
    return ("catalog", "institution", "service")[min(depth, 2)]


@dataclass(frozen=True, slots=True)
class ReadProblem:
    """Something wrong with the file itself (syntax, columns), found while reading it."""

    code: str
    params: Mapping[str, str | int] = field(default_factory=dict)
    line: int | None = None
    path: Path = ()
    hint: tuple[str, Mapping[str, str | int]] | None = None
    severity: Literal["error", "warning"] = "error"


@dataclass(frozen=True)
class RawDocument:
    """The file as plain data (dicts, lists, scalars), with where each part came from."""

    data: object
    kind: FileKind
    lines: Mapping[Path, int] = field(default_factory=dict)  # CSV: rows by path
    problems: tuple[ReadProblem, ...] = ()
    yaml_lines: YamlLines | None = None  # YAML: the line of every key and list item

    def parts(self) -> list[object]:
        """The file's institutions and their lines, to free them in pieces."""
        parts: list[object] = []
        if isinstance(self.data, dict) and isinstance(self.data.get("institutions"), list):
            parts.extend(self.data["institutions"])
        if self.yaml_lines is not None:
            parts.extend(self.yaml_lines.of.values())
        return parts

    def line_of(self, path: Sequence[str | int]) -> int | None:
        """The line (or row) of the deepest part of `path` that is known."""
        if self.yaml_lines is not None:
            return self.yaml_lines.line_of(self.data, path)
        parts = tuple(path)
        while parts:
            found = self.lines.get(parts)
            if found is not None:
                return found
            parts = parts[:-1]
        return self.lines.get(())


@dataclass(frozen=True, slots=True)
class YamlLines:
    """Where a YAML file's parts are: the lines of each mapping's keys and each list's items.

    Kept beside the data, by container (in the order of its keys or items), instead of
    PyYAML's node tree, which costs five times the data itself.
    """

    root: int  # the line the document starts on
    of: Mapping[int, array[int]]  # id(dict or list) -> lines of its keys or items

    def line_of(self, data: object, path: Sequence[str | int]) -> int:
        """The line of the deepest part of `path` found in `data` (of a key: its own line)."""
        value, line = data, self.root
        for part in path:
            lines = self.of.get(id(value))
            if lines is None:
                return line
            if isinstance(value, dict) and isinstance(part, str) and part in value:
                line = lines[list(value).index(part)]
                value = value[part]
            elif isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value):
                line = lines[part]
                value = value[part]
            else:
                return line
        return line


def file_kind(filename: str, data: bytes) -> FileKind:
    """YAML unless the name ends in .csv (or, without a name, the text looks like a header)."""
    name = filename.lower()
    if name.endswith(".csv"):
        return "csv"
    if name.endswith((".yaml", ".yml")):
        return "yaml"
    first = data.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0]
    return "csv" if b"institution_id" in first and b":" not in first else "yaml"


def read_document(data: bytes, *, filename: str) -> RawDocument:
    """Read a catalogue file as YAML or CSV, whichever its name (or content) says."""
    if file_kind(filename, data) == "csv":
        return read_csv(data, filename=filename)
    return read_yaml(data)


# --- YAML ---------------------------------------------------------------------------------

# libyaml's parser when installed (ten times faster on big catalogues), else pure Python.
_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR_TAG = "tag:yaml.org,2002:str"


class _SafeLoader(_BaseLoader):  # type: ignore[valid-type,misc]
    """The safe loader, with PyYAML's tag resolution cut short where its answer is known.

    The parser asks for the tag of every node; almost all catalogue values are text that no
    implicit type (number, date, boolean, null) can start with, and no path resolvers exist.
    """

    def descend_resolver(self, current_node: object, current_index: object) -> None:
        if self.yaml_path_resolvers:
            super().descend_resolver(current_node, current_index)

    def ascend_resolver(self) -> None:
        if self.yaml_path_resolvers:
            super().ascend_resolver()

    def resolve(self, kind: type[yaml.Node], value: Any, implicit: Any) -> str:
        if (
            kind is yaml.ScalarNode
            and not self.yaml_path_resolvers
            and None not in self.yaml_implicit_resolvers
            and not (implicit[0] and value[:1] in self.yaml_implicit_resolvers)
        ):
            return _STR_TAG
        tag: str = super().resolve(kind, value, implicit)
        return tag


def read_yaml(data: bytes) -> RawDocument:
    """Parse YAML, keeping the line of every key and list item."""
    with gc_paused():
        return _read_yaml(data)


def _read_yaml(data: bytes) -> RawDocument:
    if not _is_utf8(data):
        return RawDocument(None, "yaml", problems=(ReadProblem("catalog.not_utf8"),))
    # libyaml reads the bytes itself (BOM, CR LF): a text made of them first would be two
    # passes over the whole file in C, each holding the GIL (a tenth of a second at 30 MB).
    loader = _SafeLoader(data)
    reader = _YamlReader(loader)
    try:
        found = reader.read()
    except AnchorRefused as refused:
        problem = ReadProblem("catalog.yaml_anchor", {"anchor": refused.anchor}, line=refused.line)
        return RawDocument(None, "yaml", problems=(problem,))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        detail = str(getattr(error, "problem", None) or error)
        line = mark.line + 1 if mark is not None else None
        problem = ReadProblem("catalog.yaml_syntax", {"detail": detail}, line=line)
        return RawDocument(None, "yaml", problems=(problem,))
    finally:
        loader.dispose()
    if found is None:
        return RawDocument(None, "yaml", problems=(ReadProblem("catalog.empty_file"),))
    value, line = found
    lines = YamlLines(root=line, of=reader.lines)
    return RawDocument(value, "yaml", problems=tuple(reader.problems), yaml_lines=lines)


_NO_KEY: Final = object()


class AnchorRefused(yaml.YAMLError):
    """The file uses a YAML anchor (`&a`) or alias (`*a`): a catalogue has no use for them.

    Aliases repeat a value without repeating its bytes: nested nine deep, 580 bytes stand for
    a billion keywords that every later step (validation, error lines) would walk. Refusing
    them keeps the work proportional to the file's size.
    """

    def __init__(self, anchor: str, line: int) -> None:
        super().__init__(f"YAML anchor or alias {anchor!r} on line {line}")
        self.anchor = anchor
        self.line = line


@dataclass(slots=True)
class _Open:
    """A mapping or list being read, and for a mapping the key whose value comes next."""

    container: dict[str, object] | list[object]
    line: int
    key: object = _NO_KEY
    key_line: int = 0

    @property
    def is_list(self) -> bool:
        """True for a list (its values come without keys)."""
        return isinstance(self.container, list)


class _YamlReader:
    """Plain values and their lines straight from the parser's events, one event at a time.

    Faster and five times smaller than PyYAML's node tree, and back in Python between events,
    so that other threads (the bot) run while a big file is read. Strings are taken as they
    are; other scalars (numbers, booleans, dates) go through PyYAML's constructor. Anchors and
    aliases are refused (`AnchorRefused`). Other errors are PyYAML's own.
    """

    def __init__(self, loader: Any) -> None:  # PyYAML's event and mark API is not typed
        self.loader = loader
        self.problems: list[ReadProblem] = []
        self.lines: dict[int, array[int]] = {}

    def read(self) -> tuple[object, int] | None:
        """The single document's value and first line; None when the file holds none."""
        loader = self.loader
        loader.get_event()  # stream start
        if loader.check_event(yaml.StreamEndEvent):
            return None
        loader.get_event()  # document start
        start = loader.peek_event().start_mark
        found = self._value()
        loader.get_event()  # document end
        if not loader.check_event(yaml.StreamEndEvent):
            raise ComposerError(
                "expected a single document in the stream",
                start,
                "but found another document",
                loader.get_event().start_mark,
            )
        return found

    def _value(self) -> tuple[object, int]:
        get_event = self.loader.get_event
        lines = self.lines
        stack: list[_Open] = []
        while True:
            event = get_event()
            kind = type(event)
            if getattr(event, "anchor", None) is not None:  # `&a` on a value, or `*a`
                raise AnchorRefused(str(event.anchor), event.start_mark.line + 1)
            raw: str | None = None
            if kind is yaml.ScalarEvent:
                line, raw = event.start_mark.line + 1, event.value
                is_key = bool(stack) and stack[-1].key is _NO_KEY and not stack[-1].is_list
                # a key is taken as written ('<<', '1', 'yes' stay text, as in the node tree)
                value = raw if is_key else self._scalar(event)
            elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                container: dict[str, object] | list[object] = (
                    {} if kind is yaml.MappingStartEvent else []
                )
                line = event.start_mark.line + 1
                lines[id(container)] = array("I")
                stack.append(_Open(container, line))
                continue
            else:  # the end of a mapping or list
                done = stack.pop()
                value, line = done.container, done.line
            if not stack:
                return value, line
            self._add(stack, value, line, raw)

    def _add(self, stack: list[_Open], value: object, line: int, raw: str | None) -> None:
        """Put a value read into the mapping or list being read (a mapping's key first)."""
        top = stack[-1]
        container = top.container
        if isinstance(container, list):
            container.append(value)
            self.lines[id(container)].append(line)
        elif top.key is _NO_KEY:
            top.key = raw if raw is not None else str(value)
            top.key_line = line
        else:
            key = str(top.key)
            top.key = _NO_KEY
            if key in container:
                path = (*_path_of(stack[:-1]), key)
                self.problems.append(
                    ReadProblem("catalog.duplicate_key", {"key": key}, top.key_line, path)
                )
            else:
                container[key] = value
                self.lines[id(container)].append(top.key_line)

    def _scalar(self, event: Any) -> object:
        tag = event.tag
        if tag is None or tag == "!":
            tag = self.loader.resolve(yaml.ScalarNode, event.value, event.implicit)
        if tag == _STR_TAG:
            return event.value
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        value = self.loader.construct_object(node)
        self.loader.constructed_objects.pop(node, None)  # PyYAML keeps them all otherwise
        return value


def _path_of(stack: Sequence[_Open]) -> Path:
    """Where the value being read sits: each open container's key or next index."""
    return tuple(
        len(frame.container) if isinstance(frame.container, list) else str(frame.key)
        for frame in stack
    )


def write_yaml(document: CatalogDocument, *, header: str = "") -> str:
    """The document as YAML in the file's own layout (defaults left out)."""
    data = document.model_dump(mode="python", exclude_defaults=True)
    data = {"version": document.version, **data}
    for institution in data.get("institutions", []):
        if "geo" in institution:
            institution["geo"] = list(institution["geo"])
    body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=99)
    comments = "".join(f"# {line}\n".replace("# \n", "#\n") for line in header.splitlines())
    return comments + body


# --- CSV ----------------------------------------------------------------------------------

INSTITUTION_COLUMNS: Mapping[str, str] = {
    "institution_id": "id",
    "institution_name": "name",
    "short_name": "short_name",
    "address": "address",
    "place": "place",
    "phones": "phones",
    "email": "email",
    "website": "website",
    "hours": "hours",
    "languages": "languages",
    "sources": "sources",
    "checked": "checked",
    "confidential": "confidential",
}
SERVICE_COLUMNS: Mapping[str, str] = {
    "service_id": "id",
    "service_name": "name",
    "description": "description",
    "situations": "situations",
    "keywords": "keywords",
    "ages": "ages",
    "area": "area",
    "crisis": "crisis",
    "free": "free",
    "service_phones": "phones",
    "service_email": "email",
    "service_website": "website",
    "service_hours": "hours",
    "service_languages": "languages",
    "service_checked": "checked",
    "service_confidential": "confidential",
}
CATALOG_COLUMNS: Mapping[str, str] = {
    "catalog_name": "name",
    "catalog_updated": "updated",
    "catalog_partnership": "partnership",
}
CSV_COLUMNS: tuple[str, ...] = (
    "institution_id",
    "institution_name",
    "short_name",
    "address",
    "place",
    "lat",
    "lon",
    "phones",
    "email",
    "website",
    "hours",
    "languages",
    "service_id",
    "service_name",
    "description",
    "situations",
    "keywords",
    "ages",
    "area",
    "crisis",
    "free",
)
EXTRA_CSV_COLUMNS: tuple[str, ...] = (
    "sources",
    "checked",
    "confidential",
    "service_checked",
    "service_confidential",
    "service_phones",
    "service_email",
    "service_website",
    "service_hours",
    "service_languages",
    "catalog_name",
    "catalog_updated",
    "catalog_partnership",
)
REQUIRED_CSV_COLUMNS = (
    "institution_id",
    "institution_name",
    "place",
    "service_id",
    "service_name",
    "situations",
)
LIST_FIELDS = frozenset({"phones", "languages", "situations", "keywords", "area", "sources"})
_BOOLEAN_FIELDS = frozenset({"crisis", "free", "confidential"})
_BOOLEAN_WORDS: Mapping[str, bool] = {"tak": True, "nie": False, "prawda": True, "fałsz": False}


def read_csv(data: bytes, *, filename: str) -> RawDocument:
    """Parse the CSV form (one row per service) into the same shape as a YAML file.

    Rows are numbered as a spreadsheet shows them: the header is row 1.
    """
    text = _decode(data)
    if text is None:
        return RawDocument(None, "csv", problems=(ReadProblem("catalog.not_utf8"),))
    header_line = text.split("\n", 1)[0]
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as error:
        problem = ReadProblem("catalog.csv_syntax", {"detail": str(error)})
        return RawDocument(None, "csv", problems=(problem,))
    if not rows:
        return RawDocument(None, "csv", problems=(ReadProblem("catalog.empty_file"),))
    header = [cell.strip().lower() for cell in rows[0]]
    reader = _CsvReader(header, stem=_stem(filename))
    for number, row in enumerate(rows[1:], start=2):
        if any(cell.strip() for cell in row):
            reader.add_row(number, row)
    return reader.document()


class _CsvReader:
    """Groups service rows into institutions, checking that repeated columns agree."""

    def __init__(self, header: list[str], *, stem: str) -> None:
        self.header = header
        self.stem = stem
        self.problems: list[ReadProblem] = []
        self.lines: dict[Path, int] = {(): 1}
        self.institutions: dict[str, dict[str, Any]] = {}
        self.positions: dict[str, int] = {}
        self.first_values: dict[tuple[str, str], tuple[str, int]] = {}
        self.catalog: dict[str, tuple[str, int]] = {}
        known = set(CSV_COLUMNS) | set(EXTRA_CSV_COLUMNS)
        for column in header:
            if column and column not in known:
                self.problems.append(
                    ReadProblem(
                        "catalog.csv_unknown_column", {"column": column}, line=1, path=(column,)
                    )
                )
        for column in REQUIRED_CSV_COLUMNS:
            if column not in header:
                self.problems.append(
                    ReadProblem("catalog.csv_missing_column", {"column": column}, line=1)
                )
        self.usable = not any(
            problem.code == "catalog.csv_missing_column" for problem in self.problems
        )

    def add_row(self, number: int, row: list[str]) -> None:
        if not self.usable:
            return
        cells = {
            column: _unescaped(cell.strip())
            for column, cell in zip(self.header, row, strict=False)
            if column and cell.strip()
        }
        for column, cell in zip(self.header, row, strict=False):
            if column and looks_like_formula(cell):
                self.problems.append(
                    ReadProblem(
                        "catalog.csv_formula",
                        {"column": column, "value": cell.strip()},
                        line=number,
                        severity="warning",
                    )
                )
        key = cells.get("institution_id", f"\0row{number}")
        institution = self.institutions.get(key)
        if institution is None:
            self.positions[key] = len(self.institutions)
            institution = {"services": []}
            self.institutions[key] = institution
            self.lines[("institutions", self.positions[key])] = number
        path: Path = ("institutions", self.positions[key])
        for column, name in INSTITUTION_COLUMNS.items():
            if column in cells:
                self._institution_value(
                    institution, path, key, column, name, cells[column], number
                )
        if "lat" in cells or "lon" in cells:
            geo = f"{cells.get('lat', '')};{cells.get('lon', '')}"
            self._institution_value(institution, path, key, "lat", "geo", geo, number)
        for column, name in CATALOG_COLUMNS.items():
            if column in cells:
                self._catalog_value(column, name, cells[column], number)
        service: dict[str, Any] = {}
        service_path: Path = (*path, "services", len(institution["services"]))
        self.lines[service_path] = number
        for column, name in SERVICE_COLUMNS.items():
            if column in cells:
                service[name] = _cell_value(name, cells[column])
                self.lines[(*service_path, name)] = number
        institution["services"].append(service)

    def _institution_value(
        self,
        institution: dict[str, Any],
        path: Path,
        key: str,
        column: str,
        name: str,
        cell: str,
        number: int,
    ) -> None:
        first = self.first_values.get((key, column))
        if first is None:
            self.first_values[(key, column)] = (cell, number)
            institution[name] = _geo_value(cell) if name == "geo" else _cell_value(name, cell)
            self.lines[(*path, name)] = number
        elif first[0] != cell:
            column_name = "lat, lon" if name == "geo" else column
            self.problems.append(
                ReadProblem(
                    "catalog.csv_disagree",
                    {"column": column_name, "value": cell, "first": first[0], "row": first[1]},
                    line=number,
                    path=(*path, name),
                )
            )

    def _catalog_value(self, column: str, name: str, cell: str, number: int) -> None:
        first = self.catalog.get(name)
        if first is None:
            self.catalog[name] = (cell, number)
            self.lines[(name,)] = number
        elif first[0] != cell:
            self.problems.append(
                ReadProblem(
                    "catalog.csv_disagree",
                    {"column": column, "value": cell, "first": first[0], "row": first[1]},
                    line=number,
                    path=(name,),
                )
            )

    def document(self) -> RawDocument:
        if not self.usable:
            return RawDocument(None, "csv", self.lines, tuple(self.problems))
        data: dict[str, Any] = {"version": 1, "name": self.stem}
        data.update({name: value for name, (value, _) in self.catalog.items()})
        data["institutions"] = list(self.institutions.values())
        return RawDocument(data, "csv", self.lines, tuple(self.problems))


# What a spreadsheet runs as a formula when a cell starts with it (OWASP, "CSV Injection").
FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
_NUMBER_LIKE = re.compile(r"[+-][\d\s()./-]*")  # '+48 25 600 00 01', '-17', '-12.5': data


def spreadsheet_safe(cell: str) -> str:
    """A cell as written to CSV: one starting like a formula gets a leading apostrophe, which
    spreadsheets read as "this is text" (OWASP's advice); reading our CSV takes it off again.
    A text that itself starts with apostrophes before a formula start ("'=") gets one more, so
    that it too reads back as written."""
    return "'" + cell if _needs_apostrophe(cell) else cell


def _needs_apostrophe(cell: str) -> bool:
    return cell.lstrip("'").startswith(FORMULA_STARTS)


def _unescaped(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and _needs_apostrophe(cell[1:]) else cell


def looks_like_formula(cell: str) -> bool:
    """True for a cell a spreadsheet would run ('=HYPERLINK(…)', '@cmd', '+SUM(…)'), not for a
    phone number or an age range; an apostrophe in front (our own export) makes it text."""
    if cell.startswith(("\t", "\r")):
        return True
    text = cell.strip()
    if text.startswith(("=", "@")):
        return True
    return text.startswith(("+", "-")) and not _NUMBER_LIKE.fullmatch(text)


def _cell_value(name: str, cell: str) -> object:
    if name in LIST_FIELDS:
        return [part.strip() for part in cell.split(";") if part.strip()]
    if name in _BOOLEAN_FIELDS:
        return _BOOLEAN_WORDS.get(cell.casefold(), cell)
    return cell


def _geo_value(cell: str) -> list[str]:
    """'52,1676;22,2901' -> ['52.1676', '22.2901'] (spreadsheets write decimal commas)."""
    return [part.strip().replace(",", ".") for part in cell.split(";")]


def write_csv(document: CatalogDocument, *, delimiter: str = ",") -> str:
    """The document as CSV, one row per service; extra columns only when they are needed.

    Cells that a spreadsheet would run as formulas are neutralised (`spreadsheet_safe`).
    """
    rows = list(_csv_rows(document))
    used_extras = [
        column
        for column in EXTRA_CSV_COLUMNS
        if column in {"catalog_name", "catalog_updated"} or any(row.get(column) for row in rows)
    ]
    columns = [*CSV_COLUMNS, *used_extras]
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=columns, delimiter=delimiter, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({column: spreadsheet_safe(row.get(column, "")) for column in columns})
    return buffer.getvalue()


def _csv_rows(document: CatalogDocument) -> Iterator[dict[str, str]]:
    catalog = {
        "catalog_name": document.name,
        "catalog_updated": document.updated.isoformat() if document.updated else "",
        "catalog_partnership": document.partnership or "",
    }
    for institution in document.institutions:
        shared = {
            column: _cell_text(getattr(institution, name))
            for column, name in INSTITUTION_COLUMNS.items()
        }
        if institution.geo is not None:
            shared["lat"], shared["lon"] = (repr(value) for value in institution.geo)
        for service in institution.services:
            own = {
                column: _cell_text(getattr(service, name))
                for column, name in SERVICE_COLUMNS.items()
            }
            own["crisis"] = "true" if service.crisis else "false"
            own["free"] = "true" if service.free else "false"
            shared["confidential"] = "true" if institution.confidential else ""
            own["service_confidential"] = "true" if service.confidential else ""
            yield {**catalog, **shared, **own}


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ";".join(str(item) for item in value)
    return str(value)


DECODE_STEP = 1 << 20  # bytes checked at a time by `_is_utf8`


def _is_utf8(data: bytes) -> bool:
    """True when the bytes are UTF-8 (a BOM allowed), checked a megabyte at a time."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    try:
        for start in range(0, len(data), DECODE_STEP):
            decoder.decode(view[start : start + DECODE_STEP])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _decode(data: bytes) -> str | None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _stem(filename: str) -> str:
    name = re.split(r"[\\/]", filename)[-1]
    return name.rsplit(".", 1)[0] or "catalog"
