"""findings carried over into later audits; repeat decisions; re-review dates

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 05:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Verifications before re-review dates have none: NULL is their value.
    with op.batch_alter_table("rm_findings") as batch:
        batch.add_column(sa.Column("review_on", sa.Date(), nullable=True))
    # No event of these kinds existed before: the tables start empty.
    op.create_table(
        "rm_carried_over",
        sa.Column("finding_id", sa.Uuid(), nullable=False),
        sa.Column("to_audit_id", sa.Uuid(), nullable=False),
        sa.Column("from_audit_id", sa.Uuid(), nullable=False),
        sa.Column("carried_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("finding_id", "to_audit_id", name="pk_rm_carried_over"),
    )
    op.create_index("ix_rm_carried_over_to_audit", "rm_carried_over", ["to_audit_id"])
    op.create_table(
        "rm_repeat_links",
        sa.Column("finding_id", sa.Uuid(), nullable=False),
        sa.Column("earlier_finding_id", sa.Uuid(), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("finding_id", "earlier_finding_id", name="pk_rm_repeat_links"),
    )


def downgrade() -> None:
    with op.batch_alter_table("rm_findings") as batch:
        batch.drop_column("review_on")
    op.drop_table("rm_repeat_links")
    op.drop_index("ix_rm_carried_over_to_audit", table_name="rm_carried_over")
    op.drop_table("rm_carried_over")
