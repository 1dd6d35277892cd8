"""A throwaway PostgreSQL server for the tests: the storage code runs against the real thing.

The server (the machine's own binaries: initdb, pg_ctl) is started once per test session in a
temporary directory, listens only on a unix socket there, trusts local connections, and is
stopped at the end. Each test gets a schema of its own. initdb refuses to run as root, so
under root the server runs as an unprivileged user (`postgres`, else `nobody`) that owns the
directory.

The server's time zone is Europe/Warsaw on purpose, as on a server in Poland: a datetime
stored without its zone, or read back naive, shows up as an hour or two of difference.

Without server binaries the tests that use it are skipped, saying why.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

TIME_ZONE = "Europe/Warsaw"
SUPERUSER = "drogowskaz"
DATABASE = "drogowskaz_tests"
_UNPRIVILEGED = ("postgres", "nobody")
_SEARCH_DIRS = ("/usr/lib/postgresql/*/bin", "/usr/pgsql-*/bin", "/usr/local/pgsql/bin")
_names = itertools.count(1)


def find_binaries() -> Path | None:
    """The directory with initdb and pg_ctl: on PATH, else the usual package places."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl", path=str(Path(found).parent)):
        return Path(found).resolve().parent
    for pattern in _SEARCH_DIRS:
        candidates = sorted(Path("/").glob(pattern.lstrip("/")), reverse=True)
        for directory in candidates:
            if (directory / "initdb").is_file() and (directory / "pg_ctl").is_file():
                return directory
    return None


@dataclass(frozen=True, slots=True)
class PostgresServer:
    """A running server: where its socket is, and how to make a fresh schema on it."""

    socket_dir: Path

    def url(self, schema: str | None = None) -> str:
        """A SQLAlchemy URL (psycopg 3) for the test database over the socket; given a schema,
        the connections see that schema first (`search_path`), so its tables are the ones used.
        """
        url = f"postgresql+psycopg://{SUPERUSER}@/{DATABASE}?host={self.socket_dir}"
        return url if schema is None else f"{url}&options=-csearch_path%3D{schema}"

    def create_schema(self) -> str:
        """A new empty schema (milliseconds, where a new database takes half a second); returns
        a URL whose connections use it."""
        import psycopg

        name = f"test_{os.getpid()}_{next(_names)}"
        with psycopg.connect(**self._connect_args(DATABASE), autocommit=True) as connection:
            connection.execute(f'CREATE SCHEMA "{name}"')  # a generated name, not input
        return self.url(name)

    def create_test_database(self) -> None:
        """The database the tests' schemas live in."""
        import psycopg

        with psycopg.connect(**self._connect_args("postgres"), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{DATABASE}"')

    def _connect_args(self, database: str) -> dict[str, Any]:
        return {"host": str(self.socket_dir), "user": SUPERUSER, "dbname": database}


def _as_owner(user: pwd.struct_passwd | None, command: Sequence[str]) -> list[str]:
    """The command as the unprivileged user when we are root (initdb refuses root)."""
    if user is None:
        return list(command)
    return [
        "setpriv",
        f"--reuid={user.pw_uid}",
        f"--regid={user.pw_gid}",
        "--clear-groups",
        "--",
        *command,
    ]


def _unprivileged_user() -> pwd.struct_passwd | None:
    """None when we are not root; else a system user to run the server as."""
    if os.geteuid() != 0:
        return None
    for name in _UNPRIVILEGED:
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    pytest.skip("running as root and no unprivileged user (postgres, nobody) to run PostgreSQL")


def _run(command: list[str], *, cwd: Path) -> None:
    result = subprocess.run(  # noqa: S603 - our own fixed command line
        command, cwd=cwd, capture_output=True, text=True, check=False, timeout=120
    )
    if result.returncode != 0:
        raise RuntimeError(f"{command[0]} failed: {result.stdout}\n{result.stderr}")


@contextlib.contextmanager
def running_server() -> Iterator[PostgresServer]:
    """Initialise, start and finally stop and delete a PostgreSQL server."""
    binaries = find_binaries()
    if binaries is None:
        pytest.skip(
            "PostgreSQL server binaries (initdb, pg_ctl) not found: install the PostgreSQL "
            "server (e.g. apt-get install postgresql) to run the PostgreSQL tests"
        )
    owner = _unprivileged_user()
    # Under root, /tmp rather than $TMPDIR: the server's user must be able to reach the path.
    where = "/tmp" if owner is not None and Path("/tmp").is_dir() else None  # noqa: S108
    base = Path(tempfile.mkdtemp(prefix="drogowskaz-pg-", dir=where))
    data, sockets = base / "data", base / "socket"
    sockets.mkdir()
    if owner is not None:
        for path in (base, sockets):
            os.chown(path, owner.pw_uid, owner.pw_gid)
    pg_ctl = [str(binaries / "pg_ctl"), "--pgdata", str(data), "--wait", "--timeout", "60"]
    initdb = [str(binaries / "initdb"), "--pgdata", str(data), "--username", SUPERUSER]
    initdb += ["--auth", "trust", "--encoding", "UTF8", "--no-locale", "--no-sync"]
    options = [
        "-c listen_addresses=''",  # the socket only: no port to collide with anything
        f"-c unix_socket_directories='{sockets}'",
        f"-c timezone='{TIME_ZONE}'",
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off",  # a throwaway
        "-c max_connections=50",
    ]
    log = base / "server.log"
    try:
        _run(_as_owner(owner, initdb), cwd=base)
        try:
            _run(
                _as_owner(owner, [*pg_ctl, "--log", str(log), "-o", " ".join(options), "start"]),
                cwd=base,
            )
        except RuntimeError as error:
            server_log = log.read_text(errors="replace") if log.exists() else ""
            raise RuntimeError(f"{error}\n{server_log[-3000:]}") from None
        try:
            server = PostgresServer(socket_dir=sockets)
            server.create_test_database()
            yield server
        finally:
            _run(_as_owner(owner, [*pg_ctl, "--mode", "fast", "stop"]), cwd=base)
    finally:
        shutil.rmtree(base, ignore_errors=True)


class _Shared:
    """The one server of the session, shared by every conftest that imports the fixture (each
    import makes a fixture of its own; the last to finish stops the server)."""

    stack = contextlib.ExitStack()
    server: PostgresServer | None = None
    users = 0


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the whole test session (started on first use)."""
    if _Shared.server is None:
        _Shared.server = _Shared.stack.enter_context(running_server())
    _Shared.users += 1
    try:
        yield _Shared.server
    finally:
        _Shared.users -= 1
        if _Shared.users == 0:
            _Shared.server = None
            _Shared.stack.close()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """A fresh, empty schema on the session's server, as a SQLAlchemy URL that uses it."""
    return postgres_server.create_schema()
