"""tamper-evident event chain

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 01:30:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


# The library's events table (named by the application, AuditTracker) and its hash
# chain records. The recorder creates the chain table beside the events too (it may
# exist already); the events stored before it are chained here, in notification order.
_EVENTS = "audittracker_events"
_CHAIN = "audittracker_events_chain"


def _id() -> sa.types.TypeEngine:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if _CHAIN not in existing:
        op.create_table(_CHAIN,
        sa.Column('notification_id', _id(), autoincrement=False, nullable=False),
        sa.Column('position', _id(), nullable=False),
        sa.Column('originator_id', sa.Uuid(), nullable=False),
        sa.Column('originator_version', _id(), nullable=False),
        sa.Column('stream_hash', sa.LargeBinary(), nullable=False),
        sa.Column('chain_hash', sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint('notification_id'),
        )
        op.create_index(f'{_CHAIN}_stream_idx', _CHAIN, ['originator_id', 'notification_id'])
    if _EVENTS in existing:
        from infrastructure.history import backfill

        backfill(op.get_bind(), _EVENTS)


def downgrade() -> None:
    if _CHAIN in set(sa.inspect(op.get_bind()).get_table_names()):
        op.drop_index(f'{_CHAIN}_stream_idx', table_name=_CHAIN)
        op.drop_table(_CHAIN)
