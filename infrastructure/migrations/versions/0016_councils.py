"""councils: the tenants of an installation; accounts and departments bound to one

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 18:00:00.000000

Accounts bound to no council (NULL) stay as they were: in an installation with no
council registered they see everything; the first council registered adopts them,
and owns the audits and departments of no council ("").
Department names become unique per council, so the departments view is emptied
with its position and the projector replays it from the events (as 0005 did).
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_TRACKING_TABLE = "rm_departments_view_tracking"


def upgrade() -> None:
    op.create_table(
        "followup_councils",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("owns_unnamed", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("code"),
        sa.UniqueConstraint("name", name="uq_followup_councils_name"),
    )
    op.create_index(
        "uq_followup_councils_owner",
        "followup_councils",
        ["owns_unnamed"],
        unique=True,
        postgresql_where=sa.text("owns_unnamed"),
        sqlite_where=sa.text("owns_unnamed"),
    )
    with op.batch_alter_table("followup_users") as batch:
        batch.add_column(sa.Column("council", sa.String(length=200), nullable=True))
    with op.batch_alter_table("rm_departments") as batch:
        batch.add_column(
            sa.Column("council", sa.String(length=200), server_default="", nullable=False)
        )
    op.drop_table("rm_department_names")
    op.create_table(
        "rm_department_names",
        sa.Column("council", sa.String(length=200), server_default="", nullable=False),
        sa.Column("name_key", sa.String(length=200), nullable=False),
        sa.Column("department_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("council", "name_key"),
    )
    op.execute(sa.text("DELETE FROM rm_departments"))
    if _TRACKING_TABLE in set(sa.inspect(op.get_bind()).get_table_names()):
        op.execute(sa.text(f"DELETE FROM {_TRACKING_TABLE}"))


def downgrade() -> None:
    # One row per name again (a council's own kept before the shared ones).
    op.create_table(
        "rm_department_names_0015",
        sa.Column("name_key", sa.String(length=200), nullable=False),
        sa.Column("department_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("name_key"),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT council, name_key, department_id, name FROM rm_department_names"
            " ORDER BY council"
        )
    ).all()
    kept = {r.name_key: r for r in rows}
    if kept:
        bind.execute(
            sa.text(
                "INSERT INTO rm_department_names_0015 (name_key, department_id, name)"
                " VALUES (:name_key, :department_id, :name)"
            ),
            [
                {"name_key": r.name_key, "department_id": r.department_id, "name": r.name}
                for r in kept.values()
            ],
        )
    op.drop_table("rm_department_names")
    op.rename_table("rm_department_names_0015", "rm_department_names")
    with op.batch_alter_table("rm_departments") as batch:
        batch.drop_column("council")
    with op.batch_alter_table("followup_users") as batch:
        batch.drop_column("council")
    op.drop_table("followup_councils")
