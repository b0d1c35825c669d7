"""Agreement renewal reminders: N days before a running agreement expires (a setting), to its officers
and author, once; moved by a new expiry date, cancelled when it stops running or is deleted."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from services.kit.consumer import ConsumerRunner
from services.kit.events import new_event
from services.notifications.messages import day
from services.notifications.models import Notification, Reminder
from services.notifications.scheduler import Scheduler
from services.notifications.tests import factories as f
from services.notifications.tests.test_reminders import TODAY, deliver, local
from tests.support.doubles import RecordingProducer

EXPIRES = TODAY + timedelta(days=120)


def agreement(version=1, **changes):
    fields = {
        "engagement_id": AGREEMENT_ID,
        "type": "agreement",
        "title": "Entente Québec-Bavière",
        "officers": ["officer@example.test"],
        "agreement_status": "in_force",
        "expires_on": EXPIRES.isoformat(),
    }
    return f.engagement(version=version, **(fields | changes))


AGREEMENT_ID = "5d3c1e1c-1111-4c1e-9f1e-000000000001"


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


def renewals(sessions):
    with sessions() as session:
        return session.execute(select(Reminder).where(Reminder.kind == "renewal")).scalars().all()


def titles(sessions, user):
    with sessions() as session:
        rows = session.execute(select(Notification).where(Notification.user == user)).scalars().all()
    return [n.title for n in rows]


def test_a_running_agreement_is_reminded_n_days_before_it_expires_to_its_people_once(
    sessions, runner, scheduler, clock, settings
):
    assert settings.agreement_renewal_days_before == 90
    clock.set(local(TODAY, 9))
    deliver(runner, f.engagement_event(agreement()))
    [reminder] = renewals(sessions)
    assert reminder.fire_at == local(EXPIRES - timedelta(days=90), 8)
    assert reminder.recipients == ["author@example.test", "officer@example.test"]

    assert scheduler.run_once() == 0, "not yet"
    clock.set(local(EXPIRES - timedelta(days=90), 9))
    assert scheduler.run_once() == 1
    assert scheduler.run_once() == 0, "never twice"
    expected = f"Entente à renouveler : elle expire le {day(EXPIRES, 'fr')} (Entente Québec-Bavière)"
    assert titles(sessions, "officer@example.test") == [expected]
    assert titles(sessions, "author@example.test") == [expected]


def test_the_reminder_period_is_a_setting(sessions, runner, clock, settings):
    settings.agreement_renewal_days_before = 30
    clock.set(local(TODAY, 9))
    deliver(runner, f.engagement_event(agreement()))
    [reminder] = renewals(sessions)
    assert reminder.fire_at == local(EXPIRES - timedelta(days=30), 8)


def test_a_new_expiry_moves_it_and_a_stop_cancels_it(sessions, runner, clock):
    clock.set(local(TODAY, 9))
    deliver(runner, f.engagement_event(agreement()))
    later = EXPIRES + timedelta(days=365)
    deliver(runner, f.engagement_event(agreement(2, expires_on=later.isoformat()), type="liaison.engagement.updated"))
    [reminder] = renewals(sessions)
    assert reminder.due_on == later and reminder.status == "pending"
    deliver(runner, f.engagement_event(agreement(3, agreement_status="terminated"), type="liaison.engagement.updated"))
    assert renewals(sessions)[0].status == "cancelled"
    deliver(runner, f.engagement_event(agreement(2), type="liaison.engagement.updated"))
    assert renewals(sessions)[0].status == "cancelled", "an older event, late, does not revive it"


def test_an_expiry_closer_than_the_period_is_reminded_at_once(sessions, runner, clock):
    clock.set(local(TODAY, 9))
    deliver(runner, f.engagement_event(agreement(expires_on=(TODAY + timedelta(days=10)).isoformat())))
    [reminder] = renewals(sessions)
    assert reminder.fire_at == local(TODAY, 8)


@pytest.mark.parametrize(
    "changes",
    [
        {"agreement_status": "negotiating"},
        {"agreement_status": "expired"},
        {"expires_on": None},
        {"expires_on": (TODAY - timedelta(days=1)).isoformat()},
        {"type": "meeting", "agreement_status": None},
    ],
)
def test_what_is_not_a_running_agreement_schedules_nothing(sessions, runner, clock, changes):
    clock.set(local(TODAY, 9))
    deliver(runner, f.engagement_event(agreement(**changes)))
    assert renewals(sessions) == []


def test_a_deleted_agreement_cancels_its_reminder(sessions, runner, clock):
    clock.set(local(TODAY, 9))
    deliver(runner, f.engagement_event(agreement()))
    deleted = new_event(
        type="liaison.engagement.deleted",
        source="/liaison/engagements",
        subject=AGREEMENT_ID,
        data={"id": AGREEMENT_ID, "version": 2, "confidentiality": "public"},
    )
    deliver(runner, deleted)
    assert renewals(sessions)[0].status == "cancelled"


def test_an_expiry_that_is_not_a_date_is_dead_lettered_and_schedules_nothing(sessions, runner, clock):
    clock.set(local(TODAY, 9))
    outcome = deliver(runner, f.engagement_event(agreement(expires_on="soon")))
    assert outcome.status == "dead_lettered" and renewals(sessions) == []
