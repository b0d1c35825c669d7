"""Engagement and partner events → who is told, by which channel, and what stays out."""

import json
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from services.kit.consumer import ConsumerRunner
from services.kit.outbox import OutboxMessage
from services.notifications.consumers import HANDLED_TYPES
from services.notifications.engagements_client import EngagementsClient
from services.notifications.models import Delivery, KnownPartner, Notification, Recipient, Subscription, Webhook
from services.notifications.tests import factories as f
from services.notifications.tests.stubs import engagements_stub
from tests.support.doubles import Record, RecordingProducer
from tests.support.identity import TEST_IDENTITY_SECRET

AUTHOR = "author@example.test"


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


def deliver(runner, event, topic="liaison.engagements.v1"):
    return runner.handle(Record(value=event.to_json().encode(), topic=topic, key=event.subject.encode()))


def follower(
    sessions,
    user,
    kind,
    target,
    *,
    channels=("inbox", "email"),
    roles=("officer",),
    email=True,
    rhythm="immediate",
    language="fr",
):
    with sessions() as session:
        session.add(
            Recipient(
                user=user,
                roles=list(roles),
                language=language,
                email=f"{user.split('@')[0]}@mail.test" if email else None,
            )
        )
        session.add(Subscription(user=user, kind=kind, target=str(target), channels=list(channels), rhythm=rhythm))
        session.commit()


def rows(sessions, model, *where):
    with sessions() as session:
        return session.execute(select(model).where(*where)).scalars().all()


def count(sessions, model, *where) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def test_the_registry_handles_exactly_the_documented_types(consumers):
    assert set(consumers.registry()) == set(HANDLED_TYPES)


def test_a_followed_partner_tells_its_follower_by_inbox_and_email_and_never_the_author(sessions, runner):
    partner = uuid.uuid4()
    follower(sessions, "ana@example.test", "partner", partner)
    follower(sessions, AUTHOR, "partner", partner)
    follower(sessions, "other@example.test", "partner", uuid.uuid4())
    deliver(runner, f.partner_event(partner), topic="liaison.partners.v1")

    event = f.engagement_event(f.engagement(partner_ids=[partner], created_by=AUTHOR))
    assert deliver(runner, event).status == "handled"

    [entry] = rows(sessions, Notification)
    assert entry.user == "ana@example.test" and entry.trigger_id == event.id
    assert entry.title == "Rencontre consignée : Rencontre sur l'IA"
    assert "Avec : Bavière" in entry.body
    deliveries = {(d.recipient, d.channel): d for d in rows(sessions, Delivery)}
    assert set(deliveries) == {("ana@example.test", "inbox"), ("ana@example.test", "email")}
    assert deliveries[("ana@example.test", "inbox")].status == "sent"
    assert deliveries[("ana@example.test", "email")].status == "pending"
    assert json.loads(deliveries[("ana@example.test", "email")].payload)["to"] == "ana@mail.test"
    [sent] = rows(sessions, OutboxMessage)
    assert sent.event_type == "liaison.notification.sent" and sent.topic == "liaison.notifications.v1"
    assert json.loads(sent.payload)["data"]["channel"] == "inbox"


def test_a_redelivered_event_notifies_nobody_twice(sessions, runner):
    partner = uuid.uuid4()
    follower(sessions, "ana@example.test", "partner", partner)
    event = f.engagement_event(f.engagement(partner_ids=[partner]))

    assert [deliver(runner, event).status for _ in range(3)] == ["handled", "duplicate", "duplicate"]
    assert count(sessions, Notification) == 1
    assert count(sessions, Delivery) == 2


