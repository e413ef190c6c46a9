"""Accounts: who may sign in, and how a signed-in user becomes a Principal (SPEC §8).

The application declares the store it needs (``AccountStore``); infrastructure
implements it. Passwords, tokens and session ids never leave the store in clear
except once, when created.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from application.access import Principal, require_admin
from application.councils import CouncilMismatchError
from application.departments import DepartmentDirectory
from application.ports import Clock
from domain.errors import DomainError
from domain.values import Actor, has_bidi_control, has_unstorable
from domain.vocabulary import Role

MIN_PASSWORD_LENGTH = 8


@dataclass(frozen=True)
class User:
    """An account. It holds department ids (``department_ids``); ``departments``
    are their names today, and ``acting``/``readable`` what the ids allow today
    (merges followed), as the store read them."""

    id: str
    name: str
    role: Role
    departments: tuple[str, ...]
    active: bool
    department_ids: tuple[str, ...] = ()
    acting: frozenset[str] = frozenset()
    readable: frozenset[str] = frozenset()
    council: str | None = None  # the council it is bound to (its name); None: none
    # What it sees: its council, None (every council: a system administrator, or an
    # installation with no council registered), or nothing (``councils.UNBOUND``).
    scope: str | None = None

    def principal(self) -> Principal:
        return Principal(
            Actor.user(self.id, self.role), self.acting, self.readable, council=self.scope
        )


class InvalidCredentialsError(DomainError):
    """Wrong name or password; deliberately does not say which."""

    code = "INVALID_CREDENTIALS"
    message_ko = "아이디 또는 비밀번호가 올바르지 않습니다."
    message_en = "The name or password is not correct."


class LoginThrottledError(DomainError):
    """Too many failed sign-ins for this name: refused until ``retry_after`` seconds pass."""

    code = "LOGIN_THROTTLED"
    message_ko = "로그인 실패가 많아 잠시 잠겼습니다. 잠시 후 다시 시도하세요."
    message_en = "Too many failed sign-ins; try again later."

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


class AuthenticationRequiredError(DomainError):
    code = "AUTHENTICATION_REQUIRED"
    message_ko = "로그인이 필요합니다."
    message_en = "Authentication required."


class CsrfFailedError(DomainError):
    code = "CSRF_FAILED"
    message_ko = (
        "요청 확인 토큰(CSRF)이 없거나 맞지 않습니다. 페이지를 새로 고친 뒤 다시 시도하세요."
    )
    message_en = "The CSRF token is missing or wrong; reload the page and try again."


class UserExistsError(DomainError):
    code = "USER_EXISTS"
    message_ko = "같은 이름의 사용자가 이미 있습니다."
    message_en = "A user with this name already exists."


class UnknownUserError(DomainError):
    code = "UNKNOWN_USER"
    message_ko = "사용자를 찾을 수 없습니다."
    message_en = "No such user."


class PasswordTooShortError(DomainError):
    code = "PASSWORD_TOO_SHORT"
    message_ko = f"비밀번호는 {MIN_PASSWORD_LENGTH}자 이상이어야 합니다."
    message_en = f"The password must have at least {MIN_PASSWORD_LENGTH} characters."


class InvalidAccountError(DomainError):
    code = "INVALID_ACCOUNT"
    message_ko = "계정 정보가 올바르지 않습니다."
    message_en = "The account's data is not valid."


class UnknownTokenError(DomainError):
    code = "UNKNOWN_TOKEN"
    message_ko = "API 토큰을 찾을 수 없습니다."
    message_en = "No such API token."


class LastActiveAdminError(DomainError):
    """The change would leave nobody able to administer the installation."""

    code = "LAST_ACTIVE_ADMIN"
    message_ko = (
        "사용 중인 관리자가 이 계정 하나뿐입니다. 다른 관리자를 먼저 두어야 "
        "사용 중지하거나 역할을 바꿀 수 있습니다."
    )
    message_en = "This is the only active administrator; add another one first."


class DepartmentRequiredError(InvalidAccountError):
    code = "DEPARTMENT_REQUIRED"
    message_ko = "부서 담당자에게는 등록된 담당부서가 하나 이상 있어야 합니다."
    message_en = "A department officer needs at least one registered department."


class DepartmentNotAllowedError(InvalidAccountError):
    code = "DEPARTMENT_NOT_ALLOWED"
    message_ko = "담당부서는 부서 담당자에게만 지정할 수 있습니다."
    message_en = "Only a department officer is bound to departments."


@dataclass(frozen=True)
class TokenInfo:
    """An API token as an administrator sees it: never the secret nor its hash.

    ``id`` is a short public id, made for listing and revoking."""

    id: str
    name: str  # its owner's sign-in name
    label: str | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    owner_active: bool = True

    @property
    def usable(self) -> bool:
        return self.revoked_at is None and self.owner_active


class AccountStore(Protocol):
    """Users, API tokens and browser sessions (implemented in infrastructure)."""

    def add_user(
        self,
        name: str,
        password: str,
        role: Role,
        department_ids: Sequence[str] = (),
        council: str | None = None,
    ) -> User:
        """``department_ids``: registered departments' ids (names are resolved by the
        caller); ``council``: a registered council's name (None: bound to none).
        Raises UserExistsError, PasswordTooShortError, InvalidAccountError."""

    def authenticate(self, name: str, password: str, client: str = "") -> User:
        """Raises InvalidCredentialsError or LoginThrottledError (per name and client,
        and per client over every name)."""

    def unlock(self, name: str) -> int:
        """Lift every login lock of a name; how many there were."""

    def create_token(self, name: str, label: str | None = None) -> str:
        """A new API token, returned once; raises UnknownUserError."""

    def user_for_token(self, token: str) -> User | None:
        """The active user holding the token, or None."""

    def create_session(self, user: User) -> tuple[str, str]:
        """(session cookie value, CSRF token)."""

    def session(self, cookie: str) -> tuple[User, str] | None:
        """(active user, CSRF token) of a live session, or None."""

    def end_session(self, cookie: str) -> None: ...

    def list_users(self) -> list[User]: ...

    def set_active(self, name: str, active: bool) -> User:
        """Raises UnknownUserError, LastActiveAdminError. An inactive user's tokens
        and sessions stop working at once (its sessions are ended)."""

    def set_password(self, name: str, password: str) -> User:
        """Raises UnknownUserError, PasswordTooShortError. Ends the user's sessions."""

    def set_role(self, name: str, role: Role, department_ids: Sequence[str] = ()) -> User:
        """The rules of ``add_user`` for role and departments; ends the user's sessions.
        Raises UnknownUserError, InvalidAccountError, LastActiveAdminError."""

    def locked_until(self) -> dict[str, datetime]:
        """Names with a live login lock (from some client), and when the last one ends."""

    def list_tokens(self) -> list[TokenInfo]:
        """Every API token, revoked ones included, oldest first."""

    def revoke_token(self, token_id: str) -> TokenInfo:
        """The token stops authenticating at once; revoking twice keeps the first
        time. Raises UnknownTokenError."""


