"""Rows to API answers: an engagement with its partners' names and rendered notes; a follow-up with its flag."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from services.engagements.models import Engagement, FollowUp, PartnerCopy, Person
from services.engagements.partner_copies import partners_by_id
from services.engagements.schemas import EngagementRead, FollowUpRead, FollowUpStatus
from services.kit.markdown import render_notes
from services.kit.people import labels


def local_today(zone: ZoneInfo) -> date:
    return datetime.now(zone).date()


def partner_label(partner: PartnerCopy | None, partner_id: uuid.UUID) -> dict[str, Any]:
    if partner is None:
        return {"id": str(partner_id), "name_fr": None, "name_en": None, "acronyms": []}
    return {
        "id": str(partner_id),
        "name_fr": partner.name_fr,
        "name_en": partner.name_en,
        "acronyms": list(partner.acronyms),
    }


def engagement_read(
    engagement: Engagement, partners: dict[uuid.UUID, PartnerCopy], people: Mapping[str, dict[str, Any]]
) -> EngagementRead:
    return EngagementRead.model_validate(
        engagement,
        update={
            "partners": [partner_label(partners.get(p), p) for p in engagement.partner_ids],
            "officer_people": [people[o] for o in engagement.officers if o in people],
            "notes_html": render_notes(engagement.notes),
        },
    )


def people_of(session: Session, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Officers and assignees with their display names, from the directory's read copy."""
    return labels(session=session, table=Person, keys=keys)


def engagements_read(session: Session, engagements: list[Engagement]) -> list[EngagementRead]:
    ids = {p for e in engagements for p in e.partner_ids}
    partners = partners_by_id(session=session, ids=ids)
    people = people_of(session, (o for e in engagements for o in e.officers))
    return [engagement_read(e, partners, people) for e in engagements]


def follow_up_read(
    follow_up: FollowUp,
    *,
    today: date,
    session: Session | None = None,
    people: Mapping[str, dict[str, Any]] | None = None,
) -> FollowUpRead:
    """`today`: the date in the service's time zone (`local_today`); the assignee's display name from
    `people` (lists look them up at once) or, given a `session`, looked up here."""
    overdue = follow_up.status == FollowUpStatus.OPEN and follow_up.due_on is not None and follow_up.due_on < today
    if people is None and session is not None:
        people = people_of(session, [follow_up.assignee])
    person = (people or {}).get(follow_up.assignee)
    return FollowUpRead.model_validate(follow_up, update={"overdue": overdue, "assignee_person": person})