def test_thrust_parent_region_and_type_subscriptions_match(sessions, runner):
    partner = uuid.uuid4()
    deliver(runner, f.partner_event(partner, region="europe"), topic="liaison.partners.v1")
    follower(sessions, "parent@example.test", "thrust", "trade", channels=("inbox",))
    follower(sessions, "child@example.test", "thrust", "trade.investment", channels=("inbox",))
    follower(sessions, "sibling@example.test", "thrust", "trade.export", channels=("inbox",))
    follower(sessions, "region@example.test", "region", "europe", channels=("inbox",))
    follower(sessions, "asia@example.test", "region", "asia-pacific", channels=("inbox",))
    follower(sessions, "missions@example.test", "engagement_type", "mission", channels=("inbox",))
    follower(sessions, "calls@example.test", "engagement_type", "call", channels=("inbox",))

    deliver(
        runner, f.engagement_event(f.engagement(partner_ids=[partner], thrusts=["trade.investment"], type="mission"))
    )

    assert {n.user for n in rows(sessions, Notification)} == {
        "parent@example.test",
        "child@example.test",
        "region@example.test",
        "missions@example.test",
    }


def test_several_matching_subscriptions_make_one_notification_per_channel(sessions, runner):
    partner = uuid.uuid4()
    follower(sessions, "ana@example.test", "partner", partner, channels=("inbox",))
    with sessions() as session:
        session.add(Subscription(user="ana@example.test", kind="thrust", target="trade", channels=["inbox", "email"]))
        session.commit()
    deliver(runner, f.engagement_event(f.engagement(partner_ids=[partner], thrusts=["trade"])))
    assert sorted(d.channel for d in rows(sessions, Delivery)) == ["email", "inbox"]


def test_an_update_names_what_changed_and_skips_whoever_made_it(sessions, runner):
    partner = uuid.uuid4()
    follower(sessions, "ana@example.test", "partner", partner, channels=("inbox",), language="en")
    follower(sessions, "editor@example.test", "partner", partner, channels=("inbox",))
    data = f.engagement(
        partner_ids=[partner], version=2, changed_fields=["title", "summary"], updated_by="editor@example.test"
    )
    deliver(runner, f.engagement_event(data, type="liaison.engagement.updated"))
    [entry] = rows(sessions, Notification)
    assert entry.user == "ana@example.test"
    assert entry.title == "Meeting updated: Rencontre sur l'IA"
    assert "Changed fields: title, summary" in entry.body


def test_internal_engagements_reach_staff_but_not_integration_accounts(sessions, runner):
    partner = uuid.uuid4()
    follower(sessions, "viewer@example.test", "partner", partner, channels=("inbox",), roles=("viewer",))
    follower(sessions, "robot@example.test", "partner", partner, channels=("inbox",), roles=("integration",))
    deliver(runner, f.engagement_event(f.engagement(partner_ids=[partner], confidentiality="internal")))
    assert {n.user for n in rows(sessions, Notification)} == {"viewer@example.test"}


def test_daily_rhythm_holds_the_email_for_the_digest_but_fills_the_inbox(sessions, runner):
    partner = uuid.uuid4()
    follower(sessions, "ana@example.test", "partner", partner, rhythm="daily")
    deliver(runner, f.engagement_event(f.engagement(partner_ids=[partner])))
    deliveries = {d.channel: d for d in rows(sessions, Delivery)}
    assert deliveries["inbox"].status == "sent"
    assert deliveries["email"].status == "held" and deliveries["email"].next_attempt_at is None


def test_webhooks_get_the_event_as_published_once_each(sessions, runner):
    with sessions() as session:
        listening = Webhook(
            owner="bi@example.test", url="http://x.test/a", secret="s" * 16, event_types=["liaison.engagement.logged"]
        )
        deaf = Webhook(
            owner="bi@example.test", url="http://x.test/b", secret="s" * 16, event_types=["liaison.followup.created"]
        )
        own = Webhook(
            owner="ana@example.test", url="http://x.test/c", secret="s" * 16, event_types=["liaison.engagement.logged"]
        )
        session.add_all([listening, deaf, own])
        session.commit()
    partner = uuid.uuid4()
    follower(sessions, "ana@example.test", "partner", partner, channels=("webhook",))
    event = f.engagement_event(f.engagement(partner_ids=[partner]))
    deliver(runner, event)

    hooks = rows(sessions, Delivery, Delivery.channel == "webhook")
    assert sorted(d.recipient for d in hooks) == sorted([f"webhook:{listening.id}", f"webhook:{own.id}"])
    assert all(json.loads(d.payload) == json.loads(event.to_json()) for d in hooks)


