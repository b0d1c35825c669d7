from datetime import timedelta

from fastapi import FastAPI
from sqlalchemy import Engine
from sqlmodel import col
from starlette.datastructures import State

from services.kit.app import ServiceSpec, create_service_app
from services.kit.attachments import attachment_store
from services.kit.housekeeping import Purge
from services.kit.settings import ServiceSettings
from services.partners.api import router as partners_router
from services.partners.attachments_api import router as attachments_router
from services.partners.duplicates_api import router as duplicates_router
from services.partners.import_runner import ImportRunner
from services.partners.imports_api import router as imports_router
from services.partners.models import ImportJob
from services.partners.people_api import router as people_router
from services.partners.settings import PartnersSettings


def importer(state: State) -> ImportRunner:
    return ImportRunner(sessions=state.sessions, settings=state.settings, clock=state.clock, on_outbox=state.relay.wake)


def finished_imports(settings: ServiceSettings) -> list[Purge]:
    assert isinstance(settings, PartnersSettings)  # the kit passes the service's own settings
    retention = timedelta(days=settings.import_retention_days)
    return [Purge("import_jobs", ImportJob, col(ImportJob.id), col(ImportJob.finished_at), retention)]


SPEC = ServiceSpec(
    name="partners",
    title="Liaison partners",
    # Literal paths first: `/partners/imports/...`, `/partners/duplicates` before `/partners/{partner_id}/...`.
    routers=[imports_router, duplicates_router, partners_router, people_router, attachments_router],
    workers={"importer": importer, "blobs": attachment_store},
    purges=finished_imports,
)


def create_app(settings: PartnersSettings | None = None, *, engine: Engine | None = None) -> FastAPI:
    return create_service_app(SPEC, settings or PartnersSettings(), engine=engine)
