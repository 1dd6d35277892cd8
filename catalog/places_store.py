"""Where places are kept: the imported tables (`place_*`), the bundled file of every place in
Poland, and the built index kept on disk so a start opens it instead of building it.

`catalog.places` is the gazetteer itself, in memory; this module reads and writes what it is
built from (catalog.places_import fills the tables).
"""

from __future__ import annotations

import hashlib
import json
import logging
import lzma
import os
import pickle
import sys
from collections.abc import Iterable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from platformdirs import user_cache_dir
from sqlalchemy import Engine, func, select
from sqlmodel import Field, SQLModel

from catalog.heap import gc_paused  # no collections while the index is built or read
from catalog.places import (
    ExonymRecord,
    Gazetteer,
    LocalityRecord,
    PlaceData,
    PointRecord,
    PostalRecord,
    UnitRecord,
)
from catalog.tables import bring_up_to_date, table_of

_LOG = logging.getLogger(__name__)

BUILTIN_PACKAGE = "catalog"
# Every place in Poland, derived by catalog.places_import from TERC, SIMC and GeoNames
# (`drogowskaz places build-bundle`): JSON, xz-compressed.
BUILTIN_FILE = "data/places/poland.json.xz"
BUNDLE_ATTRIBUTION = (
    "Places of Drogowskaz: every województwo, powiat, gmina and locality of Poland. "
    "Źródło: GUS, TERYT (TERC, SIMC). "
    "Postal codes, coordinates and towns' names in other languages: GeoNames (geonames.org), "
    "CC BY 4.0."
)
INDEX_FILE = "places-index.pickle"  # the built index kept beside the data


class PlaceUnitRow(SQLModel, table=True):
    """A TERC row kept: województwo (2 digits), powiat (4) or gmina (7, types 1-3)."""

    __tablename__ = "place_unit"

    teryt: str = Field(primary_key=True, max_length=7)
    name: str
    kind: str


class PlaceLocalityRow(SQLModel, table=True):
    """A SIMC locality (a town or village, not a part of one) and its gmina (6 digits)."""

    __tablename__ = "place_locality"

    sym: str = Field(primary_key=True, max_length=7)
    name: str
    gmina: str = Field(index=True, max_length=6)
    rm: str = Field(max_length=2)  # SIMC type: 96 town, 01 village, 95 district of Warsaw...


class PlacePostalRow(SQLModel, table=True):
    """A postal code (PNA, '08-110') and one gmina it serves."""

    __tablename__ = "place_postal"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(index=True, max_length=6)
    gmina: str = Field(max_length=6)


class PlacePointRow(SQLModel, table=True):
    """A place with coordinates (GeoNames) and its gmina, for resolving location pins."""

    __tablename__ = "place_point"

    id: int | None = Field(default=None, primary_key=True)
    lat: float
    lon: float
    gmina: str = Field(max_length=6)
    name: str


class PlaceExonymRow(SQLModel, table=True):
    """A name of a gmina's town in another language ('Warsaw', 'Білосток'), from GeoNames."""

    __tablename__ = "place_exonym"

    id: int | None = Field(default=None, primary_key=True)
    name: str
    gmina: str = Field(max_length=6)


class PlaceImportRow(SQLModel, table=True):
    """What the last import read: file names, data dates, counts (shown by the CLI)."""

    __tablename__ = "place_import"

    key: str = Field(primary_key=True)
    value: str


PLACE_TABLES = tuple(
    table_of(model)
    for model in (
        PlaceUnitRow,
        PlaceLocalityRow,
        PlacePostalRow,
        PlacePointRow,
        PlaceExonymRow,
        PlaceImportRow,
    )
)


# --- plain records (the importer's output, the built-in file, the tables) -------------------


def data_from_json(document: dict[str, Any]) -> PlaceData:
    """Place data from the bundled file's JSON (see `bundle_document`)."""
    return PlaceData(
        units=tuple(UnitRecord(*row) for row in document["units"]),
        localities=tuple(LocalityRecord(*row) for row in document["localities"]),
        postal=tuple(PostalRecord(*row) for row in document["postal"]),
        points=tuple(PointRecord(*row) for row in document["points"]),
        exonyms=tuple(
            ExonymRecord(name, gmina)
            for gmina, names in document.get("exonyms", {}).items()
            for name in names
        ),
        info=tuple((str(key), str(value)) for key, value in document.get("info", {}).items()),
    )


