"""Departments as reference data: which id a name means, registration, renames and merges.

Departments are registered explicitly (an import, council staff, an administrator).
Everything else holds their ids: a name is resolved once, at the edge, and a name
no department has or had is refused with the closest known names.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from application.access import Principal, require_admin, require_council_staff
from application.dto import DepartmentRow
from application.ports import DepartmentReadModel
from application.writer import Stamp, Writer
from domain.department import (
    Department,
    DepartmentMergedError,
    InvalidDepartmentError,
    UnknownDepartmentError,
    department_uuid,
)
from domain.values import DepartmentRef, one_line
from domain.vocabulary import Role

# How many known names an unknown one is answered with.
CLOSE_NAMES = 3


def _key(name: str) -> str:
    return "".join(name.split())


@dataclass(frozen=True)
class DepartmentAccess:
    """What an account bound to some departments may do on a date."""

    names: tuple[str, ...]  # today's names of the departments it is bound to
    acting: frozenset[str]  # ids whose findings it reports on (merges followed)
    readable: frozenset[str]  # ids whose findings and inboxes it reads


@dataclass
class DepartmentDirectory:
    """The one rule for turning a department's name as written into its id."""

    read_model: DepartmentReadModel
    # One council's departments (and the shared ones); None: the read model's own.
    council: str | None = None

    def find(self, name: str) -> DepartmentRef | None:
        """The department that has or had this name (the name as written), or None."""
        clean = one_line(name)
        known = self.read_model.department_named(clean, self.council) if clean else None
        return None if known is None else DepartmentRef(id=known.id, name=clean)

    def resolve(self, name: str, on: date | None = None) -> DepartmentRef:
        """The registered department of this name (a former name too: renames keep
        the id). Given ``on``, a department merged by then resolves to its target.

        Raises:
            InvalidDepartmentError: a blank name.
            UnknownDepartmentError: no department has or had this name.
        """
        clean = one_line(name)
        if not clean:
            raise InvalidDepartmentError("a department name")
        known = self.find(clean)
        if known is None:
            raise UnknownDepartmentError(clean, self.close_names(clean))
        if on is None:
            return known
        rows = self._rows()
        current = _current(known.id, rows, on)
        if current == known.id:
            return known
        return DepartmentRef(id=current, name=rows[current].name if current in rows else clean)

    def id_of(self, name: str, on: date | None = None) -> str:
        return self.resolve(name, on).id

    def close_names(self, name: str) -> tuple[str, ...]:
        """Up to three known names (current or former) closest to ``name``."""
        names = {n for row in self.list() for n in (row.name, *row.former_names)}
        by_key = {_key(n): n for n in sorted(names)}
        close = difflib.get_close_matches(_key(name), list(by_key), n=CLOSE_NAMES, cutoff=0.4)
        return tuple(by_key[k] for k in close)

    def list(self) -> list[DepartmentRow]:
        """Every registered department, by today's name."""
        return self.read_model.list_departments(self.council)

    def current_id(self, department_id: str, on: date) -> str:
        """The department responsible on ``on`` for what ``department_id`` names:
        itself, or the department it was merged into by then (merges followed)."""
        return _current(department_id, self._rows(), on)

    def merged_into(self, department_id: str, on: date) -> tuple[str, ...]:
        """The departments merged (directly or not) into this one by ``on``."""
        return tuple(sorted(_merged_into(department_id, self._rows(), on) - {department_id}))

    def access(self, department_ids: Iterable[str], on: date) -> DepartmentAccess:
        """What an account bound to ``department_ids`` may do on ``on``: it reports
        for its departments still in being and for those merged into them by then;
        a department merged away keeps reading what it had, and reports no more."""
        rows = self._rows()
        ids = tuple(department_ids)
        acting: set[str] = set()
        for department_id in ids:
            if _current(department_id, rows, on) == department_id:
                acting |= _merged_into(department_id, rows, on)
        return DepartmentAccess(
            names=tuple(rows[i].name if i in rows else i for i in ids),
            acting=frozenset(acting),
            readable=frozenset(acting | set(ids)),
        )

    def mail_recipients(
        self, addresses: Mapping[str, Sequence[str]], on: date
    ) -> tuple[dict[str, tuple[str, ...]], tuple[str, ...]]:
        """E-mail addresses per department id, from addresses per department name (a
        former name too) or id; a department merged into one listed reaches its
        addresses too, unless it has its own. Also returns the names no department has."""
        rows = self._rows()
        by_id: dict[str, tuple[str, ...]] = {}
        unknown: tuple[str, ...] = ()
        for key, to in addresses.items():
            found = key if key in rows else (ref.id if (ref := self.find(key)) else None)
            if found is None:
                unknown += (key,)
            else:
                by_id[found] = tuple(dict.fromkeys(a.strip() for a in to if a.strip()))
        for department_id, to in list(by_id.items()):
            for merged in sorted(_merged_into(department_id, rows, on)):
                by_id.setdefault(merged, to)
        return by_id, unknown

    def _rows(self) -> dict[str, DepartmentRow]:
        return {r.department_id: r for r in self.list()}


