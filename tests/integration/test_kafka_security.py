"""The event bus lets in only whom it knows, for what it needs (issue 10): SASL/SCRAM-SHA-512 and ACLs
on the local broker. A client without credentials reaches nothing; a service writes its own topic
only; an integration reads and never writes; integrations' users come and go with `liaison kafka-users`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import GroupAuthorizationFailedError, KafkaTimeoutError, TopicAuthorizationFailedError

from services.kit.kafka import KafkaConnection
from services.partners.app import create_app as partners_app
from services.partners.settings import PartnersSettings
from tests.support.apps import service_client, unit_settings
from tests.support.processes import REPO_ROOT

pytestmark = pytest.mark.kafka
PARTNERS, ENGAGEMENTS, NOTIFICATIONS = "liaison.partners.v1", "liaison.engagements.v1", "liaison.notifications.v1"
QUICK = {"request_timeout_ms": 5000, "bootstrap_timeout_ms": 5000}
# A client the broker will not let in never gets its first metadata: it gives up after this.
REFUSED = {"request_timeout_ms": 2000, "bootstrap_timeout_ms": 2000}


def send(connection: KafkaConnection, topic: str) -> None:
    # Not idempotent: a principal that may write nowhere is then refused on the topic itself, not
    # earlier (an idempotent producer needs WRITE on some topic to get its producer id).
    producer = KafkaProducer(
        **connection.client_options(), acks="all", enable_idempotence=False, max_block_ms=8000, **QUICK
    )
    try:
        producer.send(topic, key=b"k", value=b"{}").get(timeout=10)
    finally:
        producer.close(timeout=2)


def read_one(connection: KafkaConnection, topic: str, *, group: str | None = None) -> None:
    """Fetches from `topic` (committing an offset in `group` if one is given); raises what the broker refuses."""
    consumer = KafkaConsumer(**connection.client_options(), group_id=group, enable_auto_commit=False, **QUICK)
    try:
        partition = TopicPartition(topic, 0)
        consumer.end_offsets([partition])  # where a reader starts; refused without READ on the topic
        consumer.assign([partition])
        consumer.seek_to_beginning(partition)
        consumer.poll(timeout_ms=1000)
        if group is not None:
            consumer.commit()
    finally:
        consumer.close(autocommit=False)


def refused(**client) -> None:
    """An admin client, a producer and a consumer with these settings never get an answer (the broker
    closes the connection during the handshake): each gives up with KafkaTimeoutError, when it is
    made or when it is first used (kafka-python may bootstrap either way)."""
    client = {**client, **REFUSED}
    attempts = (
        (lambda: KafkaAdminClient(**client), lambda admin: admin.describe_cluster()),
        (lambda: KafkaProducer(**client, max_block_ms=2000), lambda p: p.send(PARTNERS, value=b"{}").get(timeout=5)),
        (lambda: KafkaConsumer(**client), lambda consumer: consumer.end_offsets([TopicPartition(PARTNERS, 0)])),
    )
    for make, use in attempts:
        made: list = []
        try:
            with pytest.raises(KafkaTimeoutError):
                use(kept(make(), made))
        finally:
            for client in made:
                client.close()


def kept(client, made: list):
    made.append(client)
    return client


def test_a_client_without_credentials_reaches_nothing(kafka_broker):
    with KafkaAdminClient(**kafka_broker.connection("partners").client_options(), **QUICK) as admin:
        assert admin.describe_cluster()["brokers"], "the broker is up, and lets a known client in"
    refused(bootstrap_servers=kafka_broker.bootstrap)
    # nor through the controller's port, nor with a good name and a wrong password
    refused(bootstrap_servers=f"127.0.0.1:{kafka_broker.controller_port}")
    wrong = KafkaConnection(bootstrap=kafka_broker.bootstrap, username="partners", password="not-the-password")
    refused(**wrong.client_options())


@pytest.mark.parametrize("password", ["its own", "a wrong one"])
def test_readyz_asks_the_broker_with_the_services_credentials(kafka_broker, new_engine, password):
    # Ready means this service can get in, not that the port answers: a wrong password is not ready.
    given = kafka_broker.passwords["partners"] if password == "its own" else "not-the-password-but-long-enough"
    settings = unit_settings(
        PartnersSettings, kafka_enabled=True, kafka_bootstrap=kafka_broker.bootstrap, kafka_sasl_password=given
    )
    with service_client(partners_app, settings, engine=new_engine("partners")) as client:
        response = client.get("/readyz")
    kafka = response.json()["checks"]["kafka"]
    if password == "its own":
        assert (response.status_code, kafka) == (200, {"ok": True, "detail": "1 broker(s)"})
    else:
        assert response.status_code == 503 and kafka["ok"] is False, kafka
        assert response.json()["checks"]["database"] == {"ok": True}


def test_a_service_writes_its_own_topic_and_reads_what_it_consumes_only(kafka_broker):
    engagements = kafka_broker.connection("engagements")
    send(engagements, ENGAGEMENTS)
    send(engagements, PARTNERS + ".dlq")  # a partners event it cannot handle goes to the dead letters
    read_one(engagements, PARTNERS, group="liaison-engagements")
    with pytest.raises(TopicAuthorizationFailedError):
        send(engagements, PARTNERS)
    with pytest.raises(TopicAuthorizationFailedError):
        send(engagements, NOTIFICATIONS)
    with pytest.raises(TopicAuthorizationFailedError):
        read_one(engagements, NOTIFICATIONS)
    with pytest.raises(GroupAuthorizationFailedError):
        read_one(engagements, PARTNERS, group="liaison-notifications")
    partners = kafka_broker.connection("partners")
    with pytest.raises(TopicAuthorizationFailedError):
        send(partners, ENGAGEMENTS)
    with pytest.raises(TopicAuthorizationFailedError):
        read_one(partners, ENGAGEMENTS)


def liaison(kafka_broker, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **kafka_broker.admin_env()}
    return subprocess.run(
        [sys.executable, "-m", "cli", "kafka-users", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_an_integration_user_reads_every_service_topic_and_writes_none(kafka_broker):
    name = f"warehouse-{uuid.uuid4().hex[:6]}"
    added = liaison(kafka_broker, "add", name)
    assert added.returncode == 0, added.stdout + added.stderr
    password = re.search(r"password, shown this once: (\S+)", added.stdout).group(1)
    assert len(password) >= 32
    integration = KafkaConnection(bootstrap=kafka_broker.bootstrap, username=name, password=password)

    for topic in (PARTNERS, ENGAGEMENTS, NOTIFICATIONS):
        read_one(integration, topic, group=f"{name}.bi")
    for topic in (PARTNERS, ENGAGEMENTS, PARTNERS + ".dlq"):
        with pytest.raises(TopicAuthorizationFailedError):
            send(integration, topic)
    with pytest.raises(GroupAuthorizationFailedError):
        read_one(integration, PARTNERS, group="liaison-engagements")

    listed = liaison(kafka_broker, "list")
    assert listed.returncode == 0 and re.search(rf"^{name}\s+integration", listed.stdout, re.M), listed.stdout
    assert password not in listed.stdout

    removed = liaison(kafka_broker, "remove", name)
    assert removed.returncode == 0, removed.stdout + removed.stderr
    with pytest.raises(KafkaTimeoutError):
        KafkaConsumer(**integration.client_options(), **REFUSED)
    assert name not in liaison(kafka_broker, "list").stdout
