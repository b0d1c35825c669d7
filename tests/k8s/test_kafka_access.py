"""The Kafka resources grant what DESIGN.md says: each service writes its own topic (and the dead
letters of what it reads), reads what it consumes; integrations read the .v1 topics only."""

from __future__ import annotations

import pytest

from tests.k8s.manifests import OVERLAYS, of_kind, render

TOPICS = ("liaison.partners.v1", "liaison.engagements.v1", "liaison.notifications.v1", "liaison.directory.v1")
OWNS = {"partners": TOPICS[0], "engagements": TOPICS[1], "notifications": TOPICS[2], "gateway": TOPICS[3]}
CONSUMES = {
    "partners": set(),
    "engagements": {TOPICS[0], TOPICS[3]},
    "notifications": {TOPICS[0], TOPICS[1], TOPICS[3]},
}
CONSUMES["gateway"] = set()
DAY_MS = 24 * 3600 * 1000


def grants(user: dict) -> set[tuple[str, str, str]]:
    """(operation, resource type, name) for literal resources; prefixes end with '*'."""
    result = set()
    for acl in user["spec"]["authorization"]["acls"]:
        resource = acl["resource"]
        name = resource["name"] + ("*" if resource.get("patternType") == "prefix" else "")
        result |= {(op, resource["type"], name) for op in acl["operations"]}
    return result


def topics_with(user_grants, operation: str) -> set[str]:
    return {name for op, kind, name in user_grants if op == operation and kind == "topic"}


@pytest.fixture(params=OVERLAYS)
def kafka(request):
    return render(request.param)


def test_topics_exist_with_their_dead_letter_twins_partitions_and_retention(kafka):
    topics = {t["metadata"]["name"]: t["spec"] for t in of_kind(kafka, "KafkaTopic")}
    assert set(topics) == {*TOPICS, *(t + ".dlq" for t in TOPICS)}
    for topic in TOPICS:
        assert topics[topic]["partitions"] == 6 and topics[topic]["config"]["retention.ms"] == 30 * DAY_MS
        assert topics[topic + ".dlq"]["config"]["retention.ms"] == 90 * DAY_MS
    (cluster,) = of_kind(kafka, "Kafka")
    assert cluster["spec"]["kafka"]["config"]["auto.create.topics.enable"] is False
    (listener,) = cluster["spec"]["kafka"]["listeners"]
    assert listener["tls"] and listener["authentication"] == {"type": "scram-sha-512"}
    assert cluster["spec"]["kafka"]["authorization"] == {"type": "simple"}


def test_each_process_writes_its_own_topic_and_reads_what_it_consumes(kafka):
    users = {u["metadata"]["name"]: u for u in of_kind(kafka, "KafkaUser")}
    for process, topic in OWNS.items():
        user = users[f"liaison-{process}"]
        assert user["spec"]["authentication"] == {"type": "scram-sha-512"}
        granted = grants(user)
        assert topics_with(granted, "Write") == {topic} | {t + ".dlq" for t in CONSUMES[process]}, process
        assert topics_with(granted, "Read") == CONSUMES[process], process
        groups = {name for op, kind, name in granted if kind == "group"}
        assert groups == ({f"liaison-{process}"} if CONSUMES[process] else set()), process


def test_integrations_only_read_the_published_topics(kafka):
    (integration,) = [u for u in of_kind(kafka, "KafkaUser") if u["metadata"]["name"] == "liaison-integration"]
    granted = grants(integration)
    assert {op for op, _, _ in granted} == {"Read", "Describe"}
    assert topics_with(granted, "Read") == set(TOPICS)


def test_nobody_but_the_owner_and_the_replaying_operator_writes_a_topic(kafka):
    for topic, owner in ((t, p) for p, t in OWNS.items()):
        writers = {
            u["metadata"]["name"] for u in of_kind(kafka, "KafkaUser") if topic in topics_with(grants(u), "Write")
        }
        assert writers == {f"liaison-{owner}", "liaison-operator"}, topic