def data_from_engine(engine: Engine) -> PlaceData:
    """Place data from the tables (plain SQL rows: the ORM would double the load time)."""
    with engine.connect() as connection:
        units = tuple(
            UnitRecord(*row)
            for row in connection.execute(
                select(PlaceUnitRow.teryt, PlaceUnitRow.name, PlaceUnitRow.kind)  # type: ignore[call-overload]
            )
        )
        localities = tuple(
            LocalityRecord(*row)
            for row in connection.execute(
                select(  # type: ignore[call-overload]
                    PlaceLocalityRow.sym,
                    PlaceLocalityRow.name,
                    PlaceLocalityRow.gmina,
                    PlaceLocalityRow.rm,
                )
            )
        )
        postal = tuple(
            PostalRecord(*row)
            for row in connection.execute(select(PlacePostalRow.code, PlacePostalRow.gmina))  # type: ignore[call-overload]
        )
        points = tuple(
            PointRecord(*row)
            for row in connection.execute(
                select(  # type: ignore[call-overload]
                    PlacePointRow.lat, PlacePointRow.lon, PlacePointRow.gmina, PlacePointRow.name
                )
            )
        )
        exonyms = tuple(
            ExonymRecord(*row)
            for row in connection.execute(select(PlaceExonymRow.name, PlaceExonymRow.gmina))  # type: ignore[call-overload]
        )
        info = tuple(
            (str(key), str(value))
            for key, value in connection.execute(select(PlaceImportRow.key, PlaceImportRow.value))  # type: ignore[call-overload]
        )
    return PlaceData(units, localities, postal, points, exonyms, info)


# --- the gazetteer, from the tables or the bundle -------------------------------------------


def builtin_gazetteer(*, cache: Path | None = None) -> Gazetteer:
    """Every place in Poland as bundled with the package (catalog/data/places).

    The index built from it is kept in `cache` (default: the user's cache directory), so
    later starts open it instead of building it again.
    """
    return _builtin(cache if cache is not None else default_index_cache())


def gazetteer_from_engine(engine: Engine, *, cache: Path | None = None) -> Gazetteer | None:
    """The gazetteer of the imported tables, or None when nothing was imported.

    `cache` is a local file keeping the built index: all of Poland opens from it in about
    0.15 s instead of 1 s of reading and indexing the tables. It is rewritten whenever
    the tables or this code change.
    """
    bring_up_to_date(engine, *PLACE_TABLES)  # processes starting together take turns
    key = _index_key(engine) if cache is not None else ""
    if cache is not None:
        cached = _read_index(cache, key)
        if cached is not None:
            return cached
    with gc_paused():
        data = data_from_engine(engine)
        if not data.units:
            return None
        gazetteer = Gazetteer(data)
    if cache is not None:
        _write_index(cache, key, gazetteer)
    return gazetteer


def load_gazetteer(
    engine: Engine, *, cache: Path | None = None, bundle_cache: Path | None = None
) -> Gazetteer:
    """The imported gazetteer, or the bundled one when nothing was imported.

    `cache` keeps the imported index (a deployment's own); `bundle_cache` the bundled
    one, which depends only on the package, so many data directories share it.
    """
    return gazetteer_from_engine(engine, cache=cache) or builtin_gazetteer(cache=bundle_cache)


# --- the index cache (a local file, so a pickle: only this process's own output is read) ---

_INDEX_HEADER = b"drogowskaz places index\n"


@cache
def _code_fingerprint() -> str:
    """Changes whenever the code that builds the index changes (this module, the gazetteer's
    and its parts', catalog.text)."""
    digest = hashlib.sha256(f"{sys.version_info[:2]}".encode())
    here = Path(__file__)
    digest.update(here.read_bytes())
    for name in (
        "places.py",
        "place_index.py",
        "geo.py",
        "place_names.py",
        "place_types.py",
        "text.py",
    ):
        path = here.with_name(name)
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _index_key(engine: Engine) -> str:
    """What the index is built from: the code, each table's size, last key and length of its
    names, the import's sources and dates. A new import changes it (milliseconds)."""
    digest = hashlib.sha256(_code_fingerprint().encode())
    with engine.connect() as connection:
        for key, text in (
            (PlaceUnitRow.teryt, PlaceUnitRow.name),
            (PlaceLocalityRow.sym, PlaceLocalityRow.name),
            (PlacePostalRow.id, PlacePostalRow.code),
            (PlacePointRow.id, PlacePointRow.name),
            (PlaceExonymRow.id, PlaceExonymRow.name),
        ):
            sizes = select(func.count(), func.max(key), func.sum(func.length(text)))
            digest.update(repr(tuple(connection.execute(sizes).one())).encode())
        info = connection.execute(
            select(PlaceImportRow.key, PlaceImportRow.value).order_by(PlaceImportRow.key)  # type: ignore[call-overload]
        )
        digest.update(repr([tuple(row) for row in info]).encode())
    return digest.hexdigest()


