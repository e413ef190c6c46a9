"""`followup demo`: the imported seed staged once so the demo shows today's work."""

from __future__ import annotations

from datetime import date

from tests.conftest import SEED
from tests.e2e.test_cli import as_json, run


def test_the_demo_shows_overdue_due_soon_a_queue_and_the_officers_work(
    database_url: str,
) -> None:
    db = database_url
    assert run("import", str(SEED), "--council", "서울특별시의회", "--db", db).returncode == 0
    assert run("users", "demo", "--db", db).returncode == 0
    staged = run("demo", "--json", "--db", db)
    assert staged.returncode == 0, staged.stderr
    stage = as_json(staged)
    assert stage["staged"] is True and len(stage["returned"]) == 2
    assert stage["waiting"] == 8 and stage["overdue"] == 2 and stage["due_soon"] == 2
    findings = as_json(run("findings", "--json", "--db", db))
    today = date.today()
    due = {f["finding_id"]: date.fromisoformat(f["due_date"]) for f in findings if f["due_date"]}
    assert len([d for d in due.values() if d < today]) == 2  # overdue
    assert len([d for d in due.values() if d > today]) == 2  # due soon
    ours = [f for f in findings if f["department"] == "일자리정책담당관"]
    returned = [f for f in ours if f["verification"] == "returned"]
    assert {f["finding_id"] for f in returned} == set(stage["returned"])
    assert any(due[f["finding_id"]] < today for f in returned)  # the officer's overdue work
    assert len([f for f in findings if f["verification"] == "pending"]) == 8
    again = run("demo", "--json", "--db", db)  # `make run` again: nothing changes
    assert again.returncode == 0 and as_json(again)["staged"] is False
    assert as_json(run("findings", "--json", "--db", db)) == findings
    human = run("demo", "--db", db)
    assert "먼저 해 볼 것" in human.stderr and "demo-officer" in human.stderr
