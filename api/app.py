"""The composition root for the web process: create_app(settings)."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from api.errors import install_error_handlers
from api.routes import summary
from infrastructure.bootstrap import open_runtime
from infrastructure.settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = open_runtime(settings)
        app.state.runtime = runtime
        # Events written by other processes (CLI imports, other workers) reach
        # this process's views through a background catch-up loop.
        stop = threading.Event()
        loop = threading.Thread(
            target=runtime.projector.run_forever,
            args=(stop, settings.projection_interval),
            name="projection-catch-up",
            daemon=True,
        )
        loop.start()
        # Reminders chase by themselves; of all processes on one database, one
        # scheduler is active and the others stand by (a database lock).
        scheduler = runtime.scheduler() if settings.scheduler_enabled else None
        if scheduler is not None:
            scheduler.start()
        app.state.scheduler = scheduler
        try:
            yield
        finally:
            if scheduler is not None:
                scheduler.shutdown(wait=False)
            stop.set()
            loop.join(timeout=10)
            runtime.close()

    app = FastAPI(
        title="audit-followup",
        summary="행정사무감사 후속조치 관리 API",
        version="0.1.0",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    app.include_router(summary.router, prefix="/api/v1")

    @app.get("/health", tags=["health"])
    def health() -> dict[str, Any]:
        positions = app.state.runtime.projector.positions()
        scheduler = app.state.scheduler
        return {
            "status": "ok",
            "projections": positions,
            "scheduler": None
            if scheduler is None
            else ("active" if scheduler.is_active else "standby"),
        }

    return app
