"""/api/v1/audits: the audits (행정사무감사) and their registration."""

from __future__ import annotations

from fastapi import APIRouter, status

from api.auth import PrincipalDep
from api.deps import ServicesDep
from api.schemas import AuditPublic, RegisterAuditRequest

router = APIRouter(prefix="/audits", tags=["audits"])


@router.get("", response_model=list[AuditPublic])
def list_audits(services: ServicesDep, _: PrincipalDep) -> list[AuditPublic]:
    return [
        AuditPublic.model_validate(a, from_attributes=True) for a in services.queries.list_audits()
    ]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=AuditPublic)
def register_audit(
    body: RegisterAuditRequest, services: ServicesDep, principal: PrincipalDep
) -> AuditPublic:
    """Council staff register an audit; the same natural key again is the same audit."""
    audit_id = services.audits.register_audit(principal, **body.model_dump())
    audit = services.queries.audit(audit_id)
    assert audit is not None  # read-your-writes: the command projected it
    return AuditPublic.model_validate(audit, from_attributes=True)
