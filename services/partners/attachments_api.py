"""HTTP routes for a partner's attachments: upload (multipart, streamed), list, download, delete."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from services.kit.app import BlobsDep, SessionDep
from services.kit.attachments import download_headers
from services.kit.openapi_problems import problems
from services.kit.uploads import FILE_BODY, receive_and_store
from services.partners import attachments
from services.partners.deps import Editor, Reader
from services.partners.schemas import PartnerAttachmentPage, PartnerAttachmentRead

router = APIRouter(prefix="/api/v1", tags=["attachments"])


@router.post(
    "/partners/{partner_id}/attachments",
    status_code=status.HTTP_201_CREATED,
    response_model=PartnerAttachmentRead,
    responses=problems(409, 413, 415, 422),
    openapi_extra=FILE_BODY,
)
async def upload_attachment(
    partner_id: uuid.UUID, request: Request, session: SessionDep, blobs: BlobsDep, caller: Editor
) -> Response:
    """The file in the multipart field `file`: a PDF, an Office document or an image, decided by its
    bytes; at most LIAISON_PARTNERS_ATTACHMENT_MAX_BYTES."""
    # Before a byte of the file is read: an unknown or merged partner's upload is sent for nothing.
    await run_in_threadpool(attachments.may_attach, session=session, partner_id=partner_id)
    attachment = await receive_and_store(
        request,
        max_bytes=request.app.state.settings.attachment_max_bytes,
        store=lambda upload: attachments.attach(
            session=session, blobs=blobs, caller=caller, partner_id=partner_id, upload=upload
        ),
    )
    body = PartnerAttachmentRead.model_validate(attachment).model_dump_json()
    location = f"/api/v1/partners/{attachment.partner_id}/attachments/{attachment.id}"
    return Response(body, status_code=201, media_type="application/json", headers={"Location": location})


@router.get("/partners/{partner_id}/attachments", response_model=PartnerAttachmentPage)
def list_attachments(partner_id: uuid.UUID, session: SessionDep, _: Reader) -> PartnerAttachmentPage:
    """A merged partner's id lists its survivor's files (the merge gave them the duplicate's)."""
    items = attachments.attachments_of(session=session, partner_id=partner_id)
    return PartnerAttachmentPage(
        items=[PartnerAttachmentRead.model_validate(a) for a in items], next_cursor=None, total=len(items)
    )


@router.get(
    "/partners/{partner_id}/attachments/{attachment_id}",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/octet-stream": {}}, "description": "the file"}},
)
def download_attachment(
    partner_id: uuid.UUID, attachment_id: uuid.UUID, session: SessionDep, blobs: BlobsDep, _: Reader
) -> StreamingResponse:
    attachment = attachments.get_attachment(session=session, partner_id=partner_id, attachment_id=attachment_id)
    return StreamingResponse(
        blobs.open(attachment.storage_key), media_type=attachment.content_type, headers=download_headers(attachment)
    )


@router.delete("/partners/{partner_id}/attachments/{attachment_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_attachment(
    partner_id: uuid.UUID, attachment_id: uuid.UUID, session: SessionDep, blobs: BlobsDep, caller: Editor
) -> Response:
    attachments.detach(session=session, blobs=blobs, caller=caller, partner_id=partner_id, attachment_id=attachment_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
