"""Follow-up reminders: scheduled in the database, sent once when due (time injected), moved or
cancelled by later follow-up events; daily digests."""

import json
import threading
import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from services.kit.consumer import ConsumerRunner
from services.notifications.models import Delivery, Notification, Recipient, Reminder
from services.notifications.reminders import fire_times, send_digests
from services.notifications.scheduler import Scheduler
from services.notifications.tests import factories as f
from tests.support.doubles import Record, RecordingProducer

TORONTO = ZoneInfo("America/Toronto")
TODAY = date(2026, 12, 1)


def local(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=TORONTO).astimezone(UTC)


@pytest.fixture
def runner(sessions, consumers):
    return ConsumerRunner(
        name="notifications",
        session_factory=sessions,
        registry=consumers.registry(),
        consumer_factory=lambda: None,
        producer_factory=RecordingProducer,
        retry_pause=0,
    )


@pytest.fixture
def scheduler(sessions, settings, clock):
    return Scheduler(sessions=sessions, settings=settings, clock=clock)


def deliver(runner, event):
    return runner.handle(Record(value=event.to_json().encode(), topic="liaison.engagements.v1"))


def reminders(sessions):
    with sessions() as session:
        return {r.kind: r for r in session.execute(select(Reminder)).scalars()}


def inbox(sessions, user="officer@example.test"):
    with sessions() as session:
        return (
            session.execute(select(Notification).where(Notification.user == user).order_by(Notification.created_at))
            .scalars()
            .all()
        )


def with_email(sessions, user="officer@example.test", language="en"):
    with sessions() as session:
        session.add(
            Recipient(user=user, email="officer@mail.test", language=language, roles=["officer"], has_preferences=True)
        )
        session.commit()


def test_fire_times_are_local_mornings(settings):
    times = fire_times(date(2026, 7, 10), settings)
    assert times["due_soon"] == datetime(2026, 7, 9, 8, tzinfo=TORONTO)
    assert times["overdue"] == datetime(2026, 7, 11, 8, tzinfo=TORONTO)


def test_a_follow_up_due_tomorrow_is_reminded_by_the_scheduler_once(sessions, runner, scheduler, clock):
    clock.set(local(TODAY, 7))
    with_email(sessions)
    data = f.followup(due_on=TODAY + timedelta(days=1))
    deliver(runner, f.followup_event(data))

    assert scheduler.run_once() == 0, "before 8:00 nothing is due"
    clock.set(local(TODAY, 9))
    assert scheduler.run_once() == 1
    assert scheduler.run_once() == 0, "never twice"

    [entry] = inbox(sessions)
    assert entry.kind == "reminder" and entry.subject_id == data["id"]
    assert entry.title == "Follow-up due by 2 December 2026: Send the signed MOU"
    with sessions() as session:
        email = session.execute(select(Delivery).where(Delivery.channel == "email")).scalar_one()
    assert email.status == "pending" and json.loads(email.payload)["to"] == "officer@mail.test"

    clock.set(local(TODAY + timedelta(days=2), 9))
    assert scheduler.run_once() == 1
    assert inbox(sessions)[-1].title.startswith("Follow-up overdue (was due on 2 December 2026)")


def test_an_assignee_without_preferences_still_gets_the_inbox_entry(sessions, runner, scheduler, clock):
    clock.set(local(TODAY, 9))
    deliver(runner, f.followup_event(f.followup(due_on=TODAY + timedelta(days=1), assignee="new@example.test")))
    scheduler.run_once()
    [entry] = inbox(sessions, "new@example.test")
    assert entry.title.startswith("Suivi à faire d’ici le 2 décembre 2026"), "French by default"
    with sessions() as session:
        assert [d.channel for d in session.execute(select(Delivery)).scalars()] == ["inbox"]


def test_completing_cancels_what_is_pending(sessions, runner, scheduler, clock):
    clock.set(local(TODAY, 7))
    data = f.followup(due_on=TODAY + timedelta(days=1))
    deliver(runner, f.followup_event(data))
    deliver(runner, f.followup_event(data | {"status": "done", "version": 2}, type="liaison.followup.completed"))
    assert {r.status for r in reminders(sessions).values()} == {"cancelled"}
    clock.set(local(TODAY + timedelta(days=5), 9))
    assert scheduler.run_once() == 0 and inbox(sessions) == []


def test_reassigning_moves_what_is_pending_to_the_new_assignee(sessions, runner, scheduler, clock):
    clock.set(local(TODAY, 9))
    data = f.followup(due_on=TODAY + timedelta(days=1))
    deliver(runner, f.followup_event(data))
    scheduler.run_once()  # the due-soon reminder went to the first assignee
    deliver(
        runner,
        f.followup_event(data | {"assignee": "next@example.test", "version": 2}, type="liaison.followup.reassigned"),
    )
    assert reminders(sessions)["overdue"].assignee == "next@example.test"
    assert reminders(sessions)["due_soon"].assignee == "officer@example.test", "what was sent stays sent"

    clock.set(local(TODAY + timedelta(days=2), 9))
    scheduler.run_once()
    assert [n.title[:16] for n in inbox(sessions, "next@example.test")] == ["Suivi en retard "]
    assert len(inbox(sessions)) == 1


