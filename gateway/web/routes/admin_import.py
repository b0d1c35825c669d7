"""Administration: the partner CSV import. The uploaded file becomes an import job in the partners
service (a dry run that only checks every line, or the import that creates the valid ones); the page
then follows the job: htmx polls its progress fragment, and without JavaScript the page refreshes
itself (or the person follows the refresh link). At the end it shows what was created and each
refused line with its reasons."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from gateway.web.client import ApiResponse
from gateway.web.context import Web, WebContext, WebForm
from gateway.web.routes.admin import forbidden

router = APIRouter()

# Under the gateway's import limit (20 MB by default) with room for the form's other fields.
MAX_BYTES = 19 * 1024 * 1024
CSV = {"Content-Type": "text/csv"}
POLL_SECONDS = 1


def render(web: WebContext, *, status: int = 200, **variables: Any) -> HTMLResponse:
    defaults: dict[str, Any] = {
        "errors": {},
        "job": None,
        "allow_duplicates": False,
        "poll_seconds": POLL_SECONDS,
        "missing": False,
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
async def start_import(web: Web, form: WebForm) -> Response:
    """The uploaded file handed to the partners service as a job: checked only, or imported."""
    if not web.is_admin:
        return forbidden(web)
    upload = form.get("file")
    allow_duplicates = form.get("allow_duplicates") == "on"
    dry_run = form.get("action") != "import"
    raw = await upload.read(MAX_BYTES + 1) if isinstance(upload, UploadFile) else b""
    if not raw:
        return render(web, status=422, errors={"file": web.gettext("Choose a CSV file.")})
    if len(raw) > MAX_BYTES:
        return render(web, status=413, errors={"file": web.gettext("The file is over 19 MB: split it in parts.")})
    params = {"dry_run": str(dry_run).lower(), "allow_duplicates": str(allow_duplicates).lower()}
    answer = await web.api.post("/partners/imports", params=params, content=raw, headers=CSV)
    if answer.status != 202:
        status = 422 if answer.status < 500 else 502
        errors = {"file": problem_detail(web, answer)}
        return render(web, status=status, errors=errors, allow_duplicates=allow_duplicates)
    return web.redirect(f"/admin/import/{answer.json['id']}")


async def _job(web: WebContext, job_id: uuid.UUID) -> tuple[Any, int]:
    answer = await web.api.get(f"/partners/imports/{job_id}")
    return answer.json if answer.ok else None, answer.status


@router.get("/admin/import/{job_id}", response_class=HTMLResponse)
async def job_page(job_id: uuid.UUID, web: Web) -> HTMLResponse:
    if not web.is_admin:
        return forbidden(web)
    job, status = await _job(web, job_id)
    if job is None:
        return render(web, status=404 if status == 404 else 502, missing=True)
    return render(web, job=job, allow_duplicates=job["allow_duplicates"])


@router.get("/admin/import/{job_id}/progress", response_class=HTMLResponse)
async def job_progress(job_id: uuid.UUID, web: Web) -> HTMLResponse:
    """The fragment htmx polls; once the job is finished it carries no trigger, so the polling stops."""
    if not web.is_admin:
        return forbidden(web)
    job, status = await _job(web, job_id)
    if job is None:
        return web.render("admin/_import_job.html", status=404 if status == 404 else 502, job=None)
    return web.render("admin/_import_job.html", job=job, poll_seconds=POLL_SECONDS)
