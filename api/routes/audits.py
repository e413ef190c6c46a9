"""/api/v1/audits: the audits (행정사무감사) and their registration."""

from __future__ import annotations

from fastapi import APIRouter, status

from api.auth import PrincipalDep
from api.deps import TrackerDep
from api.schemas import AuditPublic, RegisterAuditRequest

router = APIRouter(prefix="/audits", tags=["audits"])


@router.get("", response_model=list[AuditPublic])
def list_audits(tracker: TrackerDep, _: PrincipalDep) -> list[AuditPublic]:
    return [
        AuditPublic(
            audit_id=a.audit_id,
            council=a.council,
            year=a.year,
            committee=a.committee,
            audited_body=a.audited_body,
            findings=a.findings,
            default_deadline=a.default_deadline,
        )
        for a in tracker.list_audits()
    ]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=AuditPublic)
def register_audit(
    body: RegisterAuditRequest, tracker: TrackerDep, principal: PrincipalDep
) -> AuditPublic:
    """Council staff register an audit; the same natural key again is the same audit."""
    audit_id = tracker.register_audit(principal, **body.model_dump())
    audit = next(a for a in tracker.list_audits() if a.audit_id == audit_id)
    return AuditPublic(**{k: getattr(audit, k) for k in AuditPublic.model_fields})
