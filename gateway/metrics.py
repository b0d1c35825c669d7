"""The gateway's own families (docs/metrics.md, "Gateway to the services"), its route templates, and the
metrics of several workers served as one by their supervising process (the client library's
multiprocess mode)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from starlette.routing import BaseRoute
from starlette.types import Scope

from gateway.front import FrontDoor
from gateway.policy import API_PREFIX, Policy
from services.kit.metrics import DURATION_BUCKETS, MULTIPROCESS_ENV, Metrics, add_process_collectors, multiprocess
from services.kit.metrics_http import HttpMetricsMiddleware, MetricsServer, Network, RouteResolver, route_template

# UpstreamError reasons, as the contract names them. A dropped connection is a connection error too.
OUTCOMES = {
    "timeout": "timeout",
    "circuit_open": "breaker_open",
    "unavailable": "connect_error",
    "refused": "connect_error",
    "dropped": "connect_error",
}


class UpstreamMetrics:
    def __init__(self, metrics: Metrics) -> None:
        registry = metrics.registry
        self.requests = Counter(
            "liaison_gateway_upstream_requests",
            "Requests forwarded to a service, by outcome.",
            ["upstream", "outcome"],
            registry=registry,
        )
        self.duration = Histogram(
            "liaison_gateway_upstream_duration_seconds",
            "Time waiting on the service.",
            ["upstream"],
            buckets=DURATION_BUCKETS,
            registry=registry,
        )
        self.breaker_open = Gauge(
            "liaison_gateway_breaker_open",
            "1 while the circuit breaker for that service is open.",
            ["upstream"],
            registry=registry,
            multiprocess_mode="livemax",
        )

    def observe(self, upstream: str, *, reason: str | None, seconds: float, breaker_open: bool) -> None:
        outcome = "ok" if reason is None else OUTCOMES.get(reason, "connect_error")
        self.requests.labels(upstream, outcome).inc()
        if outcome != "breaker_open":  # no wait on the service at all
            self.duration.labels(upstream).observe(seconds)
        self.breaker_open.labels(upstream).set(1 if breaker_open else 0)


def gateway_routes(policy: Policy, routes: Sequence[BaseRoute]) -> RouteResolver:
    """The policy's template for the API (`/api/v1/partners/{id}`), the app's own routes for the rest."""
    own = route_template(lambda: routes)

    def resolve(scope: Scope) -> str | None:
        path = scope["path"]
        if path.startswith(API_PREFIX + "/"):
            rule = policy.match(scope["method"], path).rule
            if rule is not None:
                return API_PREFIX + rule.template
        return own(scope)

    return resolve


class CountedFrontDoor(HttpMetricsMiddleware):
    """What `create_app` returns: the front door, its requests counted. It reads through to the front door
    (`.runtime`, `.inner`), which tests and tools reach for. The web app's own calls to the API go to the
    front door itself: a page is one request, not one plus its reads."""

    def __init__(self, front: FrontDoor, *, metrics: Metrics) -> None:
        super().__init__(front, metrics=metrics, resolve=gateway_routes(front.policy, front_routes(front)))
        self.front = front

    def __getattr__(self, name: str) -> Any:
        return getattr(self.front, name)


def front_routes(front: FrontDoor) -> Sequence[BaseRoute]:
    routes: Sequence[BaseRoute] = getattr(front.inner, "routes", ())
    return routes


def prepare_multiprocess(workers: int) -> Path | None:
    """Before the workers start: a fresh directory for their values (the standard variable, if set, else a
    temporary one), inherited through the environment. None with one worker: it serves its own."""
    if workers < 2:
        return None
    given = os.environ.get(MULTIPROCESS_ENV)
    directory = Path(given) if given else Path(tempfile.mkdtemp(prefix="liaison-gateway-metrics-"))
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):  # a previous run's values would be added to this one's
        stale.unlink()
    os.environ[MULTIPROCESS_ENV] = str(directory)
    return directory


def serve_workers(directory: Path, *, host: str, port: int, allowed: Sequence[Network]) -> MetricsServer:
    """The supervisor's server: every worker's values added up, and the supervisor's own process metrics."""
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(directory))  # type: ignore[no-untyped-call]  # unannotated upstream
    add_process_collectors(registry)
    return MetricsServer(registry, host=host, port=port, allowed=allowed).start()


def forget_workers(directory: Path, *, made_here: bool) -> None:
    if made_here:
        shutil.rmtree(directory, ignore_errors=True)


def worker_exited() -> None:
    """A worker's live gauges (in flight, pool, breaker) leave the sum when it stops."""
    if multiprocess():
        mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]  # unannotated upstream
