"""Service settings, read from ``KEYHOUSE_*`` environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Runtime configuration of the key service.

    Every field can be set with an environment variable of the same name,
    prefixed with ``KEYHOUSE_`` (``KEYHOUSE_DATABASE_URL``, ...).
    """

    model_config = SettingsConfigDict(env_prefix="KEYHOUSE_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///./keyhouse.db",
        description="SQLAlchemy URL: sqlite:///path.db or postgresql+psycopg://user@host/db",
    )
    sqlite_synchronous: Literal["full", "normal"] = Field(
        default="full",
        description="SQLite only: full syncs the write-ahead log to disk in every commit, so an "
        "acknowledged write survives a power loss or an OS crash; normal syncs only at "
        "checkpoints (faster commits; a crash of the process loses nothing, a crash of the "
        "machine may undo the last writes acknowledged before it).",
    )
    master_key: str | None = Field(
        default=None,
        repr=False,
        description="Base64 of 32 random bytes; wraps every data key. Overrides the key file.",
    )
    master_key_file: Path = Field(
        default=Path("./keyhouse.master.key"),
        description="Where the master key is kept when KEYHOUSE_MASTER_KEY is unset; "
        "created with mode 0600 on first start.",
    )
    last_used_flush_seconds: float = Field(
        default=5.0,
        gt=0,
        description="How often batched last_used_at updates are written.",
    )
    last_used_write_interval_seconds: float = Field(
        default=60.0,
        ge=0,
        description="At most one last_used_at write per key per this many seconds.",
    )
    key_cache_seconds: float = Field(
        default=60.0,
        ge=0,
        description="PostgreSQL only: how long a key row may be answered from memory. Changes "
        "made through the service reach every replica at once (LISTEN/NOTIFY); this bounds "
        "changes made directly in the database. 0 turns the cache off.",
    )
    idempotency_window_hours: float = Field(default=24.0, gt=0)
    header_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="A request's line and headers must arrive within this many seconds of its "
        "first byte (or of the connection opening); otherwise the connection is closed.",
    )
    keep_alive_seconds: int = Field(
        default=5, gt=0, description="An idle keep-alive connection is closed after this long."
    )
    shutdown_grace_seconds: int = Field(
        default=30,
        gt=0,
        description="On SIGTERM, how long in-flight requests may take to finish before exit.",
    )
    log_format: Literal["json", "text"] = Field(
        default="json", description="json: one JSON object per line; text: for a terminal."
    )
    max_body_bytes: int = Field(
        default=1_048_576,
        ge=16_384,
        description="Largest request body accepted, in bytes; larger is a 413, refused "
        "before the body is read.",
    )
    admin_name: str = Field(default="admin", description="Name of the bootstrap admin user.")
    console_idle_minutes: float = Field(
        default=30.0,
        gt=0,
        description="The web console signs a browser out after this long without a request.",
    )
    console_session_hours: float = Field(
        default=12.0,
        gt=0,
        description="The web console signs a browser out this long after it signed in.",
    )

    @field_validator("database_url")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError(
                "KEYHOUSE_DATABASE_URL must be a sqlite:// or postgresql+psycopg:// URL"
            )
        return value

    @property
    def is_sqlite(self) -> bool:
        """Whether the configured database is an SQLite file."""
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
