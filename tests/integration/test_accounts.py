"""Accounts on both databases: argon2id hashes, throttling, hashed tokens, sessions."""

from __future__ import annotations

import hashlib

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from application.access import Principal
from application.accounts import (
    InvalidAccountError,
    InvalidCredentialsError,
    LoginThrottledError,
    PasswordTooShortError,
    UnknownUserError,
    UserExistsError,
)
from domain.values import DepartmentRef
from domain.vocabulary import ActorKind, Role
from infrastructure.accounts import (
    SqlAccountStore,
    lock_duration,
    login_failures,
    sessions,
    tokens,
    users,
)
from infrastructure.bootstrap import Runtime
from tests.conftest import FixedClock

PASSWORD = "올바른-비밀번호-2018"
JOBS = DepartmentRef.from_name("일자리정책담당관").id
LABOUR = DepartmentRef.from_name("노동정책담당관").id
# Cheap parameters where a test only needs *a* hash; the rehash test relies on them.
FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture
def store(runtime: Runtime, clock: FixedClock) -> SqlAccountStore:
    datastore = runtime.datastore
    return SqlAccountStore(datastore, clock=clock, hasher=FAST)


def _column(store: SqlAccountStore, column: object) -> list[object]:
    with store.datastore.transaction(commit=False) as session:
        return list(session.execute(select(column)).scalars())  # type: ignore[call-overload]


def test_passwords_are_stored_as_argon2id_hashes_only(runtime: Runtime, clock: FixedClock) -> None:
    datastore = runtime.datastore
    store = SqlAccountStore(datastore, clock=clock)  # the production parameters
    store.add_user("김담당", PASSWORD, Role.COUNCIL_STAFF)
    [stored] = _column(store, users.c.password_hash)
    assert isinstance(stored, str)
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert PASSWORD not in stored
    assert store.authenticate("김담당", PASSWORD).name == "김담당"


def test_add_user_refuses_short_passwords_duplicates_and_officers_without_departments(
    store: SqlAccountStore,
) -> None:
    with pytest.raises(PasswordTooShortError):
        store.add_user("a", "1234567", Role.VIEWER)
    store.add_user("a", "12345678", Role.VIEWER)
    with pytest.raises(UserExistsError):
        store.add_user(" a ", "other-password", Role.ADMIN)
    with pytest.raises(InvalidAccountError):
        store.add_user("b", PASSWORD, Role.DEPARTMENT_OFFICER, [])
    with pytest.raises(InvalidAccountError):
        store.add_user("   ", PASSWORD, Role.VIEWER)
    assert [u.name for u in store.list_users()] == ["a"]


def test_authenticate_accepts_the_right_password_only(store: SqlAccountStore) -> None:
    added = store.add_user("officer", PASSWORD, Role.DEPARTMENT_OFFICER, [JOBS])
    assert store.authenticate("officer", PASSWORD) == added
    with pytest.raises(InvalidCredentialsError):
        store.authenticate("officer", PASSWORD + "x")
    with pytest.raises(InvalidCredentialsError):
        store.authenticate("nobody", PASSWORD)


def test_korean_names_match_whatever_the_unicode_normalisation(store: SqlAccountStore) -> None:
    store.add_user("김담당", PASSWORD, Role.VIEWER)
    decomposed = "\u1100\u1175\u11b7담당"  # 김 as macOS writes it (NFD jamo)
    assert store.authenticate(decomposed, PASSWORD).name == "김담당"


def test_five_failures_lock_the_name_even_for_the_right_password(
    store: SqlAccountStore, clock: FixedClock
) -> None:
    store.add_user("staff", PASSWORD, Role.COUNCIL_STAFF)
    for _ in range(5):
        with pytest.raises(InvalidCredentialsError):
            store.authenticate("staff", "wrong-password")
    with pytest.raises(LoginThrottledError) as locked:
        store.authenticate("staff", PASSWORD)
    assert locked.value.retry_after == 60
    assert locked.value.code == "LOGIN_THROTTLED"

    clock.advance(seconds=59)
    with pytest.raises(LoginThrottledError) as still:
        store.authenticate("staff", PASSWORD)
    assert still.value.retry_after == 1

    clock.advance(seconds=1)
    assert store.authenticate("staff", PASSWORD).name == "staff"
    assert _column(store, login_failures.c.name) == []  # success resets the count


def test_the_lock_doubles_with_each_further_failure_up_to_15_minutes(
    store: SqlAccountStore, clock: FixedClock
) -> None:
    store.add_user("staff", PASSWORD, Role.COUNCIL_STAFF)
    for _ in range(5):
        with pytest.raises(InvalidCredentialsError):
            store.authenticate("staff", "wrong-password")
    clock.advance(seconds=60)
    with pytest.raises(InvalidCredentialsError):
        store.authenticate("staff", "wrong-password")  # the 6th: locked twice as long
    with pytest.raises(LoginThrottledError) as locked:
        store.authenticate("staff", PASSWORD)
    assert locked.value.retry_after == 120
    assert [lock_duration(n).total_seconds() for n in range(4, 11)] == [
        0,
        60,
        120,
        240,
        480,
        900,
        900,
    ]


