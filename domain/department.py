"""Department (부서): reference data that is renamed and merged over the years.

Its id is the stable department id that findings carry (``DepartmentRef.id`` is
``"dept-" + str(id)``), so a rename or a merge never touches a finding's events:
history keeps the name as written, views resolve the department of today.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Unpack
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import DomainError
from domain.values import (
    Actor,
    DepartmentRef,
    StampFields,
    natural_id,
    one_line,
    required_reason,
    stamped,
)


class DepartmentMergedError(DomainError):
    code = "DEPARTMENT_MERGED"
    message_ko = "통합되어 없어진 부서입니다."
    message_en = "The department was merged into another one."


class InvalidDepartmentError(DomainError):
    code = "INVALID_DEPARTMENT"
    message_ko = "부서 정보가 올바르지 않습니다."
    message_en = "The department's data is not valid."


class UnknownDepartmentError(InvalidDepartmentError):
    """A name no registered department has or had; the message offers the closest."""

    code = "UNKNOWN_DEPARTMENT"
    message_ko = "등록되지 않은 부서입니다."
    message_en = "No registered department has this name."

    def __init__(self, name: str, close: tuple[str, ...] = ()) -> None:
        super().__init__(name)
        self.name, self.close = name, close
        if close:
            names = ", ".join(close)
            self.message_ko = f"등록되지 않은 부서입니다: {name}. 비슷한 부서: {names}"
            self.message_en = f"No registered department is named {name}; closest: {names}."
        else:
            self.message_ko = f"등록되지 않은 부서입니다: {name}"
            self.message_en = f"No registered department is named {name}."


def department_uuid(ref_id: str) -> UUID:
    """The aggregate id behind a ``DepartmentRef.id``."""
    return UUID(ref_id.removeprefix("dept-"))


def _name(name: str) -> str:
    clean = one_line(name)
    if not clean or len(clean) > 200:
        raise InvalidDepartmentError("a name of 1 to 200 characters")
    return clean


class Department(Aggregate):
    """Department (부서): a name today, the names it had, and whether it was merged."""

    class Registered(Aggregate.Created):
        name: str
        actor: Actor
        business_date: date
        # The council whose department it is; "" (events before councils): the
        # installation's, shared by every council.
        council: str = ""

    class Event(Aggregate.Event):
        actor: Actor
        business_date: date

    class Renamed(Event):
        name: str
        previous_name: str
        effective_on: date
        reason: str

        def apply(self, department: Department) -> None:
            department.names.append(self.name)
            department.name = self.name

    class MergedInto(Event):
        target_id: str  # a DepartmentRef id
        target_name: str
        effective_on: date
        reason: str

        def apply(self, department: Department) -> None:
            department.merged_into = self.target_id

    @event(Registered)
    def __init__(self, name: str, actor: Actor, business_date: date, council: str = "") -> None:
        self.name = name
        self.names: list[str] = [name]
        self.merged_into: str | None = None
        self.council = council

    @staticmethod
    def create_id(name: str, council: str = "", *, first: bool = True) -> UUID:
        """The id DepartmentRef.from_name gives the name, for the first department of
        this name; another council's department of the same name (``first`` False)
        has an id of its council and name."""
        if first or not council:
            return department_uuid(DepartmentRef.from_name(name).id)
        return natural_id("department", council, "".join(name.split()))

    @property
    def ref(self) -> DepartmentRef:
        return DepartmentRef(id=f"dept-{self.id}", name=self.name)

    @classmethod
    def register(
        cls,
        *,
        name: str,
        ref_id: str | None = None,
        council: str = "",
        first: bool = True,
        **stamp: Unpack[StampFields],
    ) -> Department:
        """A department of ``council``, with the id its first name gives (``create_id``;
        or ``ref_id``: the id a department already carries in findings, registered as
        an aggregate later)."""
        clean = _name(name)
        uuid = department_uuid(ref_id) if ref_id else cls.create_id(clean, council, first=first)
        return cls._create(cls.Registered, id=uuid, name=clean, council=council, **stamped(**stamp))

    def rename(
        self, *, name: str, effective_on: date, reason: str, actor: Actor, now: datetime
    ) -> None:
        """A reorganisation renames the department; its findings keep their history.

        Raises:
            DepartmentMergedError, InvalidDepartmentError, ReasonRequiredError.
        """
        self._check_active()
        clean = _name(name)
        reason = required_reason(reason)
        if clean != self.name:
            self.trigger_event(
                self.Renamed,
                name=clean,
                previous_name=self.name,
                effective_on=effective_on,
                reason=reason,
                **stamped(actor, effective_on, now),
            )

    def merge_into(
        self, *, target: DepartmentRef, effective_on: date, reason: str, actor: Actor, now: datetime
    ) -> None:
        """The department is merged into another; its findings follow the target.

        Raises:
            DepartmentMergedError, InvalidDepartmentError (into itself), ReasonRequiredError.
        """
        self._check_active()
        if target.id == self.ref.id:
            raise InvalidDepartmentError("a department cannot merge into itself")
        self.trigger_event(
            self.MergedInto,
            target_id=target.id,
            target_name=target.name,
            effective_on=effective_on,
            reason=required_reason(reason),
            **stamped(actor, effective_on, now),
        )

    def _check_active(self) -> None:
        if self.merged_into is not None:
            raise DepartmentMergedError(self.merged_into)
