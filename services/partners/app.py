from fastapi import FastAPI
from sqlalchemy import Engine

from services.kit.app import ServiceSpec, create_service_app
from services.partners.api import router as partners_router
from services.partners.people_api import router as people_router
from services.partners.settings import PartnersSettings

SPEC = ServiceSpec(name="partners", title="Liaison partners", routers=[partners_router, people_router])


def create_app(settings: PartnersSettings | None = None, *, engine: Engine | None = None) -> FastAPI:
    return create_service_app(SPEC, settings or PartnersSettings(), engine=engine)
