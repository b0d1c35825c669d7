from fastapi import FastAPI
from sqlalchemy import Engine

from services.engagements import api, api_follow_ups, api_reads
from services.engagements.events import CONSUMES, HANDLERS
from services.engagements.models import IdempotencyRecord
from services.engagements.settings import EngagementsSettings
from services.kit.app import ServiceSpec, create_service_app

SPEC = ServiceSpec(
    name="engagements",
    title="Liaison engagements",
    routers=[api.router, api_follow_ups.router, api_reads.router],
    handlers=HANDLERS,
    consumes=CONSUMES,
    idempotency_records=IdempotencyRecord,
)


def create_app(settings: EngagementsSettings | None = None, *, engine: Engine | None = None) -> FastAPI:
    return create_service_app(SPEC, settings or EngagementsSettings(), engine=engine)
