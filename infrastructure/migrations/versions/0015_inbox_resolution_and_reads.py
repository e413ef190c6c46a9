"""inbox entries resolved by what they ask for; read marks per account

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 15:00:00.000000

Whether an entry is resolved depends on every event after it, so the inbox view
is emptied with its position and the projector replays it from the events (as
0005 did). Read marks are new: nobody has read anything yet.
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_VIEW_TABLES = ("rm_inbox", "rm_inbox_findings", "rm_milestones")
_TRACKING_TABLE = "rm_inbox_view_tracking"


def upgrade() -> None:
    with op.batch_alter_table("rm_inbox") as batch:
        batch.add_column(sa.Column("resolved_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("resolution", sa.String(length=30), nullable=True))
    with op.batch_alter_table("rm_inbox_findings") as batch:
        batch.add_column(sa.Column("marks", sa.JSON(), nullable=True))
    op.create_table(
        "followup_inbox_reads",
        sa.Column("finding_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("log_version", sa.Integer(), server_default="0", nullable=False),
        sa.Column("recipient", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "finding_id",
            "version",
            "log_version",
            "recipient",
            "account_id",
            name="pk_followup_inbox_reads",
        ),
    )
    op.create_index(
        "ix_followup_inbox_reads_account",
        "followup_inbox_reads",
        ["account_id", "finding_id"],
    )
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    for table in _VIEW_TABLES:
        op.execute(sa.text(f"DELETE FROM {table}"))
    if _TRACKING_TABLE in existing:
        op.execute(sa.text(f"DELETE FROM {_TRACKING_TABLE}"))


def downgrade() -> None:
    op.drop_index("ix_followup_inbox_reads_account", table_name="followup_inbox_reads")
    op.drop_table("followup_inbox_reads")
    with op.batch_alter_table("rm_inbox_findings") as batch:
        batch.drop_column("marks")
    with op.batch_alter_table("rm_inbox") as batch:
        batch.drop_column("resolution")
        batch.drop_column("resolved_on")
