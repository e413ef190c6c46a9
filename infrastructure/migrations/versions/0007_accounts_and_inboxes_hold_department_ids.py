"""accounts and inboxes hold department ids

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 01:30:00.000000

- ``rm_department_names`` keeps each name as written (``name``), for the former
  names a department listing shows and the close names an unknown one is answered with.
- Departments known only from findings (stores from before departments were
  registered explicitly) are added to ``rm_departments`` and ``rm_department_names``
  from the finding list and the inbox view's state, as the departments view now
  projects them from the findings' events (a rebuild gives the same rows).
- Accounts held department names: each becomes the id of the department that has
  or had the name, else the id a department of that name is registered with.
  Inboxes and the outbox were already keyed by department ids.
"""
from alembic import op
import sqlalchemy as sa

from domain.values import DepartmentRef


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

_departments = sa.table(
    'rm_departments',
    sa.column('department_id', sa.String),
    sa.column('name', sa.String),
)
_names = sa.table(
    'rm_department_names',
    sa.column('name_key', sa.String),
    sa.column('department_id', sa.String),
    sa.column('name', sa.String),
)
_users = sa.table(
    'followup_users',
    sa.column('id', sa.String),
    sa.column('departments', sa.JSON),
)


def _key(name: str) -> str:
    return "".join(name.split())


def upgrade() -> None:
    op.add_column('rm_department_names', sa.Column('name', sa.String(length=200), nullable=True))
    bind = op.get_bind()
    bind.execute(sa.update(_names).values(name=_names.c.name_key))

    known_ids = {r.department_id for r in bind.execute(sa.select(_departments.c.department_id))}
    keys = {r.name_key: r.department_id for r in bind.execute(sa.select(_names))}
    named = []
    for table in ('rm_findings', 'rm_inbox_findings'):
        t = sa.table(table, sa.column('department_id', sa.String), sa.column('department_name', sa.String))
        named.extend(bind.execute(sa.select(t.c.department_id, t.c.department_name).distinct()))
    for department_id, name in sorted(set(named)):
        if department_id not in known_ids:
            bind.execute(sa.insert(_departments).values(department_id=department_id, name=name))
            known_ids.add(department_id)
        if _key(name) not in keys:
            bind.execute(
                sa.insert(_names).values(name_key=_key(name), department_id=department_id, name=name)
            )
            keys[_key(name)] = department_id
        else:  # a name known before it had a spelling: the findings' spelling, spaces kept
            bind.execute(
                sa.update(_names)
                .where(_names.c.name_key == _key(name), _names.c.name == _names.c.name_key)
                .values(name=name)
            )

    for user in list(bind.execute(sa.select(_users))):
        held = list(user.departments or [])
        ids = list(
            dict.fromkeys(
                d if d.startswith('dept-') else keys.get(_key(d), DepartmentRef.from_name(d).id)
                for d in held
                if d.strip()
            )
        )
        if ids != held:
            bind.execute(sa.update(_users).where(_users.c.id == user.id).values(departments=ids))


def downgrade() -> None:
    bind = op.get_bind()
    names = {r.department_id: r.name for r in bind.execute(sa.select(_departments))}
    for user in list(bind.execute(sa.select(_users))):
        held = list(user.departments or [])
        back = [names.get(d, d) for d in held]
        if back != held:
            bind.execute(sa.update(_users).where(_users.c.id == user.id).values(departments=back))
    with op.batch_alter_table('rm_department_names') as batch:
        batch.drop_column('name')
