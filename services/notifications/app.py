from fastapi import FastAPI
from sqlalchemy import Engine

from services.kit.app import ServiceSpec, create_service_app
from services.notifications.settings import NotificationsSettings

# The skeleton: health, readiness, its database and its relay. Subscriptions, channels and
# reminders arrive with the notifications issue.
SPEC = ServiceSpec(name="notifications", title="Liaison notifications", routers=[])


def create_app(settings: NotificationsSettings | None = None, *, engine: Engine | None = None) -> FastAPI:
    return create_service_app(SPEC, settings or NotificationsSettings(), engine=engine)
