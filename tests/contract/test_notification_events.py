"""The notifications service's published events match their schemas, and its AsyncAPI receive
operations name what its consumer really handles."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest

from services.kit.events import new_event
from services.notifications.consumers import CONSUMES, HANDLED_TYPES
from services.notifications.events import NOTIFICATION_FAILED, NOTIFICATION_SENT, SOURCE, delivery_state
from services.notifications.models import Delivery
from tests.contract.schemas import validator
from tests.contract.test_asyncapi import DOC, resolve_pointer


def published(status: str, **fields) -> dict:
    delivery = Delivery(
        trigger_id=str(uuid.uuid4()),
        trigger_type="liaison.engagement.logged",
        recipient="ana@example.test",
        channel="email",
        status=status,
        payload="{}",
        attempts=2,
        version=3,
        **fields,
    )
    event_type = NOTIFICATION_SENT if status == "sent" else NOTIFICATION_FAILED
    return json.loads(
        new_event(type=event_type, source=SOURCE, subject=str(delivery.id), data=delivery_state(delivery)).to_json()
    )


def test_sent_and_failed_events_validate():
    sent = published("sent", sent_at=datetime(2026, 12, 1, tzinfo=UTC))
    failed = published("failed", last_error="HTTP 500")
    validator(sent["dataschema"]).validate(sent)
    validator(failed["dataschema"]).validate(failed)
    assert sent["subject"] == sent["data"]["id"]
    assert "payload" not in sent["data"] and "to" not in sent["data"], "no content, no address"


@pytest.mark.parametrize(
    "breakage",
    [
        lambda e: e["data"].update(status="failed"),
        lambda e: e["data"].update(channel="fax"),
        lambda e: e["data"].pop("recipient"),
        lambda e: e.update(type="liaison.notification.failed"),
    ],
)
def test_broken_sent_events_are_refused(breakage):
    event = published("sent")
    breakage(event)
    assert not validator("events/liaison.notification.sent.json").is_valid(event)


def message_name(ref: str) -> str:
    node = resolve_pointer(DOC, ref[1:])
    while "$ref" in node:  # an operation names the channel's message, which names the component
        node = resolve_pointer(DOC, node["$ref"][1:])
    return node["name"]


def test_asyncapi_lists_what_the_notifications_consumer_handles():
    received: dict[str, set[str]] = {}
    for name, operation in DOC["operations"].items():
        if name.startswith("notificationsReceive"):
            channel = resolve_pointer(DOC, operation["channel"]["$ref"][1:])
            received.setdefault(channel["address"], set()).update(
                message_name(m["$ref"]) for m in operation["messages"]
            )
    assert set(received) == set(CONSUMES)
    assert set().union(*received.values()) == set(HANDLED_TYPES)
