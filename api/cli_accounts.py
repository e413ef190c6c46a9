"""`followup users …` and `followup tokens …`: accounts from the command line.

Registered on the main app by ``register(app)`` at the end of api/cli.py. The
shared helpers of api.cli are imported when a command runs, not at import time,
so either module may be imported first.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from application.accounts import User
from domain.errors import DomainError
from domain.vocabulary import ROLE_LABELS, Role
from infrastructure.accounts import SqlAccountStore
from infrastructure.settings import DEFAULT_DATABASE_URL

users_app = typer.Typer(help="사용자 계정 (user accounts).", no_args_is_help=True)
tokens_app = typer.Typer(help="API 토큰 (API tokens, shown once).", no_args_is_help=True)

# The same options as api.cli's (that module cannot be imported here at import time).
DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help=f"Database URL (else FOLLOWUP_DATABASE_URL, else {DEFAULT_DATABASE_URL}).",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
    app.add_typer(tokens_app, name="tokens")


@contextmanager
def _accounts(db: str | None) -> Iterator[SqlAccountStore]:
    from api.cli import _runtime

    with _runtime(db) as runtime:
        datastore = runtime.tracker.factory.datastore  # type: ignore[attr-defined]
        yield SqlAccountStore(datastore, clock=runtime.tracker.clock)


def _refuse(as_json: bool, e: DomainError) -> NoReturn:
    from api.cli import _refuse as refuse

    refuse(as_json, e)


def _emit(document: object) -> None:
    from api.cli import _emit as emit

    emit(document)


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
        "departments": list(user.departments),
        "active": user.active,
    }


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="Sign-in name (아이디).")],
    role: Annotated[Role, typer.Option("--role", help="Role (역할).")],
    department: Annotated[
        list[str] | None,
        typer.Option("--department", help="Department name (담당부서); repeat for several."),
    ] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Add a user; the password is read from stdin (not echoed on a terminal)."""
    password = _read_password()
    with _accounts(db) as store:
        try:
            user = store.add_user(name, password, role, department or [])
        except DomainError as e:
            _refuse(as_json, e)
    if as_json:
        _emit(_as_dict(user))
    else:
        Console(stderr=True).print(
            f"사용자를 추가했습니다 (user added): {user.name} — {ROLE_LABELS[user.role]}"
        )


@users_app.command("list")
def users_list(as_json: JsonOption = False, db: DbOption = None) -> None:
    """List the users (no passwords, no tokens)."""
    with _accounts(db) as store:
        found = store.list_users()
    if as_json:
        _emit([_as_dict(u) for u in found])
        return
    table = Table("아이디", "역할", "담당부서", "사용")
    for u in found:
        table.add_row(
            u.name,
            ROLE_LABELS[u.role],
            ", ".join(u.departments) or "-",
            "예" if u.active else "아니오",
        )
    Console().print(table)


@users_app.command("demo")
def users_demo(as_json: JsonOption = False, db: DbOption = None) -> None:
    """Create (or restore) the demo accounts for `make run` and print their passwords."""
    with _accounts(db) as store:
        accounts = store.demo_accounts()
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
        _emit(rows)
        return
    for r in rows:
        Console(stderr=True).print(
            f"데모 계정 (demo account): {r['name']} / {r['password']} ({r['role']})"
        )


@tokens_app.command("create")
def tokens_create(
    name: Annotated[str, typer.Argument(help="The user the token acts as.")],
    label: Annotated[
        str | None, typer.Option("--label", help="What the token is for (용도).")
    ] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Create an API token; it is printed once and only its hash is kept."""
    with _accounts(db) as store:
        try:
            token = store.create_token(name, label)
        except DomainError as e:
            _refuse(as_json, e)
    if as_json:
        _emit({"name": name, "label": label, "token": token})
    else:
        # The bare token on stdout, so `TOKEN=$(followup tokens create …)` works.
        sys.stdout.write(token + "\n")
        Console(stderr=True).print(
            "토큰은 지금 한 번만 표시됩니다 (the token is shown only once; store it safely)."
        )
