"""Fixtures of the catalogue tests: a throwaway PostgreSQL server (see tests/postgres.py)."""

from tests.postgres import postgres_server, postgres_url  # noqa: F401 - fixtures, used by name
