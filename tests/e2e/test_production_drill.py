"""The production drill of the README, run as written (`scripts/production-drill.sh`):
from an empty PostgreSQL to two councils served by two workers with a streaming
replica, a backup while the service runs and its restore into a new database. The
script checks every step itself and exits 0 only if each check held; here its answer
and the lines that say what was checked are asserted."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, _pg_bin

SCRIPT = ROOT / "scripts" / "production-drill.sh"

# What the drill must have said, each on a line of its own (in this order).
EXPECTED = [
    "ok: the standby is a hot standby (in recovery: t)",
    "ok: the primary streams to it (pg_stat_replication: streaming)",
    "ok: migrated: true",
    'ok: councils registered: [["alpha", "알파시의회"], ["beta", "베타구의회"]]',
    "ok: imported: alpha 56 findings, beta 56 + 6",
    "ok: 총괄 totals: alpha 56, beta 62, together 118",
    "ok: GET /health: ok",
    "ok: two worker processes answer on one port: one leads, one stands by",
    'ok: signed in: ["alpha-staff", "알파시의회", "council_staff"], '
    '["beta-staff", "베타구의회", "council_staff"]',
    "ok: alpha-staff's GET /api/v1/summary: 56 findings, as summary --council alpha",
    "ok: beta-staff's GET /api/v1/summary: 62 findings, as summary --council beta",
    "ok: each council's staff get their own totals (56 vs 62)",
    "ok: the standby answered the 총괄 reads",
    "ok: drill.tar: ",
    "ok: restored: ",
    "ok: both histories verify and hold the backup's head",
    "ok: the restored database serves the same councils",
    "ok: alpha: the restored 총괄 is the original's (56 findings)",
    "ok: beta: the restored 총괄 is the original's (62 findings)",
    "ok: the service stopped on SIGTERM",
    "DRILL PASSED in ",
]


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_production_drill_passes_from_an_empty_postgresql_to_a_restored_backup() -> None:
    # The server binaries as the session's own server finds them (missing: a failure).
    pg_bin = Path(_pg_bin("initdb")).parent
    env = {**os.environ, "PG_BIN": str(pg_bin), "FOLLOWUP_VENV": sys.prefix}
    done = subprocess.run(
        ["bash", str(SCRIPT)],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=600,
    )
    output = done.stdout
    lines = output.splitlines()
    failed = [line for line in lines if line.startswith("FAILED")]
    tail = "\n".join([*failed, "--- the drill's last lines:", *lines[-60:]])
    assert done.returncode == 0, f"the drill failed (exit {done.returncode}):\n{tail}"
    assert not failed, tail
    at = 0
    for expected in EXPECTED:
        found = next((i for i in range(at, len(lines)) if lines[i].startswith(expected)), None)
        assert found is not None, f"missing, or out of order: {expected!r}\n{tail}"
        at = found + 1
    assert lines[-1].startswith("DRILL PASSED"), tail
    # Whatever it started is gone: no directory of its own left behind.
    kept = [line for line in lines if line.startswith("drill directory ")]
    assert kept, tail
    assert not Path(kept[0].split()[2].rstrip(";")).exists()
