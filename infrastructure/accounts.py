"""Accounts in SQL: argon2id passwords, hashed API tokens and sessions, login throttling.

Only SHA-256 digests of tokens and session ids are stored, so a copy of the
database does not let anyone in. These are random 256-bit secrets, so a fast
hash is enough; passwords are chosen by people and get argon2id.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import unicodedata
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from eventsourcing.persistence import IntegrityError
from eventsourcing_sqlalchemy.datastore import SQLAlchemyDatastore
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Integer,
    Row,
    String,
    Table,
    UniqueConstraint,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from application.accounts import (
    MIN_PASSWORD_LENGTH,
    NAME_MAX,
    DepartmentNotAllowedError,
    DepartmentRequiredError,
    InvalidAccountError,
    InvalidCredentialsError,
    LastActiveAdminError,
    LoginThrottledError,
    PasswordTooShortError,
    TokenInfo,
    UnknownTokenError,
    UnknownUserError,
    User,
    UserExistsError,
)
from application.councils import Councils
from application.departments import DepartmentDirectory
from application.ports import Clock, DepartmentReadModel
from domain.values import DepartmentRef
from domain.vocabulary import Role
from infrastructure.councils import SqlCouncilStore
from infrastructure.readmodel.queries import SqlReadModel
from infrastructure.readmodel.tables import UtcDateTime, metadata

TOKEN_PREFIX = "fu_"
SESSION_LIFETIME = timedelta(hours=12)
# Writing last_used_at on every request would make each API call a write transaction.
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)
MAX_FAILURES = 5
# Failures from one client over every name before it is slowed down as a whole.
MAX_CLIENT_FAILURES = 20
LOCK_BASE = timedelta(seconds=60)
LOCK_MAX = timedelta(minutes=15)
# A token's public id: 8 hex digits, shown by `tokens list` and the admin page.
TOKEN_ID_BYTES = 4

users = Table(
    "followup_users",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(NAME_MAX), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("role", String(30), nullable=False),
    Column("departments", JSON, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    # The council it is bound to (by name; NULL: none, e.g. a system administrator).
    Column("council", String(200)),
    UniqueConstraint("name", name="uq_followup_users_name"),
)


def _user_id(table_name: str) -> Column[str]:
    """The user a token or session belongs to."""
    foreign_key = ForeignKey("followup_users.id", name=f"fk_{table_name}_user_id")
    return Column("user_id", String(64), foreign_key, nullable=False)


tokens = Table(
    "followup_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    _user_id("followup_tokens"),
    Column("label", String(200)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_used_at", UtcDateTime),
    # A public handle for listing and revoking: random, so it tells nothing of the secret.
    Column("id", String(16), nullable=False),
    Column("revoked_at", UtcDateTime),
    UniqueConstraint("id", name="uq_followup_tokens_id"),
)

sessions = Table(
    "followup_sessions",
    metadata,
    Column("session_hash", String(64), primary_key=True),
    _user_id("followup_sessions"),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
)

# Keyed by the name tried and the client trying it (a hash of both), known names or
# not: unknown names lock alike, so a lock does not tell which names exist; a
# stranger's failures lock only the stranger. A row per client alone (``account``
# NULL) slows a client that tries many names.
login_failures = Table(
    "followup_login_failures",
    metadata,
    Column("name", String(NAME_MAX), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("locked_until", UtcDateTime),
    Column("account", String(NAME_MAX)),  # the name tried, so an admin can unlock it
)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _clean_name(name: str) -> str:
    # NFC: the same Korean name typed on macOS (NFD) and Windows is one account.
    return unicodedata.normalize("NFC", name).strip()


def _clean_password(password: str) -> str:
    return unicodedata.normalize("NFC", password)


def _user(row: Row[Any]) -> User:
    """The account as stored (department ids); ``SqlAccountStore._with_departments``
    adds their names and what they allow today."""
    ids = tuple(row.departments)
    return User(
        id=row.id,
        name=row.name,
        role=Role(row.role),
        departments=ids,
        active=bool(row.active),
        department_ids=ids,
        council=row.council,
    )


def _department_ids(role: Role, department_ids: Sequence[str]) -> tuple[str, ...]:
    """The rules ``add_user`` has always applied to an account's departments."""
    depts = tuple(dict.fromkeys(d.strip() for d in department_ids if d.strip()))
    if role is Role.DEPARTMENT_OFFICER and not depts:
        raise InvalidAccountError("a department officer needs at least one department")
    if any(not d.startswith("dept-") for d in depts):
        raise InvalidAccountError("departments are given by their ids (dept-…)")
    return depts


