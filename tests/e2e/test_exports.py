"""`followup export`, GET /api/v1/audits/{id}/export and the pages' download buttons."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from urllib.parse import quote

import openpyxl
import pytest
from fastapi.testclient import TestClient
from hwpx import HwpxDocument
from typer.testing import CliRunner

from api.cli import app as cli
from tests.conftest import SEED
from tests.e2e.api_support import PASSWORD, seeded_api, settings_for
from tests.e2e.test_cli import as_json, run

COLUMNS = ("total", "completed", "in_progress", "under_review", "not_adopted")
KINDS = ("total", "corrective", "recommendation", "other")
AS_OF = "2018-11-15"


def _login(client: TestClient, name: str) -> None:
    form = client.get("/login")
    token = re.search(r'name="login_csrf" value="([^"]+)"', form.text)
    assert token is not None
    response = client.post(
        "/login",
        data={"name": name, "password": PASSWORD, "next": "/", "login_csrf": token.group(1)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def _cells(counts: dict[str, int]) -> list[str]:
    return [str(counts[c]) if counts[c] else "-" for c in COLUMNS]


def test_cli_export_every_format(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path}/followup.db"
    local = CliRunner()
    imported = local.invoke(cli, ["import", str(SEED), "--council", "서울특별시의회", "--db", db])
    assert imported.exit_code == 0, imported.output
    audits = json.loads(local.invoke(cli, ["audits", "--json", "--db", db]).stdout)
    audit = audits[0]["audit_id"]
    summary = as_json(run("summary", "--audit", audit, "--as-of", AS_OF, "--json", "--db", db))
    findings = json.loads(
        local.invoke(cli, ["findings", "--audit", audit, "--json", "--db", db]).stdout
    )
    assert summary["rows"]["total"]["total"] == len(findings) == 56

    # The installed entry point, once; the other formats in process.
    out = tmp_path / "처리결과.xlsx"
    done = run(
        *("export", "--audit", audit, "--format", "xlsx", "--out", str(out)),
        *("--as-of", AS_OF, "--db", db),
    )
    assert done.returncode == 0, done.stderr
    assert not list(tmp_path.glob(".*.part"))  # written beside, then renamed
    ws = openpyxl.load_workbook(out)["총괄"]
    for i, row in enumerate(KINDS):
        assert [str(ws.cell(9 + i, c).value) for c in range(3, 8)] == _cells(summary["rows"][row])

    for fmt in ("hwpx", "html", "pdf"):
        target = tmp_path / f"report.{fmt}"
        args = ["export", "--audit", audit, "--format", fmt, "--out", str(target), "--json"]
        result = local.invoke(cli, [*args, "--as-of", AS_OF, "--db", db])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout) == {
            "path": str(target),
            "format": fmt,
            "bytes": target.stat().st_size,
        }
    # Every finding (연번) in its kind's list, in the workbook and the HWPX tables.
    seqs = {k: [f["seq"] for f in findings if f["kind"] == k] for k in KINDS[1:]}
    workbook = openpyxl.load_workbook(out)
    doc = HwpxDocument.open(tmp_path / "report.hwpx")
    for kind, table in zip(KINDS[1:], doc.tables.all[1:], strict=True):
        sheet = workbook.worksheets[KINDS.index(kind)]  # 총괄, then the kinds in order
        listed = [sheet.cell(5 + i, 1).value for i in range(len(seqs[kind]) + 1)]
        assert listed == [*seqs[kind], None]
        assert [int(row[0].cell.text) for row in table.get_cell_map()[2:]] == seqs[kind]
    totals = doc.tables.all[0].get_cell_map()
    for i, row in enumerate(KINDS):
        assert [g.cell.text for g in totals[2 + i][2:]] == _cells(summary["rows"][row])
    text = doc.text.plain()
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")
    assert "수감결과 처리요구사항 등 총 56건" in text and "수감결과 처리요구사항 등 총 56건" in page

    # Usage errors exit 2, refusals 1, and nothing is written.
    refused = tmp_path / "refused.xlsx"
    base = ["export", "--audit", audit, "--out", str(refused), "--db", db]
    assert local.invoke(cli, [*base, "--format", "docx"]).exit_code == 2
    assert local.invoke(cli, [*base, "--format", "xlsx", "--as-of", "2018-13-01"]).exit_code == 2
    unknown = local.invoke(cli, [*base, "--format", "xlsx", "--department", "없는부서", "--json"])
    assert unknown.exit_code == 1
    assert json.loads(unknown.stdout)["error"]["code"] == "UNKNOWN_DEPARTMENT"
    other = ["export", "--audit", "00000000-0000-0000-0000-000000000000", "--out", str(refused)]
    missing = local.invoke(cli, [*other, "--format", "xlsx", "--db", db, "--json"])
    assert missing.exit_code == 1
    error = json.loads(missing.stdout)["error"]
    assert error["code"] == "AUDIT_NOT_FOUND" and error["message_ko"] and error["message_en"]
    assert not refused.exists()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_api_and_web_downloads(database_url: str, tmp_path: Path) -> None:
    with seeded_api(settings_for(database_url, tmp_path)) as api:
        url = f"/api/v1/audits/{api.audit_id}/export"
        response = api.client.get(
            url, params={"format": "xlsx", "as_of": AS_OF}, headers=api.auth("viewer")
        )
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        name = "2017년_행정사무감사_처리결과_기획경제위원회_일자리노동정책관_2018-11-15.xlsx"
        assert response.headers["content-disposition"] == (
            'attachment; filename="audit-2017-followup-2018-11-15.xlsx"; '
            f"filename*=UTF-8''{quote(name, safe='')}"
        )
        ws = openpyxl.load_workbook(io.BytesIO(response.content))["총괄"]
        assert ws["C9"].value == 56

        hwpx = api.client.get(url, params={"format": "hwpx"}, headers=api.auth("social"))
        assert hwpx.status_code == 200 and hwpx.headers["content-type"] == "application/hwp+zip"

        def refused(status: int, code: str, **params: str) -> None:
            answer = api.client.get(url, params=params, headers=api.auth("staff"))
            assert answer.status_code == status, answer.text
            body = answer.json()
            assert body["code"] == code and body["message_ko"] and body["message_en"]

        refused(422, "INVALID_REQUEST", format="docx")
        refused(422, "INVALID_REQUEST", format="xlsx", as_of="2018-13-01")
        refused(422, "UNKNOWN_DEPARTMENT", format="xlsx", department="없는부서")
        anonymous = api.client.get(url, params={"format": "xlsx"})
        assert anonymous.status_code == 401
        missing = api.client.get(
            "/api/v1/audits/00000000-0000-0000-0000-000000000000/export",
            params={"format": "xlsx"},
            headers=api.auth("staff"),
        )
        assert missing.status_code == 404 and missing.json()["code"] == "AUDIT_NOT_FOUND"

        # The web pages: download buttons carrying the page's filters, under the session.
        assert api.client.get("/export", follow_redirects=False).status_code in (302, 303)
        _login(api.client, "viewer")
        page = api.client.get(
            "/summary",
            params={"audit": str(api.audit_id), "as_of": AS_OF, "department": "노동정책담당관"},
        ).text
        form = re.search(r'<form method="get" action="/export".*?</form>', page, re.S)
        assert form is not None
        for field in (str(api.audit_id), AS_OF, "노동정책담당관"):
            assert f'value="{field}"' in form.group(0)
        assert form.group(0).count('name="format"') == 4
        listing = api.client.get(
            "/findings", params={"audit": str(api.audit_id), "as_of": AS_OF}
        ).text
        form = re.search(r'<form method="get" action="/export".*?</form>', listing, re.S)
        assert form is not None
        assert f'value="{api.audit_id}"' in form.group(0) and f'value="{AS_OF}"' in form.group(0)
        assert 'action="/export"' not in api.client.get("/findings").text  # no audit chosen

        download = api.client.get(
            "/export",
            params={"audit": str(api.audit_id), "format": "html", "as_of": AS_OF},
        )
        assert download.status_code == 200
        assert download.headers["content-disposition"].startswith("attachment;")
        assert "@page { size: A4 landscape" in download.text
        assert "이벤트" not in download.text  # the history's count: admins only (SPEC §8)
        bad = api.client.get("/export", params={"audit": str(api.audit_id), "format": "doc"})
        assert bad.status_code == 422 and "hwpx, xlsx, html, pdf" in bad.text
