"""`followup users add|list|unlock|disable|enable|reset-password|set-role|demo` and
`followup tokens create|list|revoke`: accounts."""

from __future__ import annotations

import getpass
import sys
from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console

from api.cli.context import Runtime, open_cli_runtime
from api.cli.options import (
    CouncilOption,
    DbOption,
    JsonOption,
    Scope,
    council_scope,
    emit,
    refuse,
    show,
    stderr,
)
from application.accounts import AccountAdmin, TokenInfo, User
from application.clock import SEOUL
from domain.errors import DomainError
from domain.vocabulary import ROLE_LABELS, Role

users_app = typer.Typer(help="사용자 계정 (user accounts).", no_args_is_help=True)
tokens_app = typer.Typer(help="API 토큰 (API tokens, shown once).", no_args_is_help=True)
LabelOption = Annotated[str | None, typer.Option("--label", help="What the token is for (용도).")]
NameArgument = Annotated[str, typer.Argument(help="Sign-in name (아이디).")]
DepartmentOption = Annotated[
    list[str] | None,
    typer.Option(
        "--department",
        help="A registered department's name (담당부서); repeat for several.",
    ),
]


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
    app.add_typer(tokens_app, name="tokens")


def _read_password() -> str:
    """No echo on a terminal (asked twice); otherwise the first line of stdin."""
    if sys.stdin.isatty():
        first = getpass.getpass("비밀번호 (password): ")
        if getpass.getpass("비밀번호 확인 (repeat): ") != first:
            raise typer.BadParameter("the passwords differ (비밀번호가 서로 다릅니다)")
        return first
    return sys.stdin.readline().removesuffix("\n").removesuffix("\r")


def _as_dict(user: User) -> dict[str, object]:
    return {
        "id": user.id,
        "name": user.name,
        "role": user.role.value,
        "departments": list(user.departments),  # today's names
        "department_ids": list(user.department_ids),
        "active": user.active,
    }


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="Sign-in name (아이디).")],
    role: Annotated[Role, typer.Option("--role", help="Role (역할).")],
    department: Annotated[
        list[str] | None,
        typer.Option(
            "--department",
            help="A registered department's name (담당부서); repeat for several.",
        ),
    ] = None,
    council: CouncilOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Add a user; the password is read from stdin (not echoed on a terminal). With
    --council the account is bound to that council (소속 의회), its departments too."""
    password = _read_password()
    with open_cli_runtime(db) as runtime:
        scope = council_scope(runtime, council, as_json)
        try:
            if scope.council is not None:
                # Bound to the council; its departments' names resolved as of today.
                user = _admin(runtime, scope).add_user(
                    scope.principal, name, password, role, department or [], scope.council
                )
            else:
                # Names resolved once, here: the account holds the departments' ids.
                services = runtime.services
                directory, today = services.queries.departments, services.clock.today()
                ids = [directory.id_of(d, today) for d in department or []]
                user = runtime.accounts.add_user(name, password, role, ids)
        except DomainError as e:
            refuse(as_json, e)
    if as_json:
        emit(_as_dict(user))
    else:
        Console(stderr=True).print(
            f"사용자를 추가했습니다 (user added): {user.name} — {ROLE_LABELS[user.role]}"
        )


_USER_HEADINGS = ("아이디", "역할", "담당부서", "사용", "의회")


@users_app.command("list")
def users_list(
    council: CouncilOption = None, as_json: JsonOption = False, db: DbOption = None
) -> None:
    """List the users (no passwords, no tokens); with --council, that council's."""
    with open_cli_runtime(db) as runtime:
        scope = council_scope(runtime, council, as_json)
        if scope.council is None:
            found = runtime.accounts.list_users()
        else:
            found = _admin(runtime, scope).users(scope.principal)
    rows = [{**_as_dict(u), "council": u.council} for u in found]
    show(as_json, rows, _USER_HEADINGS, map(_user_cells, found))


@users_app.command("unlock")
def users_unlock(
    name: Annotated[str, typer.Argument(help="The name whose login locks are lifted.")],
    council: CouncilOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Lift a name's login locks, from every client (an administrator's command);
    with --council, of that council's account only."""
    with open_cli_runtime(db) as runtime:
        scope = council_scope(runtime, council, as_json)
        if scope.council is None:
            lifted = runtime.accounts.unlock(name)
        else:
            try:
                lifted = _admin(runtime, scope).unlock(scope.principal, name)
            except DomainError as e:  # no such account of this council
                refuse(as_json, e)
    if as_json:
        emit({"name": name, "unlocked": lifted})
    else:
        stderr.print(f"로그인 제한을 풀었습니다 (unlocked): {name} ({lifted})")


def _user_cells(u: User) -> list[str]:
    return [
        u.name,
        ROLE_LABELS[u.role],
        ", ".join(u.departments) or "-",
        "예" if u.active else "아니오",
        u.council or "-",
    ]


@users_app.command("demo")
def users_demo(as_json: JsonOption = False, db: DbOption = None) -> None:
    """Create (or restore) the demo accounts for `make run` and print their passwords."""
    with open_cli_runtime(db) as runtime:
        accounts = runtime.accounts.demo_accounts()
    rows = [
        {
            "name": a.name,
            "password": a.password,
            "role": a.role.value,
            "departments": list(a.departments),
        }
        for a in accounts
    ]
    if as_json:
        emit(rows)
        return
    for r in rows:
        Console(stderr=True).print(
            f"데모 계정 (demo account): {r['name']} / {r['password']} ({r['role']})"
        )


