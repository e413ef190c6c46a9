"""Prometheus metrics of this process: requests by route template and status, their
latency, projection lag per view, reminders raised, digests delivered, database-busy
answers and whether this process leads the projector and the scheduler.

Counters are per process (each worker counts its own requests and, when its scheduler is
the active one, its own reminders and digests); the gauges are read at scrape time.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping

from fastapi import FastAPI, Request, Response
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from api.logs import route_template
from domain.vocabulary import ReminderRule

LEADER_ROLES = ("projector", "scheduler")


class Metrics:
    """Also the reminder job's observer (``application.ports.ReminderObserver``)."""

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
        self.reminders = Counter(
            "followup_reminders_raised",
            "Reminders raised by this process's reminder job",
            ["rule"],
            registry=self.registry,
        )
        self.digests_sent = Counter(
            "followup_digests_sent",
            "Digest mails the SMTP server accepted",
            registry=self.registry,
        )
        self.digests_failed = Counter(
            "followup_digests_failed",
            "Digest deliveries that failed (each attempt; the outbox retries)",
            registry=self.registry,
        )
        self.database_busy = Counter(
            "followup_database_busy_responses",
            "Requests answered 503 DATABASE_BUSY",
            registry=self.registry,
        )
        self.leader = Gauge(
            "followup_leader",
            "1 while this process leads the role (projector, scheduler), else 0",
            ["role"],
            registry=self.registry,
        )
        # Every series exists from the start: a rate() over a counter that appears late
        # misses its first increase.
        for rule in ReminderRule:
            self.reminders.labels(rule.value)
        for role in LEADER_ROLES:
            self.leader.labels(role).set(0)

    # -- the reminder job's observer --------------------------------------------------

    def reminders_raised(self, rule: str, count: int) -> None:
        self.reminders.labels(rule).inc(count)

    def digest_sent(self) -> None:
        self.digests_sent.inc()

    def digest_failed(self) -> None:
        self.digests_failed.inc()

    # -- HTTP --------------------------------------------------------------------------

    def install(self, app: FastAPI) -> None:
        @app.middleware("http")
        async def measure(
            request: Request, call_next: Callable[[Request], Awaitable[Response]]
        ) -> Response:
            started = time.perf_counter()
            response = await call_next(request)
            path = route_template(request.scope) or "unmatched"
            self.latency.labels(request.method, path).observe(time.perf_counter() - started)
            self.requests.labels(request.method, path, str(response.status_code)).inc()
            return response

    def render(self, lags: Mapping[str, int], leading: Mapping[str, bool]) -> Response:
        """The exposition, with the gauges set to what holds now."""
        for view, behind in lags.items():
            self.lag.labels(view).set(behind)
        for role in LEADER_ROLES:
            self.leader.labels(role).set(1 if leading.get(role) else 0)
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)
