"""CSV imports as jobs: the upload is stored and answered at once (202); a worker (`import_runner.py`)
checks and creates its rows in batches while the client polls the job.

Who may do what: officers and administrators start imports (the route's role); a job, which names
the partners its lines duplicate, is seen by the person who started it or an administrator.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session, col

from services.kit.identity import Caller
from services.kit.problems import Forbidden, NotFound
from services.partners import csv_io
from services.partners.models import ImportFile, ImportJob, ImportRefusal
from services.partners.schemas import ImportJobRead, ImportLine


def start_import(
    *, session: Session, raw: bytes, caller: Caller, dry_run: bool, allow_duplicates: bool, now: datetime
) -> ImportJob:
    """A queued job holding the file; a file that cannot be read at all is refused now (422)."""
    _header, rows = csv_io.parse(raw)
    job = ImportJob(
        dry_run=dry_run,
        allow_duplicates=allow_duplicates,
        rows_total=len(rows),
        started_by=caller.user,
        started_roles=sorted(caller.roles),
        created_at=now,
        updated_at=now,
    )
    session.add(job)
    session.flush()  # the job's row before the file's, which refers to it
    session.add(ImportFile(job_id=job.id, content=raw))
    return job


def visible_job(*, session: Session, job_id: uuid.UUID, caller: Caller) -> ImportJob:
    job = session.get(ImportJob, job_id)
    if job is None:
        raise NotFound(f"No import job {job_id}.")
    if job.started_by != caller.user and not caller.is_admin:
        raise Forbidden("An import job is seen by the person who started it or an administrator.")
    return job


def job_read(*, session: Session, job: ImportJob, errors_limit: int) -> ImportJobRead:
    refusals = session.scalars(
        select(ImportRefusal)
        .where(col(ImportRefusal.job_id) == job.id)
        .order_by(col(ImportRefusal.line))
        .limit(errors_limit)
    ).all()
    return ImportJobRead.model_validate(
        job,
        from_attributes=True,
        update={
            "errors": [ImportLine(line=r.line, reasons=r.reasons) for r in refusals],
            "errors_limit": errors_limit,
        },
    )
