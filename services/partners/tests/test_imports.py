"""CSV import jobs: queued at once, run in batches by the service's worker, polled for progress;
resumed after a crash or a restart without a row created twice; one replica at a time; who may see them."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlmodel import Session

from services.kit.identity import Caller
from services.partners import bulk
from services.partners.app import create_app
from services.partners.import_runner import ImportRunner, JobRun, claim
from services.partners.models import ImportFile, ImportJob, Partner
from services.partners.settings import PartnersSettings
from services.partners.tests.conftest import ADMIN, INTEGRATION, VIEWER, count, events, signed
from tests.support.apps import service_client, unit_settings

FIVE = "kind;name_fr;country\n" + "".join(f"state;Pays {n};{c}\n" for n, c in enumerate(["MX", "IS", "BE", "CL", "PE"]))
OTHER_OFFICER = Caller(user="other.officer@example.test", roles=frozenset({"officer"}))


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def settings():
    return unit_settings(PartnersSettings, import_batch_rows=2, import_lease_seconds=30, import_max_failures=3)


@pytest.fixture
def client(partners_engine, settings):
    with service_client(create_app, settings, engine=partners_engine) as client:
        yield client


@pytest.fixture
def clock():
    return Clock()


def queue(client, body: str = FIVE, **params) -> str:
    response = client.post(
        "/api/v1/partners/imports", content=body.encode(), params=params, headers={"content-type": "text/csv"}
    )
    assert response.status_code == 202, response.text
    return response.headers["location"]


def runner(client, settings, clock) -> ImportRunner:
    return ImportRunner(sessions=client.app.state.sessions, settings=settings, clock=clock)


def job_row(engine, location: str) -> ImportJob:
    with Session(engine) as session:
        return session.get(ImportJob, _id(location))


def _id(location: str) -> uuid.UUID:
    return uuid.UUID(location.rsplit("/", 1)[1])


def partner_names(engine) -> list[str]:
    with Session(engine) as session:
        return sorted(session.scalars(select(Partner.name_fr)).all())


def test_a_job_is_queued_at_once_then_shows_its_progress_batch_by_batch(client, settings, clock, partners_engine):
    response = client.post("/api/v1/partners/imports", content=FIVE.encode(), headers={"content-type": "text/csv"})
    assert response.status_code == 202 and response.headers["retry-after"]
    location = response.headers["location"]
    assert location.startswith("/api/v1/partners/imports/")
    queued = response.json()
    assert queued["status"] == "queued" and queued["rows_total"] == 5 and queued["rows_done"] == 0
    assert queued["started_by"] == "officer@example.test" and queued["finished_at"] is None
    assert client.get(location).json()["status"] == "queued"
    assert count(partners_engine, Partner) == 0, "nothing is written while the request is open"

    lease = claim(client.app.state.sessions, now=clock(), lease=timedelta(seconds=30))
    run = JobRun(sessions=client.app.state.sessions, lease=lease, settings=settings, clock=clock)
    assert run.step() is True
    running = client.get(location)
    assert running.json()["status"] == "running" and running.json()["rows_done"] == 2
    assert running.json()["rows_created"] == 2 and running.headers["retry-after"]
    while run.step():
        pass
    done = client.get(location)
    assert done.json()["status"] == "done" and done.json()["rows_done"] == done.json()["rows_created"] == 5
    assert done.json()["finished_at"] and "retry-after" not in done.headers
    assert count(partners_engine, ImportFile) == 0, "the file is not kept once imported"
    assert len(events(partners_engine, "liaison.partner.created")) == 5


def test_refused_lines_are_listed_up_to_the_limit_and_all_counted(partners_engine, clock):
    settings = unit_settings(PartnersSettings, import_errors_shown=2)
    with service_client(create_app, settings, engine=partners_engine) as client:
        location = queue(client, "kind;name_fr\nplanet;Mars\nstate;Chili\nplanet;Vénus\nplanet;Pluton\n")
        runner(client, settings, clock).run_once()
        job = client.get(location).json()
    assert job["status"] == "done" and job["rows_created"] == 1 and job["rows_refused"] == 3
    assert [e["line"] for e in job["errors"]] == [2, 4] and job["errors_limit"] == 2
    assert "kind" in " ".join(job["errors"][0]["reasons"])


def test_a_crash_mid_batch_leaves_nothing_of_that_batch_and_the_retry_doubles_nothing(
    client, settings, clock, partners_engine, monkeypatch
):
    location = queue(client)
    real_create, calls = bulk.create_partners, []

    def create_then_crash(**kwargs):
        calls.append([data.name_fr for _, data in kwargs["items"]])
        if len(calls) == 2:  # the second batch's rows are written, then the process dies before the commit
            real_create(**kwargs)
            raise OSError("the process died here")
        return real_create(**kwargs)

    monkeypatch.setattr(bulk, "create_partners", create_then_crash)
    worker = runner(client, settings, clock)
    worker.run_once()
    job = job_row(partners_engine, location)
    assert (job.status, job.rows_done, job.failures) == ("running", 2, 1)
    assert "died" in job.error
    assert partner_names(partners_engine) == ["Pays 0", "Pays 1"], "the second batch rolled back whole"

    assert worker.run_once() is None, "tried again only after a pause"
    clock.advance(settings.import_poll_seconds + 1)
    worker.run_once()
    assert partner_names(partners_engine) == [f"Pays {n}" for n in range(5)]
    assert len(events(partners_engine, "liaison.partner.created")) == 5
    assert client.get(location).json()["status"] == "done"


def test_a_restart_resumes_after_the_last_batch_and_two_replicas_never_run_one_job(
    client, settings, clock, partners_engine
):
    location = queue(client)
    sessions = client.app.state.sessions
    lease = timedelta(seconds=settings.import_lease_seconds)
    first = JobRun(sessions=sessions, lease=claim(sessions, now=clock(), lease=lease), settings=settings, clock=clock)
    assert first.step()  # then the replica is killed: no release, its lease runs on

    assert claim(sessions, now=clock(), lease=lease) is None, "the other replica leaves a held job alone"
    clock.advance(settings.import_lease_seconds + 1)
    second = runner(client, settings, clock)
    assert second.run_once() == _id(location)

    assert first.step() is False, "the old holder's next batch is refused"
    assert partner_names(partners_engine) == [f"Pays {n}" for n in range(5)]
    assert len(events(partners_engine, "liaison.partner.created")) == 5
    job = client.get(location).json()
    assert (job["status"], job["rows_done"], job["rows_created"]) == ("done", 5, 5)


def test_a_worker_stopping_hands_its_job_over_at_once(client, settings, clock, partners_engine):
    location = queue(client)
    stopping = runner(client, settings, clock)
    stopping.stop()  # asked to stop (shutdown) before the run: it does one batch, then lets go
    stopping.run_once()
    assert job_row(partners_engine, location).rows_done == 2
    successor = runner(client, settings, clock)
    assert successor.run_once() == _id(location), "no lease to wait out"
    assert client.get(location).json()["rows_created"] == 5


def test_a_job_that_keeps_failing_is_failed_with_its_reason(client, settings, clock, partners_engine, monkeypatch):
    location = queue(client)

    def broken(**_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(bulk, "create_partners", broken)
    worker = runner(client, settings, clock)
    for _ in range(settings.import_max_failures):
        worker.run_once()
        clock.advance(60)
    job = client.get(location).json()
    assert job["status"] == "failed" and "disk full" in job["error"] and job["finished_at"]
    assert worker.run_once() is None
    assert count(partners_engine, Partner) == 0 and count(partners_engine, ImportFile) == 0


def test_a_dry_run_job_creates_nothing(client, settings, clock, partners_engine):
    location = queue(client, dry_run="true")
    runner(client, settings, clock).run_once()
    job = client.get(location).json()
    assert (job["dry_run"], job["status"], job["rows_valid"], job["rows_created"]) == (True, "done", 5, 0)
    assert count(partners_engine, Partner) == 0 and events(partners_engine) == []


def test_who_may_start_an_import_and_who_may_see_it(client, partners_engine):
    csv = {"content-type": "text/csv"}
    for refused in (VIEWER, INTEGRATION):
        answer = client.post("/api/v1/partners/imports", content=FIVE.encode(), headers=csv, auth=signed(refused))
        assert answer.status_code == 403
    assert count(partners_engine, ImportJob) == 0
    location = queue(client)
    assert client.get(location).status_code == 200, "the person who started it"
    assert client.get(location, auth=signed(ADMIN)).status_code == 200
    for outsider in (OTHER_OFFICER, VIEWER, INTEGRATION):
        answer = client.get(location, auth=signed(outsider))
        assert answer.status_code == 403 and answer.headers["content-type"] == "application/problem+json"
    missing = client.get("/api/v1/partners/imports/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404
    assert client.get("/api/v1/partners/imports/not-an-id").status_code == 422


def test_a_file_over_the_limit_is_413(client, monkeypatch, partners_engine):
    monkeypatch.setattr("services.partners.imports_api.MAX_IMPORT_BYTES", 100)
    answer = client.post("/api/v1/partners/imports", content=FIVE.encode() * 2, headers={"content-type": "text/csv"})
    assert answer.status_code == 413 and answer.json()["title"] == "Content too large"
    assert count(partners_engine, ImportJob) == 0


def test_a_file_with_only_its_header_is_a_job_done_with_nothing(client, settings, clock, partners_engine):
    location = queue(client, "kind;name_fr\n")
    assert client.get(location).json()["rows_total"] == 0
    runner(client, settings, clock).run_once()
    job = client.get(location).json()
    assert (job["status"], job["rows_done"], job["rows_created"]) == ("done", 0, 0)
    assert count(partners_engine, ImportFile) == 0


def test_duplicates_are_judged_on_the_directory_as_it_is_when_the_batch_runs(client, settings, clock, partners_engine):
    """The job indexes the directory's names when it starts; a partner renamed meanwhile refuses no line
    for its old name, and one created meanwhile refuses its look-alike."""
    renamed = client.post("/api/v1/partners", json={"kind": "state", "name_fr": "Pays 0", "country": "MX"}).json()
    location = queue(client, "kind;name_fr;country\nstate;Pays 0;MX\nstate;Terre Neuve;IS\n")
    sessions = client.app.state.sessions
    lease = claim(sessions, now=clock(), lease=timedelta(seconds=30))
    run = JobRun(sessions=sessions, lease=lease, settings=settings, clock=clock)
    version = {"if-match": f'"{renamed["version"]}"'}
    changed = client.patch(f"/api/v1/partners/{renamed['id']}", json={"name_fr": "Mexique"}, headers=version)
    assert changed.status_code == 200, changed.text
    client.post("/api/v1/partners", json={"kind": "state", "name_fr": "Terre-Neuve", "country": "IS"})
    while run.step():
        pass
    job = client.get(location).json()
    assert (job["rows_created"], job["rows_refused"]) == (1, 1), job
    assert job["errors"][0]["line"] == 3 and "likely duplicate" in job["errors"][0]["reasons"][0]
    assert "Pays 0" in partner_names(partners_engine)
