"""Accounts: who may sign in, and how a signed-in user becomes a Principal (SPEC §8).

The application declares the store it needs (``AccountStore``); infrastructure
implements it. Passwords, tokens and session ids never leave the store in clear
except once, when created.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from application.access import Principal
from domain.errors import DomainError
from domain.values import Actor
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

    def principal(self) -> Principal:
        return Principal(Actor.user(self.id, self.role), self.acting, self.readable)


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


class AccountStore(Protocol):
    """Users, API tokens and browser sessions (implemented in infrastructure)."""

    def add_user(
        self, name: str, password: str, role: Role, department_ids: Sequence[str] = ()
    ) -> User:
        """``department_ids``: registered departments' ids (names are resolved by the
        caller). Raises UserExistsError, PasswordTooShortError, InvalidAccountError."""

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
        """Raises UnknownUserError. An inactive user's tokens and sessions stop working."""

    def set_password(self, name: str, password: str) -> User:
        """Raises UnknownUserError, PasswordTooShortError."""
