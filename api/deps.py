"""FastAPI dependencies: the tracker lives on app.state, built in the lifespan."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from application.tracker import AuditTracker
from infrastructure.evidence import EvidenceStore


def get_tracker(request: Request) -> AuditTracker:
    tracker: AuditTracker = request.app.state.runtime.tracker
    return tracker


TrackerDep = Annotated[AuditTracker, Depends(get_tracker)]


def get_evidence(request: Request) -> EvidenceStore:
    store: EvidenceStore = request.app.state.evidence
    return store


EvidenceDep = Annotated[EvidenceStore, Depends(get_evidence)]
