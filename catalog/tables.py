"""SQLModel tables as SQLAlchemy Core sees them, created and brought up to date: helpers below
every module that keeps tables (the catalogue's, the places', the bot's)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from sqlalchemy import Connection, Engine, Table, inspect, literal, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import SQLModel

SCHEMA_LOCK: Final = 0x64726F68  # PostgreSQL advisory lock: one process changes tables at once
COPY_BATCH: Final = 500  # rows copied at a time when a table is made anew


def table_of(model: type[SQLModel]) -> Table:
    """The model's table, for DDL and Core statements (the ORM's bulk insert is ten times
    slower); SQLModel does not type `__table__`."""
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


def upsert_statement(
    table: Table,
    dialect: str,
    *,
    keys: Sequence[str],
    changes: Callable[[Any], Mapping[str, Any]],
) -> Any:
    """INSERT ... ON CONFLICT (keys) DO UPDATE SET changes(excluded), built once and run with
    many rows; None for a dialect without it (the caller then updates, and inserts if needed)."""
    inserts = {"sqlite": sqlite_insert, "postgresql": postgresql_insert}
    if dialect not in inserts:
        return None
    statement: Any = inserts[dialect](table)  # both dialects share the upsert API
    return statement.on_conflict_do_update(
        index_elements=[table.c[key] for key in keys], set_=changes(statement.excluded)
    )


def prepare_upsert(
    engine: Engine,
    table: Table,
    *,
    keys: Sequence[str],
    changes: Callable[[Any], Mapping[str, Any]],
) -> Any:
    """The set-up of a store that adds rows by upsert: its table brought up to date on this
    engine, and its `upsert_statement` built once (None where the dialect has none)."""
    bring_up_to_date(engine, table)
    return upsert_statement(table, engine.dialect.name, keys=keys, changes=changes)


def bring_up_to_date(engine: Engine, *tables: Table) -> None:
    """Create the tables, or bring ones made by an earlier version up to date (see
    `up_to_date`), in one transaction; processes starting together take turns."""
    with engine.begin() as connection:
        take_schema_turn(connection)
        for table in tables:
            up_to_date(connection, table)


def take_schema_turn(connection: Connection) -> None:
    """Wait for any other process creating or changing tables on the same PostgreSQL (a lock
    held until this transaction ends): two at once would both try to create a table."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK})


def up_to_date(connection: Connection, table: Table) -> None:
    """Create the table, or bring one made by an earlier version up to date: each missing
    column is added with its default for the rows already there (a missing key column: the
    table is made anew and its rows copied; tables of a few thousand rows).
    """
    dialect = connection.dialect
    inspector = inspect(connection)
    if not inspector.has_table(table.name):
        table.create(connection)
        return
    present = {column["name"] for column in inspector.get_columns(table.name)}
    missing = [column for column in table.columns if column.name not in present]
    if not missing:
        return
    defaults = {column.name: _default_of(column) for column in missing}
    if not any(column.primary_key for column in missing):
        for column in missing:
            kind = column.type.compile(dialect)
            value = literal(defaults[column.name]).compile(
                dialect=dialect, compile_kwargs={"literal_binds": True}
            )
            connection.execute(
                text(
                    f"ALTER TABLE {table.name} ADD COLUMN {column.name} {kind} "
                    f"NOT NULL DEFAULT {value}"
                )
            )
        return
    everything = text(f"SELECT * FROM {table.name}")  # noqa: S608 - a table name of ours
    rows = [dict(row) for row in connection.execute(everything).mappings()]
    connection.execute(text(f"DROP TABLE {table.name}"))
    table.create(connection)
    for start in range(0, len(rows), COPY_BATCH):
        batch = [{**row, **defaults} for row in rows[start : start + COPY_BATCH]]
        connection.execute(table.insert(), batch)


def _default_of(column: Any) -> object:
    """What the rows of an earlier version hold in a column it did not have."""
    if column.default is None or not column.default.is_scalar:
        raise ValueError(f"column {column.name} needs a default to be added to old rows")
    return column.default.arg
