"""/api/v1/audits: the audits (행정사무감사) and their registration."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel

from api.auth import PrincipalDep
from api.deps import ServicesDep
from api.downloads import export_response
from api.schemas import AuditPublic, IsoDate, QueryName, RegisterAuditRequest, RequestBody
from application.exports import ExportFormat

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


_EXPORT_TYPES: dict[str, Any] = {f.media_type.split(";")[0]: {} for f in ExportFormat}


@router.get(
    "/{audit_id}/export",
    response_class=Response,
    responses={200: {"content": _EXPORT_TYPES, "description": "The report file."}},
)
def export_audit(
    audit_id: UUID,
    services: ServicesDep,
    principal: PrincipalDep,
    format: Annotated[ExportFormat, Query(description="hwpx (한글), xlsx, html or pdf")],
    as_of: Annotated[IsoDate | None, Query(description="Business date YYYY-MM-DD; today")] = None,
    department: Annotated[QueryName, Query(description="Department (담당부서)")] = None,
) -> Response:
    """처리결과 총괄 and the lists in the business report's layout, as of a date, as a
    download. Any signed-in role; an unknown audit is a 404, an unknown department a 422."""
    exported = services.exports.export(
        audit_id, format, as_of=as_of, department=department, principal=principal
    )
    return export_response(exported)


class CarryOverRequest(RequestBody):
    to_audit_id: UUID
    dry_run: bool = False


class CarryOverPublic(BaseModel):
    carried: int
    finding_ids: list[UUID]


@router.post("/{audit_id}/carry-over", response_model=CarryOverPublic)
def carry_over(
    audit_id: UUID, body: CarryOverRequest, services: ServicesDep, principal: PrincipalDep
) -> CarryOverPublic:
    """Council staff carry this audit's open findings into a later year's audit
    (전년도 미완료, 이월): same findings, whole history; carrying twice does nothing.
    Same answer as `followup audits carry-over FROM TO --json`."""
    result = services.yearly.carry_over(principal, audit_id, body.to_audit_id, dry_run=body.dry_run)
    return CarryOverPublic(carried=result.carried, finding_ids=result.finding_ids)
