"""An engagement's attached files on its page: upload (a multipart form, handed on to
`POST /api/v1/engagements/{id}/attachments` through the front door like any client's), download
(streamed from the API with its own Content-Type, Content-Disposition and nosniff), delete (a
confirmed POST). The engagements service decides who may do what and which files it takes; its
refusals come back to the page, in its language, beside the upload form.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from starlette.background import BackgroundTask
from starlette.datastructures import UploadFile

from gateway.web import attachments_view as view
from gateway.web.context import Web, WebForm
from gateway.web.routes.engagement_page import show_engagement

router = APIRouter()
# What a download passes on from the engagements service's answer (nothing that names the session).
PASSED_ON = ("content-type", "content-length", "content-disposition", "x-content-type-options")


def _back(engagement_id: uuid.UUID, done: str) -> str:
    return f"/engagements/{engagement_id}?done={done}#attachments"


@router.post("/engagements/{engagement_id:uuid}/attachments", response_class=HTMLResponse)
async def upload(engagement_id: uuid.UUID, web: Web, form: WebForm) -> Response:
    chosen = form.get("file")
    if not isinstance(chosen, UploadFile) or not chosen.filename:
        return await show_engagement(
            web, engagement_id, status=422, attachment_problem=view.refusal_text(web, view.NO_FILE)
        )
    answer = await web.api.post(
        f"/engagements/{engagement_id}/attachments",
        files={"file": (chosen.filename, chosen.file, chosen.content_type or "application/octet-stream")},
    )
    if answer.ok:
        return web.redirect(_back(engagement_id, "attached"))
    if answer.status == 404:
        raise HTTPException(status_code=404)
    status = answer.status if answer.status < 500 else 502
    return await show_engagement(web, engagement_id, status=status, attachment_problem=view.refusal(web, answer))


@router.get("/engagements/{engagement_id:uuid}/attachments/{attachment_id:uuid}")
async def download(engagement_id: uuid.UUID, attachment_id: uuid.UUID, web: Web) -> Response:
    answer = await web.api.open_stream(f"/engagements/{engagement_id}/attachments/{attachment_id}")
    if answer.status_code != 200:
        await answer.aclose()
        raise HTTPException(status_code=404 if answer.status_code in (403, 404) else 502)
    headers = {name: answer.headers[name] for name in PASSED_ON if name in answer.headers}
    headers["Cache-Control"] = "private, no-store"  # a person's file stays out of shared caches
    return StreamingResponse(answer.aiter_raw(), headers=headers, background=BackgroundTask(answer.aclose))


@router.post("/engagements/{engagement_id:uuid}/attachments/{attachment_id:uuid}/delete", response_class=HTMLResponse)
async def delete(engagement_id: uuid.UUID, attachment_id: uuid.UUID, web: Web, form: WebForm) -> Response:
    del form  # read for its CSRF check
    answer = await web.api.delete(f"/engagements/{engagement_id}/attachments/{attachment_id}")
    if answer.ok or answer.status == 404:  # 404: deleted meanwhile, which is what was asked
        return web.redirect(_back(engagement_id, "attachment-deleted"))
    status = answer.status if answer.status < 500 else 502
    return await show_engagement(
        web, engagement_id, status=status, attachment_problem=view.refusal(web, answer, deleting=True)
    )
