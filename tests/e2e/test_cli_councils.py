"""Councils on the command line, on both databases: `councils add|list`, the first
council adopting the accounts bound to none, and `--council CODE_OR_NAME` scoping the
commands to one council's data (two councils, each with the demo imported)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from tests.conftest import SEED
from tests.e2e.api_support import settings_for
from tests.support.cli import run_in_process

PASSWORD = "correct-horse-battery"
SEOUL, BUSAN = "서울특별시의회", "부산광역시의회"
JOBS, LABOUR, SOCIAL = "일자리정책담당관", "노동정책담당관", "사회적경제담당관"
COUNCIL_KEYS = {"code", "name", "created_at"}
USER_KEYS = {"id", "name", "role", "departments", "department_ids", "active"}
DEPARTMENT_KEYS = {"department_id", "id", "name", "former_names", "merged_into", "merged_on"}
AUDIT_KEYS = {"audit_id", "council", "year", "committee", "audited_body", "findings"}
SEED_FINDINGS = 56  # the demo document's findings (25 + 8 + 23)


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return run_in_process(*args, stdin=stdin)


def ok(*args: str, stdin: str = "") -> Any:
    """A `--json` run that succeeds: its one JSON document."""
    result = run(*args, "--json", stdin=stdin)
    assert result.returncode == 0, result.stderr + result.stdout
    assert result.stdout.count("\n") == 1, result.stdout
    return json.loads(result.stdout)


def refused(*args: str, stdin: str = "") -> dict[str, Any]:
    """A `--json` run that is refused (exit 1): its error."""
    result = run(*args, "--json", stdin=stdin)
    assert result.returncode == 1, result.stderr + result.stdout
    error: dict[str, Any] = json.loads(result.stdout)["error"]
    assert {"code", "message_ko", "message_en", "detail"} == set(error)
    return error


@pytest.fixture
def db(database_url: str) -> tuple[str, str]:
    return ("--db", database_url)


def test_councils_are_added_and_listed_and_bad_or_taken_ones_refused(
    db: tuple[str, str],
) -> None:
    assert ok("councils", "list", *db) == []
    seoul = ok("councils", "add", "seoul", SEOUL, *db)
    assert set(seoul) == {*COUNCIL_KEYS, "adopted"}
    assert (seoul["code"], seoul["name"], seoul["adopted"]) == ("seoul", SEOUL, 0)
    busan = ok("councils", "add", " Busan ", BUSAN, *db)  # a code is read lower-cased
    assert (busan["code"], busan["name"], busan["adopted"]) == ("busan", BUSAN, 0)

    listed = ok("councils", "list", *db)
    assert all(set(c) == COUNCIL_KEYS for c in listed)
    assert sorted((c["code"], c["name"]) for c in listed) == [("busan", BUSAN), ("seoul", SEOUL)]
    assert {c["code"]: c["created_at"] for c in listed} == {
        "seoul": seoul["created_at"],
        "busan": busan["created_at"],
    }

    for code, name in (("x", "어느의회"), ("서울", "어느의회"), ("seoul_1", "어느의회"),
                       ("a" * 41, "어느의회"), ("daegu", " "), ("daegu", "\u202e의")):  # fmt: skip
        error = refused("councils", "add", code, name, *db)
        assert error["code"] == "INVALID_COUNCIL", (code, name)
    taken_code = refused("councils", "add", "seoul", "다른의회", *db)
    taken_name = refused("councils", "add", "seoul2", SEOUL, *db)
    assert taken_code["code"] == taken_name["code"] == "COUNCIL_EXISTS"
    assert len(ok("councils", "list", *db)) == 2  # the refusals added nothing

    # Text mode: the Korean message with the English beside it, on stderr; exit 1.
    text = run("councils", "add", "seoul", "다른의회", *db)
    assert text.returncode == 1 and text.stdout == ""
    assert "이미 등록된 의회입니다" in text.stderr and "already registered" in text.stderr
    bad = run("councils", "add", "x", "어느의회", *db)
    assert bad.returncode == 1 and "영문 소문자" in bad.stderr and "lower-case" in bad.stderr
    added = run("councils", "add", "daegu", "대구광역시의회", *db)
    assert added.returncode == 0 and "대구광역시의회" in added.stderr and "daegu" in added.stderr
    table = run("councils", "list", *db)
    assert table.returncode == 0 and all(n in table.stdout for n in (SEOUL, BUSAN, "daegu"))
    assert run("councils", "add", "only-a-code", *db).returncode == 2  # a usage error


def test_the_first_council_adopts_the_accounts_bound_to_none(db: tuple[str, str]) -> None:
    ok("departments", "add", JOBS, *db)
    ok("users", "add", "김담당", "--role", "department_officer", "--department", JOBS, *db,
       stdin=PASSWORD)  # fmt: skip
    ok("users", "add", "이직원", "--role", "council_staff", *db, stdin=PASSWORD)
    ok("users", "add", "관리자", "--role", "admin", *db, stdin=PASSWORD)
    before = ok("users", "list", *db)
    assert all(set(u) == {*USER_KEYS, "council"} and u["council"] is None for u in before)

    text = run("councils", "add", "seoul", SEOUL, *db)
    assert text.returncode == 0
    assert "2" in text.stderr and "adopted" in text.stderr  # the officer and the staff
    councils = {u["name"]: u["council"] for u in ok("users", "list", *db)}
    # The administrator stays a system administrator, bound to none.
    assert councils == {"김담당": SEOUL, "이직원": SEOUL, "관리자": None}

    # A later council adopts nobody; an account is bound to it by `users add --council`.
    assert ok("councils", "add", "busan", BUSAN, *db)["adopted"] == 0
    added = ok("users", "add", "박직원", "--role", "council_staff", "--council", "busan", *db,
               stdin=PASSWORD)  # fmt: skip
    assert set(added) == USER_KEYS and added["name"] == "박직원"  # the shape of `users add`
    by_name = ok("users", "add", "최열람", "--role", "viewer", "--council", BUSAN, *db,
                 stdin=PASSWORD)  # fmt: skip
    assert by_name["name"] == "최열람"
    assert {u["name"]: u["council"] for u in ok("users", "list", *db)} == {
        "김담당": SEOUL,
        "이직원": SEOUL,
        "관리자": None,
        "박직원": BUSAN,
        "최열람": BUSAN,
    }
    assert sorted(u["name"] for u in ok("users", "list", "--council", "busan", *db)) == [
        "박직원",
        "최열람",
    ]
    assert sorted(u["name"] for u in ok("users", "list", "--council", SEOUL, *db)) == [
        "김담당",
        "이직원",
    ]
    assert refused("users", "add", "정직원", "--role", "viewer", "--council", "daegu", *db,
                   stdin=PASSWORD)["code"] == "UNKNOWN_COUNCIL"  # fmt: skip
    # Another council's department is not the new account's: neither one registered
    # for it, nor one registered before any council was (the first council's).
    ok("departments", "add", LABOUR, "--council", "seoul", *db)
    ok("departments", "add", SOCIAL, "--council", "busan", *db)
    for theirs in (LABOUR, JOBS):
        assert refused("users", "add", "정담당", "--role", "department_officer", "--department",
                       theirs, "--council", "busan", *db, stdin=PASSWORD)["code"] == (
            "UNKNOWN_DEPARTMENT"
        )  # fmt: skip
    officer = ok("users", "add", "정담당", "--role", "department_officer", "--department",
                 SOCIAL, "--council", "busan", *db, stdin=PASSWORD)  # fmt: skip
    assert officer["departments"] == [SOCIAL]
    assert {d["name"] for d in ok("departments", "list", "--council", "busan", *db)} == {SOCIAL}
    assert {d["name"] for d in ok("departments", "list", "--council", "seoul", *db)} == {
        JOBS,
        LABOUR,
    }
    assert "정직원" not in {u["name"] for u in ok("users", "list", *db)}

    # Account commands with --council act on that council's accounts only.
    assert refused("users", "disable", "김담당", "--council", "busan", *db)["code"] == (
        "UNKNOWN_USER"
    )
    assert ok("users", "disable", "김담당", "--council", "seoul", *db)["active"] is False
    assert refused("users", "unlock", "김담당", "--council", "busan", *db)["code"] == (
        "UNKNOWN_USER"
    )
    ok("tokens", "create", "박직원", *db)
    seoul_token = ok("tokens", "create", "이직원", *db)
    assert [t["name"] for t in ok("tokens", "list", "--council", "busan", *db)] == ["박직원"]
    assert len(ok("tokens", "list", *db)) == 2
    seoul_id = next(t["id"] for t in ok("tokens", "list", "--council", "seoul", *db))
    assert refused("tokens", "revoke", seoul_id, "--council", "busan", *db)["code"] == (
        "UNKNOWN_TOKEN"
    )
    assert ok("tokens", "revoke", seoul_id, "--council", "seoul", *db)["revoked_at"] is not None
    assert seoul_token["name"] == "이직원"


def _import(db: tuple[str, str], council: str) -> dict[str, Any]:
    outcome: dict[str, Any] = ok("import", str(SEED), "--council", council, *db)
    assert outcome["committed"] and outcome["created"] == SEED_FINDINGS, outcome["problems"]
    return outcome


def _total(summary: dict[str, Any]) -> int:
    total: int = summary["rows"]["total"]["total"]
    return total


def test_each_council_sees_only_its_own_audit_and_counts(
    db: tuple[str, str], database_url: str, tmp_path: Path
) -> None:
    ok("councils", "add", "seoul", SEOUL, *db)
    ok("councils", "add", "busan", BUSAN, *db)
    # `import --council` names the document's council: a code gives the registered name.
    seoul_audit = _import(db, "seoul")["audit_id"]
    busan_audit = _import(db, BUSAN)["audit_id"]
    assert seoul_audit != busan_audit

    audits = ok("audits", *db)
    assert all(set(a) == AUDIT_KEYS for a in audits)
    assert {a["audit_id"]: a["council"] for a in audits} == {
        seoul_audit: SEOUL,
        busan_audit: BUSAN,
    }
    for council, audit in (("seoul", seoul_audit), (SEOUL, seoul_audit), ("busan", busan_audit)):
        assert [a["audit_id"] for a in ok("audits", "--council", council, *db)] == [audit]

    # The 총괄: every council's without --council, each council's with it.
    everything = ok("summary", *db)
    seoul, busan = ok("summary", "--council", "seoul", *db), ok("summary", "--council", BUSAN, *db)
    assert set(seoul) == set(everything)  # the same shape, keys and all
    assert (_total(everything), _total(seoul), _total(busan)) == (112, 56, 56)
    assert seoul["rows"] == busan["rows"]  # one document, imported into each
    # Another council's audit is none of this council's.
    assert _total(ok("summary", "--council", "seoul", "--audit", busan_audit, *db)) == 0
    assert _total(ok("summary", "--council", "busan", "--audit", busan_audit, *db)) == 56

    def finding_audits(*args: str) -> dict[str, int]:
        rows = ok("findings", *args, *db)
        return {a: sum(r["audit_id"] == a for r in rows) for a in {r["audit_id"] for r in rows}}

    assert finding_audits() == {seoul_audit: 56, busan_audit: 56}
    assert finding_audits("--council", "seoul") == {seoul_audit: 56}
    assert finding_audits("--council", "busan", "--status", "in_progress") == {busan_audit: 2}
    assert finding_audits("--council", "busan", "--audit", seoul_audit) == {}

    # Departments: each council registered its own three; each lists those only.
    listed = ok("departments", "list", *db)
    by_council = {c: ok("departments", "list", "--council", c, *db) for c in ("seoul", "busan")}
    assert all(set(d) == DEPARTMENT_KEYS for d in listed)
    for rows in by_council.values():
        assert sorted(d["name"] for d in rows) == sorted([JOBS, LABOUR, SOCIAL])
    seoul_ids = {d["id"] for d in by_council["seoul"]}
    busan_ids = {d["id"] for d in by_council["busan"]}
    assert not seoul_ids & busan_ids and {d["id"] for d in listed} == seoul_ids | busan_ids
    added = ok("departments", "add", "감사담당관", "--council", "busan", *db)
    assert set(added) == DEPARTMENT_KEYS
    assert "감사담당관" in {d["name"] for d in ok("departments", "list", "--council", "busan", *db)}
    assert "감사담당관" not in {
        d["name"] for d in ok("departments", "list", "--council", "seoul", *db)
    }

    # Reminders raised for both: each council's inbox holds its own findings' only.
    ok("remind", "--today", "2019-06-01", *db)
    seoul_findings = {r["finding_id"] for r in ok("findings", "--council", "seoul", *db)}
    busan_findings = {r["finding_id"] for r in ok("findings", "--council", "busan", *db)}
    inbox = {c: ok("inbox", "--council", c, *db) for c in ("seoul", "busan")}
    every = ok("inbox", *db)
    assert inbox["seoul"] and inbox["busan"]
    assert {e["finding_id"] for e in inbox["seoul"]} <= seoul_findings
    assert {e["finding_id"] for e in inbox["busan"]} <= busan_findings
    assert len(every) == len(inbox["seoul"]) + len(inbox["busan"])
    assert set(every[0]) == set(inbox["seoul"][0])  # the same shape
    staff = ok("inbox", "--council", "busan", "--department", "staff", *db)
    assert staff and {e["finding_id"] for e in staff} <= busan_findings
    social = ok("inbox", "--council", "busan", "--department", SOCIAL, *db)
    assert social and {e["finding_id"] for e in social} <= busan_findings

    # Writes through --council reach that council's findings only.
    busan_finding = sorted(busan_findings)[0]
    assert refused("extension", "request", busan_finding, "--until", "2030-01-01",
                   "--reason", "사유", "--council", "seoul", *db)["code"] == (
        "FINDING_NOT_FOUND"
    )  # fmt: skip
    assert refused("audits", "carry-over", busan_audit, seoul_audit, "--dry-run",
                   "--council", "seoul", *db)["code"] == "AUDIT_NOT_FOUND"  # fmt: skip
    # The group's option, before the subcommand, scopes it too.
    assert refused("audits", "--council", "seoul", "carry-over", busan_audit, seoul_audit,
                   "--dry-run", *db)["code"] == "AUDIT_NOT_FOUND"  # fmt: skip
    out = tmp_path / "busan.html"
    assert refused("export", "--audit", busan_audit, "--format", "html", "--out", str(out),
                   "--council", "seoul", *db)["code"] == "AUDIT_NOT_FOUND"  # fmt: skip
    assert ok("export", "--audit", busan_audit, "--format", "html", "--out", str(out),
              "--council", "busan", *db)["bytes"] > 0  # fmt: skip
    policy = ok("policy", "set", "--council", "busan", "--corrective", "60", *db)
    assert policy["council"] == BUSAN  # the registered name
    assert ok("policy", "show", "--council", BUSAN, *db)["days"] == {"corrective": 60}
    assert ok("policy", "show", "--council", "seoul", *db) == {"council": SEOUL, "days": {}}

    # An account bound to a council by `users add --council` sees that council's only.
    ok("users", "add", "박직원", "--role", "council_staff", "--council", "busan", *db,
       stdin=PASSWORD)  # fmt: skip
    token = ok("tokens", "create", "박직원", *db)["token"]
    with TestClient(create_app(settings_for(database_url, tmp_path))) as api:
        answer = api.get("/api/v1/summary", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["rows"]["total"]["total"] == 56


def test_an_unknown_council_is_refused_by_every_scoped_command(db: tuple[str, str]) -> None:
    ok("councils", "add", "seoul", SEOUL, *db)
    for command in (("summary",), ("findings",), ("inbox",), ("departments", "list"),
                    ("audits",), ("users", "list"), ("tokens", "list")):  # fmt: skip
        for council in ("daegu", "부산광역시의회", ""):
            error = refused(*command, "--council", council, *db)
            assert error["code"] == "UNKNOWN_COUNCIL", (command, council)
            assert error["detail"] == council
    assert refused("departments", "add", "감사담당관", "--council", "daegu", *db)["code"] == (
        "UNKNOWN_COUNCIL"
    )
    assert ok("departments", "list", *db) == []  # the refusal registered nothing
    # `import --council` names the document's council, registered or not (a contract):
    # one not registered is imported as stated, for every council, as before.
    dry = ok("import", str(SEED), "--council", "경기도의회", "--dry-run", *db)
    assert not dry["committed"] and dry["created"] == SEED_FINDINGS
    assert not [p for p in dry["problems"] if p["severity"] == "error"]
    text = run("summary", "--council", "daegu", *db)
    assert text.returncode == 1 and text.stdout == ""
    assert "등록되지 않은 의회입니다" in text.stderr and "No council is registered" in text.stderr
    assert "daegu" in text.stderr