def _throttle_key(client: str, name: str | None) -> str:
    """The failure counter of a name tried from a client, or (None) of the client."""
    return digest(f"pair\x1f{client}\x1f{name}" if name is not None else f"client\x1f{client}")


def _token_info(row: Row[Any]) -> TokenInfo:
    return TokenInfo(
        id=row.id,
        name=row.name,
        label=row.label,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
        owner_active=bool(row.active),
    )


def lock_duration(failures: int) -> timedelta:
    """60 s at the 5th consecutive failure, doubling with each further one, at most 15 min."""
    if failures < MAX_FAILURES:
        return timedelta(0)
    return min(LOCK_BASE * (1 << min(failures - MAX_FAILURES, 10)), LOCK_MAX)


@dataclass(frozen=True)
class DemoAccount:
    name: str
    password: str
    role: Role
    departments: tuple[str, ...]


class SqlAccountStore:
    """The AccountStore on the shared datastore (write transactions begin IMMEDIATE on SQLite)."""

    def __init__(
        self,
        datastore: SQLAlchemyDatastore,
        *,
        clock: Clock,
        hasher: PasswordHasher | None = None,
        departments: DepartmentReadModel | None = None,
    ) -> None:
        self.datastore = datastore
        self.clock = clock
        self.hasher = hasher or PasswordHasher()  # argon2id, RFC 9106 low-memory profile
        self.departments = DepartmentDirectory(departments or SqlReadModel(datastore))
        self.councils = Councils(SqlCouncilStore(datastore, clock=clock))

    def _with_departments(self, user: User) -> User:
        """The user with today's names of its departments and what they allow today
        (a merge takes effect on its effective date, with no change to the account),
        and the council whose data it sees."""
        scope = self.councils.scope_of(user.council, admin=user.role is Role.ADMIN)
        user = replace(user, scope=scope)
        if not user.department_ids:
            return user
        access = self.departments.access(user.department_ids, self.clock.today())
        return replace(
            user, departments=access.names, acting=access.acting, readable=access.readable
        )

    @cached_property
    def _dummy_hash(self) -> str:
        # Unknown names are verified against this, so they cost as much as known ones.
        return self.hasher.hash(secrets.token_urlsafe(16))

    @contextmanager
    def _read(self) -> Iterator[Session]:
        with self.datastore.transaction(commit=False) as session:
            yield session

    @contextmanager
    def _write(self) -> Iterator[Session]:
        with self.datastore.transaction(commit=True) as session:
            yield session

    # -- users ---------------------------------------------------------------

    def _hash_password(self, password: str) -> str:
        password = _clean_password(password)
        if len(password) < MIN_PASSWORD_LENGTH:
            raise PasswordTooShortError()
        return self.hasher.hash(password)

    def add_user(
        self,
        name: str,
        password: str,
        role: Role,
        department_ids: Sequence[str] = (),
        council: str | None = None,
    ) -> User:
        name = _clean_name(name)
        if not name or len(name) > NAME_MAX:
            raise InvalidAccountError(f"a name of 1 to {NAME_MAX} characters is required")
        depts = _department_ids(role, department_ids)
        user = User(
            id=str(uuid.uuid4()),
            name=name,
            role=role,
            departments=depts,
            active=True,
            department_ids=depts,
            council=council,
        )
        password_hash = self._hash_password(password)  # outside the transaction: it is slow
        try:
            with self._write() as session:
                if session.execute(select(users.c.id).where(users.c.name == name)).first():
                    raise UserExistsError(name)
                session.execute(
                    insert(users).values(
                        id=user.id,
                        name=name,
                        password_hash=password_hash,
                        role=role.value,
                        departments=list(depts),
                        active=True,
                        created_at=self.clock.now(),
                        council=council,
                    )
                )
        except IntegrityError:  # PostgreSQL: a concurrent add of the same name won
            raise UserExistsError(name) from None
        return self._with_departments(user)

    def _find(self, session: Session, name: str) -> Row[Any]:
        row = session.execute(select(users).where(users.c.name == _clean_name(name))).first()
        if row is None:
            raise UnknownUserError(name)
        return row

    def list_users(self) -> list[User]:
        with self._read() as session:
            found = [_user(r) for r in session.execute(select(users).order_by(users.c.name))]
        return [self._with_departments(u) for u in found]

    def _keep_an_admin(self, session: Session, row: Row[Any]) -> None:
        """Refuse to disable or demote the last active administrator.

        The other active administrators' rows are locked (FOR UPDATE on PostgreSQL;
        SQLite's write transaction holds the whole database), so two administrators
        disabling each other at once cannot both succeed."""
        if row.role != Role.ADMIN.value or not row.active:
            return
        others = session.execute(
            select(users.c.id)
            .where(users.c.role == Role.ADMIN.value, users.c.active.is_(True))
            .with_for_update()
        ).scalars()
        if not set(others) - {row.id}:
            raise LastActiveAdminError(row.name)

    def set_active(self, name: str, active: bool) -> User:
        with self._write() as session:
            row = self._find(session, name)
            if not active:
                self._keep_an_admin(session, row)
            session.execute(update(users).where(users.c.id == row.id).values(active=active))
            if not active:
                session.execute(delete(sessions).where(sessions.c.user_id == row.id))
        return replace(self._with_departments(_user(row)), active=active)

    def set_role(self, name: str, role: Role, department_ids: Sequence[str] = ()) -> User:
        """Raises UnknownUserError, InvalidAccountError (DepartmentRequiredError,
        DepartmentNotAllowedError), LastActiveAdminError."""
        depts = tuple(dict.fromkeys(d.strip() for d in department_ids if d.strip()))
        if role is Role.DEPARTMENT_OFFICER and not depts:
            raise DepartmentRequiredError()
        if role is not Role.DEPARTMENT_OFFICER and depts:
            # Only officers act for departments: a binding elsewhere would mean nothing.
            raise DepartmentNotAllowedError()
        depts = _department_ids(role, depts)
        with self._write() as session:
            row = self._find(session, name)
            if role is not Role.ADMIN:
                self._keep_an_admin(session, row)
            session.execute(
                update(users)
                .where(users.c.id == row.id)
                .values(role=role.value, departments=list(depts))
            )
            # What a session may do was read at sign-in: the user signs in again.
            session.execute(delete(sessions).where(sessions.c.user_id == row.id))
        changed = replace(_user(row), role=role, departments=depts, department_ids=depts)
        return self._with_departments(changed)

    def locked_until(self) -> dict[str, datetime]:
        f, now = login_failures, self.clock.now()
        with self._read() as session:
            rows = session.execute(
                select(f.c.account, func.max(f.c.locked_until))
                .where(f.c.account.is_not(None), f.c.locked_until > now)
                .group_by(f.c.account)
            ).all()
        return {str(account): until for account, until in rows}

    def set_password(self, name: str, password: str) -> User:
        password_hash = self._hash_password(password)
        with self._write() as session:
            row = self._find(session, name)
            session.execute(
                update(users).where(users.c.id == row.id).values(password_hash=password_hash)
            )
            # A new password ends the sessions opened with the old one.
            session.execute(delete(sessions).where(sessions.c.user_id == row.id))
        return self._with_departments(_user(row))

    # -- sign-in and throttling ----------------------------------------------

    def authenticate(self, name: str, password: str, client: str = "") -> User:
        """Check a name and password tried from ``client`` (its address).

        Failures slow down that name from that client (5 in a row: 60 s, doubling up
        to 15 min) and, over every name, that client (after 20): never the account
        for everyone, so a stranger cannot lock a user out.

        Raises:
            LoginThrottledError, InvalidCredentialsError.
        """
        name, password = _clean_name(name), _clean_password(password)
        now = self.clock.now()
        f = login_failures
        pair, whole = _throttle_key(client, name), _throttle_key(client, None)
        with self._read() as session:
            row = session.execute(select(users).where(users.c.name == name)).first()
            locks = session.execute(
                select(f.c.locked_until).where(f.c.name.in_((pair, whole)))
            ).scalars()
            locked_until = max((t for t in locks if t is not None), default=None)
        if locked_until is not None and locked_until > now:
            # Refused before verifying: a locked name costs no argon2 work.
            raise LoginThrottledError(math.ceil((locked_until - now).total_seconds()))
        ok = self._verify(row.password_hash if row else None, password)
        if ok and row is not None and row.active:
            with self._write() as session:
                session.execute(delete(f).where(f.c.name.in_((pair, whole))))
                if self.hasher.check_needs_rehash(row.password_hash):
                    session.execute(
                        update(users)
                        .where(users.c.id == row.id)
                        .values(password_hash=self.hasher.hash(password))
                    )
            return self._with_departments(_user(row))
        self._record_failure(pair, now, account=name[:NAME_MAX], threshold=MAX_FAILURES)
        self._record_failure(whole, now, account=None, threshold=MAX_CLIENT_FAILURES)
        raise InvalidCredentialsError()

    def unlock(self, name: str) -> int:
        """An administrator lifts every lock of a name (from any client); how many."""
        f = login_failures
        name = _clean_name(name)
        with self._write() as session:
            locked = session.execute(select(func.count()).where(f.c.account == name)).scalar_one()
            session.execute(delete(f).where(f.c.account == name))
        return int(locked)

    def _verify(self, password_hash: str | None, password: str) -> bool:
        try:
            matched = self.hasher.verify(password_hash or self._dummy_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
        return matched and password_hash is not None

    def _record_failure(
        self, key: str, now: datetime, *, account: str | None, threshold: int
    ) -> None:
        f = login_failures
        with self._write() as session:
            # An atomic upsert: concurrent failures for one key all count.
            dialect = session.get_bind().dialect.name
            module: Any = postgresql if dialect == "postgresql" else sqlite
            session.execute(
                module.insert(f)
                .values(name=key, failures=1, locked_until=None, account=account)
                .on_conflict_do_update(
                    index_elements=[f.c.name], set_={"failures": f.c.failures + 1}
                )
            )
            failures = session.execute(select(f.c.failures).where(f.c.name == key)).scalar_one()
            if failures >= threshold:
                session.execute(
                    update(f)
                    .where(f.c.name == key)
                    .values(locked_until=now + lock_duration(failures - threshold + MAX_FAILURES))
                )

    # -- API tokens ----------------------------------------------------------

    def create_token(self, name: str, label: str | None = None) -> str:
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self._write() as session:
            row = self._find(session, name)
            session.execute(
                insert(tokens).values(
                    token_hash=digest(token),
                    user_id=row.id,
                    label=label,
                    created_at=self.clock.now(),
                    last_used_at=None,
                    id=self._new_token_id(session),
                    revoked_at=None,
                )
            )
        return token

    @staticmethod
    def _new_token_id(session: Session) -> str:
        # 32 random bits: a clash is rare, and looked for (the unique key backs it up).
        while True:
            candidate = secrets.token_hex(TOKEN_ID_BYTES)
            if session.execute(select(tokens.c.id).where(tokens.c.id == candidate)).first() is None:
                return candidate

    def list_tokens(self) -> list[TokenInfo]:
        with self._read() as session:
            rows = session.execute(
                select(tokens, users.c.name, users.c.active)
                .join(users, tokens.c.user_id == users.c.id)
                .order_by(tokens.c.created_at, tokens.c.id)
            ).all()
        return [_token_info(r) for r in rows]

    def revoke_token(self, token_id: str) -> TokenInfo:
        query = (
            select(tokens, users.c.name, users.c.active)
            .join(users, tokens.c.user_id == users.c.id)
            .where(tokens.c.id == token_id)
        )
        with self._write() as session:
            row = session.execute(query).first()
            if row is None:
                raise UnknownTokenError(token_id)
            if row.revoked_at is None:
                session.execute(
                    update(tokens)
                    .where(tokens.c.id == token_id, tokens.c.revoked_at.is_(None))
                    .values(revoked_at=self.clock.now())
                )
                row = session.execute(query).one()
        return _token_info(row)

    def user_for_token(self, token: str) -> User | None:
        if not token.startswith(TOKEN_PREFIX):
            return None
        token_hash, now = digest(token), self.clock.now()
        with self._read() as session:
            row = session.execute(
                select(users, tokens.c.last_used_at)
                .join(tokens, tokens.c.user_id == users.c.id)
                .where(
                    tokens.c.token_hash == token_hash,
                    tokens.c.revoked_at.is_(None),
                    users.c.active.is_(True),
                )
            ).first()
        if row is None:
            return None
        stale = now - TOKEN_TOUCH_INTERVAL
        if row.last_used_at is None or row.last_used_at <= stale:
            with self._write() as session:
                session.execute(
                    update(tokens)
                    .where(
                        tokens.c.token_hash == token_hash,
                        or_(tokens.c.last_used_at.is_(None), tokens.c.last_used_at <= stale),
                    )
                    .values(last_used_at=now)
                )
        return self._with_departments(_user(row))

    # -- browser sessions ----------------------------------------------------

    def create_session(self, user: User) -> tuple[str, str]:
        cookie, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now = self.clock.now()
        with self._write() as session:
            # Housekeeping: expired sessions are useless; drop them as new ones start.
            session.execute(delete(sessions).where(sessions.c.expires_at <= now))
            session.execute(
                insert(sessions).values(
                    session_hash=digest(cookie),
                    user_id=user.id,
                    csrf_token=csrf,
                    created_at=now,
                    expires_at=now + SESSION_LIFETIME,
                )
            )
        return cookie, csrf

    def session(self, cookie: str) -> tuple[User, str] | None:
        with self._read() as session:
            row = session.execute(
                select(users, sessions.c.csrf_token)
                .join(sessions, sessions.c.user_id == users.c.id)
                .where(
                    sessions.c.session_hash == digest(cookie),
                    sessions.c.expires_at > self.clock.now(),
                    users.c.active.is_(True),
                )
            ).first()
        return None if row is None else (self._with_departments(_user(row)), row.csrf_token)

    def end_session(self, cookie: str) -> None:
        with self._write() as session:
            session.execute(delete(sessions).where(sessions.c.session_hash == digest(cookie)))

    # -- demo ------------------------------------------------------------------

    def _demo_department_id(self, name: str) -> str:
        """The registered department of this name, else the id it is registered with."""
        known = self.departments.find(name)
        return known.id if known else DepartmentRef.from_name(name).id

    def demo_accounts(
        self,
        department: str = "일자리정책담당관",
        *,
        staff: tuple[str, str] = ("demo-staff", "demo-staff-2018"),
        officer: tuple[str, str] = ("demo-officer", "demo-officer-2018"),
    ) -> list[DemoAccount]:
        """A council-staff and a department-officer account for `make run`; rerunning is safe.

        An existing account keeps its id; it is reactivated and given the demo
        password back if it lost either, so the returned passwords always work.
        """
        wanted = [
            DemoAccount(staff[0], staff[1], Role.COUNCIL_STAFF, ()),
            DemoAccount(officer[0], officer[1], Role.DEPARTMENT_OFFICER, (department,)),
        ]
        for account in wanted:
            ids = [self._demo_department_id(d) for d in account.departments]
            try:
                self.add_user(account.name, account.password, account.role, ids)
            except UserExistsError:
                with self._read() as session:
                    row = self._find(session, account.name)
                if not self._verify(row.password_hash, _clean_password(account.password)):
                    self.set_password(account.name, account.password)
                if not row.active:
                    self.set_active(account.name, True)
        return wanted
