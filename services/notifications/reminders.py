"""Follow-up reminders, agreement renewal reminders and daily digests: kept in the database, claimed
once when due.

A follow-up gets two reminders: `due_soon` (N days before due_on, at reminder_hour local time)
and `overdue` (the day after due_on, same hour). Claiming is an UPDATE that re-checks the status
(and, on PostgreSQL, a `FOR UPDATE SKIP LOCKED` pick), so two replicas never send one twice; the
delivery log's unique key stands behind it. An agreement (signed or in force) gets a `renewal`
reminder N days before expires_on, to its officers and author, kept in the same table (its
`followup_id` is the engagement's id).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col

from services.kit.db import rowcount
from services.kit.inputs import EARLIEST_YEAR, LATEST_YEAR
from services.notifications.channels.email import email_payload
from services.notifications.deliveries import DeliveryBatch, Trigger
from services.notifications.messages import digest_message, reader_of, reminder_message
from services.notifications.models import Delivery, Recipient, Reminder
from services.notifications.schemas import Channel, DeliveryStatus
from services.notifications.settings import NotificationsSettings

DUE_SOON, OVERDUE, RENEWAL = "due_soon", "overdue", "renewal"
OPEN = "open"
RUNNING_AGREEMENTS = ("signed", "in_force")


@dataclass(frozen=True)
class FollowUp:
    id: uuid.UUID
    engagement_id: uuid.UUID
    assignee: str | None
    due_on: date | None
    status: str
    version: int
    description: str = ""


def fire_times(due_on: date, settings: NotificationsSettings) -> dict[str, datetime]:
    zone = settings.zone
    at = time(settings.reminder_hour)
    return {
        DUE_SOON: datetime.combine(due_on - timedelta(days=settings.reminder_days_before), at, zone),
        OVERDUE: datetime.combine(due_on + timedelta(days=1), at, zone),
    }


def apply_followup(*, session: Session, followup: FollowUp, settings: NotificationsSettings, now: datetime) -> None:
    """Bring the follow-up's reminders in line with its latest state: schedule, move or cancel."""
    existing = {
        r.kind: r for r in session.execute(select(Reminder).where(col(Reminder.followup_id) == followup.id)).scalars()
    }
    if any(r.followup_version > followup.version for r in existing.values()):
        return  # an older event, redelivered late: the newer one already decided
    # A due date outside the range every service accepts (kit/inputs.py) came from a producer that did
    # not check it: at the ends of the calendar the reminder arithmetic overflows, so it schedules nothing.
    if not (
        followup.status == OPEN
        and followup.assignee
        and followup.due_on is not None
        and EARLIEST_YEAR <= followup.due_on.year <= LATEST_YEAR
    ):  # not active
        if not existing:
            # A tombstone, so that the follow-up's older events, redelivered late, schedule nothing.
            session.add(
                Reminder(
                    followup_id=followup.id,
                    engagement_id=followup.engagement_id,
                    kind=OVERDUE,
                    assignee=followup.assignee or "",
                    description=followup.description,
                    due_on=followup.due_on or now.date(),
                    fire_at=now,
                    status="cancelled",
                    followup_version=followup.version,
                )
            )
        for reminder in existing.values():
            reminder.followup_version = followup.version
            if reminder.status == "pending":
                reminder.status = "cancelled"
        return
    times = fire_times(followup.due_on, settings)
    for kind, fire_at in times.items():
        reminder = existing.get(kind)
        pointless = kind == DUE_SOON and now >= times[OVERDUE]  # already overdue: only that one matters
        if reminder is None:
            if pointless:
                continue
            reminder = Reminder(
                followup_id=followup.id,
                engagement_id=followup.engagement_id,
                kind=kind,
                assignee=followup.assignee,
                description=followup.description,
                due_on=followup.due_on,
                fire_at=fire_at,
            )
            session.add(reminder)
        elif reminder.status == "sent" and reminder.due_on == followup.due_on:
            reminder.followup_version = followup.version
            continue  # told already; a reassignment moves only what is pending
        else:
            reminder.status = "cancelled" if pointless else "pending"
            reminder.assignee, reminder.description = followup.assignee, followup.description
            reminder.due_on, reminder.fire_at = followup.due_on, fire_at
        reminder.followup_version = followup.version


@dataclass(frozen=True)
class Agreement:
    """An engagement as its events tell it, for its renewal reminder (any type: one that stops being a
    running agreement cancels what was scheduled)."""

    id: uuid.UUID
    type: str | None
    status: str | None
    expires_on: date | None
    title: str
    recipients: tuple[str, ...]
    version: int


def apply_agreement(*, session: Session, agreement: Agreement, settings: NotificationsSettings, now: datetime) -> None:
    """Schedule, move or cancel the agreement's renewal reminder: N days before it expires
    (`agreement_renewal_days_before`, at reminder_hour local time), or at once when that day has passed."""
    reminder = session.execute(
        select(Reminder).where(col(Reminder.followup_id) == agreement.id, col(Reminder.kind) == RENEWAL)
    ).scalar_one_or_none()
    if reminder is not None and reminder.followup_version > agreement.version:
        return  # an older event, redelivered late: the newer one already decided
    today = now.astimezone(settings.zone).date()
    due = agreement.expires_on
    running = (
        agreement.type == "agreement"
        and agreement.status in RUNNING_AGREEMENTS
        and due is not None
        and today <= due
        and due.year <= LATEST_YEAR
        and bool(agreement.recipients)
    )
    if not running or due is None:
        if reminder is not None:
            reminder.followup_version = agreement.version
            if reminder.status == "pending":
                reminder.status = "cancelled"
        return
    fire_at = datetime.combine(
        max(due - timedelta(days=settings.agreement_renewal_days_before), today),
        time(settings.reminder_hour),
        settings.zone,
    )
    if reminder is None:
        reminder = Reminder(
            followup_id=agreement.id,
            engagement_id=agreement.id,
            kind=RENEWAL,
            assignee="",
            description="",
            due_on=due,
            fire_at=fire_at,
        )
        session.add(reminder)
    elif reminder.status == "sent" and reminder.due_on == due:
        reminder.followup_version = agreement.version
        return  # told already for this expiry date; a new date schedules a new reminder
    reminder.status = "pending"
    reminder.assignee, reminder.recipients = agreement.recipients[0], list(agreement.recipients)
    reminder.description, reminder.due_on, reminder.fire_at = agreement.title, due, fire_at
    reminder.followup_version = agreement.version


