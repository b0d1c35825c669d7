"""liaison.partner.snapshot (a resync): the audience data rebuilt from empty, never taken back in time;
a snapshot that cannot apply goes to the dead-letter topic, through the real consumer runner."""

import uuid

import pytest
from sqlalchemy import select

from services.kit.consumer import ConsumerRunner
from services.kit.events import new_event
from services.notifications.models import KnownPartner, Subscription
from services.notifications.tests import factories as f
from tests.support.doubles import Record, RecordingProducer

PARTNERS = "liaison.partners.v1"


@pytest.fixture
def runner(sessions, consumers):
    producer = RecordingProducer()
    runner = ConsumerRunner(
        name="notifications",
        session_factory=sessions,
        registry=consumers.registry(),
        consumer_factory=lambda: None,
        producer_factory=lambda: producer,
        retry_pause=0,
    )
    runner.dead_letters = producer.sent
    return runner


def snapshot(partner_id, **changes):
    data = f.partner_event(partner_id).data | {"relationships": []} | changes
    return new_event(type="liaison.partner.snapshot", source="/liaison/partners", subject=str(partner_id), data=data)


def deliver(runner, event):
    return runner.handle(Record(value=event.to_json().encode(), topic=PARTNERS, key=event.subject.encode())).status


def known(sessions):
    with sessions() as session:
        return {k.id: (k.name_en, k.region, k.version, k.merged_into) for k in session.scalars(select(KnownPartner))}


def test_snapshots_rebuild_the_known_partners_from_empty(sessions, runner):
    bavaria, duplicate = uuid.uuid4(), uuid.uuid4()
    assert deliver(runner, snapshot(bavaria, version=3, region="europe")) == "handled"
    assert deliver(runner, snapshot(duplicate, version=2, merged_into=str(bavaria), status="archived")) == "handled"
    assert known(sessions) == {bavaria: ("Bavaria", "europe", 3, None), duplicate: ("Bavaria", "europe", 2, bavaria)}


def test_an_older_snapshot_changes_nothing_and_a_newer_one_applies(sessions, runner):
    partner = uuid.uuid4()
    deliver(runner, f.partner_event(partner, name_en="Free State of Bavaria", version=5))
    assert deliver(runner, snapshot(partner, name_en="Old", version=4)) == "handled"
    assert known(sessions)[partner][:3] == ("Free State of Bavaria", "europe", 5)
    assert deliver(runner, snapshot(partner, name_en="Bayern", region="global", version=6)) == "handled"
    assert known(sessions)[partner][:3] == ("Bayern", "global", 6)


def test_a_snapshot_leaves_subscriptions_alone(sessions, runner):
    partner = uuid.uuid4()
    with sessions() as session:
        session.add(Subscription(user="ana@example.test", kind="partner", target=str(partner), channels=["inbox"]))
        session.commit()
    deliver(runner, snapshot(partner, version=2))
    with sessions() as session:
        assert [s.target for s in session.scalars(select(Subscription))] == [str(partner)]


@pytest.mark.parametrize(
    "change",
    [
        {"version": 0},
        {"kind": ""},
        {"relationships": "none"},
        {"merged_into": "self"},
    ],
)
def test_unusable_snapshots_are_dead_lettered_and_write_nothing(sessions, runner, change):
    partner = uuid.uuid4()
    if change.get("merged_into") == "self":
        change = {"merged_into": str(partner)}
    assert deliver(runner, snapshot(partner, **change)) == "dead_lettered"
    assert runner.dead_letters[0]["headers"]["dlq.error.type"] == b"RejectedEvent"
    assert known(sessions) == {}
