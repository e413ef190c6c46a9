"""A throwaway PostgreSQL server for the benchmarks, as tests/conftest.py starts one.

Not imported from the tests: they fail a pytest session when binaries are missing,
where the benchmarks record PostgreSQL as skipped.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import sqlalchemy


class PostgresUnavailableError(RuntimeError):
    pass


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name) or ""]
    if not found[-1]:
        raise PostgresUnavailableError(f"PostgreSQL server binary '{name}' not found")
    return found[-1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresServer:
    def __init__(self) -> None:
        self.port = _free_port()
        self.base = Path(tempfile.mkdtemp(prefix="followup-bench-pg-"))
        self.data = self.base / "data"
        self.as_root = os.geteuid() == 0
        self.started = False

    def _run(self, *args: str) -> None:
        cmd = ["runuser", "-u", "postgres", "--", *args] if self.as_root else list(args)
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def start(self) -> None:
        initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
        if self.as_root:  # PostgreSQL refuses to run as root: use the package's user
            shutil.chown(self.base, "postgres", "postgres")
            self.base.chmod(0o755)
        self._run(initdb, "-D", str(self.data), "-U", "postgres", "--auth=trust", "--encoding=UTF8")
        # The tests' settings: durability off, as on a throwaway server; the figures
        # are about the application, not the disk.
        options = (
            f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=200"
        )
        log = str(self.base / "log")
        self._run(pg_ctl, "-D", str(self.data), "-o", options, "-l", log, "-w", "start")
        self.started = True

    def stop(self) -> None:
        try:
            if self.started:
                self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.base, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        name = f"bench_{uuid.uuid4().hex[:12]}"
        engine = sqlalchemy.create_engine(self.url("postgres"), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
        engine.dispose()
        return self.url(name)
