"""Departments (``rm_departments``, ``rm_department_names``): names, merges, every name used.

Departments registered as aggregates come from their events. A department known
only from the findings recorded before departments were aggregates comes from the
findings' ``Registered`` and ``Reassigned`` events (the id and name they carry),
so every store lists every department its findings name.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from domain.department import Department
from domain.finding import Finding
from domain.values import DepartmentRef
from infrastructure.readmodel import tables
from infrastructure.readmodel.views.base import BatchView, Positioned, dialect_insert


class DepartmentsView(BatchView):
    """Departments: today's name, what each was merged into, and every name used."""

    view_name = "rm_departments_view"
    view_tables = (tables.departments, tables.department_names)

    def apply_batch(self, session: Session, events: Sequence[Positioned]) -> None:
        d = tables.departments
        named: dict[str, DepartmentRef] = {}  # by name key: what findings name
        councils: dict[str, str] = {}  # registered in this batch: id -> council
        for e, _ in events:
            if isinstance(e, Department.Registered):
                ref_id = f"dept-{e.originator_id}"
                session.execute(
                    dialect_insert(session, d)
                    .values(department_id=ref_id, name=e.name, council=e.council)
                    .on_conflict_do_update(
                        index_elements=["department_id"], set_={"council": e.council}
                    )
                )
                councils[ref_id] = e.council
                self._name(session, e.name, ref_id, e.council)
            elif isinstance(e, Department.Renamed):
                ref_id = f"dept-{e.originator_id}"
                session.execute(update(d).where(d.c.department_id == ref_id).values(name=e.name))
                council = councils.get(ref_id)
                if council is None:
                    council = (
                        session.execute(
                            select(d.c.council).where(d.c.department_id == ref_id)
                        ).scalar_one_or_none()
                        or ""
                    )
                self._name(session, e.name, ref_id, council)
            elif isinstance(e, Finding.Registered | Finding.Reassigned):
                named.setdefault("".join(e.department.name.split()), e.department)
            elif isinstance(e, Department.MergedInto):
                session.execute(
                    update(d)
                    .where(d.c.department_id == f"dept-{e.originator_id}")
                    .values(merged_into=e.target_id, merged_on=e.effective_on)
                )
        if named:
            self._known(session, list(named.values()))

    @staticmethod
    def _name(session: Session, name: str, ref_id: str, council: str) -> None:
        n = tables.department_names
        key = "".join(name.split())
        session.execute(
            dialect_insert(session, n)
            .values(council=council, name_key=key, department_id=ref_id, name=name)
            .on_conflict_do_update(
                index_elements=["council", "name_key"],
                set_={"department_id": ref_id, "name": name},
            )
        )

    @staticmethod
    def _known(session: Session, named: list[DepartmentRef]) -> None:
        """Departments findings name: added if no event registered them (nothing
        else changes: a department's own events decide its name and merges)."""
        d, n = tables.departments, tables.department_names
        ids = {ref.id: ref.name for ref in named}
        # A department known already (registered: its own events name it) is left alone.
        known = set(
            session.execute(
                select(d.c.department_id).where(d.c.department_id.in_(list(ids)))
            ).scalars()
        )
        named = [r for r in named if r.id not in known]
        if not named:
            return
        ids = {ref.id: ref.name for ref in named}
        session.execute(
            dialect_insert(session, d)
            .values([{"department_id": i, "name": name} for i, name in ids.items()])
            .on_conflict_do_nothing()
        )
        session.execute(
            dialect_insert(session, n)
            .values(
                [
                    {
                        "council": "",
                        "name_key": "".join(r.name.split()),
                        "department_id": r.id,
                        "name": r.name,
                    }
                    for r in named
                ]
            )
            .on_conflict_do_nothing()
        )