def test_follow_up_events_reach_webhooks_that_ask_for_them(sessions, runner):
    with sessions() as session:
        session.add(
            Webhook(
                owner="bi@example.test",
                url="http://x.test/a",
                secret="s" * 16,
                event_types=["liaison.followup.created"],
            )
        )
        session.commit()
    from datetime import date

    deliver(runner, f.followup_event(f.followup(due_on=date(2026, 12, 20))))
    assert count(sessions, Delivery, Delivery.channel == "webhook") == 1


# --- restricted engagements ---------------------------------------------------------------------------


@pytest.fixture
def engagements_service(runtime):
    """The engagements service as an in-process ASGI app, reached over the same client code."""
    known: dict[str, dict] = {}
    calls: list = []
    client = TestClient(engagements_stub(known, secret=TEST_IDENTITY_SECRET, calls=calls))
    runtime.engagements = EngagementsClient(
        base_url="http://testserver", secret=TEST_IDENTITY_SECRET, timeout=5, client=client
    )
    yield known, calls
    client.close()


def test_a_restricted_engagement_is_looked_up_and_told_only_to_its_officers_and_admins(
    sessions, runner, engagements_service
):
    known, calls = engagements_service
    partner = uuid.uuid4()
    data = f.engagement(
        partner_ids=[partner],
        confidentiality="restricted",
        created_by=AUTHOR,
        officers=["officer-on-it@example.test", {"user": "second@example.test", "role": "lead"}],
        title="Secret talks",
        summary="Classified summary",
    )
    known[data["id"]] = data
    follower(sessions, "officer-on-it@example.test", "partner", partner, channels=("inbox", "email"))
    follower(sessions, "second@example.test", "thrust", "trade", channels=("inbox",))
    follower(sessions, "chief@example.test", "partner", partner, channels=("inbox",), roles=("admin",))
    follower(sessions, "curious@example.test", "partner", partner, channels=("inbox", "email"))
    follower(sessions, AUTHOR, "partner", partner, channels=("inbox",))

    deliver(runner, f.restricted_event(data))

    [(engagement_id, caller)] = calls
    assert engagement_id == data["id"]
    assert caller.user == "service:notifications" and caller.roles == frozenset({"service"})
    notified = {n.user: n for n in rows(sessions, Notification)}
    assert set(notified) == {"officer-on-it@example.test", "chief@example.test"}
    assert notified["chief@example.test"].title.endswith("Secret talks")
    assert not rows(sessions, Delivery, Delivery.recipient.in_(["curious@example.test", AUTHOR]))


def test_a_restricted_engagement_puts_no_detail_in_a_webhook(sessions, runner, engagements_service):
    known, _ = engagements_service
    data = f.engagement(confidentiality="restricted", summary="Classified summary", title="Secret talks")
    known[data["id"]] = data
    with sessions() as session:
        session.add(
            Webhook(
                owner="bi@example.test",
                url="http://x.test/a",
                secret="s" * 16,
                event_types=["liaison.engagement.logged"],
            )
        )
        session.commit()
    deliver(runner, f.restricted_event(data))
    [hook] = rows(sessions, Delivery, Delivery.channel == "webhook")
    assert "Classified" not in hook.payload and "Secret talks" not in hook.payload
    assert json.loads(hook.payload)["data"] == {"id": data["id"], "confidentiality": "restricted", "version": 1}


def test_a_restricted_engagement_that_no_longer_exists_notifies_nobody(sessions, runner, engagements_service):
    partner = uuid.uuid4()
    follower(sessions, "chief@example.test", "partner", partner, roles=("admin",))
    event = f.restricted_event(f.engagement(partner_ids=[partner], confidentiality="restricted"))
    assert deliver(runner, event).status == "handled"
    assert count(sessions, Notification) == 0


