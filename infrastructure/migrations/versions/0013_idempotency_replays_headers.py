"""an Idempotency-Key replay answers the first response's headers too

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 08:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # JSON list of [name, value]; rows stored before have none (replayed without).
    with op.batch_alter_table("followup_idempotency") as batch:
        batch.add_column(sa.Column("headers", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("followup_idempotency") as batch:
        batch.drop_column("headers")
