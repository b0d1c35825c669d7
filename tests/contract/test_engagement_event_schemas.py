"""The events the engagements service really builds match their contracts; restricted ones carry no details."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime

import pytest

from services.engagements import events
from services.engagements.models import Engagement, EngagementPartner, FollowUp
from services.kit.events import new_event
from tests.contract.schemas import validator

NOW = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)


def engagement(**changes) -> Engagement:
    return Engagement(
        **(
            {
                "id": uuid.uuid4(),
                "type": "agreement",
                "title": "Entente",
                "starts_at": NOW,
                "ends_at": NOW,
                "local_year": 2026,
                "local_quarter": 1,
                "location_city": "Munich",
                "location_country": "DE",
                "partner_links": [EngagementPartner(partner_id=uuid.uuid4())],
                "contact_ids": [str(uuid.uuid4())],
                "officers": ["a@example.test"],
                "summary": "s",
                "notes": "n",
                "outcome": None,
                "discussion_points": ["p"],
                "thrusts": ["trade"],
                "tags": [],
                "confidentiality": "internal",
                "agreement_status": "signed",
                "signatories": ["x"],
                "signed_on": date(2026, 3, 2),
                "created_by": "a@example.test",
                "version": 2,
                "created_at": NOW,
                "updated_at": NOW,
            }
            | changes
        )
    )


def follow_up(on: Engagement) -> FollowUp:
    return FollowUp(
        id=uuid.uuid4(),
        engagement_id=on.id,
        description="Envoyer",
        assignee="a@example.test",
        due_on=date(2026, 4, 1),
        status="open",
        owed_by="quebec",
        created_by="a@example.test",
        version=1,
        created_at=NOW,
        updated_at=NOW,
    )


def as_published(event_type: str, e: Engagement, data: dict) -> dict:
    return json.loads(new_event(type=event_type, source=events.SOURCE, subject=str(e.id), data=data).to_json())


def built(event_type: str, e: Engagement) -> dict:
    if event_type == events.ENGAGEMENT_LOGGED:
        data = events.engagement_state(e)
    elif event_type == events.ENGAGEMENT_UPDATED:
        data = events.engagement_state(e) | ({} if e.confidentiality == "restricted" else {"changed_fields": ["title"]})
    elif event_type == events.ENGAGEMENT_DELETED:
        data = {"id": str(e.id), "confidentiality": e.confidentiality, "version": e.version, "deleted_at": NOW}
        if e.confidentiality != "restricted":
            data["partner_ids"] = e.partner_ids
    else:
        data = events.followup_state(follow_up(e), e)
        if event_type == events.FOLLOWUP_REASSIGNED:
            data |= {"changed_fields": ["assignee"], "previous_assignee": "b@example.test"}
    return as_published(event_type, e, data)


TYPES = [
    events.ENGAGEMENT_LOGGED,
    events.ENGAGEMENT_UPDATED,
    events.ENGAGEMENT_DELETED,
    events.FOLLOWUP_CREATED,
    events.FOLLOWUP_COMPLETED,
    events.FOLLOWUP_REASSIGNED,
]


@pytest.mark.parametrize("level", ["public", "internal", "restricted"])
@pytest.mark.parametrize("event_type", TYPES)
def test_built_events_match_their_schema(event_type, level):
    event = built(event_type, engagement(confidentiality=level))
    validator(event["dataschema"]).validate(event)
    assert event["subject"] == (event["data"].get("engagement_id") or event["data"]["id"])


@pytest.mark.parametrize("event_type", [events.ENGAGEMENT_LOGGED, events.ENGAGEMENT_UPDATED])
@pytest.mark.parametrize(
    "leak", ["title", "summary", "notes", "discussion_points", "partner_ids", "officers", "contact_ids"]
)
def test_a_restricted_engagement_event_with_any_detail_breaks_the_contract(event_type, leak):
    e = engagement(confidentiality="restricted")
    event = built(event_type, e)
    event["data"][leak] = events.engagement_state(engagement())[leak]
    assert not validator(event["dataschema"]).is_valid(event)


def test_a_restricted_follow_up_event_without_description_only():
    e = engagement(confidentiality="restricted")
    event = built(events.FOLLOWUP_CREATED, e)
    assert "description" not in event["data"]
    event["data"]["description"] = "Envoyer"
    assert not validator(event["dataschema"]).is_valid(event)


@pytest.mark.parametrize(
    "breakage",
    [
        lambda d: d.pop("thrusts"),
        lambda d: d.update(type="lunch"),
        lambda d: d.update(partner_ids=[]),
        lambda d: d.update(confidentiality="secret"),
        lambda d: d.update(starts_at="2026-03-02T14:30:00"),
    ],
)
def test_malformed_engagement_events_are_rejected(breakage):
    event = built(events.ENGAGEMENT_LOGGED, engagement())
    breakage(event["data"])
    assert not validator(event["dataschema"]).is_valid(event)
