"""GET /api/v1/summary: the 처리결과 총괄, now or as of a business date."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query

from api.auth import PrincipalDep
from api.deps import ServicesDep
from api.openapi import errors
from api.schemas import IsoDate, QueryName

router = APIRouter(tags=["summary"])


@router.get("/summary", responses=errors(403))
def get_summary(
    services: ServicesDep,
    principal: PrincipalDep,
    audit: Annotated[UUID | None, Query(description="Audit id; all audits when absent")] = None,
    committee: QueryName = None,
    department: QueryName = None,
    as_of: Annotated[IsoDate | None, Query(description="Business date YYYY-MM-DD")] = None,
    historical: Annotated[
        bool, Query(description="Department as written, without later merges")
    ] = False,
    recorded_on: Annotated[
        IsoDate | None,
        Query(description="As recorded: what the 총괄 showed at the end of this day (staff)"),
    ] = None,
) -> dict[str, Any]:
    """Same JSON as `followup summary --json`. An unknown department is a 422
    naming the closest known ones."""
    return services.queries.summary_for(
        principal,
        recorded_on=recorded_on,
        audit_id=audit,
        committee=committee,
        department=department,
        as_of=as_of,
        historical=historical,
    ).as_dict()
