"""the status history keeps only the events that place a finding; evidence referenced by reports

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 01:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


import json
import uuid

# The status history now keeps only the events that can move a finding in the 총괄
# (reports, verification, return, reopening, reassignment). The rows of the other
# events repeat the cell before them (no step of the 총괄 comes from them): remove
# them in place, so nobody reads a half-built view.
_PLACING = ("Registered", "ProgressReported", "ClaimVerified", "ClaimReturned", "Reopened",
            "Reassigned")
_IMPORT_TOPICS = ("domain.audit:Audit.Registered", "domain.finding:Finding.ProgressReported")


def _uuid(value: object) -> uuid.UUID:
    """The library stores ids natively on PostgreSQL and as 16 bytes on SQLite."""
    if isinstance(value, uuid.UUID):
        return value
    if isinstance(value, bytes | memoryview) and len(value) == 16:
        return uuid.UUID(bytes=bytes(value))
    return uuid.UUID(str(value))


def _document_of(state: bytes) -> str | None:
    actor = json.loads(state).get("actor") or {}
    return (actor.get("_data_") or {}).get("document_hash")


def _backfill_documents(existing: set[str]) -> None:
    """Which audits each imported document went into, from the stored events."""
    if "audittracker_events" not in existing:
        return
    bind = op.get_bind()
    findings = sa.table(
        "rm_findings", sa.column("finding_id", sa.Uuid()), sa.column("audit_id", sa.Uuid())
    )
    audit_of = dict(bind.execute(sa.select(findings.c.finding_id, findings.c.audit_id)).all())
    pairs: set[tuple[str, object]] = set()
    events = sa.table("audittracker_events", sa.column("originator_id"),
                      sa.column("topic"), sa.column("state"))
    rows = bind.execute(
        sa.select(events.c.originator_id, events.c.topic, events.c.state)
        .where(events.c.topic.in_(_IMPORT_TOPICS))
    )
    for raw_id, topic, state in rows:
        originator_id = _uuid(raw_id)
        document = _document_of(bytes(state))
        audit_id = originator_id if topic.endswith("Audit.Registered") else audit_of.get(
            originator_id)
        if document and audit_id is not None:
            pairs.add((document, audit_id))
    if pairs:
        documents = sa.table("rm_imported_documents", sa.column("document_hash"),
                             sa.column("audit_id", sa.Uuid()))
        op.bulk_insert(documents, [{"document_hash": d, "audit_id": a} for d, a in pairs])


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "rm_status_history" in existing and "rm_timeline" in existing:
        placing = ", ".join(f"'{name}'" for name in _PLACING)
        op.execute(sa.text(
            "DELETE FROM rm_status_history WHERE EXISTS (SELECT 1 FROM rm_timeline t"
            " WHERE t.finding_id = rm_status_history.finding_id"
            " AND t.version = rm_status_history.version AND t.log_version = 0"
            f" AND t.event NOT IN ({placing}))"
        ))
    # Snapshots are derived: those taken before the findings knew their latest
    # placing date and their latest report's version are dropped, and taken again.
    if "audittracker_snapshots" in existing:
        op.execute(sa.text("DELETE FROM audittracker_snapshots"))
    op.create_table(
        "rm_imported_documents",
        sa.Column("document_hash", sa.String(length=64), nullable=False),
        sa.Column("audit_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("document_hash", "audit_id"),
    )
    _backfill_documents(existing)


def downgrade() -> None:
    op.drop_table("rm_imported_documents")
