from collections.abc import Callable
from datetime import datetime

import httpx
from fastapi import FastAPI
from sqlalchemy import Engine
from starlette.datastructures import State

from services.kit.app import ServiceSpec, create_service_app
from services.kit.consumer import HandlerRegistry
from services.kit.types import utcnow
from services.notifications.api import router
from services.notifications.consumers import CONSUMES, Consumers, Runtime
from services.notifications.deliveries import delivery_log_purges
from services.notifications.dispatcher import Dispatcher
from services.notifications.engagements_client import EngagementsClient
from services.notifications.metrics import DeliveryMetrics, pending_and_lag
from services.notifications.scheduler import Scheduler
from services.notifications.settings import NotificationsSettings


def service_spec(
    *,
    clock: Callable[[], datetime] = utcnow,
    engagements_http: httpx.Client | None = None,
    webhook_http: httpx.AsyncClient | None = None,
) -> ServiceSpec:
    """Besides the kit's relay and consumer, this service runs a client of the engagements service
    (for restricted engagements), the dispatcher (email, webhooks) and the reminder scheduler."""

    def engagements(state: State) -> EngagementsClient:
        return EngagementsClient(
            base_url=state.settings.engagements_url,
            secret=state.settings.identity_key(),
            timeout=state.settings.engagements_timeout_seconds,
            client=engagements_http,
        )

    def dispatcher(state: State) -> Dispatcher:
        return Dispatcher(
            sessions=state.sessions,
            settings=state.settings,
            clock=state.clock,
            http=webhook_http,
            on_outbox=state.relay.wake,
            metrics=state.metrics.group(DeliveryMetrics),
            tracer=state.tracing.tracer("liaison.dispatcher"),
        )

    def scheduler(state: State) -> Scheduler:
        state.metrics.read_at_scrape(pending_and_lag(state.sessions, state.settings, state.clock))
        return Scheduler(
            sessions=state.sessions,
            settings=state.settings,
            clock=state.clock,
            metrics=state.metrics.group(DeliveryMetrics),
        )

    def handlers(state: State) -> HandlerRegistry:
        return Consumers(Runtime(settings=state.settings, engagements=state.engagements, clock=state.clock)).registry()

    return ServiceSpec(
        name="notifications",
        title="Liaison notifications",
        routers=[router],
        handlers=handlers,
        consumes=CONSUMES,
        workers={"engagements": engagements, "dispatcher": dispatcher, "scheduler": scheduler},
        clock=clock,
        purges=delivery_log_purges,
    )


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
    spec = service_spec(clock=clock, engagements_http=engagements_http, webhook_http=webhook_http)
    return create_service_app(spec, settings or NotificationsSettings(), engine=engine)