def test_when_the_engagements_service_fails_the_event_waits_and_is_never_dead_lettered(sessions, runner, runtime):
    from services.kit.consumer import PartitionPaused

    client = TestClient(engagements_stub({}, secret=TEST_IDENTITY_SECRET, fail_with=503))
    runtime.engagements = EngagementsClient(
        base_url="http://testserver", secret=TEST_IDENTITY_SECRET, timeout=5, client=client
    )
    event = f.restricted_event(f.engagement(confidentiality="restricted"))
    record = Record(
        value=event.to_json().encode(), topic="liaison.engagements.v1", key=event.subject.encode(), offset=3
    )
    with pytest.raises(PartitionPaused) as paused:
        runner.handle_records([record])
    assert paused.value.offset == 3 and "EngagementsUnavailable" in repr(paused.value.cause)
    assert runner.handle_batch({("liaison.engagements.v1", 0): [record]}) == {}, "the offset does not move"
    assert runner.dead_letters == []
    assert count(sessions, Notification) == 0
    client.close()


# --- bad input ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"id": "not-a-uuid"},
        {"confidentiality": "top-secret"},
        {"partner_ids": "not-a-list"},
        {"partner_ids": ["nope"]},
        {"thrusts": [1, 2]},
    ],
)
def test_unusable_engagements_go_to_the_dead_letter_topic_and_write_nothing(sessions, runner, change):
    partner = uuid.uuid4()
    follower(sessions, "ana@example.test", "partner", partner)
    event = f.engagement_event(f.engagement(partner_ids=[partner]) | change)
    assert deliver(runner, event).status == "dead_lettered"
    assert runner.dead_letters[0]["headers"]["dlq.error.type"] == b"RejectedEvent"
    assert count(sessions, Notification) == 0 and count(sessions, Delivery) == 0


def test_a_message_that_is_not_an_event_is_dead_lettered(runner):
    assert runner.handle(Record(value=b"{not json", topic="liaison.engagements.v1")).status == "dead_lettered"


def test_events_it_does_not_handle_are_ignored(runner):
    from services.kit.events import new_event

    event = new_event(type="liaison.relationship.added", source="/liaison/partners", subject="x", data={})
    assert deliver(runner, event, topic="liaison.partners.v1").status == "ignored"


# --- partners -----------------------------------------------------------------------------------------


def test_partner_copies_keep_the_newest_version(sessions, runner):
    partner = uuid.uuid4()
    deliver(runner, f.partner_event(partner, version=2, region="arctic"), topic="liaison.partners.v1")
    deliver(
        runner,
        f.partner_event(partner, version=1, region="europe", type="liaison.partner.updated"),
        topic="liaison.partners.v1",
    )
    [known] = rows(sessions, KnownPartner)
    assert known.region == "arctic" and known.version == 2


def test_archived_and_restored_partners_keep_the_copy_current(sessions, runner):
    partner = uuid.uuid4()
    for version, event_type, name in (
        (1, "liaison.partner.created", "Bavière"),
        (2, "liaison.partner.archived", "Bavière (archivée)"),
        (3, "liaison.partner.restored", "Bavière (restaurée)"),
    ):
        handled = deliver(
            runner,
            f.partner_event(partner, version=version, name_fr=name, type=event_type),
            topic="liaison.partners.v1",
        )
        assert handled.status != "ignored", event_type
    [known] = rows(sessions, KnownPartner)
    assert known.name_fr == "Bavière (restaurée)" and known.version == 3


def test_a_merge_repoints_the_duplicates_followers_once(sessions, runner):
    survivor, duplicate = uuid.uuid4(), uuid.uuid4()
    follower(sessions, "ana@example.test", "partner", duplicate)
    follower(sessions, "ben@example.test", "partner", duplicate)
    with sessions() as session:
        session.add(Subscription(user="ben@example.test", kind="partner", target=str(survivor), channels=["inbox"]))
        session.commit()
    from services.kit.events import new_event

    merged = new_event(
        type="liaison.partner.merged",
        source="/liaison/partners",
        subject=str(duplicate),
        data={
            "id": str(duplicate),
            "merged_into": str(survivor),
            "survivor": {
                "id": str(survivor),
                "kind": "federated_state",
                "status": "active",
                "name_fr": "Bavière",
                "region": "europe",
                "version": 3,
            },
        },
    )
    assert deliver(runner, merged, topic="liaison.partners.v1").status == "handled"

    subscriptions = rows(sessions, Subscription)
    assert sorted((s.user, s.target) for s in subscriptions) == [
        ("ana@example.test", str(survivor)),
        ("ben@example.test", str(survivor)),
    ]
    assert {k.id: k.merged_into for k in rows(sessions, KnownPartner)} == {survivor: None, duplicate: survivor}


