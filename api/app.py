"""The composition root for the web process: create_app(settings)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Response
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

from api.auth import PrincipalDep, auth_router, install_auth_error_handlers
from api.consistency import ReadYourWritesMiddleware
from api.errors import install_error_handlers
from api.idempotency import IdempotencyMiddleware
from api.limits import BodyLimitMiddleware
from api.logs import RequestLogMiddleware, configure_logging
from api.metrics import Metrics
from api.openapi import install_openapi
from api.routes import audits, departments, findings, inbox, policy, summary
from api.web import install_web
from infrastructure.bootstrap import open_runtime
from infrastructure.settings import Settings


def served_app() -> FastAPI:
    """The factory of `followup serve --workers N`: each worker process configures its
    logs (FOLLOWUP_LOG_*), then builds the app from the environment."""
    settings = Settings()
    configure_logging(settings.log_format, settings.log_level)
    return create_app(settings)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = open_runtime(settings)
        app.state.runtime = runtime
        app.state.services = runtime.services
        app.state.accounts = runtime.accounts
        app.state.idempotency = runtime.idempotency
        # The views follow the event log in the background: of all processes on
        # one database, one projector leads (a lock), as one scheduler does.
        runner = runtime.projector_runner() if settings.projector_enabled else None
        if runner is not None:
            runner.start()
        else:
            # A separate `followup project` follows; requests never project themselves.
            runtime.projector.follow = "background"
        app.state.projector = runner
        # Reminders chase by themselves; of all processes on one database, one
        # scheduler is active and the others stand by (a database lock).
        scheduler = runtime.scheduler(observer=metrics) if settings.scheduler_enabled else None
        if scheduler is not None:
            scheduler.start()
        app.state.scheduler = scheduler
        try:
            yield
        finally:
            if scheduler is not None:
                scheduler.shutdown(wait=False)
            if runner is not None:
                runner.stop()
            runtime.close()

    public_docs = settings.public_api_docs
    app = FastAPI(
        title="audit-followup",
        summary="행정사무감사 후속조치 관리 API",
        version="0.1.0",
        lifespan=lifespan,
        # SPEC §8: the documentation is for signed-in callers unless opened by a setting.
        docs_url="/docs" if public_docs else None,
        redoc_url=None,
        openapi_url="/openapi.json" if public_docs else None,
    )
    if not public_docs:

        @app.get("/openapi.json", include_in_schema=False)
        def openapi_document(_: PrincipalDep) -> JSONResponse:
            return JSONResponse(app.openapi())

        @app.get("/docs", include_in_schema=False)
        def api_docs(_: PrincipalDep) -> HTMLResponse:
            return get_swagger_ui_html(openapi_url="/openapi.json", title="audit-followup API")

    app.state.metrics = metrics  # the error handlers count busy answers
    install_error_handlers(app)
    install_auth_error_handlers(app)
    metrics.install(app)
    app.add_middleware(IdempotencyMiddleware)
    app.add_middleware(ReadYourWritesMiddleware, timeout=settings.read_your_writes_timeout)
    # A body past its limit is refused before any other layer reads it.
    app.add_middleware(
        BodyLimitMiddleware,
        max_json=settings.max_json_bytes,
        max_upload=settings.max_upload_bytes,
    )
    # Outermost: every line of a request, a refused body's included, has its id.
    app.add_middleware(RequestLogMiddleware)
    routers = (
        auth_router,
        audits.router,
        findings.router,
        summary.router,
        inbox.router,
        departments.router,
        policy.router,
    )
    for router in routers:
        app.include_router(router, prefix="/api/v1")
    install_web(app)  # the Korean web UI: pages, forms and /static
    install_openapi(app)

    def lags_now() -> tuple[int, dict[str, int | None], dict[str, int]]:
        """The event log's head, each view's position and how far it is behind it."""
        projector = app.state.runtime.projector
        head = projector.head()
        positions = projector.positions()
        return head, positions, {v: max(head - (p or 0), 0) for v, p in positions.items()}

    def leading() -> dict[str, bool]:
        """Does this process lead the projector, and run the active scheduler?"""
        scheduler, runner = app.state.scheduler, app.state.projector
        return {
            "projector": runner is not None and runner.is_leader,
            "scheduler": scheduler is not None and scheduler.is_active,
        }

    @app.get("/health", tags=["health"])
    def health() -> dict[str, Any]:
        """Anonymous (as /public is, where an installation opts in): up, how far
        each view lags, who leads."""
        scheduler, runner = app.state.scheduler, app.state.projector
        head, positions, behind = lags_now()
        return {
            "status": "ok",
            "projections": positions,
            "views_behind": behind,
            "projector": None if runner is None else ("leader" if runner.is_leader else "standby"),
            "scheduler": None
            if scheduler is None
            else ("active" if scheduler.is_active else "standby"),
            "head": head,
            "leader": leading(),
        }

    @app.get(
        "/metrics",
        tags=["health"],
        response_class=Response,
        responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text"}},
    )
    def prometheus_metrics(_: PrincipalDep) -> Response:
        _head, _positions, behind = lags_now()
        return metrics.render(behind, leading())

    return app
