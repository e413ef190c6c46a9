"""Departments as reference data: which id a name means, renames and merges."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from application.access import Principal, require_admin
from application.dto import DepartmentRow
from application.ports import DepartmentReadModel
from application.writer import Writer
from domain.department import Department, InvalidDepartmentError, department_uuid
from domain.values import DepartmentRef, one_line


@dataclass
class DepartmentDirectory:
    """The one rule for turning a department's name as written into its id."""

    read_model: DepartmentReadModel

    def resolve(self, name: str) -> DepartmentRef:
        """A renamed department keeps its id; a name never seen gets a fresh one.

        Raises:
            InvalidDepartmentError: a blank name.
        """
        if not one_line(name):
            raise InvalidDepartmentError("a department name")
        known = self.read_model.department_named(name)
        if known is None:
            return DepartmentRef.from_name(name)
        return DepartmentRef(id=known.id, name=one_line(name))

    def id_of(self, name: str) -> str:
        return self.resolve(name).id

    def list(self) -> list[DepartmentRow]:
        """Departments an administrator has changed (others are known by their findings)."""
        return self.read_model.list_departments()


@dataclass
class DepartmentAdmin:
    writer: Writer
    directory: DepartmentDirectory

    def rename(
        self, principal: Principal, name: str, *, new_name: str, effective_on: date, reason: str
    ) -> DepartmentRef:
        require_admin(principal)
        department = self._department(name, principal)
        stamp = self.writer.stamp(principal.actor)
        department.rename(
            name=new_name,
            effective_on=effective_on,
            reason=reason,
            actor=stamp.actor,
            now=stamp.now,
        )
        self.writer.save(department)
        return department.ref

    def merge(
        self, principal: Principal, name: str, *, into: str, effective_on: date, reason: str
    ) -> DepartmentRef:
        """Merge a department into another: its findings follow the target from then on."""
        require_admin(principal)
        department = self._department(name, principal)
        target = self._department(into, principal)
        stamp = self.writer.stamp(principal.actor)
        department.merge_into(
            target=target.ref,
            effective_on=effective_on,
            reason=reason,
            actor=stamp.actor,
            now=stamp.now,
        )
        self.writer.save(department, target if target.pending_events else None)
        return target.ref

    def _department(self, name: str, principal: Principal) -> Department:
        ref = self.directory.resolve(name)
        department = self.writer.events.load(department_uuid(ref.id), Department)
        if department is None:
            # Departments come into being with the first finding that names them;
            # the aggregate is created when an administrator first changes one.
            stamp = self.writer.stamp(principal.actor)
            department = Department.register(name=ref.name, **stamp.fields)
        return department
