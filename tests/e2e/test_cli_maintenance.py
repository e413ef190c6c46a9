"""`followup maintenance`: evidence files no event references are swept (a contract)."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

from tests.e2e.test_cli import as_json, run


def test_maintenance_removes_only_old_unreferenced_evidence(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'followup.db'}"
    evidence = tmp_path / "evidence"
    env = {"FOLLOWUP_EVIDENCE_DIR": str(evidence)}
    assert run("migrate", "--db", db, env=env).returncode == 0
    old, young = b"abandoned upload", b"upload in flight"
    for data, age in ((old, 3 * 86400), (young, 60)):
        sha = hashlib.sha256(data).hexdigest()
        path = evidence / sha[:2] / sha
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        then = time.time() - age
        os.utime(path, (then, then))
    dry = run("maintenance", "--dry-run", "--json", "--db", db, env=env)
    assert dry.returncode == 0, dry.stderr
    old_sha = hashlib.sha256(old).hexdigest()
    assert as_json(dry) == {
        "removed": [old_sha],
        "kept": 1,
        "bytes_freed": len(old),
        "dry_run": True,
    }
    assert (evidence / old_sha[:2] / old_sha).exists()
    done = run("maintenance", "--json", "--db", db, env=env)
    assert as_json(done)["removed"] == [old_sha]
    assert not (evidence / old_sha[:2] / old_sha).exists()
    assert len(list(evidence.glob("??/*"))) == 1


def test_maintenance_never_sweeps_one_databases_files_with_anothers_events(
    tmp_path: Path,
) -> None:
    evidence = tmp_path / "evidence"
    env = {"FOLLOWUP_EVIDENCE_DIR": str(evidence)}
    ours, other = f"sqlite:///{tmp_path / 'ours.db'}", f"sqlite:///{tmp_path / 'other.db'}"
    assert run("maintenance", "--json", "--db", ours, env=env).returncode == 0  # binds it
    data = b"evidence of ours"
    sha = hashlib.sha256(data).hexdigest()
    path = evidence / sha[:2] / sha
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, (time.time() - 3 * 86400,) * 2)
    refused = run("maintenance", "--json", "--db", other, env=env)
    assert refused.returncode == 1
    assert as_json(refused)["error"]["code"] == "EVIDENCE_DIRECTORY_MISMATCH"
    assert path.exists()
