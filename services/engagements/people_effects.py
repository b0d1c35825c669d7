"""What directory events change in engagements: a disabled person's open follow-ups handed over
to the successor the administrator named (the handler in `events.py` publishes each reassignment)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session, col

from services.engagements import audit
from services.engagements.access import is_insider
from services.engagements.models import Engagement, FollowUp
from services.engagements.schemas import Confidentiality, FollowUpStatus
from services.kit.event_models import UserDisabled
from services.kit.identity import Caller
from services.kit.types import utcnow

# Who a hand-over is by when the event does not say which administrator disabled the person.
DIRECTORY_ACTOR = "directory"


@dataclass(frozen=True)
class HandedOver:
    follow_up: FollowUp
    engagement: Engagement
    previous_assignee: str


def hand_over_follow_ups(*, session: Session, person: UserDisabled) -> list[HandedOver]:
    """Their open follow-ups, now the successor's; on a restricted engagement the successor cannot
    see, its author's instead (a follow-up there goes only to its insiders). Nothing without a successor."""
    if not person.successor_username:
        return []
    rows = session.execute(
        select(FollowUp, Engagement)
        .join(Engagement, col(Engagement.id) == col(FollowUp.engagement_id))
        .where(
            col(FollowUp.assignee).in_([person.username, str(person.id)]),
            col(FollowUp.status) == FollowUpStatus.OPEN,
        )
        .order_by(col(FollowUp.id))
    ).all()
    actor = person.disabled_by or DIRECTORY_ACTOR
    successor = Caller(user=person.successor_username)
    handed: list[HandedOver] = []
    for follow_up, engagement in rows:
        restricted = engagement.confidentiality == Confidentiality.RESTRICTED
        to = engagement.created_by if restricted and not is_insider(successor, engagement) else successor.user
        previous = follow_up.assignee
        if to == previous:  # the author owed it already: nothing changes
            continue
        now = utcnow()
        follow_up.assignee = to
        follow_up.version += 1
        follow_up.updated_at = now
        follow_up.updated_by = actor
        session.add(follow_up)
        audit.record(
            session=session,
            engagement_id=engagement.id,
            entity_type="follow_up",
            entity_id=follow_up.id,
            action="follow_up_updated",
            actor=actor,
            restricted=restricted,
            changes=audit.field_changes({"assignee": previous}, {"assignee": to}),
        )
        handed.append(HandedOver(follow_up, engagement, previous))
    return handed
