"""Dead letters, as an administrator handles them: listed, shown and replayed through the gateway's
admin routes (here straight to a real engagements process) and `bin/liaison dlq`; replay is idempotent."""

import json
import os
import subprocess
import sys
import time
import uuid

import httpx
import pytest

from services.kit.events import new_event
from services.kit.identity import Caller
from tests.support.identity import TEST_IDENTITY_SECRET, SignedAs
from tests.support.processes import REPO_ROOT, ServiceProcess
from tests.support.topics import produce

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.processes]
ADMIN = Caller(user="ops@example.test", roles=frozenset({"admin"}))
DLQ = "liaison.partners.v1.dlq"


@pytest.fixture(scope="module")
def engagements(kafka_broker, pg_cluster, tmp_path_factory):
    env = {
        "LIAISON_ENGAGEMENTS_DATABASE_URL": pg_cluster.create_database(f"ops_{uuid.uuid4().hex[:8]}"),
        **kafka_broker.service_env("engagements"),
        "LIAISON_ENGAGEMENTS_ENVIRONMENT": "test",
        "LIAISON_ENGAGEMENTS_IDENTITY_SECRET": TEST_IDENTITY_SECRET,
    }
    process = ServiceProcess("engagements", env=env, log_dir=tmp_path_factory.mktemp("ops-logs")).start()
    process.wait_ready()
    yield process
    process.stop()


def partner_created(partner_id: uuid.UUID):
    data = {
        "id": str(partner_id),
        "kind": "forum",
        "name_en": "Arctic Council",
        "name_fr": None,
        "acronyms": [],
        "aliases": [],
        "status": "active",
        "version": 1,
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
    }
    return new_event(type="liaison.partner.created", source="/liaison/partners", subject=str(partner_id), data=data)


def cli(process: ServiceProcess, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cli", "dlq", *args, "--service", "engagements", "--url", process.url],
        cwd=REPO_ROOT,
        env=os.environ | {"LIAISON_ENGAGEMENTS_IDENTITY_SECRET": TEST_IDENTITY_SECRET},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_dead_letter_is_listed_shown_and_replayed_once(engagements, kafka_broker):
    api = httpx.Client(base_url=engagements.url, auth=SignedAs(ADMIN, TEST_IDENTITY_SECRET), timeout=30)
    # A poison event the consumer dead-letters itself, and a good event a past bug had dead-lettered.
    poison = new_event(type="liaison.partner.created", source="/liaison/partners", subject="x", data={"id": "nope"})
    produce(kafka_broker.connection(), "liaison.partners.v1", key=b"x", value=poison.to_json().encode())
    partner = uuid.uuid4()
    good = partner_created(partner)
    headers = [
        ("dlq.error", b"KeyError('kind')"),
        ("dlq.error.type", b"KeyError"),
        ("dlq.original.topic", b"liaison.partners.v1"),
        ("dlq.original.partition", b"0"),
        ("dlq.original.offset", b"0"),
        ("dlq.consumer", b"engagements"),
    ]
    produce(kafka_broker.connection(), DLQ, key=str(partner).encode(), value=good.to_json().encode(), headers=headers)

    deadline, mine = time.monotonic() + 30, {}
    while len(mine) < 2 and time.monotonic() < deadline:
        items = api.get("/api/v1/admin/engagements/dlq").json()["items"]
        mine = {i["event_id"]: i for i in items if i["event_id"] in (poison.id, good.id)}
        time.sleep(0.3)
    assert mine[poison.id]["error_type"] == "RejectedEvent" and mine[poison.id]["handled"] is False
    assert mine[good.id]["consumer"] == "engagements" and mine[good.id]["handled"] is False

    listed = [json.loads(line) for line in cli(engagements, "list").stdout.splitlines()]
    assert {poison.id, good.id} <= {i["event_id"] for i in listed}
    letter = mine[good.id]
    where = f"{letter['topic']}/{letter['partition']}/{letter['offset']}"
    shown = api.get(f"/api/v1/admin/engagements/dlq/{where}").json()
    assert json.loads(shown["value"])["id"] == good.id and shown["headers"]["dlq.error.type"] == "KeyError"

    replayed = cli(engagements, "replay", letter["topic"], str(letter["partition"]), str(letter["offset"]))
    assert (replayed.returncode, replayed.stdout.strip()) == (0, "handled"), replayed.stderr
    again = api.post(f"/api/v1/admin/engagements/dlq/{where}/replay").json()
    assert again["outcome"] == "duplicate", "replay is idempotent"
    history = api.get(f"/api/v1/partners/{partner}/history").json()
    assert history["partner"]["name_en"] == "Arctic Council"
    assert api.get(f"/api/v1/admin/engagements/dlq/{where}").json()["handled"] is True

    still_poison = mine[poison.id]
    where = f"{still_poison['topic']}/{still_poison['partition']}/{still_poison['offset']}"
    assert api.post(f"/api/v1/admin/engagements/dlq/{where}/replay").json()["outcome"] == "dead_lettered"

    officer = httpx.Client(base_url=engagements.url, auth=SignedAs(secret=TEST_IDENTITY_SECRET), timeout=30)
    assert officer.get("/api/v1/admin/engagements/dlq").status_code == 403
    assert api.get("/api/v1/admin/engagements/dlq/liaison.partners.v1/0/0").status_code == 404
