"""contracts/asyncapi.yaml documents every topic and event type DESIGN.md lists, and its references hold."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from infra.kafka.admin import project_topics
from services.engagements.events import CONSUMES
from tests.contract.schemas import CONTRACTS

DOC_PATH = CONTRACTS / "asyncapi.yaml"
DOC = yaml.safe_load(DOC_PATH.read_text())

# DESIGN.md, "Events": the topic table.
TOPICS = {
    "liaison.partners.v1": {
        "liaison.partner.created",
        "liaison.partner.updated",
        "liaison.partner.archived",
        "liaison.partner.restored",
        "liaison.partner.merged",
        "liaison.partner.snapshot",
        "liaison.relationship.added",
        "liaison.relationship.removed",
        "liaison.contact.added",
        "liaison.contact.updated",
        "liaison.contact.erased",
    },
    "liaison.engagements.v1": {
        "liaison.engagement.logged",
        "liaison.engagement.updated",
        "liaison.engagement.deleted",
        "liaison.followup.created",
        "liaison.followup.completed",
        "liaison.followup.reassigned",
    },
    "liaison.notifications.v1": {"liaison.notification.sent", "liaison.notification.failed"},
    "liaison.directory.v1": {"liaison.user.created", "liaison.user.updated", "liaison.user.disabled"},
}


def resolve_pointer(document: dict, pointer: str):
    node = document
    for token in pointer.lstrip("/").split("/"):
        node = node[token.replace("~1", "/").replace("~0", "~")]
    return node


def channel_messages() -> dict[str, set[str]]:
    return {
        channel["address"]: {resolve_pointer(DOC, m["$ref"][1:])["name"] for m in channel["messages"].values()}
        for channel in DOC["channels"].values()
    }


def test_is_asyncapi_3():
    assert DOC["asyncapi"] == "3.0.0"
    server = DOC["servers"]["development"]
    assert (server["host"], server["protocol"]) == ("127.0.0.1:9092", "kafka")


def test_every_topic_and_its_dead_letter_twin_is_a_channel():
    addresses = set(channel_messages())
    assert addresses == {t for topic in TOPICS for t in (topic, topic + ".dlq")}
    assert addresses == set(project_topics()), "infra/kafka/admin.py creates other topics than documented"


def test_dead_letters_document_the_headers_the_consumer_writes():
    headers = DOC["components"]["messages"]["deadLetter"]["headers"]
    assert (
        set(headers["required"])
        == set(headers["properties"])
        == {
            "dlq.error",
            "dlq.error.type",
            "dlq.original.topic",
            "dlq.original.partition",
            "dlq.original.offset",
            "dlq.consumer",
        }
    )


@pytest.mark.parametrize("topic", TOPICS)
def test_channel_lists_the_event_types_of_its_topic(topic):
    assert channel_messages()[topic] == TOPICS[topic]


def test_every_event_schema_is_the_payload_of_its_message():
    messages = DOC["components"]["messages"].values()
    with_payload = {m["name"]: m["payload"]["schema"]["$ref"] for m in messages if "schema" in m.get("payload", {})}
    schemas = {path.stem for path in (CONTRACTS / "events").glob("*.json")}
    assert with_payload == {name: f"./events/{name}.json" for name in schemas}


def test_engagements_receives_what_it_consumes():
    received = {
        DOC["operations"][op]["channel"]["$ref"]
        for op in DOC["operations"]
        if DOC["operations"][op]["action"] == "receive" and op.startswith("engagements")
    }
    assert {resolve_pointer(DOC, ref[1:])["address"] for ref in received} == set(CONSUMES)


def refs(node) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


DOCUMENTS = {DOC_PATH: DOC} | {path: json.loads(path.read_text()) for path in (CONTRACTS / "events").rglob("*.json")}


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: str(p.relative_to(CONTRACTS)))
def test_every_reference_resolves(path: Path):
    for ref in refs(DOCUMENTS[path]):
        target, _, fragment = ref.partition("#")
        assert "://" not in target, f"{ref}: contracts must not depend on the network"
        if target:
            assert (path.parent / target).is_file(), f"{path.name}: {ref} is not a file"
        elif path.suffix == ".yaml":
            resolve_pointer(DOC, fragment)
