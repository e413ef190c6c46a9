"""reminder logs beside findings

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 01:30:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


# Reminders are events of each finding's reminder log, not of the finding: the rows
# per event key on the log's version too (0 for the finding's own events, which every
# row written so far is, legacy reminders included). The rows stay as they are.
_TABLES = (
    ("rm_timeline", "pk_rm_timeline", ()),
    ("rm_inbox", "pk_rm_inbox", ("recipient",)),
    ("followup_digest_items", "pk_followup_digest_items", ("recipient",)),
)


def upgrade() -> None:
    for table, pk, more in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(pk, type_="primary")
            batch.add_column(
                sa.Column('log_version', sa.Integer(), server_default='0', nullable=False)
            )
            batch.create_primary_key(pk, ["finding_id", "version", "log_version", *more])


def downgrade() -> None:
    for table, pk, more in _TABLES:
        op.execute(sa.text(f"DELETE FROM {table} WHERE log_version <> 0"))
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(pk, type_="primary")
            batch.drop_column('log_version')
            batch.create_primary_key(pk, ["finding_id", "version", *more])
