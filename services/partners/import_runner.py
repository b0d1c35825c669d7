"""The worker that runs CSV import jobs, in batches, on any number of replicas.

A job is claimed under a lease (a token and an end time on its row); the batch that renews the lease
also creates its rows, their outbox events, the refused lines and the new progress, in one
transaction. So a process that dies mid-batch leaves nothing of that batch, and whoever takes the
job over when the lease ends (or at once, if the holder stopped cleanly) starts after the last
committed batch: no row is created twice. A replica whose lease was taken over finds its renewal
refused and stops without writing.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col

from services.kit.bulk import insert_rows
from services.kit.db import rowcount, table_of
from services.kit.identity import Caller
from services.kit.outbox import OUTBOX_PENDING_KEY
from services.kit.problems import Problem
from services.kit.types import utcnow
from services.partners import bulk, csv_io
from services.partners.models import ImportFile, ImportJob, ImportRefusal
from services.partners.schemas import ImportStatus
from services.partners.settings import PartnersSettings

log = logging.getLogger("liaison.partners.imports")
# Rows of the file whose names pick the duplicate index's rare trigrams (any choice is right; this one is fast).
INDEX_SAMPLE_ROWS = 5_000


@dataclass(frozen=True)
class Lease:
    job_id: uuid.UUID
    token: str


def _due(now: datetime):
    return or_(
        col(ImportJob.status) == ImportStatus.QUEUED,
        and_(col(ImportJob.status) == ImportStatus.RUNNING, col(ImportJob.lease_until) <= now),
    )


def claim(
    sessions: sessionmaker[Session], *, now: datetime, lease: timedelta, job_id: uuid.UUID | None = None
) -> Lease | None:
    """The oldest job nobody holds (or that one job), now held by us; None if there is none, or another
    replica holds it."""
    with sessions() as session:
        if job_id is None:
            job_id = session.scalar(
                select(col(ImportJob.id)).where(_due(now)).order_by(col(ImportJob.created_at)).limit(1)
            )
        if job_id is None:
            return None
        token = uuid.uuid4().hex
        # The WHERE is checked again under the row's lock: of two replicas, one updates, the other finds 0 rows.
        taken = rowcount(
            session.execute(
                update(ImportJob)
                .where(col(ImportJob.id) == job_id, _due(now))
                .values(
                    status=ImportStatus.RUNNING,
                    lease_token=token,
                    lease_until=now + lease,
                    started_at=func.coalesce(col(ImportJob.started_at), now),
                    updated_at=now,
                )
            )
        )
        session.commit()
    return Lease(job_id, token) if taken == 1 else None


class JobRun:
    """One worker's hold on one job: `step()` runs the next batch."""

    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        lease: Lease,
        settings: PartnersSettings,
        clock: Callable[[], datetime] = utcnow,
        on_outbox: Callable[[], None] = lambda: None,
    ) -> None:
        self.sessions = sessions
        self.lease = lease
        self.batch_rows = settings.import_batch_rows
        self.lease_length = timedelta(seconds=settings.import_lease_seconds)
        self.clock = clock
        self.on_outbox = on_outbox
        with sessions() as session:
            job = session.get(ImportJob, lease.job_id)
            upload = session.get(ImportFile, lease.job_id)
            if job is None or upload is None:
                raise LookupError(f"import job {lease.job_id} or its file is gone")
            self.dry_run = job.dry_run
            self.done = job.rows_done
            self.caller = Caller(user=job.started_by, roles=frozenset(job.started_roles))
            header, self.rows = csv_io.parse(upload.content)
        self.checker = csv_io.RowChecker(header, allow_duplicates=job.allow_duplicates)
        for line, record in self.rows[: self.done]:
            self.checker.remember(line, record)
        with sessions() as session:
            sample = [record for _, record in self.rows[self.done : self.done + INDEX_SAMPLE_ROWS]]
            self.checker.start(session=session, sample=sample)

    def step(self) -> bool:
        """Run the next batch; False once the job is done or the lease was lost (nothing written then)."""
        batch = self.rows[self.done : self.done + self.batch_rows]
        last = self.done + len(batch) >= len(self.rows)
        with self.sessions() as session:
            now = self.clock()
            if not self._renew(session, now):
                session.rollback()
                log.warning("import lease lost", extra={"job_id": str(self.lease.job_id)})
                return False
            counts = self._check_and_create(session, batch)
            progress = {
                "rows_done": self.done + len(batch),
                "rows_valid": col(ImportJob.rows_valid) + counts["valid"],
                "rows_created": col(ImportJob.rows_created) + counts["created"],
                "rows_refused": col(ImportJob.rows_refused) + counts["refused"],
                "updated_at": now,
            }
            if last:
                progress |= {"status": ImportStatus.DONE, "finished_at": now, "lease_token": None, "lease_until": None}
                session.execute(delete(ImportFile).where(col(ImportFile.job_id) == self.lease.job_id))
            session.execute(update(ImportJob).where(col(ImportJob.id) == self.lease.job_id).values(**progress))
            session.commit()
            if session.info.pop(OUTBOX_PENDING_KEY, False):
                self.on_outbox()
        self.done += len(batch)
        return not last

    def _renew(self, session: Session, now: datetime) -> bool:
        # First in the transaction: it locks the job's row, so no one takes the job over mid-batch.
        renewed = rowcount(
            session.execute(
                update(ImportJob)
                .where(
                    col(ImportJob.id) == self.lease.job_id,
                    col(ImportJob.lease_token) == self.lease.token,
                    col(ImportJob.status) == ImportStatus.RUNNING,
                )
                .values(lease_until=now + self.lease_length)
            )
        )
        return renewed == 1

    def _check_and_create(self, session: Session, batch: list[tuple[int, list[str]]]) -> dict[str, int]:
        """The batch checked as a whole (duplicates found in memory), then written in bulk: its refused
        lines, and (unless a dry run) its partners with their names, thrusts, audit entries and events."""
        outcomes = self.checker.check_batch(session=session, batch=batch, creating=not self.dry_run)
        refused = [o for o in outcomes if isinstance(o, csv_io.RowProblem)]
        accepted = [o for o in outcomes if isinstance(o, csv_io.Accepted)]
        refusals = [{"job_id": self.lease.job_id, "line": r.line, "reasons": r.reasons} for r in refused]
        insert_rows(session, table_of(ImportRefusal), refusals)
        if accepted and not self.dry_run:
            bulk.create_partners(session=session, items=[(a.partner_id, a.data) for a in accepted], caller=self.caller)
        created = 0 if self.dry_run else len(accepted)
        return {"valid": len(accepted), "created": created, "refused": len(refused)}


