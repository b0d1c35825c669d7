"""The restore drill, rehearsed on the real thing: the whole system running on PostgreSQL and Kafka,
engagements' database dumped with infra/postgres/backup.sh, destroyed, restored with restore.sh, the
service restarted. It comes back consistent with Kafka: the event its outbox still held goes out once,
the events published already do not go out again, and the partner events produced while it was gone
reach its read copy. The drill prints its timings."""

from __future__ import annotations

import json
import os
import subprocess
import time
import uuid
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy.engine import make_url

from services.kit.kafka import KafkaConnection
from tests.support.postgres import postgres_bindir
from tests.support.processes import ServiceProcess
from tests.support.system import SERVICES, start_system, stop_system
from tests.support.topics import read_topic

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.processes]
ROOT = Path(__file__).resolve().parents[2]
ENGAGEMENTS_TOPIC = "liaison.engagements.v1"


def eventually(check, *, timeout: float = 30.0, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout}s: {what}")


def libpq_env(pg_cluster) -> dict[str, str]:
    return {
        **os.environ,
        "PATH": f"{postgres_bindir()}:{os.environ['PATH']}",
        "PGHOST": "127.0.0.1",
        "PGPORT": str(pg_cluster.port),
        "PGUSER": "postgres",
    }


def script(name: str, *args: str, env: dict) -> str:
    result = subprocess.run(
        [str(ROOT / "infra" / "postgres" / name), *args], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def sql(url: str, query: str, *params) -> list[tuple]:
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo) as connection:
        return connection.execute(query, params).fetchall()


@pytest.fixture
def system(kafka_broker, pg_cluster, tmp_path):
    databases = {
        name: pg_cluster.create_database(f"drill_{name}_{uuid.uuid4().hex[:6]}") for name in (*SERVICES, "gateway")
    }
    running = start_system(kafka=kafka_broker, database_urls=databases, logs=tmp_path)
    yield running | {"databases": databases}
    stop_system(running)


def new_partner(system, name: str) -> str:
    created = httpx.post(
        f"{system['gateway']}/api/v1/partners",
        headers=system["admin"],
        json={"kind": "federated_state", "name_fr": name, "name_en": name, "country": "BE"},
    )
    assert created.status_code == 201, created.text
    return created.json()["id"]


def log_engagement(system, partner_id: str, title: str) -> str:
    logged = httpx.post(
        f"{system['gateway']}/api/v1/engagements",
        headers=system["admin"],
        json={
            "type": "meeting",
            "title": title,
            "starts_at": "2026-11-24T15:00:00+00:00",
            "partner_ids": [partner_id],
            "thrusts": ["trade.investment"],
        },
    )
    assert logged.status_code == 201, logged.text
    return logged.json()["id"]


def logged_events(kafka: KafkaConnection, engagement_ids: set[str], expect: int) -> list[dict]:
    records = read_topic(
        kafka,
        ENGAGEMENTS_TOPIC,
        expect=expect,
        timeout=30,
        match=lambda r: r.key is not None and r.key.decode() in engagement_ids,
    )
    events = [json.loads(r.value) for r in records]
    return [e for e in events if e["type"] == "liaison.engagement.logged"]


def test_a_lost_database_restored_from_its_dump_comes_back_consistent_with_kafka(
    system, kafka_broker, pg_cluster, tmp_path
):
    kafka, url = kafka_broker.connection(), system["databases"]["engagements"]
    database = make_url(url).database
    env = libpq_env(pg_cluster)
    engagements: ServiceProcess = system["processes"]["engagements"]
    copies = lambda: {str(row[0]) for row in sql(url, "SELECT id FROM partner_copies")}  # noqa: E731

    # Before: a partner known to engagements, an engagement whose event is on the topic.
    known = new_partner(system, f"Wallonie {uuid.uuid4().hex[:6]}")
    eventually(lambda: known in copies(), what="the partner reaches engagements' copy")
    published = log_engagement(system, known, "Mission économique")
    assert len(logged_events(kafka, {published}, 1)) == 1

    # The broker out of engagements' reach: the next engagement's event waits in its outbox.
    engagements.stop()
    cut_off = ServiceProcess(
        "engagements",
        env={**engagements.env, "LIAISON_ENGAGEMENTS_KAFKA_ENABLED": "false"},
        log_dir=tmp_path,
        port=engagements.port,
    )
    cut_off.start().wait_ready()
    waiting = log_engagement(system, known, "Accord de coopération")
    assert sql(url, "SELECT status FROM outbox WHERE key = %s", waiting) == [("pending",)]
    cut_off.stop()

    timings = {}
    started = time.monotonic()
    (dump,) = script("backup.sh", "-d", str(tmp_path / "backups"), f"engagements={database}", env=env).split()
    timings["backup (pg_dump)"] = time.monotonic() - started
    assert Path(dump).stat().st_size > 0 and Path(dump + ".sha256").exists()

    started = time.monotonic()
    subprocess.run(["dropdb", "--force", database], env=env, check=True, capture_output=True)
    timings["destroy (dropdb)"] = time.monotonic() - started
    with pytest.raises(psycopg.OperationalError):
        sql(url, "SELECT 1")

    # While engagements is gone, the directory goes on: its events wait on the topic.
    meanwhile = {new_partner(system, f"Partenaire {i} {uuid.uuid4().hex[:6]}") for i in range(3)}

    started = time.monotonic()
    script("restore.sh", dump, database, env=env)
    timings["restore (pg_restore)"] = time.monotonic() - started
    assert sql(url, "SELECT status FROM outbox WHERE key = %s", waiting) == [("pending",)]
    assert known in copies() and not (meanwhile & copies())

    started = time.monotonic()
    restarted = ServiceProcess("engagements", env=engagements.env, log_dir=tmp_path, port=engagements.port)
    system["processes"]["engagements"] = restarted.start().wait_ready()
    timings["restart to ready"] = time.monotonic() - started

    started = time.monotonic()
    eventually(lambda: meanwhile <= copies(), what="the partners created while engagements was gone reach its copy")
    timings["read copy caught up"] = time.monotonic() - started
    eventually(
        lambda: sql(url, "SELECT count(*) FROM outbox WHERE status <> 'sent'") == [(0,)], what="the outbox drained"
    )
    timings["outbox drained (since restart)"] = time.monotonic() - started + timings["restart to ready"]

    events = logged_events(kafka, {published, waiting}, 2)
    assert sorted(e["subject"] for e in events) == sorted([published, waiting]), "each event on the topic once"
    for engagement_id in (published, waiting):
        answer = httpx.get(f"{system['gateway']}/api/v1/engagements/{engagement_id}", headers=system["admin"])
        assert answer.status_code == 200, answer.text

    print("\nrestore drill (engagements, PostgreSQL + Kafka):")
    for step, seconds in timings.items():
        print(f"  {step:<32} {seconds:6.2f} s")
