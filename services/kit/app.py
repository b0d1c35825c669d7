"""Builds a service's FastAPI app: the same lifespan, middleware, errors and health for all three."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, Protocol

import anyio
from fastapi import APIRouter, Depends, FastAPI, Request
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import State

from services.kit import openapi_problems
from services.kit.admin_api import admin_router
from services.kit.blobs import Blobs
from services.kit.consumer import ConsumerRunner, HandlerRegistry
from services.kit.db import make_engine, make_session_factory
from services.kit.dead_letters import DeadLetters
from services.kit.health import router as health_router
from services.kit.housekeeping import Housekeeper, Purge, kit_purges
from services.kit.http_problems import install_problem_handlers
from services.kit.idempotency import IdempotencyRecordBase
from services.kit.identity import Caller
from services.kit.kafka import KafkaProbe, consumer_group, make_consumer, make_producer
from services.kit.metrics import Metrics, outbox_gauges
from services.kit.metrics_http import HttpMetricsMiddleware, route_template, serve_metrics
from services.kit.metrics_pipeline import ConsumerMetrics, RelayMetrics
from services.kit.middleware import IdentityMiddleware, NulInUrlMiddleware, RequestContextMiddleware
from services.kit.outbox import OUTBOX_PENDING_KEY
from services.kit.relay import make_relay
from services.kit.settings import ServiceSettings
from services.kit.tracing import Tracing
from services.kit.types import utcnow

API_PREFIX = "/api/v1"


class Worker(Protocol):
    """Something a service runs beside its routes: a background loop, or a client those loops share.

    Built in the lifespan from the app's state, started (when background work is on) after the
    database and the relay, stopped in reverse order. `stop()` must be safe on a worker never started.
    """

    def start(self) -> None: ...

    def stop(self) -> None: ...


WorkerFactory = Callable[[State], Worker]
HandlersFactory = Callable[[State], HandlerRegistry]


@dataclass(frozen=True)
class ServiceSpec:
    """What a service adds to the kit's app: its routes, what it consumes, its workers, its tables."""

    name: str
    title: str
    routers: Sequence[APIRouter]
    # The event handlers, or a factory making them from the app's state (built after the workers,
    # so handlers can use what a worker holds, like a client of another service).
    handlers: HandlerRegistry | HandlersFactory = field(default_factory=dict)
    consumes: Sequence[str] = ()
    # Built in this order, each put on the app's state under its name (`app.state.<name>`).
    workers: Mapping[str, WorkerFactory] = field(default_factory=dict)
    # The service's Idempotency-Key table, if a route takes the header (kit/edge.py).
    idempotency_records: type[IdempotencyRecordBase] | None = None
    # The app's clock (`app.state.clock`): tests hand in theirs.
    clock: Callable[[], datetime] = utcnow
    # The service's own logs to purge after their retention, besides the outbox and inbox.
    purges: Callable[[ServiceSettings], Sequence[Purge]] = lambda _settings: ()