def _read_index(path: Path, key: str) -> Gazetteer | None:
    """The gazetteer kept in the file, when it was built from the same tables and code."""
    header = _INDEX_HEADER + key.encode() + b"\n"
    try:
        with path.open("rb") as handle:
            if handle.read(len(header)) != header:
                return None
            with gc_paused():
                state = pickle.load(handle)  # noqa: S301 - our own file, written below
        gazetteer = Gazetteer.__new__(Gazetteer)
        gazetteer.__dict__.update(state)
    except FileNotFoundError:
        return None
    except Exception as error:  # a damaged cache is rebuilt, never fatal
        _LOG.warning("places index cache %s unreadable (%s): rebuilding it", path, error)
        return None
    return gazetteer


def _write_index(path: Path, key: str, gazetteer: Gazetteer) -> None:
    """Keep the built index for the next start (atomically; a failure only costs time)."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with partial.open("wb") as handle:
            handle.write(_INDEX_HEADER + key.encode() + b"\n")
            pickle.dump(gazetteer.__dict__, handle, protocol=pickle.HIGHEST_PROTOCOL)
        partial.replace(path)
    except OSError as error:
        _LOG.warning("places index cache %s not written: %s", path, error)
    finally:
        partial.unlink(missing_ok=True)


def default_index_cache() -> Path:
    """Where the bundled places' index is kept when no data directory is given."""
    return Path(user_cache_dir("drogowskaz")) / "places" / INDEX_FILE


def bundle_document(data: PlaceData) -> dict[str, Any]:
    """The bundled file's JSON of this place data (rows as lists: compact and diffable)."""
    dates = {key: value for key, value in data.info if key.startswith("date ")}
    return {
        "attribution": BUNDLE_ATTRIBUTION,
        "info": {"source": "builtin", **dates},
        "units": [list(record) for record in data.units],
        "localities": [list(record) for record in data.localities],
        "postal": [list(record) for record in data.postal],
        "points": [list(record) for record in data.points],
        "exonyms": _exonyms_by_gmina(data.exonyms),
    }


def _exonyms_by_gmina(exonyms: Iterable[ExonymRecord]) -> dict[str, list[str]]:
    """Exonyms grouped by gmina code (each code written once: a smaller file)."""
    grouped: dict[str, list[str]] = {}
    for record in exonyms:
        grouped.setdefault(record.gmina, []).append(record.name)
    return grouped


def bundle_bytes(data: PlaceData) -> bytes:
    """The bundled file itself: the document as UTF-8 JSON, xz-compressed (deterministic)."""
    text = json.dumps(bundle_document(data), ensure_ascii=False, separators=(",", ":"))
    return lzma.compress(text.encode(), preset=9 | lzma.PRESET_EXTREME)


def read_bundle() -> PlaceData:
    """The place data bundled with the package."""
    raw = resources.files(BUILTIN_PACKAGE).joinpath(BUILTIN_FILE).read_bytes()
    return data_from_json(json.loads(lzma.decompress(raw)))


@cache
def _builtin(cache_file: Path) -> Gazetteer:
    raw = resources.files(BUILTIN_PACKAGE).joinpath(BUILTIN_FILE).read_bytes()
    key = hashlib.sha256((_code_fingerprint() + "bundle").encode() + raw).hexdigest()
    kept = _read_index(cache_file, key)
    if kept is not None:
        return kept
    with gc_paused():
        gazetteer = Gazetteer(data_from_json(json.loads(lzma.decompress(raw))))
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:  # a read-only home: the index is rebuilt at each start
        _LOG.warning("places index cache %s not written: %s", cache_file, error)
        return gazetteer
    _write_index(cache_file, key, gazetteer)
    return gazetteer
