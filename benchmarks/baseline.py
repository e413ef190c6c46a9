"""The baseline: a plain CRUD + audit-log app, shaped like the product's API.

What a team would write without event sourcing: a status row per finding updated
in place with a version check, and an audit-log row inserted in the same
transaction. Same database, same SQLite settings as the product
(infrastructure/persistence.py), same hashed bearer tokens, same URLs and bodies,
so benchmarks/load.py drives both alike. Its tables are prefixed ``bl_`` and live
beside the product's.

    python -m benchmarks.baseline --db URL --port 8001
"""

from __future__ import annotations

import argparse
import contextvars
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Connection, Engine

SQLITE_BUSY_TIMEOUT_MS = 60_000  # as infrastructure/persistence.py

metadata = MetaData()

bl_users = Table(
    "bl_users",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("role", String(30), nullable=False),
)
bl_tokens = Table(
    "bl_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", String(64), nullable=False),
)
bl_findings = Table(
    "bl_findings",
    metadata,
    Column("finding_id", String(36), primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("request", Text, nullable=False),
    Column("department", String(200), nullable=False),
    Column("status", String(20), nullable=False),
    Column("status_raw", String(200), nullable=False),
    Column("actions", Text),
    Column("plans", Text),
    Column("delay_reason", Text),
    Column("due_date", Date),
    Column("last_business_date", Date, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
bl_audit_log = Table(
    "bl_audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("finding_id", String(36), nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("action", String(40), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("business_date", Date, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("payload", Text, nullable=False),
)

_writing: contextvars.ContextVar[bool] = contextvars.ContextVar("writing", default=False)


def make_engine(url: str) -> Engine:
    """An engine with the product's SQLite behaviour: WAL, synchronous=NORMAL,
    busy_timeout, BEGIN IMMEDIATE for write transactions, plain BEGIN for reads."""
    engine = create_engine(url)  # the default pool, as the product's datastore
    if engine.dialect.name != "sqlite":
        return engine

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        dbapi_connection.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        dbapi_connection.execute("PRAGMA journal_mode = WAL")
        dbapi_connection.execute("PRAGMA synchronous = NORMAL")

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _writing.get() else "BEGIN")

    return engine


@contextmanager
def transaction(engine: Engine, *, write: bool) -> Iterator[Connection]:
    token = _writing.set(write)
    try:
        with engine.begin() as conn:
            yield conn
    finally:
        _writing.reset(token)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def seed(engine: Engine, findings: list[dict[str, Any]], token: str) -> None:
    """Create the tables and fill them: the product's findings as they are now, and
    one council-staff user holding ``token``."""
    metadata.drop_all(engine)
    metadata.create_all(engine)
    now = datetime.now(UTC)
    with transaction(engine, write=True) as conn:
        conn.execute(insert(bl_users).values(id="bench", name="bench", role="council_staff"))
        conn.execute(insert(bl_tokens).values(token_hash=digest(token), user_id="bench"))
        rows = [{**f, "updated_at": now} for f in findings]
        for start in range(0, len(rows), 500):
            conn.execute(insert(bl_findings), rows[start : start + 500])


# -- the API ------------------------------------------------------------------


class ReportBody(BaseModel):
    """As the product's ReportProgressRequest."""

    status: str = Field(pattern="^(under_review|in_progress|completed|not_adopted)$")
    status_raw: str | None = Field(default=None, max_length=200)
    actions: str | None = Field(default=None, max_length=50000)
    plans: str | None = Field(default=None, max_length=50000)
    delay_reason: str | None = Field(default=None, max_length=20000)
    business_date: date | None = None
    expected_version: int | None = Field(default=None, ge=1)


class FindingOut(BaseModel):
    finding_id: str
    kind: str
    request: str
    department: str
    status: str
    status_raw: str
    actions: str | None
    plans: str | None
    delay_reason: str | None
    due_date: date | None
    last_business_date: date
    version: int


def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


EngineDep = Annotated[Engine, Depends(_engine)]


def _user(engine: EngineDep, authorization: Annotated[str | None, Header()] = None) -> str:
    """The user of a bearer token, found by the token's SHA-256, as the product does."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HTTPException(401, "Authorization: Bearer <token> expected")
    with transaction(engine, write=False) as conn:
        found = conn.execute(
            select(bl_users.c.id)
            .join(bl_tokens, bl_tokens.c.user_id == bl_users.c.id)
            .where(bl_tokens.c.token_hash == digest(token.strip()))
        ).scalar()
    if found is None:
        raise HTTPException(401, "unknown token")
    return str(found)


UserDep = Annotated[str, Depends(_user)]


def create_app(url: str) -> FastAPI:
    engine = make_engine(url)
    app = FastAPI(title="baseline CRUD + audit log")
    app.state.engine = engine

    def read(conn: Connection, finding_id: str) -> FindingOut:
        row = conn.execute(select(bl_findings).where(bl_findings.c.finding_id == finding_id))
        found = row.mappings().first()
        if found is None:
            raise HTTPException(404, "no such finding")
        return FindingOut.model_validate({k: found[k] for k in FindingOut.model_fields})

    @app.get("/api/v1/findings/{finding_id}", response_model=FindingOut)
    def get_finding(finding_id: str, _: UserDep, response: Response) -> FindingOut:
        with transaction(engine, write=False) as conn:
            out = read(conn, finding_id)
        response.headers["ETag"] = f'"{out.version}"'
        return out

    @app.post("/api/v1/findings/{finding_id}/reports", response_model=FindingOut)
    def report_progress(
        finding_id: str, body: ReportBody, actor: UserDep, request: Request, response: Response
    ) -> Any:
        header = request.headers.get("if-match", "").strip().removeprefix("W/").strip('"')
        expected = body.expected_version or (int(header) if header.isdigit() else None)
        if expected is None:
            raise HTTPException(428, "send If-Match or expected_version")
        on = body.business_date or datetime.now(UTC).date()
        with transaction(engine, write=True) as conn:
            changed = conn.execute(
                update(bl_findings)
                .where(bl_findings.c.finding_id == finding_id, bl_findings.c.version == expected)
                .values(
                    status=body.status,
                    status_raw=body.status_raw or body.status,
                    actions=body.actions,
                    plans=body.plans,
                    delay_reason=body.delay_reason,
                    last_business_date=on,
                    version=bl_findings.c.version + 1,
                    updated_at=datetime.now(UTC),
                )
            ).rowcount
            if not changed:
                current = read(conn, finding_id).version  # 404 when there is none
                return JSONResponse(
                    {"code": "STALE_VERSION", "detail": {"current_version": current}},
                    409,
                    headers={"ETag": f'"{current}"'},
                )
            conn.execute(
                insert(bl_audit_log).values(
                    finding_id=finding_id,
                    version=expected + 1,
                    action="ProgressReported",
                    actor=actor,
                    business_date=on,
                    recorded_at=datetime.now(UTC),
                    payload=json.dumps(body.model_dump(mode="json"), ensure_ascii=False),
                )
            )
            out = read(conn, finding_id)
        response.headers["ETag"] = f'"{out.version}"'
        return out

    @app.get("/api/v1/summary")
    def summary(_: UserDep) -> dict[str, Any]:
        """Kind × status counts, computed by GROUP BY at each request."""
        t = bl_findings
        with transaction(engine, write=False) as conn:
            counts = conn.execute(
                select(t.c.kind, t.c.status, func.count()).group_by(t.c.kind, t.c.status)
            ).all()
        rows: dict[str, dict[str, int]] = {"total": {"total": 0}}
        for kind, status, n in counts:
            rows.setdefault(kind, {"total": 0})[status] = n
            rows[kind]["total"] += n
            rows["total"][status] = rows["total"].get(status, 0) + n
            rows["total"]["total"] += n
        return {"rows": rows, "as_of": None}

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args()
    # As `followup serve`: one process, log level info (access log on).
    uvicorn.run(create_app(args.db), host=args.host, port=args.port, log_level="info")


if __name__ == "__main__":
    main()
