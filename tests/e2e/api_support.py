"""An API app with the seed audit and one user per role, each with a bearer token."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from uuid import UUID

from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from application.access import Principal
from application.importing import ImportOptions
from domain.finding import Finding
from domain.vocabulary import FindingKind, Role
from infrastructure.parsers import parse_document
from infrastructure.settings import Settings
from tests.conftest import SEED

SOCIAL, LABOUR = "사회적경제담당관", "노동정책담당관"
PASSWORD = "correct-horse-battery"
ROLES: dict[str, tuple[Role, tuple[str, ...]]] = {
    "staff": (Role.COUNCIL_STAFF, ()),
    "social": (Role.DEPARTMENT_OFFICER, (SOCIAL,)),
    "labour": (Role.DEPARTMENT_OFFICER, (LABOUR,)),
    "viewer": (Role.VIEWER, ()),
    "admin": (Role.ADMIN, ()),
}


@dataclass
class Api:
    app: FastAPI
    client: TestClient
    audit_id: UUID
    tokens: dict[str, str] = field(default_factory=dict)

    def auth(self, who: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}

    def finding(self, kind: FindingKind, seq: int) -> UUID:
        return Finding.create_id(self.audit_id, kind, seq)

    def version(self, finding_id: UUID) -> int:
        response = self.client.get(f"/api/v1/findings/{finding_id}", headers=self.auth("staff"))
        assert response.status_code == 200, response.text
        return int(response.json()["version"])


def settings_for(database_url: str, tmp: Path) -> Settings:
    return Settings(
        database_url=database_url,
        scheduler_enabled=False,
        projection_interval=0.2,
        evidence_dir=str(tmp / "evidence"),
    )


@contextmanager
def seeded_api(settings: Settings) -> Iterator[Api]:
    app = create_app(settings)
    with TestClient(app) as client:
        runtime = app.state.runtime
        outcome = runtime.services.importer.run(
            Principal.system(),
            parse_document(SEED.read_bytes()),
            ImportOptions(council="서울특별시의회"),
        )
        assert outcome.audit_id is not None
        runtime.projector.run_pending()  # the search index follows writes in the background
        api = Api(app=app, client=client, audit_id=outcome.audit_id)
        directory = runtime.services.queries.departments
        for name, (role, departments) in ROLES.items():
            ids = [directory.id_of(d) for d in departments]  # names resolved at the edge
            app.state.accounts.add_user(name, PASSWORD, role, ids)
            api.tokens[name] = app.state.accounts.create_token(name, "tests")
        yield api
