"""Evidence belongs to what it proves: files sent with a report (or claim) are
referenced by its event, shown with the claim, and files no event references are
swept. On SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import time
from datetime import date, timedelta
from pathlib import Path

import pytest

from application.evidence import SWEEP_GRACE, EvidenceRejectedError, Upload
from application.writer import Target
from domain.errors import NotAdoptedReasonRequiredError
from domain.vocabulary import Status
from infrastructure.bootstrap import Runtime
from tests.integration.test_lifecycle import OFFICER, STAFF, register

PHOTO = Upload(file_name="현장사진.png", content_type="image/png", data=b"\x89PNG photo")
LETTER = Upload(file_name="공문.pdf", content_type="application/pdf", data=b"%PDF-1.4 letter")


def stored(rt: Runtime) -> set[str]:
    return {p.name for p in Path(rt.settings.evidence_dir).glob("??/*")}


def age(rt: Runtime, sha256: str, by: timedelta) -> None:
    """Make a stored file look older than it is (the sweep's grace period)."""
    path = Path(rt.settings.evidence_dir) / sha256[:2] / sha256
    then = time.time() - by.total_seconds()
    os.utime(path, (then, then))


def test_a_claim_references_the_files_sent_with_it_and_the_queue_shows_them(
    rt: Runtime,
) -> None:
    _, fid = register(rt, date(2017, 11, 20))
    findings = rt.services.findings
    claimed = findings.report_progress(
        Target(OFFICER, fid), status=Status.COMPLETED, actions="완료", evidence=[PHOTO, LETTER]
    )
    (report,) = [e for e in rt.services.queries.timeline(fid) if e.event == "ProgressReported"]
    files = report.data["evidence"]
    assert [(f["file_name"], f["size"]) for f in files] == [
        ("현장사진.png", len(PHOTO.data)),
        ("공문.pdf", len(LETTER.data)),
    ]
    assert {f["sha256"] for f in files} == stored(rt)
    # Shown with the claim (the verification queue asks for a page of findings at once).
    shown = rt.services.queries.report_evidence([fid])[fid]
    assert [(f.file_name, f.report_version) for f in shown] == [
        ("현장사진.png", claimed.version),
        ("공문.pdf", claimed.version),
    ]
    data, attached = rt.services.queries.evidence_file(fid, files[1]["sha256"])
    assert data == LETTER.data and attached.file_name == "공문.pdf"

    # A file sent later supports the claim it was sent for; a new report has its own.
    findings.attach_evidence(Target(OFFICER, fid), upload=Upload("추가.txt", "text/plain", b"x"))
    assert [f.file_name for f in rt.services.queries.report_evidence([fid])[fid]] == [
        "현장사진.png",
        "공문.pdf",
        "추가.txt",
    ]
    findings.return_claim(Target(STAFF, fid), reason="보완")
    findings.report_progress(Target(OFFICER, fid), status=Status.COMPLETED, actions="재보고")
    assert rt.services.queries.report_evidence([fid])[fid] == []


def test_an_upload_refused_for_its_type_or_by_the_report_stores_nothing(rt: Runtime) -> None:
    _, fid = register(rt, date(2017, 11, 20))
    findings = rt.services.findings
    exe = Upload(file_name="run.exe", content_type="application/x-msdownload", data=b"MZ")
    with pytest.raises(EvidenceRejectedError):
        findings.report_progress(Target(OFFICER, fid), status=Status.COMPLETED, evidence=[exe])
    assert stored(rt) == set()
    # Refused by the domain after the upload was stored: no event references the file.
    with pytest.raises(NotAdoptedReasonRequiredError):
        findings.report_progress(Target(OFFICER, fid), status=Status.NOT_ADOPTED, evidence=[PHOTO])
    assert rt.services.queries.get_finding(fid).version == 1
    (orphan,) = stored(rt)

    kept = findings.report_progress(
        Target(OFFICER, fid), status=Status.COMPLETED, evidence=[LETTER]
    )
    assert kept.version == 2
    young = rt.sweep_evidence()
    assert young.removed == [] and young.kept == 2  # within the grace period
    for sha256 in stored(rt):
        age(rt, sha256, SWEEP_GRACE + timedelta(hours=1))
    dry = rt.sweep_evidence(dry_run=True)
    assert dry.removed == [orphan] and orphan in stored(rt)
    swept = rt.sweep_evidence()
    assert swept.removed == [orphan] and swept.bytes_freed == len(PHOTO.data)
    assert len(stored(rt)) == 1 and orphan not in stored(rt)
