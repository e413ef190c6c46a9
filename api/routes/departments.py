"""/api/v1/departments: reference data; council staff and administrators register,
administrators rename and merge."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.auth import PrincipalDep
from api.deps import ServicesDep
from api.schemas import IsoDate, RequestBody
from application.dto import DepartmentRow
from application.services import Followup
from domain.values import DepartmentRef

router = APIRouter(prefix="/departments", tags=["departments"])


class DepartmentPublic(BaseModel):
    department_id: str
    id: str  # the same as department_id
    name: str  # today's name
    former_names: list[str] = []
    merged_into: str | None  # the department id it was merged into
    merged_on: date | None  # the merge's effective date

    @classmethod
    def of(cls, row: DepartmentRow) -> DepartmentPublic:
        return cls(
            department_id=row.department_id,
            id=row.department_id,
            name=row.name,
            former_names=list(row.former_names),
            merged_into=row.merged_into,
            merged_on=row.merged_on,
        )

    @classmethod
    def of_ref(cls, services: Followup, ref: DepartmentRef) -> DepartmentPublic:
        row = next(
            (r for r in services.queries.departments_list() if r.department_id == ref.id), None
        )
        if row is None:
            return cls(
                department_id=ref.id, id=ref.id, name=ref.name, merged_into=None, merged_on=None
            )
        return cls.of(row)


class RegisterRequest(RequestBody):
    name: str = Field(min_length=1, max_length=200)


class RenameRequest(RequestBody):
    name: str = Field(min_length=1, max_length=200)
    new_name: str = Field(min_length=1, max_length=200)
    effective_on: IsoDate
    reason: str = Field(min_length=1, max_length=2000)


class MergeRequest(RequestBody):
    name: str = Field(min_length=1, max_length=200)
    into: str = Field(min_length=1, max_length=200)
    effective_on: IsoDate
    reason: str = Field(min_length=1, max_length=2000)


@router.get("", response_model=list[DepartmentPublic])
def list_departments(services: ServicesDep, _: PrincipalDep) -> list[DepartmentPublic]:
    """Every registered department: its id, today's name, former names and merge."""
    return [DepartmentPublic.of(d) for d in services.queries.departments_list()]


@router.post("", response_model=DepartmentPublic, status_code=201)
def register(
    body: RegisterRequest, services: ServicesDep, principal: PrincipalDep
) -> DepartmentPublic:
    """Register a department (council staff, administrators); a name a department
    has or had is refused (422)."""
    ref = services.departments.register(principal, body.name)
    return DepartmentPublic.of_ref(services, ref)


@router.post("/rename", response_model=DepartmentPublic)
def rename(body: RenameRequest, services: ServicesDep, principal: PrincipalDep) -> DepartmentPublic:
    ref = services.departments.rename(
        principal,
        body.name,
        new_name=body.new_name,
        effective_on=body.effective_on,
        reason=body.reason,
    )
    return DepartmentPublic.of_ref(services, ref)


@router.post("/merge", response_model=DepartmentPublic)
def merge(body: MergeRequest, services: ServicesDep, principal: PrincipalDep) -> DepartmentPublic:
    target = services.departments.merge(
        principal, body.name, into=body.into, effective_on=body.effective_on, reason=body.reason
    )
    return DepartmentPublic.of_ref(services, target)
