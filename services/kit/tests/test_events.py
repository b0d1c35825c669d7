import json
import uuid
from datetime import UTC, datetime

import pytest

from services.kit.events import MalformedEvent, new_event, parse_event


def test_new_event_fills_the_cloudevents_envelope():
    subject = uuid.uuid4()
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    event = new_event(
        type="liaison.partner.created",
        source="/liaison/partners",
        subject=str(subject),
        data={"id": subject, "at": when},
    )

    document = json.loads(event.to_json())
    assert document["specversion"] == "1.0"
    assert uuid.UUID(document["id"])
    assert document["source"] == "/liaison/partners"
    assert document["type"] == "liaison.partner.created"
    assert document["subject"] == str(subject)
    assert document["datacontenttype"] == "application/json"
    assert document["dataschema"] == "events/liaison.partner.created.json"
    assert datetime.fromisoformat(document["time"]).tzinfo is not None
    # data is plain JSON: ids as strings, times as ISO 8601
    assert document["data"] == {"id": str(subject), "at": "2026-01-02T03:04:05Z"}


def test_every_event_gets_its_own_id():
    a = new_event(type="t", source="/s", subject="x", data={})
    b = new_event(type="t", source="/s", subject="x", data={})
    assert a.id != b.id


def test_parse_event_round_trips():
    event = new_event(type="liaison.partner.created", source="/liaison/partners", subject="p1", data={"a": 1})
    assert parse_event(event.to_json().encode()) == event


def test_parse_event_keeps_extension_attributes():
    event = new_event(type="t", source="/s", subject="x", data={})
    document = json.loads(event.to_json()) | {"traceparent": "00-abc-def-01"}
    assert parse_event(json.dumps(document).encode()).model_extra == {"traceparent": "00-abc-def-01"}


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (None, "tombstone"),
        (b"\xff\xfe not utf-8", "not JSON"),
        (b"{not json", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"specversion": "1.0"}', "not a CloudEvent"),
        (
            b'{"specversion": "0.3", "id": "1", "source": "/s", "type": "t", "subject": "x",'
            b' "time": "2026-01-01T00:00:00Z", "dataschema": "d", "data": {}}',
            "not a CloudEvent",
        ),
        (
            b'{"specversion": "1.0", "id": "1", "source": "/s", "type": "t", "subject": "x",'
            b' "time": "yesterday", "dataschema": "d", "data": {}}',
            "not a CloudEvent",
        ),
    ],
)
def test_parse_event_refuses_what_is_not_a_cloudevent(raw, reason):
    with pytest.raises(MalformedEvent, match=reason):
        parse_event(raw)
