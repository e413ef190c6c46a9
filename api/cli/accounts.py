"""`followup users add|list|demo` and `followup tokens create`: accounts."""

from __future__ import annotations

import getpass
import sys
from typing import Annotated

import typer
from rich.console import Console

from api.cli.context import open_cli_runtime
from api.cli.options import DbOption, JsonOption, emit, refuse, show, stderr
from application.accounts import User
from domain.errors import DomainError
from domain.vocabulary import ROLE_LABELS, Role

users_app = typer.Typer(help="사용자 계정 (user accounts).", no_args_is_help=True)
tokens_app = typer.Typer(help="API 토큰 (API tokens, shown once).", no_args_is_help=True)
LabelOption = Annotated[str | None, typer.Option("--label", help="What the token is for (용도).")]


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
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Add a user; the password is read from stdin (not echoed on a terminal)."""
    password = _read_password()
    with open_cli_runtime(db) as runtime:
        try:
            # Names resolved once, here: the account holds the departments' ids.
            directory, today = runtime.services.queries.departments, runtime.services.clock.today()
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


_USER_HEADINGS = ("아이디", "역할", "담당부서", "사용")


@users_app.command("list")
def users_list(as_json: JsonOption = False, db: DbOption = None) -> None:
    """List the users (no passwords, no tokens)."""
    with open_cli_runtime(db) as runtime:
        found = runtime.accounts.list_users()
    show(as_json, [_as_dict(u) for u in found], _USER_HEADINGS, map(_user_cells, found))


@users_app.command("unlock")
def users_unlock(
    name: Annotated[str, typer.Argument(help="The name whose login locks are lifted.")],
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Lift a name's login locks, from every client (an administrator's command)."""
    with open_cli_runtime(db) as runtime:
        lifted = runtime.accounts.unlock(name)
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
