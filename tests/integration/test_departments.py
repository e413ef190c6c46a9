"""Departments renamed and merged: findings follow, history keeps the old names."""

from __future__ import annotations

from datetime import date

import pytest

from application.access import Principal
from application.dto import FindingFilter
from application.errors import PermissionDeniedError
from application.importing import ImportOptions
from domain.department import DepartmentMergedError
from domain.values import Actor
from domain.vocabulary import FindingKind, Role
from infrastructure.bootstrap import Runtime
from infrastructure.parsers import parse_document
from tests.conftest import SEED

ADMIN = Principal(Actor.user("admin-1", Role.ADMIN))
STAFF = Principal(Actor.user("staff-1", Role.COUNCIL_STAFF))
JOBS, LABOUR, NEW_JOBS = "일자리정책담당관", "노동정책담당관", "일자리정책과"


def total(runtime: Runtime, **kw: object) -> int:
    return runtime.services.queries.summary(**kw).rows["total"]["total"]  # type: ignore[arg-type]


def test_rename_and_merge_regroup_findings_without_touching_their_history(
    runtime: Runtime,
) -> None:
    services = runtime.services
    services.importer.run(
        Principal.system(),
        parse_document(SEED.read_bytes()),
        ImportOptions(council="서울특별시의회"),
    )
    assert (total(runtime, department=JOBS), total(runtime, department=LABOUR)) == (25, 15)

    with pytest.raises(PermissionDeniedError):
        services.departments.rename(
            STAFF, JOBS, new_name=NEW_JOBS, effective_on=date(2019, 1, 1), reason="조직개편"
        )
    renamed = services.departments.rename(
        ADMIN, JOBS, new_name=NEW_JOBS, effective_on=date(2019, 1, 1), reason="조직개편"
    )
    assert renamed.id == services.queries.departments.resolve(JOBS).id  # the same stable id
    assert total(runtime, department=NEW_JOBS) == 25
    services.departments.merge(
        ADMIN, LABOUR, into=NEW_JOBS, effective_on=date(2019, 7, 1), reason="부서 통합"
    )

    # Today's department: the merged one's findings follow it …
    assert total(runtime, department=NEW_JOBS) == 40
    assert services.queries.count_findings(FindingFilter(department=NEW_JOBS)) == 40
    # … but as written, each keeps its own.
    assert total(runtime, department=NEW_JOBS, historical=True) == 25
    assert (
        services.queries.count_findings(
            FindingFilter(department=LABOUR, department_historical=True)
        )
        == 15
    )
    # As of a date, a merge counts from its effective date on.
    assert total(runtime, department=NEW_JOBS, as_of=date(2019, 6, 30)) == 25
    assert total(runtime, department=NEW_JOBS, as_of=date(2019, 7, 1)) == 40

    # History keeps the names as written.
    labour_finding = next(f for f in services.queries.list_findings() if f.department == LABOUR)
    registered = services.queries.timeline(labour_finding.finding_id)[0]
    assert registered.data["department"]["name"] == LABOUR

    # A later document written with the new name lands on the same department.
    audit_id = services.queries.list_audits()[0].audit_id
    new_finding = services.audits.register_finding(
        STAFF,
        audit_id=audit_id,
        kind=FindingKind.OTHER,
        seq=24,
        request="개편 후 자료 요청",
        department=NEW_JOBS,
    )
    assert services.queries.get_finding(new_finding).department_id == renamed.id
    assert total(runtime, department=JOBS, historical=True) == 26

    with pytest.raises(DepartmentMergedError):
        services.departments.rename(
            ADMIN, LABOUR, new_name="노동과", effective_on=date(2020, 1, 1), reason="재개편"
        )
    projected = {v.view_name: v for v in runtime.views}
    assert "rm_departments_view" in projected
