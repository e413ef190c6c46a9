"""Settings (pydantic-settings): every key has the prefix FOLLOWUP_."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

from infrastructure.mail import SmtpSettings

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
    # A PostgreSQL streaming replica of it: list, search, 총괄 and export reads go
    # there when it shows what the caller needs (infrastructure/readmodel/replica.py).
    read_database_url: str | None = None
    # Events the replica's views may be behind the primary's and still answer.
    read_max_lag: int = Field(default=0, ge=0)
    # Seconds between the projector's looks at the event log when nothing woke it
    # (events written by other processes).
    projection_interval: float = 0.25
    # `followup serve` runs the projector (one leads per database); False when a
    # separate `followup project` does.
    projector_enabled: bool = True
    # Seconds a read waits for the views to reach the caller's own last write.
    read_your_writes_timeout: float = 2.0
    projection_batch_size: int = 1000
    # Aggregates kept in memory per process; each load still reads the events
    # after the cached version, so other processes' writes are never missed.
    aggregate_cache_size: int = 10_000
    # A snapshot of an aggregate every this many events (0: none): a finding loads
    # from its latest snapshot plus fewer events than this.
    snapshot_interval: int = Field(default=50, ge=0, le=100_000)

    # Reminders (SPEC §4).
    due_soon_days: int = 5
    claim_wait_days: int = 10
    scheduler_enabled: bool = True
    reminder_time: str = "07:00"  # Asia/Seoul, daily
    outbox_interval: float = 60.0  # seconds between delivery retries
    app_url: str | None = None  # linked from the digests
    evidence_dir: str = "var/evidence"  # 증빙자료 files, content-addressed
    demo_accounts: bool = False  # `make run` only: a staff and a department demo user
    # An anonymous page (/public) with each audit's 총괄 and departments' 완료율 only.
    public_summary: bool = False
    # The API's documentation (/docs, /openapi.json) for anonymous visitors too (SPEC §8:
    # by default only signed-in callers read it).
    public_api_docs: bool = False
    # Request bodies larger than this are refused (413) before they are read: JSON, and
    # multipart uploads (an evidence file or a document is at most 20 MB).
    max_json_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)
    max_upload_bytes: int = Field(default=21 * 1024 * 1024, ge=1024)

    # Logs of `serve`, `project` and `scheduler` on stderr: "json" (one object a line, for
    # a log collector), "console" (for a person), or "auto": console on a terminal, else json.
    log_format: Literal["auto", "json", "console"] = "auto"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    # Mail. Without an SMTP host, digests are not composed: the inbox still fills.
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_starttls: bool = False
    smtp_ssl: bool = False
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "audit-followup@localhost"

    def smtp(self) -> SmtpSettings:
        """The ``smtp_*`` settings, as the mail sender takes them."""
        given = {f.name: getattr(self, f"smtp_{f.name}", None) for f in fields(SmtpSettings)}
        chosen = {k: v for k, v in given.items() if v is not None}
        return SmtpSettings(**chosen, from_address=self.smtp_from)

    # {"사회적경제담당관": "social@city.go.kr, deputy@city.go.kr", ...}; where several
    # councils share the installation, "council code/department": {"seoul/기획예산과": ...}
    department_emails: dict[str, str] = {}
    staff_emails: list[str] = []
    # Each council's staff, by council code or name: {"seoul": "a@x.kr, b@x.kr"}.
    council_staff_emails: dict[str, str] = {}

    @field_validator("database_url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        return normalise_database_url(value)

    @field_validator("read_database_url")
    @classmethod
    def _check_read_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        url = normalise_database_url(value)
        if make_url(url).get_backend_name() != "postgresql":
            raise ValueError("FOLLOWUP_READ_DATABASE_URL must name a PostgreSQL replica")
        return url

    @field_validator("log_format", "log_level", mode="before")
    @classmethod
    def _fold_case(cls, value: object) -> object:
        # FOLLOWUP_LOG_LEVEL=info and =INFO alike.
        if not isinstance(value, str):
            return value
        levels = ("debug", "info", "warning", "error")
        return value.upper() if value.lower() in levels else value.lower()

    @field_validator("reminder_time")
    @classmethod
    def _check_time(cls, value: str) -> str:
        hour, _, minute = value.partition(":")
        if not (hour.isdigit() and minute.isdigit() and int(hour) < 24 and int(minute) < 60):
            raise ValueError("reminder_time is HH:MM")
        return value

    @property
    def is_sqlite(self) -> bool:
        return make_url(self.database_url).get_backend_name() == "sqlite"

    def eventsourcing_env(self) -> dict[str, str]:
        """The library's environment, passed explicitly to the application."""
        return {
            "PERSISTENCE_MODULE": "infrastructure.persistence:FollowupFactory",
            "SQLALCHEMY_URL": self.database_url,
            "CREATE_TABLE": "y",
            "AGGREGATE_CACHE_MAXSIZE": str(self.aggregate_cache_size),
            "SNAPSHOT_INTERVAL": str(self.snapshot_interval),
        }
