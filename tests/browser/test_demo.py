"""What `make run` shows a first visitor: the demo staged by `followup demo` (on the
embedded SQLite store, as `make run` does), with the scheduler's start-up run — at 1366
and 390 px, as the demo's council staff member and department officer."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, expect
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app as cli
from tests.browser.conftest import LAPTOP, PHONE, screenshot
from tests.conftest import ROOT
from tests.e2e.api_support import settings_for
from tests.support.server import LiveServer

DEMO = ROOT / "demo" / "seed_2018_business_report.txt"


def followup(*args: str) -> Any:
    result = CliRunner().invoke(cli, [*args, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    tmp = tmp_path_factory.mktemp("demo")
    db = f"sqlite:///{tmp}/followup.db"
    followup("import", str(DEMO), "--council", "서울특별시의회", "--db", db)
    accounts = {a["role"]: a for a in followup("users", "demo", "--db", db)}
    staged = followup("demo", "--db", db)
    assert staged["staged"] is True
    app = create_app(settings_for(db, tmp))
    with LiveServer(app) as server:
        runtime = app.state.runtime  # opened by the app's start-up
        runtime.reminder_job().run(runtime.services.clock.today())  # the scheduler's first run
        yield (
            server.url,
            {
                "staff": accounts["council_staff"]["name"],
                "staff_password": accounts["council_staff"]["password"],
                "officer": accounts["department_officer"]["name"],
                "officer_password": accounts["department_officer"]["password"],
            },
        )


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1366", "390"])
def test_the_demo_gives_each_role_work_to_try(
    demo: tuple[str, dict[str, str]], browser: Browser, viewport: dict[str, int]
) -> None:
    url, who = demo
    for role in ("officer", "staff"):
        context = browser.new_context(locale="ko-KR", timezone_id="Asia/Seoul", viewport=viewport)
        try:
            page = context.new_page()
            page.goto(f"{url}/login")
            page.get_by_label("아이디").fill(who[role])
            page.get_by_label("비밀번호").fill(who[f"{role}_password"])
            page.get_by_role("button", name="로그인").click()
            expect(page.get_by_role("heading", name="대시보드", exact=True)).to_be_visible()
            stats = page.locator(".stats")
            if role == "officer":
                # Open work of its own: overdue, due soon, returned claims in its inbox.
                expect(stats).to_contain_text(re.compile(r"[1-9]\d* 처리기한 경과"))
                expect(stats).to_contain_text(re.compile(r"[1-9]\d* 처리기한 임박"))
                screenshot(page, f"demo-dashboard-officer-{viewport['width']}")
                page.goto(f"{url}/inbox")
                returned = page.locator("li.inbox-group").filter(has_text="보완요구")
                expect(returned.first).to_contain_text(
                    "완료 보고가 반려됨 — 사유를 보완해 다시 보고하세요"
                )
                expect(page.locator("ol.inbox")).to_contain_text("일 경과 — 추진상황을 보고하세요")
                screenshot(page, f"demo-inbox-officer-{viewport['width']}")
            else:
                expect(stats).to_contain_text("8 이행확인 대기")
                screenshot(page, f"demo-dashboard-staff-{viewport['width']}")
                page.goto(f"{url}/inbox")
                # Not 54 near-identical reminders: the claims still waiting, and no more.
                count = page.locator("p.count").inner_text()
                found = re.match(r"처리할 알림 (\d+)건", count)
                assert found is not None and 1 <= int(found.group(1)) <= 12, count
                page.goto(f"{url}/queue")
                expect(page.locator("li.claim")).to_have_count(8)
            if viewport is PHONE:
                assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        finally:
            context.close()