@tokens_app.command("create")
def tokens_create(
    name: Annotated[str, typer.Argument(help="The user the token acts as.")],
    label: LabelOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Create an API token; it is printed once and only its hash is kept."""
    with open_cli_runtime(db) as runtime:
        try:
            token = runtime.accounts.create_token(name, label)
        except DomainError as e:
            refuse(as_json, e)
    if as_json:
        emit({"name": name, "label": label, "token": token})
    else:
        # The bare token on stdout, so `TOKEN=$(followup tokens create …)` works.
        sys.stdout.write(token + "\n")
        Console(stderr=True).print(
            "토큰은 지금 한 번만 표시됩니다 (the token is shown only once; store it safely)."
        )


def _admin(runtime: Runtime, scope: Scope) -> AccountAdmin:
    """The administrator's use cases; the CLI acts as the system (the operator), for
    every council or, with --council, for one (``scope.principal``)."""
    services = scope.services
    return AccountAdmin(runtime.accounts, services.queries.departments, services.clock)


def _changed(as_json: bool, user: User, message: str) -> None:
    if as_json:
        emit(_as_dict(user))
    else:
        stderr.print(f"{message}: {user.name} — {ROLE_LABELS[user.role]}")


def _set_active(
    name: str, active: bool, council: str | None, as_json: bool, db: str | None, message: str
) -> None:
    with open_cli_runtime(db) as runtime:
        scope = council_scope(runtime, council, as_json)
        try:
            user = _admin(runtime, scope).set_active(scope.principal, name, active)
        except DomainError as e:
            refuse(as_json, e)
    _changed(as_json, user, message)


@users_app.command("disable")
def users_disable(
    name: NameArgument,
    council: CouncilOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Disable a user: no sign-in; its sessions end and its tokens stop working at once."""
    _set_active(name, False, council, as_json, db, "사용자를 사용 중지했습니다 (user disabled)")


@users_app.command("enable")
def users_enable(
    name: NameArgument,
    council: CouncilOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Enable a disabled user again (its old tokens work again unless revoked)."""
    _set_active(name, True, council, as_json, db, "사용자를 다시 사용하게 했습니다 (user enabled)")


@users_app.command("reset-password")
def users_reset_password(
    name: NameArgument,
    council: CouncilOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Set a new password, read as `users add` reads it; ends the user's sessions."""
    password = _read_password()
    with open_cli_runtime(db) as runtime:
        scope = council_scope(runtime, council, as_json)
        try:
            user = _admin(runtime, scope).reset_password(scope.principal, name, password)
        except DomainError as e:
            refuse(as_json, e)
    _changed(as_json, user, "비밀번호를 바꿨습니다 (password reset)")


@users_app.command("set-role")
def users_set_role(
    name: NameArgument,
    role: Annotated[Role, typer.Option("--role", help="Role (역할).")],
    department: DepartmentOption = None,
    council: CouncilOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Change a user's role and departments (an officer needs one; other roles none);
    ends the user's sessions."""
    with open_cli_runtime(db) as runtime:
        scope = council_scope(runtime, council, as_json)
        try:
            user = _admin(runtime, scope).set_role(scope.principal, name, role, department or [])
        except DomainError as e:
            refuse(as_json, e)
    _changed(as_json, user, "역할을 바꿨습니다 (role changed)")


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _token_dict(token: TokenInfo) -> dict[str, object]:
    return {
        "id": token.id,
        "name": token.name,
        "label": token.label,
        "created_at": token.created_at.isoformat(),
        "last_used_at": _time(token.last_used_at),
        "revoked_at": _time(token.revoked_at),
        "user_active": token.owner_active,
    }


def _seoul(value: datetime | None) -> str:
    return value.astimezone(SEOUL).strftime("%Y-%m-%d %H:%M") if value else "-"


def _token_state(token: TokenInfo) -> str:
    if token.revoked_at is not None:
        return "폐기됨"
    return "사용 가능" if token.owner_active else "사용자 중지"


_TOKEN_HEADINGS = ("토큰 ID", "사용자", "용도", "만든 때", "마지막 사용", "상태")


def _token_cells(t: TokenInfo) -> list[str]:
    return [
        t.id,
        t.name,
        t.label or "-",
        _seoul(t.created_at),
        _seoul(t.last_used_at),
        _token_state(t),
    ]


@tokens_app.command("list")
def tokens_list(
    council: CouncilOption = None, as_json: JsonOption = False, db: DbOption = None
) -> None:
    """List the API tokens (never the secret nor its hash), revoked ones too; with
    --council, those of that council's accounts."""
    with open_cli_runtime(db) as runtime:
        scope = council_scope(runtime, council, as_json)
        found = _admin(runtime, scope).tokens(scope.principal)
    show(as_json, [_token_dict(t) for t in found], _TOKEN_HEADINGS, map(_token_cells, found))


@tokens_app.command("revoke")
def tokens_revoke(
    token_id: Annotated[str, typer.Argument(metavar="ID", help="The id `tokens list` shows.")],
    council: CouncilOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Revoke an API token: it stops authenticating at once; with --council, only a
    token of that council's accounts."""
    with open_cli_runtime(db) as runtime:
        scope = council_scope(runtime, council, as_json)
        try:
            token = _admin(runtime, scope).revoke_token(scope.principal, token_id)
        except DomainError as e:
            refuse(as_json, e)
    if as_json:
        emit(_token_dict(token))
    else:
        stderr.print(f"토큰을 폐기했습니다 (token revoked): {token.id} — {token.name}")
