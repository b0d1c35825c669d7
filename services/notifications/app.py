from collections.abc import Callable
from contextlib import asynccontextmanager
from datetime import datetime

import httpx
from fastapi import FastAPI
from sqlalchemy import Engine

from services.kit.app import ServiceSpec, create_service_app
from services.kit.types import utcnow
from services.notifications.api import router
from services.notifications.consumers import CONSUMES, Consumers, Runtime
from services.notifications.dispatcher import Dispatcher
from services.notifications.engagements_client import EngagementsClient
from services.notifications.scheduler import Scheduler
from services.notifications.settings import NotificationsSettings


def create_app(
    settings: NotificationsSettings | None = None,
    *,
    engine: Engine | None = None,
    clock: Callable[[], datetime] = utcnow,
    engagements_http: httpx.Client | None = None,
    webhook_http: httpx.AsyncClient | None = None,
) -> FastAPI:
    """`clock`, `engagements_http` (a client for the engagements service) and `webhook_http` let tests
    inject time and in-process stand-ins; by default they are the wall clock and real clients."""
    settings = settings or NotificationsSettings()
    runtime = Runtime(settings=settings, clock=clock)
    spec = ServiceSpec(
        name="notifications",
        title="Liaison notifications",
        routers=[router],
        handlers=Consumers(runtime).registry(),
        consumes=CONSUMES,
    )
    app = create_service_app(spec, settings, engine=engine)
    kit_lifespan = app.router.lifespan_context

    # The kit's lifespan (engine, relay, consumer) wrapped with this service's own workers:
    # the dispatcher (email, webhooks) and the reminder scheduler.
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        async with kit_lifespan(app) as state:
            runtime.engagements = EngagementsClient(
                base_url=settings.engagements_url,
                secret=settings.identity_key(),
                timeout=settings.engagements_timeout_seconds,
                client=engagements_http,
            )
            app.state.clock = clock
            app.state.runtime = runtime
            app.state.dispatcher = Dispatcher(
                sessions=app.state.sessions,
                settings=settings,
                clock=clock,
                http=webhook_http,
                on_outbox=app.state.relay.wake,
            )
            app.state.scheduler = Scheduler(sessions=app.state.sessions, settings=settings, clock=clock)
            if settings.kafka_enabled:
                app.state.dispatcher.start()
                app.state.scheduler.start()
            try:
                yield state
            finally:
                if settings.kafka_enabled:
                    app.state.scheduler.stop()
                    app.state.dispatcher.stop()
                runtime.engagements.close()

    app.router.lifespan_context = lifespan
    return app
