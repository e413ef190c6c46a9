"""/api/v1/departments: reference data; administrators rename and merge."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import select

from api.auth import PrincipalDep
from api.deps import TrackerDep
from infrastructure.readmodel import tables

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
def list_departments(tracker: TrackerDep, _: PrincipalDep) -> list[DepartmentPublic]:
    """Departments an administrator has changed (others are known by their findings)."""
    d = tables.departments
    with tracker.factory.datastore.transaction(commit=False) as session:  # type: ignore[attr-defined]
        rows = session.execute(select(d).order_by(d.c.name)).all()
    return [DepartmentPublic(**r._mapping) for r in rows]


@router.post("/rename", response_model=DepartmentPublic)
def rename(body: RenameRequest, tracker: TrackerDep, principal: PrincipalDep) -> DepartmentPublic:
    ref = tracker.rename_department(
        principal,
        body.name,
        new_name=body.new_name,
        effective_on=body.effective_on,
        reason=body.reason,
    )
    return DepartmentPublic(department_id=ref.id, name=ref.name, merged_into=None, merged_on=None)


@router.post("/merge", response_model=DepartmentPublic)
def merge(body: MergeRequest, tracker: TrackerDep, principal: PrincipalDep) -> DepartmentPublic:
    target = tracker.merge_department(
        principal, body.name, into=body.into, effective_on=body.effective_on, reason=body.reason
    )
    return DepartmentPublic(
        department_id=target.id, name=target.name, merged_into=None, merged_on=None
    )
