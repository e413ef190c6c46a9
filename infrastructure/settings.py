"""Settings (pydantic-settings): every key has the prefix FOLLOWUP_."""

from __future__ import annotations

from pathlib import Path

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

DEFAULT_DATABASE_URL = "sqlite:///var/followup.db"


def normalise_database_url(url: str) -> str:
    """Accept the URLs people write; pick the psycopg 3 driver for PostgreSQL."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif parsed.drivername not in ("sqlite", "sqlite+pysqlite", "postgresql+psycopg"):
        raise ValueError(f"unsupported database URL scheme: {parsed.drivername}")
    return parsed.render_as_string(hide_password=False)


def ensure_sqlite_directory(url: str) -> None:
    """`sqlite:///var/followup.db` works on a fresh clone: create `var/`."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (
        None,
        "",
        ":memory:",
    ):
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FOLLOWUP_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    # Seconds between catch-up passes for events written by other processes.
    projection_interval: float = 1.0
    projection_batch_size: int = 1000

    @field_validator("database_url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        return normalise_database_url(value)

    @property
    def is_sqlite(self) -> bool:
        return make_url(self.database_url).get_backend_name() == "sqlite"

    def eventsourcing_env(self) -> dict[str, str]:
        """The library's environment, passed explicitly to the application."""
        return {
            "PERSISTENCE_MODULE": "infrastructure.persistence:FollowupFactory",
            "SQLALCHEMY_URL": self.database_url,
            "CREATE_TABLE": "y",
        }
