"""Read-model tables (ours, under Alembic). The library owns its event and tracking tables."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Constraint,
    Date,
    DateTime,
    Dialect,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    Uuid,
    false,
    text,
)


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every database (SQLite would hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: times are stored in UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if not isinstance(value, datetime):
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData()


# Column sets several tables share (fresh Column objects each time: a column
# belongs to one table).
def _per_event(pk_name: str, *more_key: Column[Any]) -> tuple[Column[Any] | Constraint, ...]:
    """Rows per event: the finding and version it comes from (then ``more_key``) as the key."""
    key = (
        Column("finding_id", Uuid, nullable=False),
        Column("version", Integer, nullable=False),
        *more_key,
    )
    return (*key, PrimaryKeyConstraint(*(c.name for c in key), name=pk_name))


def _log_version() -> Column[Any]:
    """A reminder's version in the finding's reminder log (0: the finding's own event).

    A reminder is not an event of the finding: its row carries the finding's version
    it was raised at (``version``) and its own version in the log, so it sorts after
    that event and never meets the key of one.
    """
    return Column("log_version", Integer, nullable=False, server_default="0")


def _recipient() -> Column[Any]:
    """Who a row is for: a department id, or "staff"."""
    return Column("recipient", String(64), nullable=False)


def _department() -> tuple[Column[Any], ...]:
    """The responsible department: its stable id and its name as written."""
    return (
        Column("department_id", String(64), nullable=False),
        Column("department_name", String(200), nullable=False),
    )


audits = Table(
    "rm_audits",
    metadata,
    Column("audit_id", Uuid, primary_key=True),
    Column("council", String(200), nullable=False),
    Column("committee", String(200), nullable=False),
    Column("audited_body", String(200), nullable=False),
    Column("year", Integer, nullable=False),
    Column("session", String(200)),
    Column("audit_date", Date),
    Column("default_deadline", Date),
    Column("registered_on", Date, nullable=False),
    Column("findings", Integer, nullable=False, default=0),
)

# Current state of each finding: the finding list.
findings = Table(
    "rm_findings",
    metadata,
    Column("finding_id", Uuid, primary_key=True),
    Column("audit_id", Uuid, nullable=False),
    Column("committee", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("request", Text, nullable=False),
    *_department(),
    Column("raised_by", String(200)),
    Column("status", String(20), nullable=False),
    Column("status_raw", String(200), nullable=False),
    Column("verification", String(20)),
    Column("due_date", Date),
    Column("actions", Text),
    Column("plans", Text),
    Column("delay_reason", Text),
    Column("registered_on", Date, nullable=False),
    Column("last_business_date", Date, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    # For reminders: the claim's business date, the last report's, a pending extension.
    Column("claimed_on", Date),
    Column("last_reported_on", Date),
    Column("extension_due_date", Date),
    # A verified 미반영's re-review date: its reminder comes then.
    Column("review_on", Date),
    UniqueConstraint("audit_id", "kind", "seq", name="uq_rm_findings_audit_kind_seq"),
    Index("ix_rm_findings_department", "department_id"),
    Index("ix_rm_findings_status", "status"),
)

# Which audits each imported document (by its SHA-256) was imported into: the same
# document is not imported into a second audit by mistake.
imported_documents = Table(
    "rm_imported_documents",
    metadata,
    Column("document_hash", String(64), primary_key=True),
    Column("audit_id", Uuid, primary_key=True),
)

# Findings of an earlier audit followed in a later one too (이월): the later audit's
# 총괄 and lists show them in a block of their own.
carried_over = Table(
    "rm_carried_over",
    metadata,
    Column("finding_id", Uuid, nullable=False),
    Column("to_audit_id", Uuid, nullable=False),
    Column("from_audit_id", Uuid, nullable=False),
    Column("carried_on", Date, nullable=False),
    PrimaryKeyConstraint("finding_id", "to_audit_id", name="pk_rm_carried_over"),
    Index("ix_rm_carried_over_to_audit", "to_audit_id"),
)

# Staff's decisions on repeat findings: this finding repeats (confirmed) or does not
# repeat (dismissed) an earlier year's finding. The last decision per pair stands.
repeat_links = Table(
    "rm_repeat_links",
    metadata,
    Column("finding_id", Uuid, nullable=False),
    Column("earlier_finding_id", Uuid, nullable=False),
    Column("confirmed", Boolean, nullable=False),
    Column("decided_on", Date, nullable=False),
    PrimaryKeyConstraint("finding_id", "earlier_finding_id", name="pk_rm_repeat_links"),
)

# 처리결과 총괄 counters: one row per (audit, department, kind, status, verification).
# verification '' stands for "none" so the key has no NULLs.
summary_counts = Table(
    "rm_summary_counts",
    metadata,
    Column("audit_id", Uuid, nullable=False),
    Column("department_id", String(64), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    Column("verification", String(20), nullable=False),
    Column("committee", String(200), nullable=False),
    Column("count", Integer, nullable=False),
    PrimaryKeyConstraint(
        "audit_id",
        "department_id",
        "kind",
        "status",
        "verification",
        name="pk_rm_summary_counts",
    ),
)


def _cell() -> tuple[Column[Any], ...]:
    """A 총괄 cell: where a finding counts. verification '' stands for "none"."""
    return (
        Column("audit_id", Uuid, nullable=False),
        Column("department_id", String(64), nullable=False),
        Column("kind", String(20), nullable=False),
        Column("status", String(20), nullable=False),
        Column("verification", String(20), nullable=False),
        Column("committee", String(200), nullable=False),
    )


def _audit_committees(name: str) -> Table:
    """A view's own copy of each audit's committee (a finding's event names its audit only)."""
    return Table(
        name,
        metadata,
        Column("audit_id", Uuid, primary_key=True),
        Column("committee", String(200), nullable=False),
    )


# The counters view's own state: the cell each finding counts in now, so an event
# knows which cell it leaves.
summary_audits = _audit_committees("rm_summary_audits")
summary_cells = Table(
    "rm_summary_cells",
    metadata,
    Column("finding_id", Uuid, primary_key=True),
    *_cell(),
)

# Status history: the state each event left, valid from its business date.
status_history = Table(
    "rm_status_history",
    metadata,
    *_per_event("pk_rm_status_history"),
    Column("valid_from", Date, nullable=False),
    Column("audit_id", Uuid, nullable=False),
    Column("committee", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("department_id", String(64), nullable=False),
    Column("status", String(20), nullable=False),
    Column("verification", String(20)),
    Index("ix_rm_status_history_valid_from", "valid_from"),
)

# The 총괄 as of any date D: SUM(delta) over day <= D per cell. One row per cell and
# business date on which findings entered (+) or left (-) that cell.
history_audits = _audit_committees("rm_history_audits")
summary_changes = Table(
    "rm_summary_changes",
    metadata,
    Column("day", Date, nullable=False),
    *_cell(),
    Column("delta", Integer, nullable=False),
    # day first: "day <= D" is a range scan of the primary key.
    PrimaryKeyConstraint(
        "day",
        "audit_id",
        "department_id",
        "kind",
        "status",
        "verification",
        name="pk_rm_summary_changes",
    ),
)

timeline = Table(
    "rm_timeline",
    metadata,
    *_per_event("pk_rm_timeline", _log_version()),
    Column("event", String(50), nullable=False),
    Column("business_date", Date, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
    Column("actor_kind", String(20), nullable=False),
    Column("actor_id", String(200), nullable=False),
    Column("actor_role", String(30)),
    Column("data", JSON, nullable=False),
)

# Dated items of the last report's 향후계획 (stale-plan reminders).
milestones = Table(
    "rm_milestones",
    metadata,
    Column("finding_id", Uuid, nullable=False),
    Column("position", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("raw", String(200), nullable=False),
    Column("precision", String(20), nullable=False),
    Column("deadline", Date),
    PrimaryKeyConstraint("finding_id", "position", name="pk_rm_milestones"),
)

# What reached a department (or council staff, recipient "staff"): reminders and
# notices, one row per event and recipient. Digests pick from here.
inbox = Table(
    "rm_inbox",
    metadata,
    *_per_event("pk_rm_inbox", _log_version(), _recipient()),
    *_department(),
    Column("topic", String(30), nullable=False),
    Column("level", Integer, nullable=False),
    Column("reference_date", Date),
    Column("detail", Text),
    Column("raised_on", Date, nullable=False),
    # When what the entry asks for happened (a report, a decision, a new due date...)
    # and which of those it was: a resolved entry leaves the open inbox.
    Column("resolved_on", Date),
    Column("resolution", String(30)),
    Index("ix_rm_inbox_recipient", "recipient", "raised_on"),
)

# The inbox view's own state: the department responsible before the next event, and
# the last event of each resolving kind ({kind: [version, business date]}), so that
# an entry saved after what resolves it (a reminder raised from an older read) is
# resolved as it arrives.
inbox_findings = Table(
    "rm_inbox_findings",
    metadata,
    Column("finding_id", Uuid, primary_key=True),
    *_department(),
    Column("marks", JSON),
)

# -- not views: delivery bookkeeping, never rebuilt from events -------------------

outbox = Table(
    "followup_outbox",
    metadata,
    Column("message_id", String(200), primary_key=True),
    Column("recipient_key", String(64), nullable=False),
    Column("day", Date, nullable=False),
    Column("recipients", JSON, nullable=False),
    Column("subject", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("html", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("last_error", Text),
    UniqueConstraint("recipient_key", "day", name="uq_followup_outbox_recipient_day"),
)

digest_items = Table(
    "followup_digest_items",
    metadata,
    *_per_event("pk_followup_digest_items", _log_version(), _recipient()),
    Column("message_id", String(200), nullable=False),
)

# Which inbox entries each account has read (entries are keyed as the inbox is: the
# key survives a rebuild of the inbox view).
inbox_reads = Table(
    "followup_inbox_reads",
    metadata,
    *_per_event(
        "pk_followup_inbox_reads",
        _log_version(),
        _recipient(),
        Column("account_id", String(64), nullable=False),
    ),
    Column("read_at", UtcDateTime, nullable=False),
    Index("ix_followup_inbox_reads_account", "account_id", "finding_id"),
)

# Idempotency-Key: the first response to a POST, replayed for a repeated key.
idempotency = Table(
    "followup_idempotency",
    metadata,
    Column("owner", String(64), nullable=False),  # SHA-256 of the caller's credential
    Column("key", String(200), nullable=False),
    Column("method", String(10), nullable=False),
    Column("path", String(500), nullable=False),
    # SHA-256 of the request body: the same key with another body is refused.
    Column("fingerprint", String(64)),
    Column("status", Integer),  # NULL while the first request is in flight
    Column("content_type", String(100)),
    Column("body", Text),
    Column("headers", Text),  # JSON [[name, value], ...] of the headers replayed
    Column("created_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("owner", "key", name="pk_followup_idempotency"),
)

# Departments as reference data: today's name, merges, and every name ever used.
departments = Table(
    "rm_departments",
    metadata,
    Column("department_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("merged_into", String(64)),
    Column("merged_on", Date),
    # The council whose department it is ("": the installation's, shared by all).
    Column("council", String(200), nullable=False, server_default=""),
)

# The councils an installation serves (reference data beside the accounts). The first
# one registered owns what was recorded before councils: audits and departments of
# no council ("").
councils = Table(
    "followup_councils",
    metadata,
    Column("code", String(40), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("owns_unnamed", Boolean, nullable=False, server_default=false()),
    UniqueConstraint("name", name="uq_followup_councils_name"),
    # One owner at most, even when two first councils are added at once.
    Index(
        "uq_followup_councils_owner",
        "owns_unnamed",
        unique=True,
        postgresql_where=text("owns_unnamed"),
        sqlite_where=text("owns_unnamed"),
    ),
)

department_names = Table(
    "rm_department_names",
    metadata,
    # Each council names its own departments: two councils' 기획예산과 are two.
    Column("council", String(200), primary_key=True, server_default=""),
    Column("name_key", String(200), primary_key=True),  # the name without white space
    Column("department_id", String(64), nullable=False),
    Column("name", String(200)),  # the name as first written (NULL: before revision 0007)
)
