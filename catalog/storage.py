"""The catalogue in the database (SQLite by default, PostgreSQL by URL): the only SQLModel user
for the catalogue. A load replaces the whole catalogue in one transaction, so a failure at any
point leaves the previous catalogue serving, unchanged.

The tables hold the catalogue row by row (for counts and for anyone reading the database) and
the document itself as JSON with the resolved area codes, so that a catalogue is rebuilt
exactly as it was validated, without the gazetteer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import Any, Final

from sqlalchemy import (
    Engine,
    ForeignKeyConstraint,
    Table,
    event,
    func,
    inspect,
    text,
)
from sqlalchemy.engine import make_url
from sqlmodel import Field, Session, SQLModel, col, create_engine, select

from catalog.assemble import Layout, build_catalog, catalog_head, institutions_json
from catalog.format import CatalogDocument
from catalog.heap import gc_paused
from catalog.model import Area, Catalog, Institution, Service
from catalog.tables import table_of, take_schema_turn, up_to_date

SQLITE_BUSY_TIMEOUT_MS = 10_000
# PostgreSQL: every catalogue load is announced here with its partnership, at its commit, so
# other processes on the same database serve it too (`bot.group`).
CATALOG_CHANNEL: Final = "drogowskaz_catalog"
INSERT_BATCH = 500  # rows made and inserted (or read) at a time: see `replace_catalog`
LOAD_BATCH = 1_000  # institutions rebuilt at a time: see `load_catalog`


class CatalogMeta(SQLModel, table=True):
    """One row per partnership's catalogue: which catalogue it has loaded.

    A partnership is known by the id its catalogue file gives (`partnership:`); '' is the
    deployment's default partnership (a file without one).
    """

    __tablename__ = "partnership_catalog"

    partnership: str = Field(default="", primary_key=True, max_length=64)
    name: str
    updated: date | None = None
    loaded_at: datetime
    content_hash: str = Field(max_length=64)
    document: str  # the catalogue's own keys as JSON (before catalog_part: the whole document)
    place_codes: str  # JSON {written place reference: TERYT prefix}


class CatalogPart(SQLModel, table=True):
    """One institution of a loaded catalogue's content, as JSON in the file's layout.

    With `CatalogMeta.document` (the catalogue's own keys) it rebuilds the catalogue exactly.
    Kept per institution, so that storing and loading a country-scale catalogue is many small
    steps (one 30 MB text would hold the GIL while it is encoded and copied).
    """

    __tablename__ = "partnership_catalog_part"

    partnership: str = Field(default="", primary_key=True, max_length=64)
    position: int = Field(primary_key=True)
    content: str


class CatalogInstitution(SQLModel, table=True):
    """An institution of a loaded catalogue (ids are unique within its partnership)."""

    __tablename__ = "partnership_institution"

    partnership: str = Field(default="", primary_key=True, max_length=64)
    id: str = Field(primary_key=True)
    position: int
    name: str
    short_name: str | None = None
    address: str | None = None
    place_code: str
    place_written: str
    lat: float | None = None
    lon: float | None = None
    phones: str = "[]"  # JSON list of dial strings
    email: str | None = None
    website: str | None = None
    hours: str | None = None
    languages: str = '["pl"]'


class CatalogService(SQLModel, table=True):
    """A service of a loaded catalogue, with its effective (inherited) contact."""

    __tablename__ = "partnership_service"
    __table_args__ = (
        ForeignKeyConstraint(
            ["partnership", "institution_id"],
            ["partnership_institution.partnership", "partnership_institution.id"],
        ),
    )

    partnership: str = Field(default="", primary_key=True, max_length=64)
    id: str = Field(primary_key=True)
    position: int
    institution_id: str = Field(index=True)
    name: str
    description: str | None = None
    situations: str  # JSON list
    keywords: str = "[]"
    ages_low: int | None = None
    ages_high: int | None = None
    crisis: bool = False
    free: bool = True
    phones: str = "[]"
    email: str | None = None
    website: str | None = None
    hours: str | None = None
    languages: str = '["pl"]'


class CatalogServiceArea(SQLModel, table=True):
    """A place a service serves, as a TERYT prefix ('' for all of Poland)."""

    __tablename__ = "partnership_service_area"
    __table_args__ = (
        ForeignKeyConstraint(
            ["partnership", "service_id"],
            ["partnership_service.partnership", "partnership_service.id"],
        ),
    )

    partnership: str = Field(default="", primary_key=True, max_length=64)
    service_id: str = Field(primary_key=True)
    position: int = Field(primary_key=True)
    code: str = Field(index=True)
    written: str


# parents before children: created in this order, emptied in the reverse
TABLES: tuple[Table, ...] = tuple(
    table_of(model)
    for model in (CatalogMeta, CatalogPart, CatalogInstitution, CatalogService, CatalogServiceArea)
)
# The same tables before partnerships (one catalogue, no partnership column), in TABLES' order.
LEGACY_TABLES: Final = (
    "catalog_meta",
    "catalog_part",
    "catalog_institution",
    "catalog_service",
    "catalog_service_area",
)


@dataclass(frozen=True, slots=True)
class CatalogInfo:
    """What is loaded, for `catalog show` and the admins' /status."""

    partnership: str
    name: str
    updated: date | None
    loaded_at: datetime
    content_hash: str
    institutions: int
    services: int


class Database:
    """The project's database; SQLite file by default, any SQLAlchemy URL works."""

    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        self.url = url
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        if self.is_sqlite and parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        connect_args = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000} if self.is_sqlite else {}
        self.engine: Engine = create_engine(
            url, connect_args=connect_args, pool_pre_ping=not self.is_sqlite
        )
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)

    def create_schema(self) -> None:
        """Create the catalogue's tables when missing (other modules create their own), and
        move a catalogue stored before partnerships into them, as the default partnership's."""
        with self.engine.begin() as connection:
            take_schema_turn(connection)
            for table in TABLES:
                up_to_date(connection, table)
            found = set(inspect(connection).get_table_names())
            if LEGACY_TABLES[0] not in found:
                return
            for legacy, table in zip(LEGACY_TABLES, TABLES, strict=True):
                if legacy in found:
                    columns = ", ".join(c.name for c in table.columns if c.name != "partnership")
                    connection.execute(
                        text(
                            f"INSERT INTO {table.name} (partnership, {columns}) "  # noqa: S608 - constant names
                            f"SELECT '', {columns} FROM {legacy}"
                        )
                    )
            for legacy in reversed(LEGACY_TABLES):
                if legacy in found:
                    connection.execute(text(f"DROP TABLE {legacy}"))

    def replace_catalog(
        self, catalog: Catalog, *, loaded_at: datetime | None = None, layout: Layout | None = None
    ) -> None:
        """Make this the loaded catalogue of its partnership, all or nothing; the other
        partnerships' catalogues stay as they are. `layout`: the catalogue's, when the load
        made it already (its hash was made of it); otherwise it is laid out here.

        Rows are made and inserted a few hundred at a time: a country-scale catalogue's rows
        made at once would be a second copy of it in memory (and a long pause to free them).
        Small batches also keep the event loop running: SQLite lets go of the GIL for each row
        and takes it straight back, and a waiting thread gets it only between batches.
        """
        moment = loaded_at or catalog.loaded_at or datetime.now(UTC)
        partnership = catalog.partnership
        if layout is not None and len(layout.institutions) != len(catalog.institutions):
            raise ValueError("the layout given is not this catalogue's")
        laid_out = (
            layout.institutions
            if layout is not None
            else institutions_json(catalog.institutions, catalog.services)
        )
        with gc_paused(), Session(self.engine) as session, session.begin():
            connection = session.connection()
            for table in reversed(TABLES):
                connection.execute(table.delete().where(table.c.partnership == partnership))
            connection.execute(table_of(CatalogMeta).insert(), [_meta_row(catalog, moment)])
            parts = (
                {"partnership": partnership, "position": n, "content": data.decode()}
                for n, data in enumerate(laid_out)
            )
            institutions = (
                _institution_row(i, n, partnership) for n, i in enumerate(catalog.institutions)
            )
            services = (_service_row(s, n, partnership) for n, s in enumerate(catalog.services))
            areas = (
                {
                    "partnership": partnership,
                    "service_id": s.id,
                    "position": n,
                    "code": a.code,
                    "written": a.written,
                }
                for s in catalog.services
                for n, a in enumerate(s.areas)
            )
            if not self.is_sqlite:
                connection.execute(
                    text("SELECT pg_notify(:channel, :partnership)"),
                    {"channel": CATALOG_CHANNEL, "partnership": partnership},
                )
            for model, rows in (
                (CatalogPart, parts),
                (CatalogInstitution, institutions),
                (CatalogService, services),
                (CatalogServiceArea, areas),
            ):
                while batch := list(islice(rows, INSERT_BATCH)):
                    connection.execute(table_of(model).insert(), batch)

    def partnerships(self) -> dict[str, str]:
        """Each partnership with a loaded catalogue, and that catalogue's content hash (cheap:
        how another process tells that a catalogue changed)."""
        with self.engine.connect() as connection:
            rows = connection.execute(select(CatalogMeta.partnership, CatalogMeta.content_hash))
            return {str(partnership): str(content_hash) for partnership, content_hash in rows}

    def load_catalogs(self) -> list[Catalog]:
        """Every partnership's loaded catalogue, the default partnership's first."""
        loaded = (self.load_catalog(partnership) for partnership in sorted(self.partnerships()))
        return [catalog for catalog in loaded if catalog is not None]

    def load_catalog(self, partnership: str = "") -> Catalog | None:
        """A partnership's loaded catalogue, rebuilt as it was validated; None when it has none.

        Rebuilt `LOAD_BATCH` institutions at a time: the document of a whole country-scale
        catalogue held at once, interleaved in memory with the catalogue built from it, left
        ~180 MB of freed but unreturnable memory behind; a batch's document is small and its
        memory is reused by the next one.
        """
        with gc_paused(), Session(self.engine) as session:
            meta = session.get(CatalogMeta, partnership)
            if meta is None:
                return None
            codes: dict[str, str] = json.loads(meta.place_codes)
            if "institutions" in json.loads(meta.document):  # stored whole, before catalog_part
                whole = CatalogDocument.from_parts(meta.document, ())
                return build_catalog(
                    whole, codes, loaded_at=_aware(meta.loaded_at), content_hash=meta.content_hash
                )
            parts = session.scalars(
                select(CatalogPart.content)
                .where(CatalogPart.partnership == partnership)
                .order_by(col(CatalogPart.position))
                .execution_options(yield_per=INSERT_BATCH)
            )
            institutions: list[Institution] = []
            services: list[Service] = []
            while batch := list(islice(parts, LOAD_BATCH)):
                document = CatalogDocument.from_parts(meta.document, batch)
                part = build_catalog(document, codes, content_hash=meta.content_hash)
                institutions.extend(part.institutions)
                services.extend(part.services)
                del document, part, batch
            _share_places(institutions, services)
            return Catalog(
                name=meta.name,
                services=tuple(services),
                institutions=tuple(institutions),
                content_hash=meta.content_hash,
                updated=meta.updated,
                loaded_at=_aware(meta.loaded_at),
                partnership=partnership,
            )

    def catalog_info(self, partnership: str = "") -> CatalogInfo | None:
        """Name, dates, hash and counts of a partnership's loaded catalogue; None when it has
        none."""
        with Session(self.engine) as session:
            meta = session.get(CatalogMeta, partnership)
            if meta is None:
                return None
            institutions = session.scalar(
                select(func.count())
                .select_from(CatalogInstitution)
                .where(CatalogInstitution.partnership == partnership)
            )
            services = session.scalar(
                select(func.count())
                .select_from(CatalogService)
                .where(CatalogService.partnership == partnership)
            )
            return CatalogInfo(
                partnership=partnership,
                name=meta.name,
                updated=meta.updated,
                loaded_at=_aware(meta.loaded_at),
                content_hash=meta.content_hash,
                institutions=institutions or 0,
                services=services or 0,
            )

    def dispose(self) -> None:
        """Close the connections (tests, and the end of a command)."""
        self.engine.dispose()


