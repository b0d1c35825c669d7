"""Events shaped as the engagements and partners services publish them, built by the tests."""

from __future__ import annotations

import uuid
from datetime import date

from services.kit.events import new_event


def engagement(
    *,
    partner_ids=(),
    thrusts=(),
    type="meeting",
    confidentiality="public",
    created_by="author@example.test",
    officers=(),
    engagement_id=None,
    version=1,
    title="Rencontre sur l'IA",
    **extra,
) -> dict:
    return {
        "id": str(engagement_id or uuid.uuid4()),
        "type": type,
        "title": title,
        "starts_at": "2026-12-02T15:00:00Z",
        "ends_at": "2026-12-02T16:00:00Z",
        "location": "Munich",
        "partner_ids": [str(p) for p in partner_ids],
        "contact_ids": [],
        "officers": list(officers),
        "summary": "Discussion of AI research cooperation.",
        "thrusts": list(thrusts),
        "tags": [],
        "confidentiality": confidentiality,
        "created_by": created_by,
        "version": version,
        **extra,
    }


def engagement_event(data: dict, *, type: str = "liaison.engagement.logged"):
    return new_event(type=type, source="/liaison/engagements", subject=data["id"], data=data)


def restricted_event(data: dict, *, type: str = "liaison.engagement.logged"):
    """What the topic carries for a restricted engagement: ids and the confidentiality level only."""
    return engagement_event({"id": data["id"], "confidentiality": "restricted", "version": data["version"]}, type=type)


def followup(
    *,
    assignee="officer@example.test",
    due_on: date,
    status="open",
    version=1,
    followup_id=None,
    engagement_id=None,
    description="Send the signed MOU",
) -> dict:
    return {
        "id": str(followup_id or uuid.uuid4()),
        "engagement_id": str(engagement_id or uuid.uuid4()),
        "description": description,
        "assignee": assignee,
        "due_on": due_on.isoformat(),
        "status": status,
        "owed_by": "us",
        "version": version,
    }


def followup_event(data: dict, *, type: str = "liaison.followup.created"):
    return new_event(type=type, source="/liaison/engagements", subject=data["engagement_id"], data=data)


def partner_event(
    partner_id, *, region="europe", name_fr="Bavière", name_en="Bavaria", version=1, type="liaison.partner.created"
):
    return new_event(
        type=type,
        source="/liaison/partners",
        subject=str(partner_id),
        data={
            "id": str(partner_id),
            "kind": "federated_state",
            "name_fr": name_fr,
            "name_en": name_en,
            "acronyms": [],
            "aliases": [],
            "country": "DE",
            "region": region,
            "status": "active",
            "version": version,
        },
    )
