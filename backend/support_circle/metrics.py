"""Prometheus metrics at ``GET /metrics``: counts and timings, never identifiers.

Every label comes from a small fixed set — the HTTP method, the route's template
(``/v1/circles/{circle_id}/changes``, never the path a request used) and the status class
(``2xx``) — so no device id, circle id, token, address or content can reach a time series.
A request no route answered (an unknown path, the app's own files, a body refused for its
declared size before routing) is counted under the route label ``unmatched``.

Each app keeps its own registry. The workers of one ``support-circle serve`` (``WORKERS``) share
their counts: ``serve`` gives them a fresh folder in ``PROMETHEUS_MULTIPROC_DIR``, where each
process's counts live in files (prometheus_client's multiprocess mode), and a scrape, whichever
worker answers it, sums them all. Leave that variable unset: ``serve`` sets it when it is needed.
"""

import time
from collections.abc import Callable, Iterable
from pathlib import Path

from fastapi import FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from support_circle.services.admin import totals

UNMATCHED = "unmatched"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Seconds; a push with one client should take at most 10 ms at the 99th percentile (docs/architecture.md §9).
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_LABELS = ("method", "route", "status")


class RequestMetrics:
    """The registry one app exposes, with its request counter and latency histogram."""

    def __init__(self, engine: Callable[[], Engine | None], shared: Path | None = None) -> None:
        """``shared``: the folder where every worker process keeps its counts, or None when this
        process is the only one."""
        self.registry = CollectorRegistry()
        own = self.registry if shared is None else None  # shared: the counts are read from the files
        if shared is not None:
            MultiProcessCollector(self.registry, path=str(shared))  # type: ignore[no-untyped-call]
        self.requests = Counter("support_circle_http_requests", "HTTP requests answered.", _LABELS, registry=own)
        self.latency = Histogram(
            "support_circle_http_request_duration_seconds",
            "Time from a request's arrival to its response headers.",
            _LABELS,
            buckets=_BUCKETS,
            registry=own,
        )
        self.registry.register(StoredTotals(engine))

    def observe(self, scope: Scope, status: int, seconds: float) -> None:
        labels = (_method(scope), _route(scope), f"{status // 100}xx")
        self.requests.labels(*labels).inc()
        self.latency.labels(*labels).observe(seconds)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


def _method(scope: Scope) -> str:
    method = str(scope.get("method", ""))
    return method if method in _METHODS else "other"


def _route(scope: Scope) -> str:
    template = getattr(scope.get("route"), "path_format", None)
    if not isinstance(template, str):
        return UNMATCHED
    # FastAPI keeps a route of an included router with the path it was declared with
    # (``/circles/{circle_id}``); the prefix it was included under (``/v1``) is the leading
    # segments of the path that matched, and those are literal: only they could match.
    path = str(scope.get("path", ""))
    extra = path.count("/") - template.count("/")
    if extra > 0 and ":path}" not in template:
        return "/".join(path.split("/")[: extra + 1]) + template
    return template


class StoredTotals:
    """Gauges read from the database at each scrape: totals only."""

    def __init__(self, engine: Callable[[], Engine | None]) -> None:
        self._engine = engine

    def collect(self) -> Iterable[Metric]:
        engine = self._engine()
        if engine is None:
            return
        try:
            with Session(engine) as session:
                now = totals(session)
        except SQLAlchemyError:
            yield GaugeMetricFamily("support_circle_database_up", "1 when the database answered the scrape.", 0)
            return
        yield GaugeMetricFamily("support_circle_database_up", "1 when the database answered the scrape.", 1)
        yield GaugeMetricFamily("support_circle_devices", "Registered devices.", now.devices)
        yield GaugeMetricFamily("support_circle_circles", "Circles.", now.circles)
        yield GaugeMetricFamily("support_circle_changes", "Changes stored, in all circles.", now.changes)
        yield GaugeMetricFamily("support_circle_stored_bytes", "Ciphertext stored, in bytes.", now.bytes_stored)


class MetricsMiddleware:
    """Counts and times every HTTP request; time runs until the response headers go out, so
    a long-lived event stream counts its wait for the first byte, not its whole life."""

    def __init__(self, app: ASGIApp, metrics: RequestMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        recorded = False

        def record(status: int) -> None:
            nonlocal recorded
            if not recorded:
                recorded = True
                self.metrics.observe(scope, status, time.perf_counter() - started)

        async def timed_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                record(int(message["status"]))
            await send(message)

        try:
            await self.app(scope, receive, timed_send)
        except Exception:
            record(500)  # the outer error middleware answers 500
            raise


def install_metrics(app: FastAPI, shared: Path | None = None) -> None:
    """Adds the middleware (outermost of ours: call it after the others) and ``GET /metrics``."""
    metrics = RequestMetrics(lambda: getattr(app.state, "engine", None), shared)
    app.add_middleware(MetricsMiddleware, metrics=metrics)

    def prometheus_metrics() -> Response:
        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    app.add_api_route("/metrics", prometheus_metrics, methods=["GET"], include_in_schema=False)
