"""Property-based requests from the app's own OpenAPI (schemathesis): never a 5xx.

Driven without schemathesis' pytest plugin (it does not fit this pytest): each
operation's strategy runs under hypothesis against a live server, as staff.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.e2e.api_support import seeded_api, settings_for
from tests.support.server import LiveServer


def test_no_generated_request_makes_the_server_fail(tmp_path: Path) -> None:
    failures: list[str] = []
    operations = 0
    with (
        seeded_api(settings_for(f"sqlite:///{tmp_path}/api.db", tmp_path)) as api,
        LiveServer(api.app) as server,
    ):
        headers = api.auth("staff")  # the documentation is for signed-in callers
        schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json", headers=headers)
        for result in schema.get_all_operations():
            operation = result.ok()
            operations += 1

            @settings(
                max_examples=15,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy())
            def check(case: Any) -> None:
                response = case.call(base_url=server.url, headers=headers, timeout=30)
                if response.status_code >= 500:
                    failures.append(
                        f"{case.method} {case.formatted_path}: {response.status_code} "
                        f"{response.text[:300]}"
                    )

            check()
    assert operations >= 15
    assert failures == []
