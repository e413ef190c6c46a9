"""views own their tables: 총괄 cells, as-of changes, inbox and search state

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 22:20:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


# The 총괄, history, inbox and search views now keep their own state, filled only
# by a replay: empty every view and its position, and the projector catches them
# up from the events.
_VIEW_TABLES = (
    "rm_status_history", "rm_summary_counts", "rm_findings", "rm_audits", "rm_timeline",
    "rm_milestones", "rm_inbox", "rm_search_terms", "rm_departments", "rm_department_names",
)
_TRACKING_TABLES = (
    "rm_findings_view_tracking", "rm_timeline_view_tracking", "rm_search_view_tracking",
    "rm_departments_view_tracking", "rm_summary_view_tracking", "rm_history_view_tracking",
    "rm_inbox_view_tracking",
)


def _reset_views() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    for table in (*_VIEW_TABLES, *_TRACKING_TABLES):
        if table in existing:
            op.execute(sa.text(f"DELETE FROM {table}"))


def _search_terms(with_rowid: bool) -> None:
    """On SQLite the search index becomes its key alone (WITHOUT ROWID); it is empty."""
    if op.get_bind().dialect.name != "sqlite":
        return
    op.drop_table('rm_search_terms')
    op.create_table('rm_search_terms',
    sa.Column('finding_id', sa.Uuid(), nullable=False),
    sa.Column('term', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('term', 'finding_id', name='pk_rm_search_terms'),
    sqlite_with_rowid=with_rowid,
    )


def upgrade() -> None:
    _reset_views()
    _search_terms(with_rowid=False)
    op.create_table('rm_summary_audits',
    sa.Column('audit_id', sa.Uuid(), nullable=False),
    sa.Column('committee', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('audit_id')
    )
    op.create_table('rm_summary_cells',
    sa.Column('finding_id', sa.Uuid(), nullable=False),
    sa.Column('audit_id', sa.Uuid(), nullable=False),
    sa.Column('department_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('verification', sa.String(length=20), nullable=False),
    sa.Column('committee', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('finding_id')
    )
    op.create_table('rm_history_audits',
    sa.Column('audit_id', sa.Uuid(), nullable=False),
    sa.Column('committee', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('audit_id')
    )
    op.create_table('rm_summary_changes',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('audit_id', sa.Uuid(), nullable=False),
    sa.Column('department_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('verification', sa.String(length=20), nullable=False),
    sa.Column('committee', sa.String(length=200), nullable=False),
    sa.Column('delta', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'audit_id', 'department_id', 'kind', 'status', 'verification', name='pk_rm_summary_changes')
    )
    op.create_table('rm_inbox_findings',
    sa.Column('finding_id', sa.Uuid(), nullable=False),
    sa.Column('department_id', sa.String(length=64), nullable=False),
    sa.Column('department_name', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('finding_id')
    )
    op.create_table('rm_search_texts',
    sa.Column('finding_id', sa.Uuid(), nullable=False),
    sa.Column('request', sa.Text(), nullable=False),
    sa.Column('actions', sa.Text(), nullable=True),
    sa.Column('plans', sa.Text(), nullable=True),
    sa.Column('delay_reason', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('finding_id')
    )


def downgrade() -> None:
    _reset_views()
    _search_terms(with_rowid=True)
    op.drop_table('rm_search_texts')
    op.drop_table('rm_inbox_findings')
    op.drop_table('rm_summary_changes')
    op.drop_table('rm_history_audits')
    op.drop_table('rm_summary_cells')
    op.drop_table('rm_summary_audits')
