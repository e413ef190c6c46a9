"""FastAPI dependencies: the use cases live on app.state, built in the lifespan."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from application.services import Followup


def get_services(request: Request) -> Followup:
    services: Followup = request.app.state.services
    return services


ServicesDep = Annotated[Followup, Depends(get_services)]
