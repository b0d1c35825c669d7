"""The standing attack suite: the real system (the three services and the gateway as processes, on the
session's Kafka and PostgreSQL), started once for the package and stopped after its last test.

Package scope, as for the browser suite: its services consume the session's topics in their own
consumer groups, so, left running, they would take events meant for the systems later tests start.
"""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.support.people import wait_until_known
from tests.support.system import SERVICES, start_system, stop_system

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.processes]


@pytest.fixture(scope="package")
def attack_system(kafka_broker, pg_cluster, tmp_path_factory):
    databases = {
        name: pg_cluster.create_database(f"attack_{name}_{uuid.uuid4().hex[:6]}") for name in (*SERVICES, "gateway")
    }
    system = start_system(
        kafka=kafka_broker,
        database_urls=databases,
        logs=tmp_path_factory.mktemp("attack-logs"),
        # The suite sends a few thousand requests as a handful of callers: the per-caller limits are
        # not what it tries (a 429 would be documented, and would hide what the route itself answers).
        gateway_settings={"RATE_LIMIT_PER_SECOND": "5000", "RATE_LIMIT_BURST": "5000"},
    )
    yield system
    stop_system(system)


@pytest.fixture(scope="package")
def admin_api(attack_system):
    # `admin` is named officer and assignee (test_fuzz): a person of the engagements service's directory copy.
    wait_until_known(attack_system["databases"]["engagements"], "admin")
    with httpx.Client(base_url=attack_system["gateway"] + "/api/v1", headers=attack_system["admin"], timeout=30) as c:
        yield c
