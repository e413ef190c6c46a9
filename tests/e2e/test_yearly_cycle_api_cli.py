"""The yearly cycle through the command line and the JSON API: carry-over, repeats,
as-of lists and timelines, "as recorded", due-date policy, re-review dates."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from application.access import Principal
from application.importing import ImportOptions
from domain.finding import Finding
from domain.values import SEOUL
from domain.vocabulary import FindingKind as K
from infrastructure.parsers import parse_document
from tests.conftest import SEED
from tests.e2e.api_support import Api, seeded_api, settings_for
from tests.e2e.test_cli import as_json, run

AUDIT_2018 = Path(__file__).parents[1] / "fixtures" / "two_year" / "audit_2018.txt"


def test_the_yearly_cycle_as_commands(tmp_path: Path) -> None:
    db = ["--db", f"sqlite:///{tmp_path / 'cycle.sqlite'}"]
    council = ["--council", "서울특별시의회"]
    assert run("import", str(SEED), *council, "--verified", "--json", *db).returncode == 0
    second = as_json(run("import", str(AUDIT_2018), *council, "--json", *db))["audit_id"]
    audits = as_json(run("audits", "--json", *db))
    assert set(audits[0]) == {
        "audit_id",
        "council",
        "year",
        "committee",
        "audited_body",
        "findings",
    }
    first = next(a["audit_id"] for a in audits if a["year"] == 2017)

    dry = as_json(run("audits", "carry-over", first, second, "--dry-run", "--json", *db))
    assert set(dry) == {"carried", "finding_ids"} and dry["carried"] == 2
    done = run("audits", "carry-over", first, second, "--json", *db)
    assert done.returncode == 0 and as_json(done) == dry
    assert as_json(run("audits", "carry-over", first, second, "--json", *db))["carried"] == 0
    backwards = run("audits", "carry-over", second, first, "--json", *db)
    assert backwards.returncode == 1
    assert as_json(backwards)["error"]["code"] == "INVALID_CARRY_OVER"

    summary = as_json(run("summary", "--audit", second, "--json", *db))
    assert summary["carried"]["rows"]["total"]["total"] == 2
    assert summary["rows"]["total"]["total"] == 6
    carried = as_json(run("findings", "--carried-into", second, "--json", *db))
    assert sorted(f["finding_id"] for f in carried) == sorted(dry["finding_ids"])
    before = as_json(run("findings", "--audit", first, "--as-of", "2018-11-14", "--json", *db))
    assert before == []
    then = as_json(run("findings", "--audit", first, "--as-of", "2018-11-15", "--json", *db))
    assert len(then) == 56 and {f["status"] for f in then} == {"completed", "in_progress"}

    policy = run("policy", "set", *council, "--recommendation", "40", "--json", *db)
    assert policy.returncode == 0
    assert as_json(policy)["days"] == {"recommendation": 40}
    shown = as_json(run("policy", "show", *council, "--json", *db))
    assert shown == {"council": "서울특별시의회", "days": {"recommendation": 40}}
    assert run("policy", "set", *council, "--other", "0", *db).returncode == 2
    more = as_json(run("policy", "set", *council, "--other", "10", "--json", *db))
    assert more["days"] == {"other": 10, "recommendation": 40}  # the others kept
    less = as_json(run("policy", "set", *council, "--remove", "other", "--json", *db))
    assert less["days"] == {"recommendation": 40}


@pytest.fixture
def api(database_url: str, tmp_path: Path) -> Iterator[Api]:
    with seeded_api(settings_for(database_url, tmp_path)) as api:
        yield api


def _get(api: Api, who: str, path: str, **params: Any) -> Any:
    return api.client.get(f"/api/v1{path}", params=params, headers=api.auth(who))


def test_as_of_and_as_recorded_through_the_api(api: Api) -> None:
    # Business dates and "recorded on" days are Seoul's (from 15:00 UTC, tomorrow's).
    seoul_today = datetime.now(SEOUL).date()
    today = _get(api, "viewer", "/findings", audit=str(api.audit_id), limit=500)
    as_of_now = _get(
        api, "viewer", "/findings", audit=str(api.audit_id), limit=500, as_of=seoul_today
    )
    assert as_of_now.status_code == 200
    shown = ("finding_id", "status", "status_raw", "verification", "department_id", "due_date")

    def cut(answer: Any) -> list[tuple[Any, ...]]:
        return [tuple(f[k] for k in shown) for f in answer.json()["data"]]

    assert cut(as_of_now) == cut(today) and as_of_now.json()["count"] == 56
    before = _get(api, "viewer", "/findings", audit=str(api.audit_id), as_of="2018-11-14")
    assert before.json() == {"data": [], "count": 0}
    assert _get(api, "viewer", "/findings", as_of="2018-13-01").status_code == 422

    finding = api.finding(K.CORRECTIVE, 1)
    timeline = _get(api, "viewer", f"/findings/{finding}/timeline", as_of="2018-11-14")
    assert timeline.status_code == 200 and timeline.json() == []
    # "As recorded" is council staff's.
    refused = _get(api, "social", "/summary", audit=str(api.audit_id), recorded_on=seoul_today)
    assert refused.status_code == 403
    recorded = _get(api, "staff", "/summary", audit=str(api.audit_id), recorded_on=seoul_today)
    assert recorded.status_code == 200
    now = _get(api, "staff", "/summary", audit=str(api.audit_id)).json()
    assert recorded.json()["rows"] == now["rows"]
    yesterday = date.fromordinal(seoul_today.toordinal() - 1)
    empty = _get(api, "staff", "/summary", audit=str(api.audit_id), recorded_on=yesterday)
    assert empty.json()["rows"]["total"]["total"] == 0  # imported today: nothing yet then


def test_carry_over_repeats_policy_and_review_dates_through_the_api(api: Api) -> None:
    runtime = api.app.state.runtime
    outcome = runtime.services.importer.run(
        Principal.system(),
        parse_document(AUDIT_2018.read_bytes()),
        ImportOptions(council="서울특별시의회"),
    )
    second = outcome.audit_id
    assert second is not None
    staff = api.auth("staff")
    body = {"to_audit_id": str(second), "dry_run": True}
    refused = api.client.post(
        f"/api/v1/audits/{api.audit_id}/carry-over", json=body, headers=api.auth("social")
    )
    assert refused.status_code == 403
    dry = api.client.post(f"/api/v1/audits/{api.audit_id}/carry-over", json=body, headers=staff)
    assert dry.status_code == 200 and dry.json()["carried"] == 56  # nothing verified yet
    body["dry_run"] = False
    api.client.post(f"/api/v1/audits/{api.audit_id}/carry-over", json=body, headers=staff)
    listed = _get(api, "viewer", "/findings", carried_into=str(second), limit=500).json()
    assert listed["count"] == 56
    backwards = api.client.post(
        f"/api/v1/audits/{second}/carry-over",
        json={"to_audit_id": str(api.audit_id)},
        headers=staff,
    )
    assert backwards.status_code == 422 and backwards.json()["code"] == "INVALID_CARRY_OVER"

    repeated = Finding.create_id(second, K.CORRECTIVE, 1)
    earlier = api.finding(K.CORRECTIVE, 18)
    repeats = _get(api, "staff", f"/findings/{repeated}/repeats").json()
    assert repeats["repeat_of"] is None and repeats["years"] == 1
    assert [s["finding_id"] for s in repeats["suggestions"]] == [str(earlier)]
    decision = {
        "earlier_finding_id": str(earlier),
        "decision": "confirm",
        "expected_version": api.version(repeated),
    }
    assert (
        api.client.post(
            f"/api/v1/findings/{repeated}/repeats", json=decision, headers=api.auth("viewer")
        ).status_code
        == 403
    )
    confirmed = api.client.post(
        f"/api/v1/findings/{repeated}/repeats", json=decision, headers=staff
    )
    assert confirmed.status_code == 200 and confirmed.json()["repeat_of"] == str(earlier)
    assert _get(api, "viewer", f"/findings/{repeated}/repeats").json()["years"] == 2

    policy = {"council": "서울특별시의회", "days": {"corrective": 30}}
    assert (
        api.client.put("/api/v1/due-policy", json=policy, headers=api.auth("viewer")).status_code
        == 403
    )
    assert api.client.put("/api/v1/due-policy", json=policy, headers=staff).status_code == 200
    shown = _get(api, "viewer", "/due-policy", council="서울특별시의회").json()
    assert shown["days"] == {"corrective": 30}
    bad = {"council": "서울특별시의회", "days": {"corrective": 0}}
    assert api.client.put("/api/v1/due-policy", json=bad, headers=staff).status_code == 422

    # A re-review date goes with a verified 미반영 only.
    done = api.finding(K.OTHER, 1)  # 완료 claimed in the seed
    claim = {"expected_version": api.version(done), "decision": "verify", "review_on": "2030-01-01"}
    wrong = api.client.post(f"/api/v1/findings/{done}/verification", json=claim, headers=staff)
    assert wrong.status_code == 422 and wrong.json()["code"] == "INVALID_REVIEW_DATE", wrong.text
    not_adopted = api.finding(K.CORRECTIVE, 1)
    report = {
        "expected_version": api.version(not_adopted),
        "status": "not_adopted",
        "delay_reason": "예산 미확보",
    }
    assert (
        api.client.post(
            f"/api/v1/findings/{not_adopted}/reports", json=report, headers=staff
        ).status_code
        == 200
    )
    claim = {
        "expected_version": api.version(not_adopted),
        "decision": "verify",
        "review_on": "2030-01-01",
    }
    verified = api.client.post(
        f"/api/v1/findings/{not_adopted}/verification", json=claim, headers=staff
    )
    assert verified.status_code == 200 and verified.json()["review_on"] == "2030-01-01"
