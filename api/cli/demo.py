"""`followup demo`: the imported demo audit staged to show the product today."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from api.cli.context import open_cli_runtime
from api.cli.options import DbOption, JsonOption, emit, parse_uuid, refuse
from application.demo import stage_demo
from domain.errors import DomainError

DEMO_STAFF, DEMO_OFFICER, DEMO_DEPARTMENT = "demo-staff", "demo-officer", "일자리정책담당관"


def register(app: typer.Typer) -> None:
    app.command("demo")(demo_command)


def demo_command(
    audit: Annotated[
        str | None, typer.Option("--audit", help="Audit id (else the latest audit).")
    ] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Stage the demo audit once: claims verified or returned, due dates around today."""
    with open_cli_runtime(db) as runtime:
        services = runtime.services
        audits = services.queries.list_audits()
        latest = max(audits, key=lambda a: (a.year, str(a.registered_on))) if audits else None
        chosen = parse_uuid(audit) or (latest.audit_id if latest else None)
        staff = next((u for u in runtime.accounts.list_users() if u.name == DEMO_STAFF), None)
        if chosen is None or staff is None:
            typer.echo("먼저 `make demo`로 데모 감사와 계정을 만드세요.", err=True)
            raise typer.Exit(1)
        try:
            stage = stage_demo(services, staff.principal(), chosen, DEMO_DEPARTMENT)
        except DomainError as e:
            refuse(as_json, e)
    if as_json:
        emit(
            {
                "audit_id": str(chosen),
                "staged": stage.staged,
                "verified": stage.verified,
                "returned": [str(r.finding_id) for r in stage.returned],
                "waiting": stage.waiting,
                "overdue": stage.overdue,
                "due_soon": stage.due_soon,
            }
        )
        return
    out = Console(stderr=True)
    if stage.staged:
        out.print(
            f"데모 준비: 이행확인 {stage.verified}건, 보완요구 {len(stage.returned)}건, "
            f"확인 대기 {stage.waiting}건, 기한 경과 {stage.overdue}건, "
            f"기한 임박 {stage.due_soon}건"
        )
    out.print(
        "먼저 해 볼 것 (http://127.0.0.1:8000):\n"
        f"  1. {DEMO_STAFF}: 이행확인 대기에서 보고를 확인하거나 보완요구하기, 처리결과 총괄 보기\n"
        f"  2. {DEMO_OFFICER} ({DEMO_DEPARTMENT}): 알림함의 보완요구와 기한 경과 지적사항에 "
        "추진상황 보고하기"
    )
