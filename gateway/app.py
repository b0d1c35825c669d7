"""The gateway: the only public entry. `create_app()` returns the front door (front.py) wrapped
around a FastAPI app that owns the lifespan and the gateway's own routes."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from sqlalchemy import Engine
from starlette.types import ASGIApp
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from gateway import web
from gateway.api import router as accounts_router
from gateway.auth import Authenticator
from gateway.calendar_api import router as calendar_router
from gateway.front import FrontDoor
from gateway.metrics import CountedFrontDoor, UpstreamMetrics, worker_exited
from gateway.oidc import OidcVerifier
from gateway.openapi import MergedOpenAPI
from gateway.policy import DEFAULT_POLICY, GATEWAY
from gateway.ratelimit import LoginBackoff, RateLimiter
from gateway.settings import GatewaySettings
from gateway.teams_api import router as teams_router
from gateway.upstream import AiohttpUpstream, CircuitBreaker, HttpxUpstream, Upstream
from gateway.views import router as views_router
from services.kit.db import make_engine, make_session_factory
from services.kit.housekeeping import Housekeeper, kit_purges
from services.kit.http_problems import install_problem_handlers
from services.kit.logging import configure_logging
from services.kit.metrics import Metrics
from services.kit.metrics_http import serve_metrics
from services.kit.metrics_pipeline import RelayMetrics
from services.kit.middleware import NulInUrlMiddleware
from services.kit.openapi_problems import document_problems
from services.kit.relay import make_relay
from services.kit.tracing import Tracing


@dataclass
class Runtime:
    """What the gateway builds at start-up and every request uses."""

    settings: GatewaySettings
    identity_secret: str
    sessions: object
    upstreams: dict[str, Upstream]
    authenticator: Authenticator
    limiter: RateLimiter
    login_backoff: LoginBackoff
    openapi: MergedOpenAPI


def make_upstreams(
    settings: GatewaySettings, clients: Mapping[str, httpx.AsyncClient] | None, tracing: Tracing
) -> dict[str, Upstream]:
    def breaker() -> CircuitBreaker:
        return CircuitBreaker(failures=settings.breaker_failures, reset_seconds=settings.breaker_reset_seconds)

    if clients is not None:  # tests hand in clients bound to in-process services
        for client in clients.values():
            tracing.instrument_httpx(client)
        return {
            name: HttpxUpstream(name, client, retries=settings.retries, breaker=breaker(), owned=False)
            for name, client in clients.items()
        }
    upstreams: dict[str, Upstream] = {}
    for name, url in settings.service_urls().items():
        if settings.transport == "aiohttp":
            upstreams[name] = AiohttpUpstream(
                name,
                url,
                connect_timeout=settings.connect_timeout,
                read_timeout=settings.read_timeout,
                max_connections=settings.max_connections_per_service,
                retries=settings.retries,
                breaker=breaker(),
                trace_configs=tracing.aiohttp_trace_configs(),
            )
        else:
            limits = httpx.Limits(
                max_connections=settings.max_connections_per_service,
                max_keepalive_connections=settings.max_connections_per_service,
                keepalive_expiry=4.0,
            )
            client = httpx.AsyncClient(
                base_url=url,
                limits=limits,
                timeout=httpx.Timeout(settings.read_timeout, connect=settings.connect_timeout),
            )
            tracing.instrument_httpx(client)
            upstreams[name] = HttpxUpstream(name, client, retries=settings.retries, breaker=breaker())
    return upstreams


def create_app(
    settings: GatewaySettings | None = None,
    *,
    clients: Mapping[str, httpx.AsyncClient] | None = None,
    engine: Engine | None = None,
) -> ASGIApp:
    """`clients` and `engine` let tests hand in in-process services and a database they prepared."""
    if settings is None:
        # Called by uvicorn as the factory, in each worker process: each one configures its own logs.
        settings = GatewaySettings()
        configure_logging("gateway", settings.log_level)
    front: FrontDoor

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own_engine = engine is None
        tracing.start()
        db = engine or make_engine(settings.database_url)
        tracing.instrument_engine(db)
        sessions = make_session_factory(db)
        app.state.sessions = sessions
        metrics.watch_engine(db)
        # The people directory's events (gateway/directory.py): the kit's relay, started only with Kafka on.
        app.state.relay = make_relay(
            settings,
            db,
            sessions,
            "gateway",
            metrics=metrics.group(RelayMetrics),
            tracer=tracing.tracer("liaison.relay"),
        )
        # Sent directory events leave the gateway's outbox as they leave the services' (kit/housekeeping.py).
        app.state.housekeeper = Housekeeper(
            sessions=sessions,
            purges=kit_purges(
                outbox_retention=timedelta(days=settings.outbox_retention_days),
                inbox_retention=timedelta(),
                has_inbox=False,
            ),
            interval_seconds=settings.housekeeping_interval_seconds,
            batch_size=settings.housekeeping_batch_size,
        )
        if settings.kafka_enabled:
            app.state.relay.start()
            app.state.housekeeper.start()
        upstreams = make_upstreams(settings, clients, tracing)
        for upstream in upstreams.values():
            upstream.metrics = metrics.group(UpstreamMetrics)
            await upstream.start()
        app.state.metrics_server = metrics_server = serve_metrics(
            metrics, host=settings.metrics_host, port=settings.metrics_port, allowed=settings.metrics_allowed_networks
        )
        jwks_client = httpx.AsyncClient(timeout=5.0)

        async def fetch_json(url: str) -> dict[str, Any]:
            response = await jwks_client.get(url)
            response.raise_for_status()
            document: dict[str, Any] = response.json()
            return document

        oidc = OidcVerifier(settings, fetch_json) if settings.oidc_enabled else None
        authenticator = Authenticator(settings, sessions, oidc)
        await asyncio.to_thread(authenticator.poll)
        if oidc is not None:
            await oidc.refresh()
        runtime = Runtime(
            settings=settings,
            identity_secret=settings.identity_key(),
            sessions=sessions,
            upstreams=upstreams,
            authenticator=authenticator,
            limiter=RateLimiter(per_second=settings.rate_limit_per_second, burst=settings.rate_limit_burst),
            login_backoff=LoginBackoff(
                free_failures=settings.login_backoff_free_failures,
                base_seconds=settings.login_backoff_base_seconds,
                max_seconds=settings.login_backoff_max_seconds,
            ),
            openapi=MergedOpenAPI(
                upstreams=upstreams,
                gateway_doc=lambda: own_openapi(app),
                refresh_seconds=settings.openapi_refresh_seconds,
                owner_of=owner_of,
            ),
        )
        app.state.runtime = front.runtime = runtime
        web_runtime = web.start(app, front, runtime)
        poller = asyncio.create_task(authenticator.run_poller())
        try:
            yield
        finally:
            poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await poller
            with contextlib.suppress(Exception):
                await asyncio.to_thread(authenticator.poll)  # the last API key uses
            await web.stop(web_runtime)
            await asyncio.gather(*(upstream.close() for upstream in upstreams.values()))
            await asyncio.to_thread(app.state.relay.stop)
            await asyncio.to_thread(app.state.housekeeper.stop)
            await jwks_client.aclose()
            if own_engine:
                db.dispose()
            if metrics_server is not None:
                metrics_server.stop()
            worker_exited()
            tracing.stop()

    app = FastAPI(
        title="Liaison gateway", version="0.1.0", lifespan=lifespan, openapi_url=None, docs_url=None, redoc_url=None
    )
    app.state.metrics = metrics = Metrics(version=app.version)
    install_problem_handlers(app)
    # The gateway's own routes and pages: a NUL in the address is a 422 before anything reads it
    # (PostgreSQL fails on one: issue 10); what is proxied, the services refuse alike.
    app.add_middleware(NulInUrlMiddleware)
    app.include_router(accounts_router)
    app.include_router(calendar_router)
    app.include_router(teams_router)
    app.include_router(views_router)
    web.install(app)  # the web app's pages: every path outside /api/v1 that is not health or docs
    tracing = Tracing("gateway")
    front = FrontDoor(app, policy=DEFAULT_POLICY, tracer=tracing.tracer("liaison.gateway"))
    counted = CountedFrontDoor(front, metrics=metrics)
    if settings.trusted_proxies:
        # uvicorn's own middleware (run with proxy_headers off): the client is the right-most
        # X-Forwarded-For entry that is not one of the trusted proxies.
        # uvicorn types the app it wraps with its own ASGI scope types, narrower than Starlette's.
        return ProxyHeadersMiddleware(counted, trusted_hosts=settings.trusted_proxies)  # type: ignore[arg-type,return-value]
    return counted


def owner_of(method: str, path: str) -> str | None:
    rule = DEFAULT_POLICY.match(method, path).rule
    return None if rule is None else rule.target


def own_openapi(app: FastAPI) -> dict[str, Any]:
    document = document_problems(get_openapi(title=app.title, version=app.version, routes=app.routes), app.routes)
    # Only what the policy table says the gateway answers itself.
    document["paths"] = {
        path: ops
        for path, ops in document.get("paths", {}).items()
        if any(owner_of(m.upper(), path) == GATEWAY for m in ops)
    }
    return document
