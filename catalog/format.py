"""The catalogue file, format v1 (see README "Catalogue format"): pydantic models, and reading
and writing it as YAML or CSV.

Reading keeps, for every institution, service, key and list item, the line (YAML) or row (CSV)
it came from, so that validation can say "line 42". The models only check the shape of the
file; what the values mean (places, phones, situations) is checked by `catalog.validation`.

Fields the project adds to format v1 (all optional): in CSV, the columns `catalog_name`,
`catalog_updated`, `sources` and `service_phones`, `service_email`, `service_website`,
`service_hours`, `service_languages` (a service's own contact), so that every YAML catalogue
can be written as CSV and read back unchanged.
"""

from __future__ import annotations

import csv
import gc
import io
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from hashlib import sha256
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

Path = tuple[str | int, ...]  # where a value sits in the document: ("institutions", 0, "id")
FileKind = Literal["yaml", "csv"]


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
    institutions: list[InstitutionDocument] = Field(min_length=1)

    def content_hash(self) -> str:
        """sha256 of a canonical JSON form: equal for equal content, whatever the file form.

        Hashed institution by institution: small steps let other threads (the bot answering
        people during a reload) run in between.
        """
        digest = sha256(_canonical(self.model_dump(mode="json", exclude={"institutions"})))
        for institution in self.institutions:
            digest.update(b"\n" + _canonical(institution.model_dump(mode="json")))
        return digest.hexdigest()

    def to_json(self) -> str:
        """The document as JSON (storage keeps it), written institution by institution."""
        head = self.model_dump_json(exclude={"institutions"})
        parts = ",".join(institution.model_dump_json() for institution in self.institutions)
        return f'{head[:-1]},"institutions":[{parts}]}}'

    @classmethod
    def from_json(cls, text: str) -> CatalogDocument:
        """A document stored by `to_json`, validated institution by institution."""
        data = json.loads(text)
        institutions = [
            InstitutionDocument.model_validate(item) for item in data.pop("institutions")
        ]
        # validated institutions are taken as they are (pydantic does not revalidate instances)
        return cls.model_validate({**data, "institutions": institutions})


def _canonical(data: object) -> bytes:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


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


@dataclass(frozen=True)
class RawDocument:
    """The file as plain data (dicts, lists, scalars), with where each part came from."""

    data: object
    kind: FileKind
    lines: Mapping[Path, int] = field(default_factory=dict)  # CSV: rows by path
    problems: tuple[ReadProblem, ...] = ()
    root: yaml.Node | None = None  # YAML: the node tree, which knows every line

    def line_of(self, path: Sequence[str | int]) -> int | None:
        """The line (or row) of the deepest part of `path` that is known."""
        if self.root is not None:
            return _line_in_tree(self.root, path)
        parts = tuple(path)
        while parts:
            found = self.lines.get(parts)
            if found is not None:
                return found
            parts = parts[:-1]
        return self.lines.get(())


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many small objects at once.

    Reading a 10,000-service catalogue creates about a million objects that all stay alive;
    collections triggered meanwhile find nothing to free and triple the time.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


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
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(data: bytes) -> RawDocument:
    """Parse YAML, keeping the node tree so that every key and list item has its line."""
    text = _decode(data)
    if text is None:
        return RawDocument(None, "yaml", problems=(ReadProblem("catalog.not_utf8"),))
    loader = _SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return RawDocument(None, "yaml", problems=(ReadProblem("catalog.empty_file"),))
        builder = _YamlValues(loader)
        value = builder.value(node, ())
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        detail = str(getattr(error, "problem", None) or error)
        line = mark.line + 1 if mark is not None else None
        problem = ReadProblem("catalog.yaml_syntax", {"detail": detail}, line=line)
        return RawDocument(None, "yaml", problems=(problem,))
    finally:
        loader.dispose()
    return RawDocument(value, "yaml", problems=tuple(builder.problems), root=node)


_STR_TAG = "tag:yaml.org,2002:str"


class _YamlValues:
    """Plain values from YAML nodes, faster than PyYAML's constructor for the common case.

    Strings are taken as they are; other scalars (numbers, booleans, dates) go through PyYAML.
    A node met again through an alias gives the same object, so aliases cannot blow up.
    """

    def __init__(self, loader: yaml.SafeLoader) -> None:
        self.loader = loader
        self.problems: list[ReadProblem] = []
        self._made: dict[int, object] = {}

    def value(self, node: yaml.Node, path: Path) -> object:
        if isinstance(node, yaml.ScalarNode):
            return node.value if node.tag == _STR_TAG else self.loader.construct_object(node)
        made = self._made.get(id(node))
        if made is not None:
            return made
        if isinstance(node, yaml.SequenceNode):
            items: list[object] = []
            self._made[id(node)] = items
            items.extend(self.value(item, (*path, n)) for n, item in enumerate(node.value))
            return items
        mapping: dict[str, object] = {}
        self._made[id(node)] = mapping
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in mapping:
                line = key_node.start_mark.line + 1
                self.problems.append(
                    ReadProblem("catalog.duplicate_key", {"key": key}, line, (*path, key))
                )
                continue
            mapping[key] = self.value(value_node, (*path, key))
        return mapping


def _line_in_tree(root: yaml.Node, path: Sequence[str | int]) -> int:
    """The line of the deepest part of `path` found in the YAML node tree (keys: their line)."""
    node = root
    line = root.start_mark.line + 1
    for part in path:
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            found = next((pair for pair in node.value if str(pair[0].value) == part), None)
            if found is None:
                return line
            line = found[0].start_mark.line + 1
            node = found[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                return line
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


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
}
GEO_COLUMNS = ("lat", "lon")
CATALOG_COLUMNS: Mapping[str, str] = {"catalog_name": "name", "catalog_updated": "updated"}
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
    "service_phones",
    "service_email",
    "service_website",
    "service_hours",
    "service_languages",
    "catalog_name",
    "catalog_updated",
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
            column: cell.strip()
            for column, cell in zip(self.header, row, strict=False)
            if column and cell.strip()
        }
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


def _cell_value(name: str, cell: str) -> object:
    if name in LIST_FIELDS:
        return [part.strip() for part in cell.split(";") if part.strip()]
    if name in {"crisis", "free"}:
        return _BOOLEAN_WORDS.get(cell.casefold(), cell)
    return cell


def _geo_value(cell: str) -> list[str]:
    """'52,1676;22,2901' -> ['52.1676', '22.2901'] (spreadsheets write decimal commas)."""
    return [part.strip().replace(",", ".") for part in cell.split(";")]


def write_csv(document: CatalogDocument, *, delimiter: str = ",") -> str:
    """The document as CSV, one row per service; extra columns only when they are needed."""
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
        writer.writerow({column: row.get(column, "") for column in columns})
    return buffer.getvalue()


def _csv_rows(document: CatalogDocument) -> Iterator[dict[str, str]]:
    catalog = {
        "catalog_name": document.name,
        "catalog_updated": document.updated.isoformat() if document.updated else "",
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
            yield {**catalog, **shared, **own}


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ";".join(str(item) for item in value)
    return str(value)


def _decode(data: bytes) -> str | None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _stem(filename: str) -> str:
    name = re.split(r"[\\/]", filename)[-1]
    return name.rsplit(".", 1)[0] or "catalog"