def release(sessions: sessionmaker[Session], lease: Lease, *, now: datetime) -> None:
    """Let go of a job we stop running (shutdown): another replica, or our successor, takes it at once."""
    with sessions() as session:
        session.execute(
            update(ImportJob)
            .where(col(ImportJob.id) == lease.job_id, col(ImportJob.lease_token) == lease.token)
            .values(lease_token=None, lease_until=now)
        )
        session.commit()


def record_failure(
    sessions: sessionmaker[Session], lease: Lease, *, error: str, now: datetime, max_failures: int, retry_in: timedelta
) -> None:
    """A run that raised: its batch rolled back; the job is tried again later, or failed after too many."""
    with sessions() as session:
        held = (col(ImportJob.id) == lease.job_id, col(ImportJob.lease_token) == lease.token)
        job = session.scalar(select(ImportJob).where(*held))
        if job is None:
            return
        job.failures += 1
        job.error = error[:1000]
        job.lease_token = None
        job.updated_at = now
        if job.failures >= max_failures:
            job.status = ImportStatus.FAILED
            job.finished_at = now
            job.lease_until = None
            session.execute(delete(ImportFile).where(col(ImportFile.job_id) == job.id))
        else:
            job.lease_until = now + retry_in * job.failures
        session.commit()


class ImportRunner:
    """The service's import worker (`ServiceSpec.workers`): one thread, one job at a time."""

    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        settings: PartnersSettings,
        clock: Callable[[], datetime] = utcnow,
        on_outbox: Callable[[], None] = lambda: None,
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.clock = clock
        self.on_outbox = on_outbox
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def wake(self) -> None:
        """A job was queued: look now rather than at the next poll."""
        self._wake.set()

    def run_once(
        self, *, job_id: uuid.UUID | None = None, progress: Callable[[int, int], None] | None = None
    ) -> uuid.UUID | None:
        """Claim one job (the oldest due, or `job_id`) and run it to its end (or until stopped, or its
        lease is lost); its id, or None when there was nothing to claim. `progress(done, total)` after each batch."""
        lease_length = timedelta(seconds=self.settings.import_lease_seconds)
        lease = claim(self.sessions, now=self.clock(), lease=lease_length, job_id=job_id)
        if lease is None:
            return None
        try:
            run = JobRun(
                sessions=self.sessions, lease=lease, settings=self.settings, clock=self.clock, on_outbox=self.on_outbox
            )
            while True:
                more = run.step()
                if progress:
                    progress(run.done, len(run.rows))
                if not more:
                    break
                if self._stop.is_set():
                    release(self.sessions, lease, now=self.clock())
                    break
        except Exception as exc:
            log.exception("import run failed", extra={"job_id": str(lease.job_id)})
            # A file that cannot be read will never be: no point trying again.
            permanent = isinstance(exc, Problem | LookupError)
            record_failure(
                self.sessions,
                lease,
                error=exc.detail if isinstance(exc, Problem) else f"{type(exc).__name__}: {exc}",
                now=self.clock(),
                max_failures=1 if permanent else self.settings.import_max_failures,
                retry_in=timedelta(seconds=self.settings.import_poll_seconds),
            )
        return lease.job_id

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="partners-imports", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                if self.run_once() is not None:
                    continue  # maybe another is queued
            except Exception:
                log.exception("claiming an import job failed")
            self._wake.wait(self.settings.import_poll_seconds)
            self._wake.clear()