def test_unknown_names_are_throttled_alike(store: SqlAccountStore) -> None:
    for _ in range(5):
        with pytest.raises(InvalidCredentialsError):
            store.authenticate("nobody", PASSWORD)
    with pytest.raises(LoginThrottledError):
        store.authenticate("nobody", PASSWORD)


def test_a_hash_with_old_parameters_is_upgraded_at_sign_in(
    runtime: Runtime, store: SqlAccountStore, clock: FixedClock
) -> None:
    store.add_user("staff", PASSWORD, Role.COUNCIL_STAFF)
    [old] = _column(store, users.c.password_hash)
    stronger = SqlAccountStore(store.datastore, clock=clock, hasher=PasswordHasher())
    stronger.authenticate("staff", PASSWORD)
    [new] = _column(store, users.c.password_hash)
    assert old != new
    assert isinstance(new, str) and new.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert stronger.authenticate("staff", PASSWORD).name == "staff"


def test_inactive_users_cannot_sign_in_nor_use_tokens_or_sessions(store: SqlAccountStore) -> None:
    user = store.add_user("staff", PASSWORD, Role.COUNCIL_STAFF)
    token = store.create_token("staff")
    cookie, _ = store.create_session(user)
    store.set_active("staff", False)
    with pytest.raises(InvalidCredentialsError):
        store.authenticate("staff", PASSWORD)
    assert store.user_for_token(token) is None
    assert store.session(cookie) is None
    store.set_active("staff", True)
    assert store.user_for_token(token) is not None


def test_tokens_are_stored_hashed_and_unknown_ones_find_nobody(
    store: SqlAccountStore, clock: FixedClock
) -> None:
    user = store.add_user("bot", PASSWORD, Role.VIEWER)
    token = store.create_token("bot", "nightly export")
    assert token.startswith("fu_") and len(token) > 40
    [stored] = _column(store, tokens.c.token_hash)
    assert stored == hashlib.sha256(token.encode()).hexdigest()
    assert store.user_for_token(token) == user
    assert store.user_for_token(token + "x") is None
    assert store.user_for_token("not-a-token") is None
    with pytest.raises(UnknownUserError):
        store.create_token("nobody")

    # last_used_at moves at most once a minute.
    [first] = _column(store, tokens.c.last_used_at)
    assert first == clock.now()
    clock.advance(seconds=30)
    store.user_for_token(token)
    assert _column(store, tokens.c.last_used_at) == [first]
    clock.advance(seconds=31)
    store.user_for_token(token)
    assert _column(store, tokens.c.last_used_at) == [clock.now()]


def test_sessions_expire_after_12_hours_and_end_on_logout(
    store: SqlAccountStore, clock: FixedClock
) -> None:
    user = store.add_user("staff", PASSWORD, Role.COUNCIL_STAFF)
    cookie, csrf = store.create_session(user)
    assert _column(store, sessions.c.session_hash) == [hashlib.sha256(cookie.encode()).hexdigest()]
    assert store.session(cookie) == (user, csrf)
    assert store.session("forged") is None

    clock.advance(hours=12)
    assert store.session(cookie) is None  # expired

    again, _ = store.create_session(user)  # also clears the expired row
    assert len(_column(store, sessions.c.session_hash)) == 1
    store.end_session(again)
    assert store.session(again) is None


def test_a_new_password_ends_the_sessions(store: SqlAccountStore) -> None:
    user = store.add_user("staff", PASSWORD, Role.COUNCIL_STAFF)
    cookie, _ = store.create_session(user)
    store.set_password("staff", "another-password")
    assert store.session(cookie) is None
    assert store.authenticate("staff", "another-password") == user


@pytest.mark.parametrize("role", list(Role))
def test_each_role_maps_to_a_principal(store: SqlAccountStore, role: Role) -> None:
    departments = [JOBS, LABOUR] if role is Role.DEPARTMENT_OFFICER else []
    user = store.add_user(f"user-{role.value}", PASSWORD, role, departments)
    principal = store.authenticate(user.name, PASSWORD).principal()
    assert principal.actor.kind is ActorKind.USER
    assert (principal.actor.id, principal.actor.role) == (user.id, role)
    assert principal.departments == set(departments)
    assert principal.is_council_staff is (role is Role.COUNCIL_STAFF)
    assert not principal.is_trusted_process


def test_accounts_hold_department_ids_not_names(store: SqlAccountStore) -> None:
    with pytest.raises(InvalidAccountError):
        store.add_user("officer", PASSWORD, Role.DEPARTMENT_OFFICER, ["일자리정책담당관"])
    assert store.add_user("officer", PASSWORD, Role.DEPARTMENT_OFFICER, [JOBS]).department_ids == (
        JOBS,
    )


