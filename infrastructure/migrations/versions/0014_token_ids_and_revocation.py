"""API tokens get a short public id (to list and revoke them) and a revocation time

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 09:00:00.000000
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_tokens = sa.table(
    "followup_tokens",
    sa.column("token_hash", sa.String),
    sa.column("id", sa.String),
)


def upgrade() -> None:
    with op.batch_alter_table("followup_tokens") as batch:
        batch.add_column(sa.Column("id", sa.String(16), nullable=True))
        batch.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
    # Tokens issued before get a random id, as new ones do: the id never derives
    # from the secret or its hash.
    bind = op.get_bind()
    taken: set[str] = set()
    for token_hash in list(bind.execute(sa.select(_tokens.c.token_hash)).scalars()):
        while (new := secrets.token_hex(4)) in taken:
            pass
        taken.add(new)
        bind.execute(sa.update(_tokens).where(_tokens.c.token_hash == token_hash).values(id=new))
    with op.batch_alter_table("followup_tokens") as batch:
        batch.alter_column("id", existing_type=sa.String(16), nullable=False)
        batch.create_unique_constraint("uq_followup_tokens_id", ["id"])


def downgrade() -> None:
    # Revoked tokens would work again without their revocation: remove them.
    op.execute("DELETE FROM followup_tokens WHERE revoked_at IS NOT NULL")
    with op.batch_alter_table("followup_tokens") as batch:
        batch.drop_constraint("uq_followup_tokens_id", type_="unique")
        batch.drop_column("revoked_at")
        batch.drop_column("id")