def cancel_reminders_of(*, session: Session, engagement_id: uuid.UUID) -> int:
    """The engagement was deleted: its follow-ups' pending reminders never fire. The rows stay, with the
    highest version there is, so a late event about one of those follow-ups schedules nothing again."""
    result = session.execute(
        update(Reminder)
        .where(col(Reminder.engagement_id) == engagement_id, col(Reminder.status) != "sent")
        .values(status="cancelled", followup_version=2**31 - 1)
    )
    return rowcount(result)


def reminder_trigger(reminder: Reminder) -> Trigger:
    return Trigger(
        id=f"reminder:{reminder.followup_id}:{reminder.kind}:{reminder.due_on.isoformat()}",
        type=f"liaison.reminder.{reminder.kind}",
        kind="reminder",
        subject_id=str(reminder.followup_id),
    )


def send_due_reminders(
    sessions: sessionmaker[Session], *, settings: NotificationsSettings, now: datetime, limit: int = 200
) -> int:
    """Claim every reminder due by `now` and notify its assignee; return how many were sent."""
    sent = 0
    with sessions() as session:
        due = (
            session.execute(
                select(Reminder)
                .where(col(Reminder.status) == "pending", col(Reminder.fire_at) <= now)
                .order_by(col(Reminder.fire_at))
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
            .scalars()
            .all()
        )
        for reminder in due:
            claimed = rowcount(
                session.execute(
                    update(Reminder)
                    .where(Reminder.id == reminder.id, col(Reminder.status) == "pending")
                    .values(status="sent", sent_at=now)
                )
            )
            if claimed != 1:
                continue  # another replica took it between our read and our write
            batch = DeliveryBatch(
                session=session,
                trigger=reminder_trigger(reminder),
                now=now,
                email_enabled=bool(settings.smtp_host),
                zone=settings.zone,
            )
            for user in reminder.recipients or [reminder.assignee]:
                batch.notify_user(
                    user=user,
                    channels={Channel.INBOX, Channel.EMAIL},
                    # mypy cannot type a lambda binding the loop variable as a default.
                    render=lambda reader, r=reminder: reminder_message(  # type: ignore[misc]
                        kind=r.kind,
                        description=r.description,
                        due_on=r.due_on,
                        engagement_id=str(r.engagement_id),
                        reader=reader,
                        public_url=settings.public_url,
                    ),
                )
            sent += 1
        session.commit()
    return sent


def send_digests(sessions: sessionmaker[Session], *, settings: NotificationsSettings, now: datetime) -> int:
    """Once a day, after reminder_hour: one email per user gathering their held daily-rhythm emails."""
    zone = settings.zone
    local = now.astimezone(zone)
    cut = datetime.combine(local.date(), time(settings.reminder_hour), zone)
    if local < cut:
        return 0
    made = 0
    with sessions() as session:
        held = (
            session.execute(
                select(Delivery)
                .where(
                    col(Delivery.status) == DeliveryStatus.HELD,
                    col(Delivery.channel) == Channel.EMAIL,
                    col(Delivery.created_at) < cut,
                )
                .order_by(Delivery.recipient, col(Delivery.created_at))
                .with_for_update(skip_locked=True)
            )
            .scalars()
            .all()
        )
        by_user: dict[str, list[Delivery]] = {}
        for delivery in held:
            by_user.setdefault(delivery.recipient, []).append(delivery)
        for user, items in by_user.items():
            trigger_id = f"digest:{user}:{local.date().isoformat()}"
            if session.scalar(select(col(Delivery.id)).where(col(Delivery.trigger_id) == trigger_id)) is not None:
                continue  # today's went out already; these wait for tomorrow's
            recipient = session.get(Recipient, user)
            claimed = rowcount(
                session.execute(
                    update(Delivery)
                    .where(col(Delivery.id).in_([d.id for d in items]), col(Delivery.status) == DeliveryStatus.HELD)
                    .values(status=DeliveryStatus.DIGESTED)
                )
            )
            if claimed != len(items) or recipient is None or not recipient.email:
                continue
            reader = reader_of(recipient, zone)
            titles = [_subject_of(d) for d in items]
            session.add(
                Delivery(
                    trigger_id=trigger_id,
                    trigger_type="liaison.digest",
                    recipient=user,
                    channel=Channel.EMAIL,
                    status=DeliveryStatus.PENDING,
                    next_attempt_at=now,
                    created_at=now,
                    payload=email_payload(
                        to=recipient.email,
                        rendered=digest_message(titles=titles, reader=reader, public_url=settings.public_url),
                        language=reader.language,
                    ),
                )
            )
            made += 1
        session.commit()
    return made


def _subject_of(delivery: Delivery) -> str:
    return json.loads(delivery.payload).get("subject", "")