def test_a_merge_into_itself_is_dead_lettered(runner):
    from services.kit.events import new_event

    same = str(uuid.uuid4())
    event = new_event(
        type="liaison.partner.merged", source="/liaison/partners", subject=same, data={"id": same, "merged_into": same}
    )
    assert deliver(runner, event, topic="liaison.partners.v1").status == "dead_lettered"


def test_an_erased_contact_leaves_no_trace_in_what_could_be_resent(sessions, runner):
    contact = str(uuid.uuid4())
    with sessions() as session:
        session.add(
            Webhook(
                owner="bi@example.test",
                url="http://x.test/a",
                secret="s" * 16,
                event_types=["liaison.engagement.logged"],
            )
        )
        session.commit()
    data = f.engagement(contact_ids=[contact, "someone-else"], participants=[{"id": contact, "name": "Jeanne Dupont"}])
    deliver(runner, f.engagement_event(data))
    from services.kit.events import new_event

    erased = new_event(
        type="liaison.contact.erased",
        source="/liaison/partners",
        subject=str(uuid.uuid4()),
        data={"id": contact, "partner_id": str(uuid.uuid4())},
    )
    assert deliver(runner, erased, topic="liaison.partners.v1").status == "handled"

    [hook] = rows(sessions, Delivery, Delivery.channel == "webhook")
    assert contact not in hook.payload and "Jeanne" not in hook.payload
    assert json.loads(hook.payload)["data"]["contact_ids"] == ["someone-else"]


def test_a_deleted_engagement_cancels_its_follow_ups_reminders_for_good(sessions, runner):
    from datetime import date

    from services.notifications.models import Reminder

    engagement_id = uuid.uuid4()
    followup = f.followup(due_on=date(2026, 12, 20), engagement_id=engagement_id)
    deliver(runner, f.followup_event(followup))
    assert {r.status for r in rows(sessions, Reminder)} == {"pending"}

    deleted = f.engagement_event(
        {"id": str(engagement_id), "confidentiality": "internal", "version": 2}, type="liaison.engagement.deleted"
    )
    deliver(runner, deleted)
    assert {r.status for r in rows(sessions, Reminder)} == {"cancelled"}
    deliver(runner, f.followup_event(followup | {"version": 2, "due_on": "2026-12-24"}))
    assert {r.status for r in rows(sessions, Reminder)} == {"cancelled"}, "a late event revives nothing"


def test_the_directory_s_people_are_kept_for_recipients(sessions, runner):
    from services.kit.events import new_event
    from services.notifications.models import Person

    person_id = uuid.uuid4()
    data = {"id": str(person_id), "username": "ana", "display_name": "Ana Ruiz", "email": "ana@mri.example"}
    for event_type, version, extra in (
        ("liaison.user.created", 1, {"disabled": False, "language": "en"}),
        ("liaison.user.disabled", 2, {"disabled": True, "language": "en"}),
    ):
        event = new_event(
            type=event_type,
            source="/liaison/directory",
            subject=str(person_id),
            data=data | extra | {"version": version},
        )
        deliver(runner, event, topic="liaison.directory.v1")
    with sessions() as session:
        copy = session.get(Person, person_id)
        assert (copy.name, copy.email, copy.language, copy.disabled, copy.version) == (
            "Ana Ruiz",
            "ana@mri.example",
            "en",
            True,
            2,
        )
    assert runner.dead_letters == []
