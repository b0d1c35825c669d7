"""Builds a service's FastAPI app: the same lifespan, middleware, errors and health for all three."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Request
from sqlalchemy import Engine
from sqlmodel import Session

from services.kit.consumer import ConsumerRunner, HandlerRegistry
from services.kit.db import make_engine, make_session_factory
from services.kit.health import router as health_router
from services.kit.identity import Caller
from services.kit.kafka import KafkaProbe, make_consumer, make_producer
from services.kit.middleware import IdentityMiddleware, RequestContextMiddleware
from services.kit.outbox import OUTBOX_PENDING_KEY
from services.kit.problems import install_problem_handlers
from services.kit.relay import OutboxRelay
from services.kit.settings import ServiceSettings


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    title: str
    routers: Sequence[APIRouter]
    handlers: HandlerRegistry = field(default_factory=dict)
    consumes: Sequence[str] = ()


def create_service_app(spec: ServiceSpec, settings: ServiceSettings, *, engine: Engine | None = None) -> FastAPI:
    """`engine` lets a test hand in a database it prepared; otherwise the settings' URL is used."""

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        own_engine = engine is None
        app.state.engine = engine or make_engine(settings.database_url)
        app.state.sessions = make_session_factory(app.state.engine)
        app.state.settings = settings
        bootstrap = settings.kafka_bootstrap
        app.state.relay = OutboxRelay(
            session_factory=app.state.sessions,
            producer_factory=lambda: make_producer(bootstrap, client_id=f"{spec.name}-relay"),
            batch_size=settings.relay_batch_size,
            lease_seconds=settings.relay_lease_seconds,
            idle_seconds=settings.relay_idle_seconds,
        )
        app.state.consumer = None
        if spec.handlers:
            app.state.consumer = ConsumerRunner(
                name=spec.name,
                session_factory=app.state.sessions,
                registry=spec.handlers,
                consumer_factory=lambda: make_consumer(
                    bootstrap,
                    group_id=f"liaison-{spec.name}",
                    topics=list(spec.consumes),
                    client_id=f"{spec.name}-consumer",
                ),
                producer_factory=lambda: make_producer(bootstrap, client_id=f"{spec.name}-dlq"),
                max_attempts=settings.consumer_max_attempts,
            )
        app.state.kafka_probe = KafkaProbe(bootstrap) if settings.kafka_enabled else None
        if settings.kafka_enabled:
            app.state.relay.start()
            if app.state.consumer is not None:
                app.state.consumer.start()
        try:
            yield
        finally:
            if settings.kafka_enabled:
                if app.state.consumer is not None:
                    app.state.consumer.stop()
                app.state.relay.stop()
                app.state.kafka_probe.close()
            if own_engine:
                app.state.engine.dispose()

    app = FastAPI(title=spec.title, version="0.1.0", lifespan=lifespan, openapi_url="/openapi.json", docs_url="/docs")
    # Starlette runs the last added outermost: request ids first, so a 401 carries one too.
    app.add_middleware(IdentityMiddleware, secret=settings.identity_key())
    app.add_middleware(RequestContextMiddleware)
    install_problem_handlers(app)
    app.include_router(health_router)
    for router in spec.routers:
        app.include_router(router)
    return app


def request_session(request: Request) -> Iterator[Session]:
    """The request's unit of work: commits when the route returns, rolls back when it raises.

    Runs before the response is sent (scope="function"), so a failed commit is the client's error
    response rather than a 201 for data that was never stored.
    """
    session: Session = request.app.state.sessions()
    try:
        yield session
        session.commit()
        if session.info.pop(OUTBOX_PENDING_KEY, False):
            request.app.state.relay.wake()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(request_session, scope="function")]


def request_caller(request: Request) -> Caller:
    """The caller the gateway vouched for (IdentityMiddleware verified it)."""
    return request.state.caller


CallerDep = Annotated[Caller, Depends(request_caller)]
