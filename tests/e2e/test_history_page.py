"""The 총괄 page shows the event history's head (to print with the report)."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from tests.e2e.api_support import PASSWORD, seeded_api, settings_for


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


def test_the_summary_page_shows_the_history_head(database_url: str, tmp_path: Path) -> None:
    with seeded_api(settings_for(database_url, tmp_path)) as api:
        head = api.app.state.runtime.history.head()
        assert head is not None
        _login(api.client, "viewer")
        page = api.client.get("/summary")
        assert page.status_code == 200
        assert f'<code title="{head.head}">{head.head[:16]}…</code>' in page.text
        assert "기록 해시 (history head)" in page.text
        # The count is of every council's events: admins only (SPEC §8).
        assert f"이벤트 {head.events}건" not in page.text
        api.client.cookies.clear()
        _login(api.client, "admin")
        assert f"이벤트 {head.events}건" in api.client.get("/summary").text
