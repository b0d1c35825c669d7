"""HTTP routes for CSV imports: the file is stored and answered at once (202 Accepted, `Location` of
the job); the client polls the job for its progress and, at the end, the lines refused and why."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Body, Request, Response, status

from services.kit.app import SessionDep
from services.kit.problems import Problem
from services.partners import imports
from services.partners.deps import Editor, StaffReader
from services.partners.schemas import ImportJobRead

router = APIRouter(prefix="/api/v1", tags=["imports"])
MAX_IMPORT_BYTES = 20 * 1024 * 1024
POLL_SECONDS = "1"


def job_location(job_id: uuid.UUID) -> str:
    return f"/api/v1/partners/imports/{job_id}"


@router.post(
    "/partners/imports",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ImportJobRead,
    responses={
        202: {"description": "Queued: poll the job at `Location`"},
        413: {"description": "File too large"},
        422: {"description": "Not a CSV file this import reads"},
    },
)
def start_import(
    raw: Annotated[bytes, Body(media_type="text/csv")],
    request: Request,
    session: SessionDep,
    caller: Editor,
    response: Response,
    background: BackgroundTasks,
    dry_run: bool = False,
    allow_duplicates: bool = False,
) -> ImportJobRead:
    """The CSV file as the request body (Content-Type: text/csv). Each line is created or refused
    with its reasons; `dry_run=true` checks every line and creates nothing."""
    if len(raw) > MAX_IMPORT_BYTES:
        raise Problem(f"The file is over {MAX_IMPORT_BYTES // (1024 * 1024)} MB.", status=413)
    job = imports.start_import(
        session=session,
        raw=raw,
        caller=caller,
        dry_run=dry_run,
        allow_duplicates=allow_duplicates,
        now=request.app.state.clock(),
    )
    response.headers["Location"] = job_location(job.id)
    response.headers["Retry-After"] = POLL_SECONDS
    # After the response, so after the commit: the worker finds the job at once.
    background.add_task(request.app.state.importer.wake)
    errors_limit = request.app.state.settings.import_errors_shown
    return imports.job_read(session=session, job=job, errors_limit=errors_limit)


@router.get("/partners/imports/{job_id}", response_model=ImportJobRead)
def get_import(
    job_id: uuid.UUID, request: Request, session: SessionDep, caller: StaffReader, response: Response
) -> ImportJobRead:
    job = imports.visible_job(session=session, job_id=job_id, caller=caller)
    if job.finished_at is None:
        response.headers["Retry-After"] = POLL_SECONDS
    errors_limit = request.app.state.settings.import_errors_shown
    return imports.job_read(session=session, job=job, errors_limit=errors_limit)
