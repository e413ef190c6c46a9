"""Councils (의회): the tenants of one installation.

A council is named by the name its audits carry (``Audit.council``) and by a short
ASCII code for commands (``--council seoul``). Every account but a system
administrator is bound to one; what it reads and changes is that council's only
(``application/tenancy.py``). An installation with no council registered is one
council's, as it always was: every account sees everything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from application.access import Principal, require_admin
from application.errors import PermissionDeniedError
from domain.errors import DomainError
from domain.values import has_bidi_control, has_unstorable, one_line

CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")
NAME_MAX = 200

# The scope of an account bound to no council where councils are registered: it
# matches no audit's council (no council may be registered under this name).
UNBOUND = "(unbound)"


@dataclass(frozen=True)
class Council:
    code: str
    name: str
    created_at: datetime
    # The first council registered owns what was recorded before councils (audits
    # and departments of no council): an installation that served one goes on.
    owns_unnamed: bool = False


class InvalidCouncilError(DomainError):
    code = "INVALID_COUNCIL"
    message_ko = "의회 정보가 올바르지 않습니다. 코드는 영문 소문자·숫자·하이픈 2~40자입니다."
    message_en = "The council is not valid: a code is 2 to 40 lower-case letters, digits or '-'."


class CouncilExistsError(DomainError):
    code = "COUNCIL_EXISTS"
    message_ko = "이미 등록된 의회입니다."
    message_en = "A council with this code or name is already registered."


class UnknownCouncilError(DomainError):
    code = "UNKNOWN_COUNCIL"
    message_ko = "등록되지 않은 의회입니다."
    message_en = "No council is registered with this code or name."


class CouncilMismatchError(DomainError):
    """Data of another council than the caller's (an import's document, a form)."""

    code = "OTHER_COUNCIL"
    message_ko = "다른 의회의 자료입니다. 소속 의회의 자료만 등록할 수 있습니다."
    message_en = "This belongs to another council: only your council's data can be recorded."


def checked_code(code: str) -> str:
    clean = code.strip().lower()
    if not CODE_PATTERN.match(clean):
        raise InvalidCouncilError(code)
    return clean


def checked_name(name: str) -> str:
    clean = one_line(name)
    if (
        not clean
        or len(clean) > NAME_MAX
        or has_bidi_control(clean)
        or has_unstorable(clean)
        or clean == UNBOUND
    ):
        raise InvalidCouncilError(name)
    return clean


class CouncilRegistry(Protocol):
    def add(self, code: str, name: str) -> Council:
        """Raises CouncilExistsError."""

    def list(self) -> list[Council]: ...

    def bind_unbound_accounts(self, name: str) -> int:
        """Bind every account bound to no council, administrators aside, to ``name``;
        how many were bound."""


@dataclass
class Councils:
    """Registering councils, and the one rule for naming one (a code or a name)."""

    registry: CouncilRegistry

    def add(self, principal: Principal, code: str, name: str) -> tuple[Council, int]:
        """Register a council (a system administrator or an operator). The first one
        registered adopts the installation's accounts bound to none, and owns its audits
        and departments of no council (an installation that served one council goes on
        serving it): the council and how many accounts it adopted.

        Raises:
            PermissionDeniedError, InvalidCouncilError, CouncilExistsError.
        """
        require_admin(principal)
        if principal.council is not None:
            raise PermissionDeniedError("system administrators only")
        council = self.registry.add(checked_code(code), checked_name(name))
        adopted = self.registry.bind_unbound_accounts(council.name) if council.owns_unnamed else 0
        return council, adopted

    def list(self) -> list[Council]:
        return self.registry.list()

    def named(self, code_or_name: str) -> Council:
        """The council a command names, by its code or its name.

        Raises:
            UnknownCouncilError.
        """
        wanted = one_line(code_or_name)
        for council in self.registry.list():
            if wanted in (council.code, council.name):
                return council
        raise UnknownCouncilError(code_or_name)

    def scope_of(self, bound: str | None, *, admin: bool) -> str | None:
        """What an account bound to ``bound`` (a council's name, or None) sees: its
        council; every council for an administrator bound to none, or where no council
        is registered; else nothing (``UNBOUND``)."""
        if bound is not None:
            return bound
        if admin or not self.registry.list():
            return None
        return UNBOUND