def test_a_late_older_event_does_not_undo_a_newer_one(sessions, runner, clock):
    clock.set(local(TODAY, 7))
    data = f.followup(due_on=TODAY + timedelta(days=3))
    deliver(runner, f.followup_event(data | {"status": "done", "version": 2}, type="liaison.followup.completed"))
    deliver(runner, f.followup_event(data))
    assert all(r.status == "cancelled" for r in reminders(sessions).values())


def test_a_follow_up_created_already_overdue_gets_only_the_overdue_reminder(sessions, runner, clock):
    clock.set(local(TODAY, 9))
    deliver(runner, f.followup_event(f.followup(due_on=TODAY - timedelta(days=3))))
    assert set(reminders(sessions)) == {"overdue"}


def test_a_follow_up_without_due_date_or_assignee_schedules_nothing(sessions, runner):
    data = f.followup(due_on=TODAY)
    deliver(runner, f.followup_event(data | {"due_on": None}))
    deliver(runner, f.followup_event(f.followup(due_on=TODAY) | {"assignee": None}))
    assert all(r.status == "cancelled" for r in reminders(sessions).values())


@pytest.mark.parametrize("change", [{"due_on": "next tuesday"}, {"id": "x"}, {"version": "two"}, {"assignee": 42}])
def test_unusable_follow_ups_are_dead_lettered(sessions, runner, change):
    assert deliver(runner, f.followup_event(f.followup(due_on=TODAY) | change)).status == "dead_lettered"
    assert reminders(sessions) == {}


def test_two_schedulers_racing_send_each_reminder_once(sessions, runner, settings, clock):
    clock.set(local(TODAY, 7))
    for _ in range(30):
        deliver(
            runner,
            f.followup_event(
                f.followup(due_on=TODAY + timedelta(days=1), assignee=f"u{uuid.uuid4().hex[:6]}@example.test")
            ),
        )
    clock.set(local(TODAY, 9))
    replicas = [Scheduler(sessions=sessions, settings=settings, clock=clock) for _ in range(2)]
    sent = [0, 0]
    start = threading.Barrier(2)

    def run(i):
        start.wait()
        sent[i] = replicas[i].run_once()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sum(sent) == 30
    with sessions() as session:
        assert len(session.execute(select(Notification)).scalars().all()) == 30


def test_a_daily_digest_gathers_held_emails_once_a_day(sessions, settings, clock):
    with_email(sessions, language="fr")
    with sessions() as session:
        for n in range(3):
            session.add(
                Delivery(
                    trigger_id=f"e{n}",
                    trigger_type="liaison.engagement.logged",
                    recipient="officer@example.test",
                    channel="email",
                    status="held",
                    created_at=local(TODAY, 6),
                    payload=json.dumps({"subject": f"Sujet {n}"}),
                )
            )
        session.commit()
    assert send_digests(sessions, settings=settings, now=local(TODAY, 7)) == 0, "not before the hour"
    assert send_digests(sessions, settings=settings, now=local(TODAY, 9)) == 1
    assert send_digests(sessions, settings=settings, now=local(TODAY, 10)) == 0
    with sessions() as session:
        statuses = sorted(d.status for d in session.execute(select(Delivery)).scalars())
        digest = session.execute(select(Delivery).where(Delivery.trigger_type == "liaison.digest")).scalar_one()
    assert statuses == ["digested"] * 3 + ["pending"]
    payload = json.loads(digest.payload)
    assert payload["subject"] == "Résumé quotidien : 3 notifications"
    assert "• Sujet 0" in payload["text"] and "• Sujet 2" in payload["text"]


@pytest.mark.parametrize("due_on", [date(1, 1, 1), date(9999, 12, 31), date(1899, 12, 31)])
def test_a_follow_up_due_outside_the_date_range_is_kept_without_reminders(sessions, runner, clock, due_on):
    """Issue 10, defect 4: a due date at the ends of the calendar overflowed the reminder arithmetic and
    the event was dead-lettered, so the follow-up's later events found nothing to build on. The engagements
    service refuses such dates now; one already on the bus schedules nothing, and the corrected date does."""
    clock.set(local(TODAY, 9))
    data = f.followup(due_on=due_on)
    assert deliver(runner, f.followup_event(data)).status != "dead_lettered"
    assert all(r.status == "cancelled" for r in reminders(sessions).values())
    corrected = data | {"due_on": (TODAY + timedelta(days=5)).isoformat(), "version": 2}
    deliver(runner, f.followup_event(corrected, type="liaison.followup.reassigned"))
    assert {k: r.status for k, r in reminders(sessions).items()} == {"due_soon": "pending", "overdue": "pending"}
