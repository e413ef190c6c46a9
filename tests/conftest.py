"""Shared fixtures: clean environment, a real PostgreSQL server, databases, clocks."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy

from application.access import Principal
from application.clock import SEOUL
from application.importing import ImportOptions
from application.reads import forget_writes
from infrastructure.bootstrap import Runtime, open_runtime
from infrastructure.parsers import parse_document
from infrastructure.settings import Settings
from tests.support.smtp import SmtpReceiver

warnings.filterwarnings("ignore", message=".*NotificationTrackingRecord.*")

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "demo" / "seed_2018_business_report.txt"
REFERENCE = ROOT / "tests" / "fixtures" / "items_2017_audit.json"

# Keys that would silently override what a test passes (STYLE: environment isolation).
_ENV_PREFIXES = (
    "AUDITTRACKER_",
    "FOLLOWUP_",
    "SQLALCHEMY_",
    "PERSISTENCE_MODULE",
    "CREATE_TABLE",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith(_ENV_PREFIXES):
            monkeypatch.delenv(key)
    # A position written by an earlier test is another database's (read routing).
    forget_writes()


@dataclass
class FixedClock:
    """A clock the test moves by hand. ``today`` is the Seoul calendar date."""

    instant: datetime = datetime(2018, 11, 15, 1, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.instant

    def today(self) -> date:
        return self.instant.astimezone(SEOUL).date()

    def advance(self, **delta: float) -> None:
        self.instant += timedelta(**delta)

    def set_date(self, day: date) -> None:
        self.instant = datetime(day.year, day.month, day.day, 1, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


# -- PostgreSQL: a real server, started once per test session --------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name) or ""]
    if not found[-1]:
        pytest.fail(
            f"PostgreSQL server binary '{name}' not found: run `make system-deps` "
            "(apt-get install postgresql)",
            pytrace=False,
        )
    return found[-1]


class PostgresServer:
    def __init__(self) -> None:
        self.port = _free_port()
        self.base = Path(tempfile.mkdtemp(prefix="followup-pg-"))
        self.data = self.base / "data"
        self.as_root = os.geteuid() == 0
        if self.as_root:  # PostgreSQL refuses to run as root: use the package's user
            shutil.chown(self.base, "postgres", "postgres")
            self.base.chmod(0o755)

    def _run(self, *args: str, timeout: float | None = None) -> None:
        cmd = ["runuser", "-u", "postgres", "--", *args] if self.as_root else list(args)
        subprocess.run(
            cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=timeout
        )

    def start(self) -> None:
        self._run(
            _pg_bin("initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
        )
        options = (
            f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=200"
        )
        self._run(
            _pg_bin("pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.base / "log"),
            "-w",
            "start",
        )

    def stop(self) -> None:
        try:
            self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.base, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        name = f"t_{uuid.uuid4().hex[:12]}"
        engine = sqlalchemy.create_engine(self.url("postgres"), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
        engine.dispose()
        return self.url(name)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = PostgresServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database on each backend the product supports."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/followup.db"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.create_database()


def seeded_runtime(settings: Settings, clock: FixedClock, deadline: date | None) -> Runtime:
    """A runtime with the seed audit imported (due dates: ``deadline``)."""
    runtime = open_runtime(settings, clock=clock)
    outcome = runtime.services.importer.run(
        Principal.system(),
        parse_document(SEED.read_bytes()),
        ImportOptions(council="서울특별시의회", deadline=deadline),
    )
    assert outcome.committed
    return runtime


@pytest.fixture
def runtime(database_url: str, clock: FixedClock) -> Iterator[Runtime]:
    rt = open_runtime(Settings(database_url=database_url), clock=clock)
    try:
        yield rt
    finally:
        rt.close()


@pytest.fixture
def smtp_receiver() -> Iterator[SmtpReceiver]:
    """A real SMTP server (aiosmtpd) on a loopback port; it records what arrives."""
    receiver = SmtpReceiver()
    receiver.start()
    try:
        yield receiver
    finally:
        receiver.stop()


class PostgresReplica:
    """A hot standby of ``primary``, streaming from it (``pg_basebackup -R``), on a
    loopback port of its own."""

    def __init__(self, primary: PostgresServer) -> None:
        self.primary = primary
        self.server = PostgresServer()  # its port and directories; not initdb'ed

    def start(self) -> None:
        server = self.server
        server._run(
            _pg_bin("pg_basebackup"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.primary.port),
            "-U",
            "postgres",
            "-D",
            str(server.data),
            "-R",  # standby.signal and primary_conninfo: a streaming standby
            "-X",
            "stream",
            # An immediate checkpoint: a spread one waits up to minutes on a busy primary.
            "--checkpoint=fast",
            # A slot: the primary keeps the WAL until the standby has it, however far
            # the other tests' writes run ahead of its replay.
            "--create-slot",
            f"--slot=replica_{server.port}",
            timeout=120,
        )
        options = (
            f"-p {server.port} -k {server.base} -c listen_addresses=127.0.0.1 "
            "-c hot_standby=on -c max_connections=200 "
            # It replays every test database's writes: as little disk work as the primary.
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        server._run(
            _pg_bin("pg_ctl"),
            "-D",
            str(server.data),
            "-o",
            options,
            "-l",
            str(server.base / "log"),
            "-w",
            "start",
        )

    def stop(self) -> None:
        self.server.stop()

    def url(self, primary_url: str) -> str:
        """The replica's URL of the database ``primary_url`` names."""
        database = sqlalchemy.engine.make_url(primary_url).database or "postgres"
        return self.server.url(database)

    def execute(self, sql: str) -> None:
        engine = sqlalchemy.create_engine(self.server.url("postgres"), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.exec_driver_sql(sql)
        engine.dispose()


@pytest.fixture(scope="session")
def postgres_replica(postgres_server: PostgresServer) -> Iterator[PostgresReplica]:
    replica = PostgresReplica(postgres_server)
    replica.start()
    try:
        yield replica
    finally:
        replica.stop()
