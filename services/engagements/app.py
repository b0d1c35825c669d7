from fastapi import FastAPI
from sqlalchemy import Engine
from starlette.datastructures import State

from services.engagements import api, api_attachments, api_follow_ups, api_reads, mail_in
from services.engagements.events import CONSUMES, HANDLERS
from services.engagements.models import IdempotencyRecord
from services.engagements.settings import EngagementsSettings
from services.kit.app import ServiceSpec, create_service_app
from services.kit.blobs import Blobs, FileBlobs, S3Blobs, s3_client


def attachment_store(state: State) -> Blobs:
    settings: EngagementsSettings = state.settings
    if settings.attachment_store == "filesystem":
        return FileBlobs(settings.attachment_dir)
    secret = settings.attachment_s3_secret_access_key
    client = s3_client(
        endpoint_url=settings.attachment_s3_endpoint_url,
        region=settings.attachment_s3_region,
        access_key_id=settings.attachment_s3_access_key_id,
        secret=secret.get_secret_value() if secret else None,
    )
    return S3Blobs(client, bucket=settings.attachment_s3_bucket or "", prefix=settings.attachment_s3_prefix)


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