def test_demo_accounts_are_idempotent(runtime: Runtime, store: SqlAccountStore) -> None:
    runtime.services.departments.register(Principal.system(), "일자리정책담당관")
    first = store.demo_accounts()
    second = store.demo_accounts()
    assert first == second
    assert [u.role for u in store.list_users()] == [Role.DEPARTMENT_OFFICER, Role.COUNCIL_STAFF]
    for account in second:
        assert store.authenticate(account.name, account.password).departments == (
            account.departments
        )


def test_a_strangers_failures_never_lock_the_user_out(
    store: SqlAccountStore, clock: FixedClock
) -> None:
    """Throttling is per name and client: five wrong passwords from one address slow
    that address down for that name, not the user signing in from elsewhere."""
    store.add_user("staff", PASSWORD, Role.COUNCIL_STAFF)
    for _ in range(5):
        with pytest.raises(InvalidCredentialsError):
            store.authenticate("staff", "wrong-password", "203.0.113.9")
    with pytest.raises(LoginThrottledError):
        store.authenticate("staff", PASSWORD, "203.0.113.9")
    assert store.authenticate("staff", PASSWORD, "198.51.100.7").name == "staff"
    # An administrator lifts the stranger's lock too (every client's, for the name).
    assert store.unlock("staff") >= 1
    assert store.authenticate("staff", PASSWORD, "203.0.113.9").name == "staff"


def test_a_client_trying_many_names_is_slowed_down_on_every_name(
    store: SqlAccountStore, clock: FixedClock
) -> None:
    store.add_user("viewer", PASSWORD, Role.VIEWER)
    for n in range(20):  # a different name each time: no per-name lock is reached
        with pytest.raises(InvalidCredentialsError):
            store.authenticate(f"guess-{n}", "wrong-password", "203.0.113.9")
    with pytest.raises(LoginThrottledError) as slowed:
        store.authenticate("viewer", PASSWORD, "203.0.113.9")
    assert slowed.value.retry_after == 60
    assert store.authenticate("viewer", PASSWORD, "198.51.100.7").name == "viewer"
    clock.advance(seconds=60)
    assert store.authenticate("viewer", PASSWORD, "203.0.113.9").name == "viewer"


def test_administrators_tools_on_the_store(store: SqlAccountStore, clock: FixedClock) -> None:
    """set_role, token ids and revocation, live locks and the last active admin."""
    from application.accounts import (
        DepartmentNotAllowedError,
        DepartmentRequiredError,
        LastActiveAdminError,
        UnknownTokenError,
    )

    store.add_user("관리자", PASSWORD, Role.ADMIN)
    officer = store.add_user("김담당", PASSWORD, Role.DEPARTMENT_OFFICER, [JOBS])
    cookie, _ = store.create_session(officer)
    with pytest.raises(DepartmentRequiredError):
        store.set_role("김담당", Role.DEPARTMENT_OFFICER, [])
    with pytest.raises(DepartmentNotAllowedError):
        store.set_role("김담당", Role.VIEWER, [JOBS])
    assert store.session(cookie) is not None  # refusals change nothing
    moved = store.set_role("김담당", Role.DEPARTMENT_OFFICER, [LABOUR, JOBS, LABOUR])
    assert moved.department_ids == (LABOUR, JOBS)
    assert store.session(cookie) is None  # a new role or department: sign in again

    with pytest.raises(LastActiveAdminError):
        store.set_active("관리자", False)
    with pytest.raises(LastActiveAdminError):
        store.set_role("관리자", Role.VIEWER)
    store.add_user("부관리자", PASSWORD, Role.ADMIN)
    assert not store.set_active("관리자", False).active
    with pytest.raises(LastActiveAdminError):
        store.set_role("부관리자", Role.COUNCIL_STAFF)

    token = store.create_token("김담당", "ci")
    [listed] = store.list_tokens()
    assert (listed.name, listed.label, listed.revoked_at, listed.usable) == (
        "김담당",
        "ci",
        None,
        True,
    )
    assert listed.id not in _column(store, tokens.c.token_hash)
    clock.advance(minutes=5)
    revoked = store.revoke_token(listed.id)
    assert revoked.revoked_at == clock.now() and not revoked.usable
    assert store.user_for_token(token) is None
    clock.advance(minutes=5)
    assert store.revoke_token(listed.id).revoked_at == revoked.revoked_at
    with pytest.raises(UnknownTokenError):
        store.revoke_token("00000000")

    for _ in range(5):
        with pytest.raises(InvalidCredentialsError):
            store.authenticate("김담당", "wrong-password", "203.0.113.9")
    assert store.locked_until() == {"김담당": clock.now() + lock_duration(5)}
    clock.advance(minutes=2)
    assert store.locked_until() == {}  # the lock ran out
