"""Prometheus metrics: requests by route and status, their latency, projection lag."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST


class Metrics:
    def __init__(self) -> None:
        # One registry per app: several apps in one test process do not collide.
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "followup_http_requests",
            "HTTP requests",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "followup_http_request_seconds",
            "HTTP request latency",
            ["method", "route"],
            registry=self.registry,
        )
        self.lag = Gauge(
            "followup_projection_lag_events",
            "Events not yet in a view",
            ["view"],
            registry=self.registry,
        )

    def install(self, app: FastAPI) -> None:
        @app.middleware("http")
        async def measure(
            request: Request, call_next: Callable[[Request], Awaitable[Response]]
        ) -> Response:
            started = time.perf_counter()
            response = await call_next(request)
            route = request.scope.get("route")
            path = getattr(route, "path", "unmatched")
            self.latency.labels(request.method, path).observe(time.perf_counter() - started)
            self.requests.labels(request.method, path, str(response.status_code)).inc()
            return response

    def render(self, positions: dict[str, int | None], top: int) -> Response:
        for view, position in positions.items():
            self.lag.labels(view).set(top - (position or 0))
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)
