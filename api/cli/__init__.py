"""`followup`: the command line (SPEC §7), one module per command group.

Exit codes: 0 success, 1 work refused (problems found), 2 usage error.
With --json exactly one JSON document goes to stdout; progress and logs to stderr.

``context`` builds the runtime (the only module that imports the infrastructure),
``options`` holds what the commands share; the command modules import those two
and never each other, and are registered here.
"""

from __future__ import annotations

import typer

from api.cli import (
    accounts,
    audits,
    backup,
    councils,
    demo,
    departments,
    exporting,
    importing,
    maintenance,
    policy,
    reminders,
    reports,
)
from api.cli.context import remember_db
from api.cli.options import DbOption

app = typer.Typer(
    name="followup",
    help="행정사무감사 후속조치 관리 (audit follow-up tracker)",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def main_options(db: DbOption = None) -> None:
    """`--db` may come before the command name too."""
    remember_db(db)


# The order of --help: commands as registered, then the groups.
for group in (
    importing,
    audits,
    reports,
    exporting,
    reminders,
    departments,
    policy,
    maintenance,
    backup,
    councils,
    accounts,
    demo,
):
    group.register(app)


def main() -> None:
    app()


__all__ = ["app", "main"]
