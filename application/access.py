"""Who is acting, and what they may do (SPEC §8: checks live here, not in the UI)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from application.errors import PermissionDeniedError
from domain.values import Actor
from domain.vocabulary import ActorKind, Role


@dataclass(frozen=True)
class Principal:
    """The acting party: the actor recorded in events, plus its departments.

    ``departments`` are the ids whose findings it acts on (a department merged
    into one of its own included); ``readable`` adds those it only reads (its own
    departments merged away: their officers keep reading what they had).
    ``council`` is the council (by name) whose data it may see and change; None:
    every council (a system administrator, the scheduler, an operator's command).
    """

    actor: Actor
    departments: frozenset[str] = field(default_factory=frozenset)
    readable: frozenset[str] = field(default_factory=frozenset)
    council: str | None = None

    @classmethod
    def system(cls) -> Principal:
        return cls(Actor.system())

    @property
    def reads(self) -> frozenset[str]:
        """Every department id whose findings and inbox it reads."""
        return self.departments | self.readable

    @property
    def is_trusted_process(self) -> bool:
        """CLI before accounts, imports and the scheduler act for the council."""
        return self.actor.kind is not ActorKind.USER

    def sees(self, council: str) -> bool:
        """Whether the data of ``council`` (an audit's) is this caller's to see."""
        return self.council is None or self.council == council

    def within(self, council: str | None) -> Principal:
        """The same party acting for one council (an operator's ``--council``)."""
        return replace(self, council=council)

    @property
    def is_council_staff(self) -> bool:
        return self.is_trusted_process or self.actor.role is Role.COUNCIL_STAFF


def require_council_staff(principal: Principal) -> None:
    """Verify, return, reopen, reassign, due dates, registration: staff only."""
    if not principal.is_council_staff:
        raise PermissionDeniedError("council staff only")


def _is_officer_of(principal: Principal, department_id: str) -> bool:
    return (
        principal.actor.role is Role.DEPARTMENT_OFFICER and department_id in principal.departments
    )


def require_may_report(principal: Principal, department_id: str) -> None:
    """A department officer reports on its own departments' findings; staff on behalf."""
    if not (principal.is_council_staff or _is_officer_of(principal, department_id)):
        raise PermissionDeniedError("not responsible for this finding")


def require_department(principal: Principal, department_id: str) -> None:
    """Only the department asks for more time: council staff decide on it."""
    if not (principal.is_trusted_process or _is_officer_of(principal, department_id)):
        raise PermissionDeniedError("only the responsible department")


def require_admin(principal: Principal) -> None:
    """Users, departments, settings: administrators (and trusted processes)."""
    if not (principal.is_trusted_process or principal.actor.role is Role.ADMIN):
        raise PermissionDeniedError("administrators only")


def require_may_read_inbox(principal: Principal, recipient: str) -> None:
    """A department's inbox is its officers' (its reads), council staff's and
    administrators'; council staff's inbox ("staff") is theirs."""
    overseer = principal.is_council_staff or principal.actor.role is Role.ADMIN
    if not (overseer or recipient in principal.reads):
        raise PermissionDeniedError("not this inbox's reader")
