"""`followup import`: a document already imported into another audit is refused with
exit 1 naming that audit, unless `--another-audit` says it is a different one."""

from __future__ import annotations

from tests.conftest import SEED
from tests.e2e.test_cli import as_json, run


def test_the_same_document_into_a_second_audit_needs_another_audit(database_url: str) -> None:
    db = database_url
    first = run("import", str(SEED), "--council", "서울특별시의회", "--json", "--db", db)
    assert first.returncode == 0, first.stderr
    audit_id = as_json(first)["audit_id"]

    again = run("import", str(SEED), "--json", "--db", db)
    assert again.returncode == 1
    report = as_json(again)
    (problem,) = [p for p in report["problems"] if p["code"] == "DOCUMENT_ALREADY_IMPORTED"]
    assert audit_id in problem["message_ko"] and problem["severity"] == "error"
    assert (report["created"], report["committed"]) == (0, False)

    human = run("import", str(SEED), "--db", db)
    assert human.returncode == 1 and "--another-audit" in human.stderr

    other = run("import", str(SEED), "--another-audit", "--json", "--db", db)
    assert other.returncode == 0, other.stderr
    assert as_json(other)["created"] == 56 and as_json(other)["audit_id"] != audit_id