def create_service_app(spec: ServiceSpec, settings: ServiceSettings, *, engine: Engine | None = None) -> FastAPI:
    """`engine` lets a test hand in a database it prepared; otherwise the settings' URL is used."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own_engine = engine is None
        tracing.start()
        app.state.engine = engine or make_engine(settings.database_url)
        tracing.instrument_engine(app.state.engine)
        app.state.sessions = make_session_factory(app.state.engine)
        app.state.settings = settings
        app.state.clock = spec.clock
        metrics.watch_engine(app.state.engine)
        metrics.watch_sessions(app.state.sessions)
        metrics.read_at_scrape(outbox_gauges(app.state.sessions, spec.clock))
        kafka = settings.kafka_connection()
        app.state.relay = make_relay(
            settings,
            app.state.engine,
            app.state.sessions,
            spec.name,
            metrics=metrics.group(RelayMetrics),
            tracer=tracing.tracer("liaison.relay"),
        )
        workers: list[Worker] = [app.state.relay]
        for name, build in spec.workers.items():
            worker = build(app.state)
            setattr(app.state, name, worker)
            workers.append(worker)
        registry = spec.handlers(app.state) if callable(spec.handlers) else spec.handlers
        app.state.consumer = None
        app.state.dead_letters = None
        if registry:
            app.state.dead_letters = DeadLetters(
                connection=kafka,
                consumer_name=spec.name,
                topics=list(spec.consumes),
                client_id=f"{spec.name}-dlq-admin",
            )
            app.state.consumer = ConsumerRunner(
                name=spec.name,
                session_factory=app.state.sessions,
                registry=registry,
                consumer_factory=lambda: make_consumer(
                    kafka,
                    group_id=consumer_group(spec.name),
                    topics=list(spec.consumes),
                    client_id=f"{spec.name}-consumer",
                ),
                producer_factory=lambda: make_producer(kafka, client_id=f"{spec.name}-dlq"),
                max_attempts=settings.consumer_max_attempts,
                metrics=metrics.group(ConsumerMetrics),
                tracer=tracing.tracer("liaison.consumer"),
            )
            workers.append(app.state.consumer)  # last: what it receives may need the others
        app.state.kafka_probe = KafkaProbe(kafka) if settings.kafka_enabled else None
        app.state.housekeeper = Housekeeper(
            sessions=app.state.sessions,
            purges=[
                *kit_purges(
                    outbox_retention=timedelta(days=settings.outbox_retention_days),
                    inbox_retention=timedelta(days=settings.inbox_retention_days),
                    has_inbox=bool(registry),
                ),
                *spec.purges(settings),
            ],
            interval_seconds=settings.housekeeping_interval_seconds,
            batch_size=settings.housekeeping_batch_size,
        )
        workers.append(app.state.housekeeper)
        # First: a port already taken stops the start before any worker runs.
        app.state.metrics_server = metrics_server = serve_metrics(
            metrics, host=settings.metrics_host, port=settings.metrics_port
        )
        if settings.kafka_enabled:
            for worker in workers:
                worker.start()
        try:
            yield
        finally:
            if metrics_server is not None:
                metrics_server.stop()
            for worker in reversed(workers):
                worker.stop()
            if app.state.kafka_probe is not None:
                app.state.kafka_probe.close()
            if own_engine:
                app.state.engine.dispose()
            tracing.stop()

    app = FastAPI(title=spec.title, version="0.1.0", lifespan=lifespan, openapi_url="/openapi.json", docs_url="/docs")
    app.state.metrics = metrics = Metrics(version=app.version)
    # Starlette runs the last added outermost: request ids first, so a 401 carries one too.
    app.add_middleware(NulInUrlMiddleware)
    app.add_middleware(IdentityMiddleware, secret=settings.identity_key())
    app.add_middleware(RequestContextMiddleware)
    # Outside all of them (it wraps the built stack), so the access log line carries the request's span.
    app.state.tracing = tracing = Tracing(spec.name)
    tracing.instrument_app(app)
    app.add_middleware(HttpMetricsMiddleware, metrics=metrics, resolve=route_template(lambda: app.routes))
    install_problem_handlers(app)
    app.state.idempotency_records = spec.idempotency_records
    app.include_router(health_router)
    app.include_router(admin_router(spec.name, consumes=bool(spec.handlers)))
    for router in spec.routers:
        app.include_router(router)
    openapi_problems.install(app)
    return app


async def request_session(request: Request) -> AsyncIterator[Session]:
    """The request's unit of work: commits when the route returns, rolls back when it raises.

    Runs before the response is sent (scope="function"), so a failed commit is the client's error
    response rather than a 201 for data that was never stored. Async on purpose (issue 12): opening a
    session does no I/O, and the end (commit, close) takes one worker-thread hop instead of the two a
    sync generator costs (one to enter, one to leave), on every request.
    """
    session: Session = request.app.state.sessions()
    try:
        yield session
    except BaseException:
        with anyio.CancelScope(shield=True):
            await run_in_threadpool(_discard, session)
        raise
    await run_in_threadpool(_commit, session, request.app.state)


def _commit(session: Session, state: State) -> None:
    try:
        session.commit()
        if session.info.pop(OUTBOX_PENDING_KEY, False):
            state.relay.wake()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _discard(session: Session) -> None:
    try:
        session.rollback()
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(request_session, scope="function")]


async def request_caller(request: Request) -> Caller:
    """The caller the gateway vouched for (IdentityMiddleware verified it). Async: a sync dependency
    costs a worker-thread hop, for a dictionary read."""
    caller: Caller = request.state.caller
    return caller


CallerDep = Annotated[Caller, Depends(request_caller)]


def request_blobs(request: Request) -> Blobs:
    """The service's file store: its `blobs` worker (kit/attachments.py `attachment_store`)."""
    blobs: Blobs = request.app.state.blobs
    return blobs


BlobsDep = Annotated[Blobs, Depends(request_blobs)]
