"""A CSV import job in the real partners process (PostgreSQL, the real broker): the request answers at
once while the service's own worker imports; the process killed mid-job, a new one finishes it, and
each line is created once, with one event on liaison.partners.v1."""

import json
import time
import uuid

import httpx
import pytest
from sqlalchemy import select
from sqlmodel import Session

from services.kit.db import make_engine
from services.partners.models import Partner
from tests.support.identity import TEST_IDENTITY_SECRET, SignedAs
from tests.support.processes import ServiceProcess
from tests.support.topics import read_topic

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.processes]
ROWS = 3000


def start(env: dict, log_dir) -> ServiceProcess:
    return ServiceProcess("partners", log_dir=log_dir, env=env).start().wait_ready()


def poll(api: httpx.Client, location: str, until, timeout: float = 120.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = api.get(location).json()
        if until(job):
            return job
        time.sleep(0.05)
    raise TimeoutError(f"the import job never got there: {job}")


def test_a_killed_process_leaves_its_import_to_the_next_one_and_no_line_is_doubled(
    kafka_broker, pg_cluster, tmp_path_factory
):
    prefix = "LIAISON_PARTNERS_"
    env = {
        prefix + "DATABASE_URL": pg_cluster.create_database(f"partners_imports_{uuid.uuid4().hex[:6]}"),
        **kafka_broker.service_env("partners"),
        prefix + "RELAY_IDLE_SECONDS": "0.2",
        prefix + "ENVIRONMENT": "test",
        prefix + "IDENTITY_SECRET": TEST_IDENTITY_SECRET,
        prefix + "IMPORT_BATCH_ROWS": "50",
        prefix + "IMPORT_LEASE_SECONDS": "3",
        prefix + "IMPORT_POLL_SECONDS": "0.5",
    }
    logs = tmp_path_factory.mktemp("logs")
    suffix = uuid.uuid4().hex[:8]
    body = "kind;name_fr;country\n" + "".join(f"ngo;Association {suffix} {n};FR\n" for n in range(ROWS))

    first = start(env, logs)
    try:
        api = httpx.Client(base_url=first.url, auth=SignedAs(), timeout=10)
        started = time.monotonic()
        queued = api.post(
            "/api/v1/partners/imports",
            content=body.encode(),
            # Names this alike are likely duplicates of each other: this test is about the job, not them.
            params={"allow_duplicates": "true"},
            headers={"content-type": "text/csv"},
        )
        assert queued.status_code == 202, queued.text
        assert time.monotonic() - started < 5, "the request does not wait for the import"
        location = queued.headers["location"]
        midway = poll(api, location, lambda job: job["rows_done"] >= 100)
        assert midway["status"] == "running" and midway["rows_done"] < ROWS, "killed before the end"
    finally:
        first.kill()

    second = start(env, logs)
    try:
        api = httpx.Client(base_url=second.url, auth=SignedAs(), timeout=10)
        done = poll(api, location, lambda job: job["finished_at"] is not None)
        assert (done["status"], done["rows_created"], done["rows_refused"]) == ("done", ROWS, 0)
        engine = make_engine(env[prefix + "DATABASE_URL"])
        try:
            with Session(engine) as session:
                names = session.scalars(select(Partner.name_fr).where(Partner.name_fr.contains(suffix))).all()
        finally:
            engine.dispose()
        assert len(names) == len(set(names)) == ROWS
        records = read_topic(
            kafka_broker.connection(),
            "liaison.partners.v1",
            expect=ROWS,
            timeout=60,
            match=lambda r: suffix.encode() in (r.value or b""),
        )
        published = [json.loads(r.value)["data"]["name_fr"] for r in records]
        assert sorted(published) == sorted(names), "each line created once, with one event"
    finally:
        second.stop()
