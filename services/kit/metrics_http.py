"""Requests counted by route template, and the metrics served on a port of their own.

The template is the route that matched (`/api/v1/partners/{partner_id}`), never the raw path: ids
would make a series per partner. A request no route takes is `route="unmatched"`.

The metrics port is a small WSGI server on its own thread, apart from the API's event loop: a scrape
answers while the loop is busy, and the API port never serves /metrics. The gateway's answers loopback
and its configured monitoring networks only (403 for anyone else).
"""

from __future__ import annotations

import ipaddress
import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from ipaddress import IPv4Network, IPv6Network
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

from fastapi.routing import iter_route_contexts
from prometheus_client import make_wsgi_app
from prometheus_client.exposition import ThreadingWSGIServer
from prometheus_client.registry import Collector
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.kit.metrics import Metrics, multiprocess

log = logging.getLogger("liaison.metrics")

UNMATCHED = "unmatched"
RouteResolver = Callable[[Scope], str | None]


def route_template(routes: Callable[[], Sequence[BaseRoute]]) -> RouteResolver:
    """The template of the route that took the request (the router leaves it in the scope), or of the one
    that would have, for a request refused before routing (a 401, a 422 for a NUL in the address)."""

    def resolve(scope: Scope) -> str | None:
        taken = getattr(scope.get("route"), "path", None)
        if isinstance(taken, str) and taken:
            return taken
        partial = None
        for candidate in iter_route_contexts(list(routes())):  # FastAPI's included routers, flattened
            match, _ = candidate.matches(scope)
            if match is Match.FULL:
                return candidate.path
            if match is Match.PARTIAL and partial is None:
                partial = candidate.path
        return partial

    return resolve


class HttpMetricsMiddleware:
    """Plain ASGI (no per-request task or body copy); outermost, so refusals are counted too."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics, resolve: RouteResolver) -> None:
        self.app = app
        self.metrics = metrics
        self.resolve = resolve

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 500}

        async def send_counted(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        metrics = self.metrics
        metrics.http_in_flight.inc()
        try:
            await self.app(scope, receive, send_counted)
        finally:
            metrics.http_in_flight.dec()
            try:
                route = self.resolve(scope) or UNMATCHED
            except Exception:
                log.exception("route template not found")
                route = UNMATCHED
            method = scope["method"]
            metrics.http_requests.labels(route, method, str(status["code"])).inc()
            metrics.http_duration.labels(route, method).observe(time.perf_counter() - started)


Network = IPv4Network | IPv6Network


class _Quiet(WSGIRequestHandler):
    def log_message(self, *_args: Any) -> None:  # a scrape every 15 s is no news
        return None


def metrics_wsgi_app(registry: Collector, allowed: Sequence[Network] | None) -> Callable[..., Iterable[bytes]]:
    """`/metrics` only; `allowed`: None lets everyone in, else loopback and these networks (403 otherwise)."""
    exposition = make_wsgi_app(registry)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if allowed is not None and not _admitted(environ.get("REMOTE_ADDR", ""), allowed):
            start_response("403 Forbidden", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"Forbidden: metrics are for the monitoring networks only.\n"]
        if environ.get("PATH_INFO") != "/metrics":
            start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"Not found: the metrics are at /metrics.\n"]
        body: Iterable[bytes] = exposition(environ, start_response)
        return body

    return app


def _admitted(address: str, allowed: Sequence[Network]) -> bool:
    try:
        client = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(client, ipaddress.IPv6Address) and client.ipv4_mapped is not None:
        client = client.ipv4_mapped
    return client.is_loopback or any(client in network for network in allowed)


class MetricsServer:
    """`port` 0 takes a free one (`.port` says which)."""

    def __init__(self, registry: Collector, *, host: str, port: int, allowed: Sequence[Network] | None = None) -> None:
        self.server = make_server(
            host, port, metrics_wsgi_app(registry, allowed), ThreadingWSGIServer, handler_class=_Quiet
        )
        self.port: int = self.server.server_port
        self._thread = threading.Thread(target=self.server.serve_forever, name="metrics-server", daemon=True)

    def start(self) -> MetricsServer:
        self._thread.start()
        log.info("metrics served", extra={"port": self.port})
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            self.server.shutdown()
        self.server.server_close()


def serve_metrics(
    metrics: Metrics, *, host: str, port: int | None, allowed: Sequence[Network] | None = None
) -> MetricsServer | None:
    """The process's metrics server, from its settings; none when `port` is None, nor in a gateway worker
    (its supervisor serves every worker's values: gateway/__main__.py)."""
    if port is None or multiprocess():
        return None
    return MetricsServer(metrics.registry, host=host, port=port, allowed=allowed).start()
