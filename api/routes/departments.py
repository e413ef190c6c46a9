"""/api/v1/departments: reference data; administrators rename and merge."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.auth import PrincipalDep
from api.deps import ServicesDep

router = APIRouter(prefix="/departments", tags=["departments"])


class DepartmentPublic(BaseModel):
    department_id: str
    name: str
    merged_into: str | None
    merged_on: date | None


class RenameRequest(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    new_name: str = Field(min_length=1, max_length=200)
    effective_on: date
    reason: str = Field(min_length=1, max_length=2000)


class MergeRequest(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    into: str = Field(min_length=1, max_length=200)
    effective_on: date
    reason: str = Field(min_length=1, max_length=2000)


@router.get("", response_model=list[DepartmentPublic])
def list_departments(services: ServicesDep, _: PrincipalDep) -> list[DepartmentPublic]:
    """Departments an administrator has changed (others are known by their findings)."""
    return [DepartmentPublic(**vars(d)) for d in services.queries.departments_list()]


@router.post("/rename", response_model=DepartmentPublic)
def rename(body: RenameRequest, services: ServicesDep, principal: PrincipalDep) -> DepartmentPublic:
    ref = services.departments.rename(
        principal,
        body.name,
        new_name=body.new_name,
        effective_on=body.effective_on,
        reason=body.reason,
    )
    return DepartmentPublic(department_id=ref.id, name=ref.name, merged_into=None, merged_on=None)


@router.post("/merge", response_model=DepartmentPublic)
def merge(body: MergeRequest, services: ServicesDep, principal: PrincipalDep) -> DepartmentPublic:
    target = services.departments.merge(
        principal, body.name, into=body.into, effective_on=body.effective_on, reason=body.reason
    )
    return DepartmentPublic(
        department_id=target.id, name=target.name, merged_into=None, merged_on=None
    )
