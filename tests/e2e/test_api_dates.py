"""Business dates under the rules, and no empty events, through the JSON API
(SPEC §3; the seed's findings are registered on its date, 2018-11-15)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from domain.vocabulary import FindingKind as K
from tests.e2e.api_support import SOCIAL, Api, seeded_api, settings_for


@pytest.fixture
def api(database_url: str, tmp_path: Path) -> Iterator[Api]:
    with seeded_api(settings_for(database_url, tmp_path)) as api:
        yield api


IN_PROGRESS = (K.CORRECTIVE, 1)  # 사회적경제담당관, 추진중 in the seed


def _post(api: Api, who: str, path: str, body: dict[str, Any]) -> Any:
    finding = api.finding(*IN_PROGRESS)
    body = {"expected_version": api.version(finding), **body}
    return api.client.post(f"/api/v1/findings/{finding}/{path}", json=body, headers=api.auth(who))


def test_report_dates_follow_the_rules_and_as_of_today_stays_now(api: Api) -> None:
    today = api.app.state.runtime.services.clock.today()
    refused = [
        ("social", "2030-01-01", None, "BUSINESS_DATE_IN_FUTURE"),
        ("social", "2018-01-01", None, "BUSINESS_DATE_BEFORE_REGISTRATION"),
        ("social", str(today - timedelta(days=32)), "늦은 보고", "BACKDATING_LIMIT"),
        ("staff", "2019-01-01", None, "BACKDATING_REASON_REQUIRED"),
    ]
    version = api.version(api.finding(*IN_PROGRESS))
    for who, day, reason, code in refused:
        body = {"status": "completed", "business_date": day, "backdate_reason": reason}
        response = _post(api, who, "reports", body)
        assert (response.status_code, response.json()["code"]) == (422, code), day
        assert response.json()["message_ko"] and response.json()["message_en"]
    assert api.version(api.finding(*IN_PROGRESS)) == version  # nothing written

    body = {"status": "completed", "business_date": "2019-01-10", "backdate_reason": "공문 지연"}
    accepted = _post(api, "staff", "reports", body)
    assert accepted.status_code == 200, accepted.text
    earlier = {"status": "in_progress", "business_date": "2019-01-09", "backdate_reason": "정정"}
    response = _post(api, "staff", "reports", earlier)
    assert (response.status_code, response.json()["code"]) == (
        422,
        "BUSINESS_DATE_BEFORE_LAST_EVENT",
    )
    finding = api.finding(*IN_PROGRESS)
    timeline = api.client.get(
        f"/api/v1/findings/{finding}/timeline", headers=api.auth("viewer")
    ).json()
    last = timeline[-1]
    assert (last["business_date"], last["data"]["backdated"]) == ("2019-01-10", True)
    assert last["data"]["backdate_reason"] == "공문 지연"

    def summary(**params: str) -> Any:
        got = api.client.get("/api/v1/summary", params=params, headers=api.auth("viewer"))
        assert got.status_code == 200, got.text
        return got.json()["rows"]

    assert summary(as_of=str(today)) == summary()
    assert summary(as_of="2018-11-14")["total"]["total"] == 0


def test_changes_that_change_nothing_are_refused_by_name(api: Api) -> None:
    same = _post(api, "staff", "reassignment", {"department": SOCIAL, "reason": "재지정"})
    assert (same.status_code, same.json()["code"]) == (409, "SAME_DEPARTMENT")
    undated = _post(
        api, "social", "extension-requests", {"due_date": "2027-03-31", "reason": "용역 지연"}
    )
    assert (undated.status_code, undated.json()["code"]) == (409, "NO_DUE_DATE")
    set_due = _post(api, "staff", "due-date", {"due_date": "2027-01-31", "reason": "기한 지정"})
    assert set_due.status_code == 200, set_due.text
    again = _post(api, "staff", "due-date", {"due_date": "2027-01-31", "reason": "재확인"})
    assert (again.status_code, again.json()["code"]) == (409, "SAME_DUE_DATE")


def test_an_unknown_department_in_a_filter_is_a_422_with_the_closest_names(api: Api) -> None:
    for path in ("/api/v1/findings", "/api/v1/summary"):
        response = api.client.get(
            path, params={"department": "사회적경제담당"}, headers=api.auth("viewer")
        )
        assert (response.status_code, response.json()["code"]) == (422, "UNKNOWN_DEPARTMENT")
        assert SOCIAL in response.json()["message_ko"] + str(response.json()["detail"])
