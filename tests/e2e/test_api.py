"""The HTTP app: health and the 처리결과 총괄 (same JSON as the CLI), on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from application.access import Principal
from domain.vocabulary import Role
from infrastructure.bootstrap import open_runtime
from infrastructure.parsers import parse_document
from infrastructure.settings import Settings
from tests.conftest import SEED


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    settings = Settings(
        database_url=database_url, projection_interval=0.05, scheduler_enabled=False
    )
    with TestClient(create_app(settings)) as client:
        yield client


def test_health_answers_with_projection_positions(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_summary_of_an_imported_audit_now_and_as_of(database_url: str, tmp_path: Path) -> None:
    from tests.e2e.api_support import seeded_api, settings_for

    with seeded_api(settings_for(database_url, tmp_path)) as api:
        headers = api.auth("viewer")
        assert api.client.get("/api/v1/summary").status_code == 401
        now = api.client.get(
            "/api/v1/summary", params={"audit": str(api.audit_id)}, headers=headers
        )
        assert now.status_code == 200
        assert now.json()["rows"]["total"] == {
            "total": 56,
            "completed": 54,
            "in_progress": 2,
            "under_review": 0,
            "not_adopted": 0,
        }
        as_of = api.client.get(
            "/api/v1/summary",
            headers=headers,
            params={"audit": str(api.audit_id), "as_of": "2018-11-15"},
        ).json()
        assert as_of["rows"]["recommendation"] == {
            "total": 8,
            "completed": 7,
            "in_progress": 1,
            "under_review": 0,
            "not_adopted": 0,
        }
        assert as_of["as_of"] == "2018-11-15"
        before = api.client.get(
            "/api/v1/summary", params={"as_of": "2018-11-14"}, headers=headers
        ).json()
        assert before["rows"]["total"]["total"] == 0
        bad = api.client.get("/api/v1/summary", params={"as_of": "2018-13-01"}, headers=headers)
        assert bad.status_code == 422
        assert set(bad.json()) == {"code", "message_ko", "message_en", "detail"}
        assert bad.json()["code"] == "INVALID_REQUEST"


def test_openapi_documents_the_summary(client: TestClient) -> None:
    # SPEC §8: only /health (and the opt-in public page) answer anonymous visitors.
    assert client.get("/openapi.json").status_code == 401
    assert client.get("/docs").status_code == 401
    app = client.app
    app.state.accounts.add_user("reader", "correct-horse-battery", Role.VIEWER, [])  # type: ignore[attr-defined]
    token = app.state.accounts.create_token("reader", "docs")  # type: ignore[attr-defined]
    signed_in = {"Authorization": f"Bearer {token}"}
    assert "/api/v1/summary" in client.get("/openapi.json", headers=signed_in).json()["paths"]
    assert "swagger" in client.get("/docs", headers=signed_in).text.lower()


def test_the_docs_are_public_only_when_a_setting_says_so(database_url: str) -> None:
    settings = Settings(database_url=database_url, scheduler_enabled=False, public_api_docs=True)
    with TestClient(create_app(settings)) as client:
        assert "/api/v1/summary" in client.get("/openapi.json").json()["paths"]


def test_serve_runs_one_active_scheduler_per_database(database_url: str) -> None:
    import time

    from application.importing import ImportOptions as Options

    runtime = open_runtime(Settings(database_url=database_url))
    runtime.services.importer.run(
        Principal.system(),
        parse_document(SEED.read_bytes()),
        Options(council="서울특별시의회"),
    )
    runtime.close()
    settings = Settings(database_url=database_url, projection_interval=0.05)
    with TestClient(create_app(settings)) as first, TestClient(create_app(settings)) as second:
        assert first.get("/health").json()["scheduler"] == "active"
        assert second.get("/health").json()["scheduler"] == "standby"
        # The daily job ran once at start: the 54 claims reported in 2018 wait.
        deadline = time.monotonic() + 20
        check = open_runtime(Settings(database_url=database_url))
        try:
            while time.monotonic() < deadline:
                staff = check.reminder_job().read_model.inbox("staff")
                if len(staff) == 54:
                    break
                time.sleep(0.2)
            assert len(staff) == 54
        finally:
            check.close()