def _current(department_id: str, rows: dict[str, DepartmentRow], on: date) -> str:
    seen = {department_id}
    while (row := rows.get(department_id)) is not None and row.merged_into is not None:
        if (row.merged_on is not None and row.merged_on > on) or row.merged_into in seen:
            break
        department_id = row.merged_into
        seen.add(department_id)
    return department_id


def _merged_into(department_id: str, rows: dict[str, DepartmentRow], on: date) -> set[str]:
    """The department and every one merged into it by ``on`` (transitively)."""
    ids, frontier = {department_id}, [department_id]
    while frontier:
        target = frontier.pop()
        for row in rows.values():
            merged = row.merged_on is None or row.merged_on <= on
            if row.merged_into == target and merged and row.department_id not in ids:
                ids.add(row.department_id)
                frontier.append(row.department_id)
    return ids


def new_department(writer: Writer, name: str, council: str, stamp: Stamp) -> Department:
    """A department of ``council`` to register under the id its name gives, unless a
    department (another council's) holds that id already."""
    first = writer.events.load(Department.create_id(name), Department) is None
    return Department.register(name=name, council=council, first=first, **stamp.fields)


@dataclass
class DepartmentAdmin:
    writer: Writer
    directory: DepartmentDirectory

    def register(self, principal: Principal, name: str) -> DepartmentRef:
        """Register a department (council staff, administrators, imports).

        Raises:
            PermissionDeniedError, InvalidDepartmentError (blank, too long, or the
            name is already a department's, current or former).
        """
        if principal.actor.role is not Role.ADMIN:
            require_council_staff(principal)
        clean = one_line(name)
        if not clean:
            raise InvalidDepartmentError("a department name")
        if (known := self.directory.find(clean)) is not None:
            raise InvalidDepartmentError(f"already registered: {clean} ({known.id})")
        stamp = self.writer.stamp(principal.actor)
        department = new_department(self.writer, clean, principal.council or "", stamp)
        if self.writer.events.load(department.id, Department) is not None:
            raise InvalidDepartmentError(f"already registered: {clean}")
        self.writer.save(department)
        return department.ref

    def new_departments(
        self, names: Iterable[str], principal: Principal, on: date | None = None
    ) -> dict[str, Department]:
        """Departments to register for the names no department has or had (what an
        import or a finding's registration creates beside its findings), of the
        caller's council."""
        new: dict[str, Department] = {}
        for name in names:
            clean = one_line(name)
            if not clean or self.directory.find(clean) is not None:
                continue
            if _key(clean) not in {_key(n) for n in new}:
                stamp = self.writer.stamp(principal.actor, on)
                new[clean] = new_department(self.writer, clean, principal.council or "", stamp)
        return new

    def rename(
        self, principal: Principal, name: str, *, new_name: str, effective_on: date, reason: str
    ) -> DepartmentRef:
        require_admin(principal)
        department = self._department(name, principal)
        taken = self.directory.find(new_name)
        if taken is not None and taken.id != department.ref.id:
            raise InvalidDepartmentError(f"another department has this name: {taken.name}")
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
        if target.merged_into is not None:
            # Into a department merged away: that would chain, or loop, the merges.
            raise DepartmentMergedError(target.merged_into)
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
        ref = self.directory.resolve(name)  # UnknownDepartmentError
        department = self.writer.events.load(department_uuid(ref.id), Department)
        if department is None:
            # Known from findings recorded before departments were aggregates: the
            # aggregate is registered, with the id those findings carry, on its first change.
            name = next(
                (r.name for r in self.directory.list() if r.department_id == ref.id), ref.name
            )
            stamp = self.writer.stamp(principal.actor)
            department = Department.register(name=name, ref_id=ref.id, **stamp.fields)
        return department
