"""The Korean web UI (SPEC §7): server-rendered pages over the same application.

Routes call the application directly (never the JSON API over HTTP); the
application layer checks permissions whatever the page shows.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.web import (
    admin_pages,
    department_pages,
    export_page,
    finding_page,
    import_pages,
    pages,
    registration_pages,
    session,
    yearly_pages,
)
from api.web.rendering import STATIC_DIR


def install_web(app: FastAPI) -> None:
    """Mount the pages and their static files on the API's app."""
    session.install_session_handlers(app)
    routers = (
        session.router,
        pages.router,
        finding_page.router,
        import_pages.router,
        department_pages.router,
        export_page.router,
        yearly_pages.router,
        # After yearly_pages: its /audits/carry-over before this one's /audits/{id}.
        registration_pages.router,
        admin_pages.router,
    )
    for router in routers:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")


__all__ = ["install_web"]
