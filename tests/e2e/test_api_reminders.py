"""Through the API on SQLite and PostgreSQL: a reminder raised while an officer has the
page open never turns the officer's submit into a 409."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_app
from domain.vocabulary import FindingKind as K
from tests.e2e.api_support import seeded_api, settings_for

# Seed findings of 사회적경제담당관: corrective 1 is 추진중 and plans for "'18년 하반기".
IN_PROGRESS = (K.CORRECTIVE, 1)


def test_an_officer_reports_at_the_version_read_before_the_reminder_run(
    database_url: str, tmp_path: Path
) -> None:
    with seeded_api(settings_for(database_url, tmp_path)) as api:
        finding = api.finding(*IN_PROGRESS)
        version = api.version(finding)  # the officer opens the page

        job = api.app.state.runtime.reminder_job()
        raised, _ = job.raise_due(date(2019, 1, 2))  # stale plans, waiting claims
        assert raised > 0
        assert api.version(finding) == version

        response = api.client.post(
            f"/api/v1/findings/{finding}/reports",
            json={"status": "in_progress", "actions": "○ 2차 점검", "expected_version": version},
            headers=api.auth("social"),
        )
        assert response.status_code == 200, response.text
        assert response.headers["ETag"] == f'"{version + 1}"'

        timeline = api.client.get(
            f"/api/v1/findings/{finding}/timeline", headers=api.auth("viewer")
        ).json()
        assert [(e["version"], e["event"]) for e in timeline][-2:] == [
            (version, "ReminderRaised"),
            (version + 1, "ProgressReported"),
        ]
        assert timeline[-2]["data"]["rule"] == "stale_plan"
        assert timeline[-2]["actor_kind"] == "scheduler"
        inbox = api.client.get("/api/v1/inbox", headers=api.auth("social")).json()
        assert "stale_plan" in {e["rule"] for e in inbox}


def test_the_start_up_run_of_a_restarted_server_leaves_every_version_as_it_was(
    database_url: str, tmp_path: Path
) -> None:
    settings = settings_for(database_url, tmp_path)
    with seeded_api(settings) as api:
        finding = api.finding(*IN_PROGRESS)
        version = api.version(finding)  # read before the restart
        social = api.tokens["social"]

    app = create_app(settings.model_copy(update={"scheduler_enabled": True}))
    with TestClient(app) as client:
        tracker = app.state.runtime.tracker
        deadline = time.monotonic() + 60
        while tracker.reminder_log(finding) is None:  # the run at start (today: long overdue)
            assert time.monotonic() < deadline, "the start-up reminder run did not happen"
            time.sleep(0.2)
        headers = {"Authorization": f"Bearer {social}"}
        current = client.get(f"/api/v1/findings/{finding}", headers=headers).json()
        assert current["version"] == version
        response = client.post(
            f"/api/v1/findings/{finding}/comments",
            json={"text": "확인했습니다", "expected_version": version},
            headers=headers,
        )
        assert response.status_code == 200, response.text
