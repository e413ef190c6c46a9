"""/api/v1/due-policy: a council's default 처리기한 per kind of finding."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import Field

from api.auth import PrincipalDep
from api.deps import ServicesDep
from api.schemas import NAME_PATTERN, RequestBody
from domain.vocabulary import FindingKind

router = APIRouter(prefix="/due-policy", tags=["due policy"])


class DuePolicyRequest(RequestBody):
    """Business days after the audit's 결과보고서 (adoption) per kind; a kind left out
    gets no default. Due dates the policy set before move with it (reason "policy")."""

    council: str = Field(default="", max_length=200)
    days: dict[FindingKind, Annotated[int, Field(ge=1, le=750)]]


@router.get("")
def get_policy(
    services: ServicesDep,
    _: PrincipalDep,
    council: Annotated[
        str, Query(max_length=200, pattern=NAME_PATTERN, description="Council (의회) name")
    ] = "",
) -> dict[str, Any]:
    return {"council": council, "days": services.policies.days(council)}


@router.put("")
def set_policy(
    body: DuePolicyRequest, services: ServicesDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Council staff set the policy; the answer names the findings whose due date moved."""
    return services.policies.set_policy(principal, body.council, body.days).as_dict()
