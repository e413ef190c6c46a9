"""The `followup` command line: JSON shapes, exit codes, --db anywhere (a contract)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SEED

FOLLOWUP = str(Path(sys.executable).parent / "followup")
COUNTS = {
    "total": (56, 54, 2),
    "corrective": (25, 24, 1),
    "recommendation": (8, 7, 1),
    "other": (23, 23, 0),
}


def run(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("FOLLOWUP_", "AUDITTRACKER_"))}
    return subprocess.run(
        [FOLLOWUP, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**base, **(env or {})},
        timeout=120,
    )


def as_json(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.stdout.count("\n") == 1, result.stdout  # exactly one document
    return json.loads(result.stdout)


@pytest.fixture
def db(database_url: str) -> str:
    return database_url


def test_import_summary_audits_findings(db: str) -> None:
    result = run("import", str(SEED), "--council", "서울특별시의회", "--json", "--db", db)
    assert result.returncode == 0, result.stderr
    imported = as_json(result)
    assert {"audit_id", "created", "unchanged", "problems"} <= set(imported)
    assert (imported["created"], imported["unchanged"], imported["problems"]) == (
        56,
        0,
        [],
    )

    again = as_json(run("--db", db, "import", str(SEED), "--council", "서울특별시의회", "--json"))
    assert (again["created"], again["unchanged"], again["audit_id"]) == (
        0,
        56,
        imported["audit_id"],
    )

    for extra in ([], ["--as-of", "2018-11-15"], ["--audit", imported["audit_id"]]):
        summary = as_json(run("summary", *extra, "--json", "--db", db))
        for row, (total, completed, in_progress) in COUNTS.items():
            assert summary["rows"][row] == {
                "total": total,
                "completed": completed,
                "in_progress": in_progress,
                "under_review": 0,
                "not_adopted": 0,
            }
    before = as_json(run("summary", "--as-of", "2018-11-14", "--json", "--db", db))
    assert before["rows"]["total"]["total"] == 0

    audits = as_json(run("audits", "--json", "--db", db))
    assert audits == [
        {
            "audit_id": imported["audit_id"],
            "council": "서울특별시의회",
            "year": 2017,
            "committee": "기획경제위원회",
            "audited_body": "일자리노동정책관",
            "findings": 56,
        }
    ]

    findings = as_json(run("findings", "--audit", imported["audit_id"], "--json", "--db", db))
    assert len(findings) == 56
    assert set(findings[0]) >= {
        "finding_id",
        "audit_id",
        "kind",
        "seq",
        "department",
        "status",
        "status_raw",
        "verification",
        "due_date",
        "version",
    }
    assert (findings[0]["kind"], findings[0]["seq"], findings[0]["verification"]) == (
        "corrective",
        1,
        None,
    )
    in_progress = as_json(run("findings", "--status", "in_progress", "--json", "--db", db))
    assert [(f["kind"], f["seq"], f["department"]) for f in in_progress] == [
        ("corrective", 1, "사회적경제담당관"),
        ("recommendation", 8, "사회적경제담당관"),
    ]
    assert {f["verification"] for f in findings if f["status"] == "completed"} == {"pending"}

    rebuilt = as_json(run("rebuild", "--json", "--db", db))
    assert rebuilt["events"] == 116  # the audit, its findings and their 3 departments
    table = run("summary", "--db", db)
    assert table.returncode == 0 and "시정·처리요구사항" in table.stdout and "56" in table.stdout


def test_default_database_is_created_under_var(tmp_path: Path) -> None:
    result = run("import", str(SEED), "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "var" / "followup.db").exists()
    assert as_json(run("audits", "--json", cwd=tmp_path))[0]["council"] == ""


def test_database_url_from_the_environment(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/env.db"
    assert run("import", str(SEED), "--json", env={"FOLLOWUP_DATABASE_URL": url}).returncode == 0
    assert as_json(run("audits", "--json", "--db", url))[0]["findings"] == 56


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path}/d.db"
    dry = as_json(run("import", str(SEED), "--dry-run", "--json", "--db", db))
    assert (dry["created"], dry["problems"]) == (56, [])
    assert as_json(run("audits", "--json", "--db", db)) == []


@pytest.mark.parametrize(
    ("content", "code", "has_line"),
    [
        (None, "FILE_NOT_READABLE", False),
        (
            "제284회 시의회 정례회\n기획경제위원회\n\nI. 일반현황\n",
            "UNKNOWN_FORMAT",
            False,
        ),
        ("broken-row", "BROKEN_ROW", True),
        ("unknown-status", "UNKNOWN_STATUS", True),
    ],
)
def test_bad_input_is_refused_with_exit_1_and_nothing_written(
    tmp_path: Path, content: str | None, code: str, has_line: bool
) -> None:
    db = f"sqlite:///{tmp_path}/bad.db"
    path = tmp_path / "input.txt"
    text = SEED.read_text(encoding="utf-8")
    if content == "broken-row":
        lines = text.split("\n")
        lines[1563] = lines[1563].split("\t")[0]  # line 1564 loses its result cell
        path.write_text("\n".join(lines), encoding="utf-8")
    elif content == "unknown-status":
        path.write_text(
            text.replace("추진상황 : 추진완료", "추진상황 : 완료됨", 1),
            encoding="utf-8",
        )
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    result = run("import", str(path), "--json", "--db", db)
    assert result.returncode == 1, result.stderr
    problems = as_json(result)["problems"]
    problem = next(p for p in problems if p["code"] == code)
    assert set(problem) == {"line", "severity", "code", "message_ko", "message_en"}
    assert problem["severity"] == "error"
    assert isinstance(problem["line"], int) if has_line else problem["line"] in (None, 1)
    if content == "broken-row":
        assert problem["line"] == 1564
    assert as_json(run("audits", "--json", "--db", db)) == []

    plain = run("import", str(path), "--db", db)
    assert plain.returncode == 1 and code in plain.stderr and plain.stdout == ""


@pytest.mark.parametrize(
    "args",
    [
        ["summary", "--as-of", "2018-13-01"],
        ["summary", "--audit", "not-a-uuid"],
        ["findings", "--status", "done"],
        ["summary", "--db", "mysql://x/y"],
        ["frobnicate"],
    ],
)
def test_usage_errors_exit_2(tmp_path: Path, args: list[str]) -> None:
    result = run(*args, cwd=tmp_path)
    assert result.returncode == 2, (result.stdout, result.stderr)


def test_template_and_html_imports_through_the_command_line(tmp_path: Path) -> None:
    from tests.integration.test_import_formats import HTML, fill_template

    db = f"sqlite:///{tmp_path}/formats.db"
    empty = tmp_path / "empty.xlsx"
    assert run("template", "--out", str(empty)).returncode == 0
    refused = run("import", str(empty), "--json", "--db", db)
    assert refused.returncode == 1 and "NO_ROWS" in refused.stdout

    filled = tmp_path / "filled.xlsx"
    fill_template(filled)
    imported = as_json(run("import", str(filled), "--json", "--db", db))
    assert (imported["created"], imported["format"]) == (4, "template_xlsx")

    html = as_json(run("import", str(HTML / "cp949_report.html"), "--json", "--db", db))
    assert (html["created"], html["format"], html["encoding"]) == (5, "html_tables", "cp949")
    dry = as_json(
        run(
            "import",
            str(HTML / "city_committee_summary_mismatch.html"),
            "--dry-run",
            "--json",
            "--db",
            db,
        )
    )
    assert dry["created"] == 10 and [p["code"] for p in dry["problems"]] == ["COUNT_MISMATCH"]
    assert dry["problems"][0]["severity"] == "warning"

    summary = as_json(run("summary", "--json", "--db", db))
    assert summary["rows"]["total"]["total"] == 9
    assert len(as_json(run("audits", "--json", "--db", db))) == 2