def _sqlite_pragmas(connection: Any, _record: object) -> None:
    """WAL lets the bot read while a reload writes; the busy timeout waits out short locks.

    With WAL, `synchronous=NORMAL` still never corrupts the database; a power cut may lose only
    the last commits, which is why it saves one disk flush per conversation step.
    """
    cursor = connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def _share_places(institutions: list[Institution], services: list[Service]) -> None:
    """One object for each place and list of places across the batches of a load.

    Each batch shares its own; a country-scale catalogue (~55 batches) would otherwise hold
    ~50,000 equal copies (~7 MB). The objects were just built here and nobody else has
    seen them, so the frozen fields are set in place rather than every service rebuilt.
    """
    places: dict[Area, Area] = {}
    lists: dict[tuple[Area, ...], tuple[Area, ...]] = {}
    for institution in institutions:
        object.__setattr__(
            institution, "place", places.setdefault(institution.place, institution.place)
        )
    for service in services:
        areas = lists.get(service.areas)
        if areas is None:
            areas = tuple(places.setdefault(area, area) for area in service.areas)
            lists[areas] = areas
        object.__setattr__(service, "areas", areas)


def _meta_row(catalog: Catalog, loaded_at: datetime) -> dict[str, object]:
    codes = {i.place.written: i.place.code for i in catalog.institutions}
    codes.update({a.written: a.code for s in catalog.services for a in s.areas})
    head = catalog_head(catalog.name, catalog.updated, catalog.partnership)
    return {
        "partnership": catalog.partnership,
        "name": catalog.name,
        "updated": catalog.updated,
        "loaded_at": loaded_at.astimezone(UTC),
        "content_hash": catalog.content_hash,
        "document": json.dumps(head, ensure_ascii=False),
        "place_codes": json.dumps(codes, ensure_ascii=False, sort_keys=True),
    }


