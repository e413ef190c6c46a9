"""FastAPI dependencies: the use cases live on app.state, built in the lifespan."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.auth import PrincipalDep
from application.services import Followup


def installation_services(request: Request) -> Followup:
    """Every council's use cases: for what no signed-in caller asks (the public page)."""
    services: Followup = request.app.state.services
    return services


def get_services(request: Request, principal: PrincipalDep) -> Followup:
    """The use cases of the caller's council (every council's for a system
    administrator): what a route calls is scoped before the route sees it."""
    return installation_services(request).for_principal(principal)


ServicesDep = Annotated[Followup, Depends(get_services)]
