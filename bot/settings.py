"""Settings from the environment and `.env` (prefix DROGOWSKAZ_), built in main."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from platformdirs import user_data_path
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_BOT_API_URL = "https://api.telegram.org/bot"


def default_data_dir() -> Path:
    """The user's data directory (`~/.local/share/drogowskaz` on Linux).

    Never the folder a command happens to be run from; the container sets `/data` instead.
    """
    return user_data_path("drogowskaz")


class Settings(BaseSettings):
    """Everything a deployment configures. Secrets are SecretStr: never in logs or reprs."""

    model_config = SettingsConfigDict(
        env_prefix="DROGOWSKAZ_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    token: SecretStr | None = None
    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str | None = None  # default: SQLite file in data_dir
    catalog: str | None = None  # file path or http(s) URL that /reload reads
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    language: str = "pl"  # of the command line and of people whose language we cannot tell
    bot_api_url: str = DEFAULT_BOT_API_URL
    bot_api_file_url: str | None = None  # default: derived from bot_api_url
    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0"  # noqa: S104 - the container's port is what gets published
    webhook_port: int = 8080
    webhook_secret: SecretStr | None = None
    # A client gets this long for its headers, its body, or idling between requests.
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    # Open connections at most (each a file descriptor: keep `ulimit -n` above this + 300).
    webhook_max_connections: int = Field(default=500, gt=0)
    health_path: str = "/healthz"  # served beside the webhook: GET answers 200 when ready
    lemma_cache_dir: Path | None = None  # lemma tables built once; default: the user's cache
    places_cache_dir: Path | None = None  # bundled places' index built once; default: as above
    state_ttl_hours: float = Field(default=24.0, gt=0)
    feedback_ttl_days: float = Field(default=90.0, gt=0)  # report notes are blanked after it
    expiry_interval_seconds: float = Field(default=600.0, gt=0)  # how often idle ones go
    # Several processes on PostgreSQL: how often each compares the stored catalogues with the
    # ones it serves (a reload is announced at once; this catches a missed announcement).
    catalog_check_seconds: float = Field(default=30.0, gt=0)
    max_catalog_bytes: int = 5_000_000
    # A new catalogue is checked (and stored) in a child process with these caps, so that a
    # hostile or huge file fails its own check while the bot keeps answering.
    check_in_child_process: bool = True
    check_memory_mb: int = Field(default=2048, gt=0)  # the child's address space
    check_timeout_seconds: float = Field(default=300.0, gt=0)
    download_timeout_seconds: float = 20.0
    # A catalogue URL may redirect only to public http(s) addresses unless this is set (tests,
    # or a catalogue server inside the partnership's own network).
    allow_private_catalog_redirects: bool = False
    bot_username: str | None = None  # for the t.me links printed on posters (without '@')
    poster_font: Path | None = None  # a TTF with Polish and Cyrillic letters; default: DejaVu Sans

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        """Accept '1,2 3' from the environment as well as a list."""
        if isinstance(value, str):
            return frozenset(int(part) for part in value.replace(",", " ").split())
        return value

    @property
    def effective_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file under data_dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'drogowskaz.sqlite'}"

    @property
    def places_index_file(self) -> Path:
        """Where the built places index is kept, so a start opens it instead of building it."""
        from catalog.places_store import INDEX_FILE

        return self.data_dir / INDEX_FILE

    @property
    def places_bundle_index_file(self) -> Path | None:
        """Where the bundled places' index is kept (None: the user's cache directory)."""
        from catalog.places_store import INDEX_FILE

        return self.places_cache_dir / INDEX_FILE if self.places_cache_dir else None
