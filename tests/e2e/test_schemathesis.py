"""schemathesis, all checks, against `followup serve` on SQLite: 0 failures, and no
traceback in the server's log afterwards.

The seed audit and one account per role are made first; the server then runs as a
user starts it, and the schemathesis CLI runs once per role with that role's token
(council staff through every phase; the others through fuzzing and the stateful
phase, which is where roles differ). Fixed seed, bounded examples.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx

from domain.finding import Finding
from domain.vocabulary import FindingKind
from tests.e2e.api_support import seeded_api, settings_for
from tests.support.smtp import free_port

ROOT = Path(__file__).resolve().parents[2]
CONFIG = Path(__file__).with_name("schemathesis.toml")
BIN = Path(sys.executable).parent
ARTIFACT = ROOT / "test-artifacts" / "schemathesis.txt"
# Staff act on every operation; each other role through the generated requests.
RUNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("staff", ("--max-examples", "10")),
    ("social", ("--max-examples", "5", "--phases", "fuzzing,stateful")),
    ("viewer", ("--max-examples", "5", "--phases", "fuzzing,stateful")),
    ("admin", ("--max-examples", "5", "--phases", "fuzzing,stateful")),
)
_SUMMARY = re.compile(r"^=+ (.+) =+$", re.MULTILINE)


def _wait_until_up(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"the server stopped:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("the server did not start")


def test_schemathesis_finds_nothing_and_the_server_logs_no_traceback(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path}/api.db"
    with seeded_api(settings_for(database, tmp_path)) as api:
        tokens = dict(api.tokens)
        audit_id = api.audit_id
        # An open finding of the seed (시정 3, 추진중): commands reach its rules.
        finding_id = Finding.create_id(audit_id, FindingKind.CORRECTIVE, 3)
        assert (
            api.client.get(f"/api/v1/findings/{finding_id}", headers=api.auth("staff")).json()[
                "is_closed"
            ]
            is False
        )

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "server.log"
    env = {
        **os.environ,
        "FOLLOWUP_DATABASE_URL": database,
        "FOLLOWUP_EVIDENCE_DIR": str(tmp_path / "evidence"),
        "FOLLOWUP_SCHEDULER_ENABLED": "false",
    }
    with log.open("wb") as out:
        server = subprocess.Popen(
            [str(BIN / "followup"), "serve", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    summaries: list[str] = []
    try:
        _wait_until_up(url, server, log)
        schema = tmp_path / "openapi.json"
        answer = httpx.get(
            f"{url}/openapi.json", headers={"Authorization": f"Bearer {tokens['staff']}"}
        )
        assert answer.status_code == 200
        schema.write_text(json.dumps(answer.json(), ensure_ascii=False))
        for role, options in RUNS:
            done = subprocess.run(
                [
                    str(BIN / "schemathesis"),
                    "--config-file",
                    str(CONFIG),
                    "run",
                    str(schema),
                    "--url",
                    url,
                    "--header",
                    f"Authorization: Bearer {tokens[role]}",
                    "--checks",
                    "all",
                    "--seed",
                    "20261202",
                    "--no-shrink",
                    "--workers",
                    "2",
                    "--request-timeout",
                    "30",
                    *options,
                ],
                cwd=ROOT,
                env={
                    **os.environ,
                    "PYTHONPATH": str(ROOT),
                    "SCHEMATHESIS_HOOKS": "tests.e2e.schemathesis_hooks",
                    "FOLLOWUP_ST_FINDING": str(finding_id),
                    "FOLLOWUP_ST_AUDIT": str(audit_id),
                    "NO_COLOR": "1",
                },
                capture_output=True,
                text=True,
                timeout=600,
            )
            found = _SUMMARY.findall(done.stdout)
            summary = found[-1] if found else "(no summary)"
            summaries.append(f"{role}: {summary}")
            assert done.returncode == 0, f"{role}: {summary}\n{done.stdout[-6000:]}"
            assert "failure" not in summary and "error" not in summary, done.stdout[-6000:]
            assert re.search(r"\d+ generated, \d+ passed", done.stdout), done.stdout[-3000:]
    finally:
        server.terminate()
        server.wait(timeout=30)
        ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
        ARTIFACT.write_text("\n".join(summaries) + "\n")
    served = log.read_text(errors="replace")
    assert "Traceback" not in served, served[served.find("Traceback") - 500 :][:4000]
    assert " 500 Internal Server Error" not in served
    assert "Application startup complete" in served  # the log is the server's