def _institution_row(institution: Any, position: int, partnership: str) -> dict[str, object]:
    geo = institution.geo
    return {
        "partnership": partnership,
        "id": institution.id,
        "position": position,
        "name": institution.name,
        "short_name": institution.short_name,
        "address": institution.address,
        "place_code": institution.place.code,
        "place_written": institution.place.written,
        "lat": geo[0] if geo else None,
        "lon": geo[1] if geo else None,
        **_contact_columns(institution.contact),
    }


def _service_row(service: Service, position: int, partnership: str) -> dict[str, object]:
    return {
        "partnership": partnership,
        "id": service.id,
        "position": position,
        "institution_id": service.institution.id,
        "name": service.name,
        "description": service.description,
        "situations": _json(service.situations),
        "keywords": _json(service.keywords),
        "ages_low": service.ages.low,
        "ages_high": service.ages.high,
        "crisis": service.crisis,
        "free": service.free,
        **_contact_columns(service.contact),
    }


def _contact_columns(contact: Any) -> dict[str, object]:
    return {
        "phones": _json(tuple(phone.dial for phone in contact.phones)),
        "email": contact.email,
        "website": contact.website,
        "hours": contact.hours,
        "languages": _json(contact.languages),
    }


_JSON = json.JSONEncoder(ensure_ascii=False)  # one encoder: json.dumps makes one per call


@lru_cache(maxsize=4096)
def _json(values: tuple[str, ...]) -> str:
    """A JSON list; the same few situation and language lists come again and again."""
    return _JSON.encode(list(values))


def _aware(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes: they were stored in UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
