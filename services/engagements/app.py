from fastapi import FastAPI
from sqlalchemy import Engine
from starlette.datastructures import State

from services.engagements import api, api_attachments, api_follow_ups, api_reads, mail_in
from services.engagements.events import CONSUMES, handlers_with_contacts
from services.engagements.models import IdempotencyRecord
from services.engagements.partners_client import PartnersClient
from services.engagements.settings import EngagementsSettings
from services.kit.app import ServiceSpec, create_service_app
from services.kit.attachments import attachment_store
from services.kit.consumer import HandlerRegistry


def partners(state: State) -> PartnersClient:
    settings: EngagementsSettings = state.settings
    return PartnersClient(
        base_url=settings.partners_url, secret=settings.identity_key(), timeout=settings.partners_timeout_seconds
    )


def handlers(state: State) -> HandlerRegistry:
    return handlers_with_contacts(state.partners)


SPEC = ServiceSpec(
    name="engagements",
    title="Liaison engagements",
    routers=[api.router, api_follow_ups.router, api_reads.router, api_attachments.router],
    handlers=handlers,
    consumes=CONSUMES,
    workers={
        "blobs": attachment_store,
        "partners": partners,  # contacts' sealing keys (contact_copies.py)
        "mail_in": mail_in.build,  # log by e-mail: on when LIAISON_ENGAGEMENTS_MAIL_PORT is set
    },
    idempotency_records=IdempotencyRecord,
)


def create_app(settings: EngagementsSettings | None = None, *, engine: Engine | None = None) -> FastAPI:
    return create_service_app(SPEC, settings or EngagementsSettings(), engine=engine)
