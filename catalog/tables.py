"""SQLModel tables as SQLAlchemy Core sees them: one helper below every module that keeps
tables (the catalogue's, the places', the bot's)."""

from __future__ import annotations

from sqlalchemy import Table
from sqlmodel import SQLModel


def table_of(model: type[SQLModel]) -> Table:
    """The model's table, for DDL and Core statements (the ORM's bulk insert is ten times
    slower); SQLModel does not type `__table__`."""
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table
