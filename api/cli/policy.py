"""`followup policy`: a council's default 처리기한 per kind (business days after the
audit's 결과보고서 was adopted and sent)."""

from __future__ import annotations

from typing import Annotated

import typer

from api.cli.context import open_cli_runtime
from api.cli.options import DbOption, JsonOption, emit, refuse, stated_council_scope, stderr
from domain.errors import DomainError
from domain.vocabulary import KIND_LABELS, FindingKind

policy_app = typer.Typer(
    help="기본 처리기한 정책 (default due dates per kind).", no_args_is_help=True
)

# The policy's council, by name (a contract); a registered council's code or name
# also scopes the command to that council, named as registered.
PolicyCouncilOption = Annotated[
    str,
    typer.Option("--council", help="Council (의회) name; a registered council's code or name too."),
]


def register(app: typer.Typer) -> None:
    app.add_typer(policy_app, name="policy")


@policy_app.command("show")
def show_command(
    council: PolicyCouncilOption = "", as_json: JsonOption = False, db: DbOption = None
) -> None:
    """The council's policy: business days per kind (a kind absent has no default)."""
    with open_cli_runtime(db) as runtime:
        scope = stated_council_scope(runtime, council)
        council = scope.council or council
        days = scope.services.policies.days(council)
    if as_json:
        emit({"council": council, "days": days})
        return
    for kind in FindingKind:
        n = days.get(kind.value)
        print(f"{KIND_LABELS[kind]}: {f'{n}영업일' if n else '없음'}")


@policy_app.command("set")
def set_command(
    council: PolicyCouncilOption = "",
    corrective: Annotated[
        int | None, typer.Option(min=1, max=750, help="시정·처리요구사항: business days.")
    ] = None,
    recommendation: Annotated[
        int | None, typer.Option(min=1, max=750, help="건의사항: business days.")
    ] = None,
    other: Annotated[int | None, typer.Option(min=1, max=750, help="기타: business days.")] = None,
    remove: Annotated[
        list[FindingKind] | None,
        typer.Option("--remove", help="A kind that gets no default any more (repeatable)."),
    ] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Change the policy: the kinds given get their new days, the others keep theirs
    (--remove KIND drops one); due dates it set before (nobody's by hand) move with it."""
    stated = {
        FindingKind.CORRECTIVE: corrective,
        FindingKind.RECOMMENDATION: recommendation,
        FindingKind.OTHER: other,
    }
    with open_cli_runtime(db) as runtime:
        scope = stated_council_scope(runtime, council)
        council = scope.council or council
        current = scope.services.policies.days(council)
        days = {
            k: n
            for k in FindingKind
            if k not in (remove or ())
            and (n := stated[k] if stated[k] is not None else current.get(k.value)) is not None
        }
        try:
            change = scope.services.policies.set_policy(scope.principal, council, days)
        except DomainError as e:
            refuse(as_json, e)
    if as_json:
        emit(change.as_dict())
    else:
        stderr.print(
            f"정책을 정했습니다 (policy set); 처리기한이 바뀐 지적사항 {len(change.moved)}건"
        )
