"""A partner's files on its page: upload, download, delete, as the person reading (the partners
service decides who may: readers see and download, editors add and remove).

The browser has no API token, so the page's forms and links come here and this module asks the API
(web/client.py). An upload's refusal (too large, a type not taken, a name of another type) comes back
on the partner's page, in the files section, in the person's language.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from gateway.web.context import Web, WebForm
from gateway.web.i18n import lazy_gettext as _l
from gateway.web.partner_access import not_found, valid_id

router = APIRouter()

# ?files=<outcome> on the partner's page: what the files section says after an upload or a removal.
OUTCOMES = {
    "added": _l("File added."),
    "removed": _l("File removed."),
    "none": _l("Choose a file to add."),
    "too-large": _l("The file is too large."),
    "type": _l("This kind of file is not taken: add a PDF, an Office document or an image (PNG, JPEG, GIF, WebP)."),
    "name": _l("The file's name does not match its content: rename it with the right extension."),
    "forbidden": _l("You may not change this partner's files."),
    "failed": _l("The file could not be added or removed; try again."),
}
ERRORS = frozenset(OUTCOMES) - {"added", "removed"}


def outcome(value: str | None) -> tuple[object, bool] | None:
    """(the message, is it an error) for the page, or None for an unknown or absent value. The message
    stays lazy: it is translated as the page renders, in the page's language."""
    if not value or value not in OUTCOMES:
        return None
    return OUTCOMES[value], value in ERRORS


def _refusal(status: int) -> str:
    return {413: "too-large", 415: "type", 422: "name", 403: "forbidden"}.get(status, "failed")


def _back(web: Web, partner_id: str, result: str) -> Response:
    return web.redirect(f"/partners/{partner_id}?files={result}#files")


@router.post("/partners/{partner_id}/files")
async def add_file(web: Web, form: WebForm, partner_id: str) -> Response:
    if not valid_id(partner_id):
        return not_found(web, partner_id)
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _back(web, partner_id, "none")
    files = {"file": (upload.filename, upload.file, upload.content_type or "application/octet-stream")}
    answer = await web.api.post(f"/partners/{partner_id}/attachments", files=files)
    if answer.status == 404:
        return not_found(web, partner_id)
    # 422 is also "no file part" in theory, but the form always sends one: it is the name's mismatch.
    return _back(web, partner_id, "added" if answer.ok else _refusal(answer.status))


@router.get("/partners/{partner_id}/files/{attachment_id}")
async def download_file(web: Web, partner_id: str, attachment_id: str) -> Response:
    if not (valid_id(partner_id) and valid_id(attachment_id)):
        return not_found(web, partner_id)
    answer = await web.api.get(f"/partners/{partner_id}/attachments/{attachment_id}")
    if not answer.ok:
        return not_found(web, partner_id) if answer.status == 404 else _back(web, partner_id, "failed")
    # The service's own headers: the type decided from the bytes, always a download, never sniffed.
    kept = ("content-type", "content-disposition", "x-content-type-options", "cache-control")
    return Response(answer.content, headers={name: answer.headers[name] for name in kept if name in answer.headers})


@router.post("/partners/{partner_id}/files/{attachment_id}/delete")
async def remove_file(web: Web, _checked: WebForm, partner_id: str, attachment_id: str) -> Response:
    if not (valid_id(partner_id) and valid_id(attachment_id)):
        return not_found(web, partner_id)
    answer = await web.api.delete(f"/partners/{partner_id}/attachments/{attachment_id}")
    # 404: already gone (another tab): the list shows the truth either way.
    return _back(web, partner_id, "removed" if answer.ok or answer.status == 404 else _refusal(answer.status))
