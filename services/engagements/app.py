from fastapi import FastAPI
from sqlalchemy import Engine

from services.engagements import api, api_attachments, api_follow_ups, api_reads, mail_in
from services.engagements.events import CONSUMES, HANDLERS
from services.engagements.models import IdempotencyRecord
from services.engagements.settings import EngagementsSettings
from services.kit.app import ServiceSpec, create_service_app
from services.kit.attachments import attachment_store

SPEC = ServiceSpec(
    name="engagements",
    title="Liaison engagements",
    routers=[api.router, api_follow_ups.router, api_reads.router, api_attachments.router],
    handlers=HANDLERS,
    consumes=CONSUMES,
    workers={
        "blobs": attachment_store,
        "mail_in": mail_in.build,  # log by e-mail: on when LIAISON_ENGAGEMENTS_MAIL_PORT is set
    },
    idempotency_records=IdempotencyRecord,
)


def create_app(settings: EngagementsSettings | None = None, *, engine: Engine | None = None) -> FastAPI:
    return create_service_app(SPEC, settings or EngagementsSettings(), engine=engine)
