"""Follow-up rules: what we (or the partner) owe after an engagement, who chases it, by when."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlmodel import Session, col

from services.engagements import audit, events
from services.engagements.access import (
    can_see,
    ensure_may_change,
    ensure_may_change_follow_up,
    ensure_may_see,
    visible_to,
)
from services.engagements.models import Engagement, EngagementPartner, FollowUp, PartnerCopy, Person
from services.engagements.schemas import Confidentiality, FollowUpCreate, FollowUpStatus, FollowUpUpdate, OwedBy
from services.engagements.service import get_engagement
from services.kit import cursors, sync
from services.kit.identity import Caller
from services.kit.people import team_keys, usernames
from services.kit.preconditions import check_version
from services.kit.problems import NotFound, Problem
from services.kit.types import utcnow

CLOSED = (FollowUpStatus.DONE, FollowUpStatus.CANCELLED)
NO_DUE_DATE = date(9999, 12, 31)  # undated follow-ups sort last


def _state(follow_up: FollowUp) -> dict:
    return {name: getattr(follow_up, name) for name in FollowUpUpdate.model_fields}


def _audit(
    session: Session, follow_up: FollowUp, engagement: Engagement, action: str, *, caller: Caller, before, after
) -> None:
    audit.record(
        session=session,
        engagement_id=engagement.id,
        entity_type="follow_up",
        entity_id=follow_up.id,
        action=action,
        actor=caller.user,
        restricted=engagement.confidentiality == Confidentiality.RESTRICTED,
        changes=audit.field_changes(before, after),
    )


def assignee_of(*, session: Session, name: str, kept: str | None = None) -> str:
    """The assignee named (an id or a username of an enabled person of the directory copy) as the
    username stored, or a 422 naming `assignee`; `kept`: who owes it already (see `usernames`)."""
    [username] = usernames(session=session, table=Person, values=[name], field="assignee", kept=[kept] if kept else [])
    return username


def add_follow_up(*, session: Session, caller: Caller, engagement_id: uuid.UUID, data: FollowUpCreate) -> FollowUp:
    engagement = get_engagement(session=session, caller=caller, engagement_id=engagement_id)
    if engagement.draft:  # its events would name an engagement no one was told of
        raise Problem("Confirm this draft before giving it follow-ups.", status=409, title="Draft engagement")
    ensure_may_change(caller, engagement, fields=set())
    data = data.model_copy(update={"assignee": assignee_of(session=session, name=data.assignee)})
    ensure_may_see(data.assignee, engagement, field="assignee")
    now = utcnow()
    follow_up = FollowUp.model_validate(
        data,
        update={
            "id": uuid.uuid4(),
            "engagement_id": engagement.id,
            "created_by": caller.user,
            "updated_by": caller.user,
            "version": 1,
            "created_at": now,
            "updated_at": now,
            "completed_at": now if data.status in CLOSED else None,
        },
    )
    session.add(follow_up)
    session.flush()
    _audit(session, follow_up, engagement, "follow_up_added", caller=caller, before={}, after=_state(follow_up))
    events.record_followup(
        session=session, event_type=events.FOLLOWUP_CREATED, follow_up=follow_up, engagement=engagement
    )
    return follow_up


def get_follow_up(
    *, session: Session, caller: Caller, follow_up_id: uuid.UUID, for_update: bool = False
) -> tuple[FollowUp, Engagement]:
    follow_up = session.get(FollowUp, follow_up_id, with_for_update=for_update or None)
    engagement = session.get(Engagement, follow_up.engagement_id) if follow_up else None
    if follow_up is None or engagement is None or not can_see(caller, engagement, by_id=True):
        raise NotFound(f"No follow-up has the id {follow_up_id}.")
    return follow_up, engagement


def update_follow_up(
    *,
    session: Session,
    caller: Caller,
    follow_up_id: uuid.UUID,
    data: FollowUpUpdate,
    expected_version: int | None,
) -> FollowUp:
    follow_up, engagement = get_follow_up(session=session, caller=caller, follow_up_id=follow_up_id, for_update=True)
    ensure_may_change_follow_up(caller, engagement, assignee=follow_up.assignee)
    check_version(follow_up.version, expected_version, what="follow-up")
    if "assignee" in data.model_fields_set and data.assignee:
        data = data.model_copy(
            update={"assignee": assignee_of(session=session, name=data.assignee, kept=follow_up.assignee)}
        )
    assignee = data.assignee if "assignee" in data.model_fields_set and data.assignee else follow_up.assignee
    status = data.status if "status" in data.model_fields_set else follow_up.status
    reopened = status == FollowUpStatus.OPEN and follow_up.status != FollowUpStatus.OPEN
    if assignee != follow_up.assignee or reopened:
        ensure_may_see(assignee, engagement, field="assignee")  # given to someone, or reopened for them
    before = _state(follow_up)
    for name in data.model_fields_set:
        setattr(follow_up, name, getattr(data, name))
    changed = [name for name, value in before.items() if getattr(follow_up, name) != value]
    if not changed:
        return follow_up
    now = utcnow()
    follow_up.version += 1
    follow_up.updated_at = now
    follow_up.updated_by = caller.user
    if "status" in changed:
        follow_up.completed_at = now if follow_up.status in CLOSED else None
    session.add(follow_up)
    _audit(session, follow_up, engagement, "follow_up_updated", caller=caller, before=before, after=_state(follow_up))
    if "status" in changed and follow_up.status in CLOSED:
        events.record_followup(
            session=session, event_type=events.FOLLOWUP_COMPLETED, follow_up=follow_up, engagement=engagement
        )
    elif "status" in changed:  # reopened: to consumers it is an open follow-up again
        events.record_followup(
            session=session, event_type=events.FOLLOWUP_CREATED, follow_up=follow_up, engagement=engagement
        )
    rescheduled = [name for name in ("assignee", "due_on") if name in changed]
    if rescheduled and follow_up.status == FollowUpStatus.OPEN:
        events.record_followup(
            session=session,
            event_type=events.FOLLOWUP_REASSIGNED,
            follow_up=follow_up,
            engagement=engagement,
            changed_fields=rescheduled,
            previous_assignee=before["assignee"],
        )
    return follow_up


def list_follow_ups(
    *,
    session: Session,
    caller: Caller,
    engagement_id: uuid.UUID | None = None,
    assignee: str | None = None,
    status: FollowUpStatus | None = None,
    due_before: date | None = None,
    partner_id: uuid.UUID | None = None,
    owed_by: OwedBy | None = None,
    team: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
    position: sync.Since | None = None,
) -> tuple[list[FollowUp], str | None, int]:
    """Soonest due first (undated last); `assignee="me"` is the caller; `team="mine"`: owed by
    anyone in the caller's teams (or a team id), as the people directory says. `position`: an
    incremental sync (kit/sync.py), changed since then, oldest change first."""
    sort_key = func.coalesce(FollowUp.due_on, NO_DUE_DATE)
    query = (
        select(FollowUp).join(Engagement, col(Engagement.id) == col(FollowUp.engagement_id)).where(visible_to(caller))
    )
    if engagement_id is not None:
        query = query.where(col(FollowUp.engagement_id) == engagement_id)
    if assignee:
        query = query.where(col(FollowUp.assignee) == (caller.user if assignee == "me" else assignee))
    if team:
        members = team_keys(session=session, table=Person, caller=caller.user, team=team)
        query = query.where(col(FollowUp.assignee).in_(members))
    if status:
        query = query.where(col(FollowUp.status) == status)
    if due_before:
        query = query.where(col(FollowUp.due_on) < due_before)
    if owed_by:
        query = query.where(col(FollowUp.owed_by) == owed_by)
    if partner_id is not None:
        query = query.where(
            col(FollowUp.engagement_id).in_(
                select(col(EngagementPartner.engagement_id)).where(col(EngagementPartner.partner_id) == partner_id)
            )
        )
    if position is not None:
        query = query.where(sync.changed_after(position, col(FollowUp.updated_at), col(FollowUp.id)))
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    if position is not None:
        changed = list(session.scalars(query.order_by(col(FollowUp.updated_at), col(FollowUp.id)).limit(limit)))
        return changed, sync.resume_cursor(position, changed), total or 0
    if cursor:
        due_on, last = cursors.decode(cursor, date, uuid.UUID)
        query = query.where((sort_key > due_on) | ((sort_key == due_on) & (FollowUp.id > last)))
    rows = list(session.scalars(query.order_by(sort_key, col(FollowUp.id)).limit(limit + 1)))
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last_row = rows[-1]
        next_cursor = cursors.encode(last_row.due_on or NO_DUE_DATE, last_row.id)
    return rows, next_cursor, total or 0


def overdue_counts(
    *, session: Session, caller: Caller, today: date, ages: list[int], assignee: str | None = None
) -> dict[str, dict[int, int]]:
    """Open follow-ups the caller can see that are more than each of `ages` days late, by who owes them:
    {"quebec": {0: n, 7: n, ...}, "partner": {...}}. One statement, whatever the number of ages."""
    late = [
        func.count().filter(col(FollowUp.due_on) < today - timedelta(days=age)).label(f"late_{n}")
        for n, age in enumerate(ages)
    ]
    query = (
        select(col(FollowUp.owed_by), *late)
        .join(Engagement, col(Engagement.id) == col(FollowUp.engagement_id))
        .where(visible_to(caller), col(FollowUp.status) == FollowUpStatus.OPEN)
        .group_by(col(FollowUp.owed_by))
    )
    if assignee:
        query = query.where(col(FollowUp.assignee) == (caller.user if assignee == "me" else assignee))
    counts = {owed.value: dict.fromkeys(ages, 0) for owed in OwedBy}
    for owed_by, *numbers in session.execute(query):
        counts[str(owed_by)] = dict(zip(ages, numbers, strict=True))
    return counts


def engagement_context(
    *, session: Session, follow_ups: list[FollowUp]
) -> tuple[dict[uuid.UUID, str], dict[uuid.UUID, list[PartnerCopy]]]:
    """The titles and partners (in their order) of the follow-ups' engagements, in two reads (a caller
    who sees a follow-up sees its engagement: `visible_to` already chose them)."""
    ids = {f.engagement_id for f in follow_ups}
    if not ids:
        return {}, {}
    rows = session.execute(select(col(Engagement.id), col(Engagement.title)).where(col(Engagement.id).in_(ids)))
    titles = {row.id: row.title for row in rows}
    partners: dict[uuid.UUID, list[PartnerCopy]] = {}
    for engagement_id, partner in session.execute(
        select(col(EngagementPartner.engagement_id), PartnerCopy)
        .join(PartnerCopy, col(PartnerCopy.id) == col(EngagementPartner.partner_id))
        .where(col(EngagementPartner.engagement_id).in_(ids))
        .order_by(col(EngagementPartner.engagement_id), col(EngagementPartner.position))
    ):
        partners.setdefault(engagement_id, []).append(partner)
    return titles, partners
