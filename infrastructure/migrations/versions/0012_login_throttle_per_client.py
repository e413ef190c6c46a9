"""login failures counted per name and client (and per client), with the name kept

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 06:55:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The counters were keyed by the name alone: a stranger's failures locked the
    # account for everyone. They are short-lived: start afresh with the new keys.
    op.execute("DELETE FROM followup_login_failures")
    with op.batch_alter_table("followup_login_failures") as batch:
        batch.add_column(sa.Column("account", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("followup_login_failures") as batch:
        batch.drop_column("account")