# Longer than any name an account can have; the store's limit too.
NAME_MAX = 200


def _checked_name(name: str) -> str:
    """A name no account can have (too long, control or bidi characters) is unknown:
    refused before it reaches the database (PostgreSQL refuses NUL outright)."""
    if not name.strip() or len(name) > NAME_MAX or has_unstorable(name) or has_bidi_control(name):
        raise UnknownUserError(name[:NAME_MAX])
    return name


def _manages(principal: Principal, user: User) -> bool:
    """A system administrator manages every account; a council's, its council's."""
    return principal.council is None or user.council == principal.council


@dataclass
class AccountAdmin:
    """What an administrator does to accounts (the CLI acts as the system).

    Department names are resolved here, once, as ``users add`` does: accounts
    hold department ids."""

    store: AccountStore
    directory: DepartmentDirectory
    clock: Clock

    def users(self, principal: Principal) -> list[User]:
        """Every account a system administrator; a council's administrator, its own."""
        require_admin(principal)
        return [u for u in self.store.list_users() if _manages(principal, u)]

    def _account(self, principal: Principal, name: str) -> str:
        """The name of an account the caller manages (another council's is unknown).

        Raises:
            UnknownUserError.
        """
        clean = unicodedata.normalize("NFC", _checked_name(name)).strip()
        if principal.council is not None and not any(
            u.name == clean for u in self.users(principal)
        ):
            raise UnknownUserError(clean)
        return clean

    def add_user(
        self,
        principal: Principal,
        name: str,
        password: str,
        role: Role,
        departments: Sequence[str] = (),
        council: str | None = None,
    ) -> User:
        """An account of ``council`` (a council's administrator: its own), bound to
        ``departments`` by name as of today.

        Raises:
            PermissionDeniedError, UnknownDepartmentError, UserExistsError,
            PasswordTooShortError, InvalidAccountError, CouncilMismatchError.
        """
        require_admin(principal)
        if principal.council is not None:
            if council not in (None, principal.council):
                raise CouncilMismatchError(council or "")
            council = principal.council
        today = self.clock.today()
        directory = replace(self.directory, council=council)
        ids = list(dict.fromkeys(directory.id_of(d, today) for d in departments))
        return self.store.add_user(name, password, role, ids, council)

    def locked_until(self, principal: Principal) -> dict[str, datetime]:
        require_admin(principal)
        return self.store.locked_until()

    def set_active(self, principal: Principal, name: str, active: bool) -> User:
        """Raises PermissionDeniedError, UnknownUserError, LastActiveAdminError."""
        require_admin(principal)
        return self.store.set_active(self._account(principal, name), active)

    def reset_password(self, principal: Principal, name: str, password: str) -> User:
        """Raises PermissionDeniedError, UnknownUserError, PasswordTooShortError."""
        require_admin(principal)
        return self.store.set_password(self._account(principal, name), password)

    def set_role(
        self, principal: Principal, name: str, role: Role, departments: Sequence[str] = ()
    ) -> User:
        """``departments`` by name (current or former), as of today.

        Raises:
            PermissionDeniedError, UnknownUserError, UnknownDepartmentError,
            InvalidAccountError, LastActiveAdminError.
        """
        require_admin(principal)
        name = self._account(principal, name)
        bound = next((u.council for u in self.store.list_users() if u.name == name), None)
        directory = replace(self.directory, council=principal.council or bound)
        today = self.clock.today()
        ids = list(dict.fromkeys(directory.id_of(d, today) for d in departments))
        return self.store.set_role(name, role, ids)

    def unlock(self, principal: Principal, name: str) -> int:
        """Lift an account's login locks. Raises UnknownUserError: unlike
        ``AccountStore.unlock`` (names no account has are throttled too), this is
        the administrator's action on an account."""
        require_admin(principal)
        clean = self._account(principal, name)
        if all(u.name != clean for u in self.store.list_users()):
            raise UnknownUserError(clean)
        return self.store.unlock(clean)

    def tokens(self, principal: Principal) -> list[TokenInfo]:
        require_admin(principal)
        names = {u.name for u in self.users(principal)}
        return [t for t in self.store.list_tokens() if t.name in names]

    def revoke_token(self, principal: Principal, token_id: str) -> TokenInfo:
        """Raises PermissionDeniedError, UnknownTokenError."""
        require_admin(principal)
        clean = token_id.strip()
        if not clean or len(clean) > 64 or not clean.isascii() or not clean.isalnum():
            raise UnknownTokenError(clean[:64])
        if principal.council is not None and clean.lower() not in {
            t.id for t in self.tokens(principal)
        }:
            raise UnknownTokenError(clean)  # another council's account's token
        return self.store.revoke_token(clean.lower())
