"""Administration: the partner CSV import. Upload → dry run (the partners service checks every row and
reports line by line) → import. The service imports in one transaction and answers when it is done
(there is no job to poll), so the page shows a progress bar while it waits (admin.js), then the result.

The checked file travels to the import step inside the form (base64, with its SHA-256 to show that
what is imported is what was checked): no server-side state, whichever worker answers."""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from gateway.web.client import ApiResponse
from gateway.web.context import Web, WebContext, WebForm
from gateway.web.routes.admin import forbidden

router = APIRouter()

# The import step posts the checked file back as base64 (4/3 of its size), and the gateway takes no page
# body over its import limit (20 MB by default): 14 MB keeps that step under it.
MAX_BYTES = 14 * 1024 * 1024
CSV = {"Content-Type": "text/csv"}


def render(web: WebContext, *, status: int = 200, **variables: Any) -> HTMLResponse:
    defaults: dict[str, Any] = {
        "errors": {},
        "report": None,
        "result": None,
        "payload": None,
        "allow_duplicates": False,
    }
    return web.render("admin/import.html", status=status, section="import", **{**defaults, **variables})


@router.get("/admin/import", response_class=HTMLResponse)
async def import_form(web: Web) -> HTMLResponse:
    if not web.is_admin:
        return forbidden(web)
    return render(web)


def problem_detail(web: WebContext, answer: ApiResponse) -> str:
    if answer.status == 413:
        return web.gettext("The file is too large for the server.")
    return (answer.problem or {}).get("detail") or web.gettext("The partners service could not read this file.")


@router.post("/admin/import", response_class=HTMLResponse)
async def dry_run(web: Web, form: WebForm) -> Response:
    """Step 1: the uploaded file, checked row by row; nothing is written."""
    if not web.is_admin:
        return forbidden(web)
    upload = form.get("file")
    allow_duplicates = form.get("allow_duplicates") == "on"
    raw = await upload.read(MAX_BYTES + 1) if isinstance(upload, UploadFile) else b""
    if not raw:
        return render(web, status=422, errors={"file": web.gettext("Choose a CSV file.")})
    if len(raw) > MAX_BYTES:
        return render(web, status=413, errors={"file": web.gettext("The file is over 14 MB: split it in parts.")})
    params = {"dry_run": "true", "allow_duplicates": str(allow_duplicates).lower()}
    answer = await web.api.post("/partners/import", params=params, content=raw, headers=CSV)
    if not answer.ok:
        return render(web, status=422, errors={"file": problem_detail(web, answer)})
    report = answer.json
    payload = None
    if not report["errors"] and report["valid"]:
        payload = {
            "data": base64.b64encode(raw).decode(),
            "sha256": hashlib.sha256(raw).hexdigest(),
            "filename": getattr(upload, "filename", "") or "",
        }
    return render(web, report=report, payload=payload, allow_duplicates=allow_duplicates)


@router.post("/admin/import/run", response_class=HTMLResponse)
async def run_import(web: Web, form: WebForm) -> Response:
    """Step 2: the checked file, imported (all rows or none)."""
    if not web.is_admin:
        return forbidden(web)
    allow_duplicates = form.get("allow_duplicates") == "true"
    try:
        raw = base64.b64decode(str(form.get("data") or ""), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if not raw or hashlib.sha256(raw).hexdigest() != form.get("sha256"):
        message = web.gettext("The checked file did not arrive whole: upload it again.")
        return render(web, status=422, errors={"file": message})
    params = {"dry_run": "false", "allow_duplicates": str(allow_duplicates).lower()}
    answer = await web.api.post("/partners/import", params=params, content=raw, headers=CSV)
    if answer.status == 422 and isinstance(answer.json, dict) and "errors" in answer.json and "rows" in answer.json:
        # Rows that passed the dry run but not the import (a duplicate added meanwhile): nothing was written.
        report = {key: answer.json[key] for key in ("rows", "valid", "errors")}
        return render(web, status=422, report=report, result={"failed": True})
    if not answer.ok:
        return render(web, status=422 if answer.status < 500 else 502, errors={"file": problem_detail(web, answer)})
    return render(web, status=201, result=answer.json)
