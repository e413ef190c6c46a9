"""The projector as a service, against real processes on SQLite and PostgreSQL.

- `followup serve` answers /health at once on a store whose views lag, says how far
  behind each view is, and stops within 5 s of SIGTERM while catching up;
- of two projecting processes one leads, and the other takes over when it stops;
- a caller reads its own write in a view the projector of another process keeps;
- `followup rebuild` while commands go on swaps in views equal to a fresh rebuild, and
  a rebuild killed (-9) midway leaves the live views as they were.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy

from infrastructure.bootstrap import open_runtime
from infrastructure.readmodel.rebuild import SHADOW
from infrastructure.settings import Settings
from tests.support.faults import (
    ROOT,
    Served,
    Store,
    copy_database,
    differences,
    dump_read_model,
    get_json,
    run_cli,
    seed_store,
    start_projector,
    subprocess_env,
    wait_views_caught_up,
)

pytestmark = pytest.mark.slow


def _post(url: str, token: str, body: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return answer.status, dict(answer.headers), json.loads(answer.read())


def _get(url: str, token: str, headers: dict[str, str] | None = None) -> Any:
    request = urllib.request.Request(
        url, headers={"Authorization": f"Bearer {token}", **(headers or {})}
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())


@pytest.fixture
def lagging(database_url: str) -> Store:
    """A store whose timeline, history, search and inbox lag the whole import."""
    store = seed_store(database_url, 1_500)
    assert max(store.lags_after_import.values()) == store.import_events
    return store


def test_serve_answers_at_once_reports_lag_and_stops_within_five_seconds(
    lagging: Store, tmp_path: Path
) -> None:
    served = Served(lagging.url, tmp_path)
    started = time.monotonic()
    served.start(timeout=30)
    assert time.monotonic() - started < 8  # interpreter start included; no catch-up first
    status, health = get_json(f"{served.base_url}/health")
    assert status == 200 and health["projector"] == "leader"
    assert max(health["views_behind"].values()) > 0  # still catching up, and says so
    assert served.proc is not None
    asked = time.monotonic()
    served.proc.send_signal(signal.SIGTERM)
    served.proc.wait(timeout=15)
    assert time.monotonic() - asked < 5, served.log()


def test_one_projector_leads_and_another_takes_over(lagging: Store, tmp_path: Path) -> None:
    first = start_projector(lagging.url, tmp_path, "first", batch_size=20)
    started = [first]
    try:
        deadline = time.monotonic() + 60
        while max(_lags(lagging.url).values()) == lagging.import_events:
            assert time.monotonic() < deadline, "the first projector never started"
            time.sleep(0.2)
        started.append(start_projector(lagging.url, tmp_path, "second", batch_size=20))
        time.sleep(1.0)
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=10) == 0
        assert max(_lags(lagging.url).values()) > 0  # work left for the standby
        deadline = time.monotonic() + 120
        while max(_lags(lagging.url).values()) > 0:
            assert time.monotonic() < deadline, "the standby did not take over"
            time.sleep(0.5)
    finally:
        for proc in started:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=15)


def _lags(url: str) -> dict[str, int]:
    runtime = open_runtime(Settings(database_url=url))
    try:
        return runtime.projector.lags()
    finally:
        runtime.close()


def test_a_caller_reads_its_own_write_kept_by_another_process(
    database_url: str, tmp_path: Path
) -> None:
    store = seed_store(database_url, 30)
    run_cli("project", "--once", "--db", store.url)
    # Views follow only in a separate, slow-polling projector process.
    served = Served(
        store.url,
        tmp_path,
        env={"FOLLOWUP_PROJECTOR_ENABLED": "false", "FOLLOWUP_READ_YOUR_WRITES_TIMEOUT": "10"},
    ).start()
    projector = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "project", "--db", store.url],
        cwd=ROOT,
        env=subprocess_env(FOLLOWUP_PROJECTION_INTERVAL="1.5"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        fid = store.finding_ids[0]
        api = f"{served.base_url}/api/v1/findings/{fid}"
        version = _get(api, store.token)["version"]
        for i in range(3):
            status, headers, body = _post(
                f"{api}/comments",
                store.token,
                {"text": f"자기 쓰기 {i}", "expected_version": version},
            )
            assert status == 200
            version = body["version"]
            position = headers["followup-position"]
            timeline = _get(f"{api}/timeline", store.token, {"Followup-Position": position})
            assert timeline[-1]["version"] == version
            assert timeline[-1]["data"]["text"] == f"자기 쓰기 {i}"
    finally:
        projector.send_signal(signal.SIGTERM)
        projector.wait(timeout=15)
        served.stop()


def test_rebuild_while_commands_go_on_swaps_in_views_equal_to_a_fresh_rebuild(
    database_url: str, tmp_path: Path
) -> None:
    store = seed_store(database_url, 400)
    assert run_cli("project", "--once", "--db", store.url).returncode == 0
    served = Served(store.url, tmp_path).start()
    try:
        rebuild = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "rebuild", "--json", "--db", store.url],
            cwd=ROOT,
            env=subprocess_env(FOLLOWUP_PROJECTION_BATCH_SIZE="50"),
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        written = 0
        while rebuild.poll() is None:  # commands answer during the rebuild
            fid = store.finding_ids[written % len(store.finding_ids)]
            api = f"{served.base_url}/api/v1/findings/{fid}"
            version = _get(api, store.token)["version"]
            status, _, _ = _post(
                f"{api}/comments", store.token, {"text": "재구성 중", "expected_version": version}
            )
            assert status == 200
            written += 1
        assert rebuild.returncode == 0
        assert written > 0
        assert wait_views_caught_up(served.base_url, timeout=60)
    finally:
        served.stop()
    live = dump_read_model(store.url)
    copy = copy_database(store.url, tmp_path)
    assert run_cli("rebuild", "--db", copy).returncode == 0
    assert differences(live, dump_read_model(copy)) == []


def shadow_exists(url: str) -> bool:
    """Whether a rebuild is building its shadow (a file beside SQLite's, a schema on
    PostgreSQL)."""
    if url.startswith("sqlite"):
        return Path(url.split(":///", 1)[1] + ".rebuild").exists()
    engine = sqlalchemy.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            found = conn.execute(
                sqlalchemy.text(
                    "SELECT 1 FROM information_schema.tables WHERE table_schema = :s LIMIT 1"
                ),
                {"s": SHADOW},
            ).first()
        return found is not None
    finally:
        engine.dispose()


def test_a_rebuild_killed_midway_leaves_the_live_views_and_runs_again(
    database_url: str, tmp_path: Path
) -> None:
    store = seed_store(database_url, 1_500)
    assert run_cli("project", "--once", "--db", store.url).returncode == 0
    before = dump_read_model(store.url)
    rebuild = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "rebuild", "--db", store.url],
        cwd=ROOT,
        # Small batches: the build takes long enough to be caught in the middle.
        env=subprocess_env(FOLLOWUP_PROJECTION_BATCH_SIZE="10"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # Killed once it is building in the shadow, however fast the machine.
    deadline = time.monotonic() + 30
    while not shadow_exists(store.url) and rebuild.poll() is None:
        assert time.monotonic() < deadline, "the rebuild never started its shadow"
        time.sleep(0.05)
    time.sleep(0.3)
    assert rebuild.poll() is None, "the rebuild finished before it could be killed"
    rebuild.send_signal(signal.SIGKILL)
    rebuild.wait(timeout=10)
    assert differences(dump_read_model(store.url), before) == []
    again = run_cli("rebuild", "--json", "--db", store.url)
    assert again.returncode == 0, again.stderr
    assert differences(dump_read_model(store.url), before) == []
