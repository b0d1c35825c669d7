"""HTTP routes for an engagement's attachments: upload (multipart, streamed), list, download, delete."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from services.engagements import attachments
from services.engagements.deps import CallerTeams, Writer
from services.engagements.schemas import AttachmentPage, AttachmentRead
from services.kit.app import BlobsDep, CallerDep, SessionDep
from services.kit.attachments import download_headers
from services.kit.openapi_problems import problems
from services.kit.uploads import FILE_BODY, receive_and_store

router = APIRouter(prefix="/api/v1", tags=["attachments"], dependencies=[CallerTeams])


@router.post(
    "/engagements/{engagement_id}/attachments",
    status_code=status.HTTP_201_CREATED,
    response_model=AttachmentRead,
    responses=problems(413, 415, 422),
    openapi_extra=FILE_BODY,
)
async def upload_attachment(
    engagement_id: uuid.UUID, request: Request, session: SessionDep, blobs: BlobsDep, caller: Writer
) -> Response:
    """The file in the multipart field `file`: a PDF, an Office document or an image, decided by its
    bytes; at most LIAISON_ENGAGEMENTS_ATTACHMENT_MAX_BYTES."""
    # Before a byte of the file is read: whoever may not change the engagement sends it for nothing.
    await run_in_threadpool(attachments.may_attach, session=session, caller=caller, engagement_id=engagement_id)
    attachment = await receive_and_store(
        request,
        max_bytes=request.app.state.settings.attachment_max_bytes,
        store=lambda upload: attachments.attach(
            session=session, blobs=blobs, caller=caller, engagement_id=engagement_id, upload=upload
        ),
    )
    body = AttachmentRead.model_validate(attachment).model_dump_json()
    location = f"/api/v1/engagements/{engagement_id}/attachments/{attachment.id}"
    return Response(body, status_code=201, media_type="application/json", headers={"Location": location})


@router.get("/engagements/{engagement_id}/attachments", response_model=AttachmentPage)
def list_attachments(engagement_id: uuid.UUID, session: SessionDep, caller: CallerDep) -> AttachmentPage:
    items = attachments.attachments_of(session=session, caller=caller, engagement_id=engagement_id)
    return AttachmentPage(items=[AttachmentRead.model_validate(a) for a in items], next_cursor=None, total=len(items))


@router.get(
    "/engagements/{engagement_id}/attachments/{attachment_id}",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/octet-stream": {}}, "description": "the file"}},
)
def download_attachment(
    engagement_id: uuid.UUID, attachment_id: uuid.UUID, session: SessionDep, blobs: BlobsDep, caller: CallerDep
) -> StreamingResponse:
    _, attachment = attachments.get_attachment(
        session=session, caller=caller, engagement_id=engagement_id, attachment_id=attachment_id
    )
    return StreamingResponse(
        blobs.open(attachment.storage_key),
        media_type=attachment.content_type,
        headers=download_headers(attachment),
    )


@router.delete("/engagements/{engagement_id}/attachments/{attachment_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_attachment(
    engagement_id: uuid.UUID, attachment_id: uuid.UUID, session: SessionDep, blobs: BlobsDep, caller: Writer
) -> Response:
    attachments.detach(
        session=session, blobs=blobs, caller=caller, engagement_id=engagement_id, attachment_id=attachment_id
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
