"""an Idempotency-Key remembers the body it came with

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 06:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Keys stored before have none: a replay of them compares with "" (any body
    # then counts as another one, which is refused rather than silently dropped).
    with op.batch_alter_table("followup_idempotency") as batch:
        batch.add_column(sa.Column("fingerprint", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("followup_idempotency") as batch:
        batch.drop_column("fingerprint")
