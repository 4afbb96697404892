"""Prometheus metrics of one application: HTTP traffic, and the depth of the work queues.

Each application has its own registry (not prometheus_client's global one), so a process, or a
test session, may build as many applications as it likes. Routes are labelled by their template
(``/api/v1/orders/{order_id}``), which keeps the number of series bounded. Queue depths are
read from the database when Prometheus scrapes, so they are true for every worker at once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from comptoir.kit.db.engine import Database
from comptoir.kit.events.models import (
    DELIVERY_DEAD,
    DELIVERY_DELIVERED,
    DELIVERY_PENDING,
    EventDelivery,
)
from comptoir.kit.http.context import route_template
from comptoir.kit.jobs.models import JOB_DEAD, JOB_PENDING, JOB_RUNNING, JOB_SUCCEEDED, Job

JOB_STATUSES: Final = (JOB_PENDING, JOB_RUNNING, JOB_SUCCEEDED, JOB_DEAD)
DELIVERY_STATUSES: Final = (DELIVERY_PENDING, DELIVERY_DELIVERED, DELIVERY_DEAD)

logger = logging.getLogger("comptoir.metrics")


class QueueDepthCollector(Collector):
    """Counts jobs and event deliveries by status at scrape time (``dead`` is the
    dead-letter state). Every known status is exported, at 0 when empty, so that alerts on
    ``comptoir_jobs{status="dead"} > 0`` always have a series to watch."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def describe(self) -> list[Metric]:
        # Describing must not touch the database: the registry calls it at registration.
        return [
            GaugeMetricFamily("comptoir_jobs", "Jobs by status.", labels=["status"]),
            GaugeMetricFamily(
                "comptoir_event_deliveries", "Event deliveries by status.", labels=["status"]
            ),
        ]

    def collect(self) -> Iterator[Metric]:
        try:
            jobs, deliveries = self._count()
        except SQLAlchemyError:
            logger.warning("queue depths unavailable: the database did not answer", exc_info=True)
            return
        yield _gauge("comptoir_jobs", "Jobs by status.", JOB_STATUSES, jobs)
        yield _gauge(
            "comptoir_event_deliveries",
            "Event deliveries by status.",
            DELIVERY_STATUSES,
            deliveries,
        )

    def _count(self) -> tuple[dict[str, int], dict[str, int]]:
        with self.database.transaction(readonly=True) as session:
            jobs = session.execute(select(Job.status, func.count()).group_by(Job.status)).all()
            deliveries = session.execute(
                select(EventDelivery.status, func.count()).group_by(EventDelivery.status)
            ).all()
        return {s: int(n) for s, n in jobs}, {s: int(n) for s, n in deliveries}


def _gauge(
    name: str, documentation: str, known: tuple[str, ...], counts: dict[str, int]
) -> GaugeMetricFamily:
    gauge = GaugeMetricFamily(name, documentation, labels=["status"])
    for status in sorted(set(known) | set(counts)):
        gauge.add_metric([status], counts.get(status, 0))
    return gauge


class Metrics:
    """The registry of one application and the series it records."""

    def __init__(self, database: Database | None = None) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "http_requests",
            "HTTP requests served.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "http_request_duration_seconds",
            "Time to serve an HTTP request.",
            ["method", "route"],
            registry=self.registry,
        )
        if database is not None:
            self.registry.register(QueueDepthCollector(database))

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one served request and its duration."""
        self.requests.labels(method=method, route=route, status=str(status)).inc()
        self.duration.labels(method=method, route=route).observe(seconds)

    def exposition(self) -> bytes:
        """Every series, in Prometheus' text format."""
        return bytes(generate_latest(self.registry))


class MetricsMiddleware:
    """Pure ASGI middleware recording each HTTP request in ``metrics``."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def send_and_note_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_note_status)
        finally:
            elapsed = time.perf_counter() - started
            self.metrics.observe(scope["method"], route_template(scope), status, elapsed)


metrics_router = APIRouter()


@metrics_router.get("/metrics", include_in_schema=False)
def serve_metrics(request: Request) -> Response:
    """The application's metrics for Prometheus."""
    metrics: Metrics = request.app.state.metrics
    return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)
