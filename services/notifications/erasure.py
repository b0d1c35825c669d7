"""A contact's erasure, applied here: no copy of their personal data stays in what we could resend.

This service stores no contact records of its own. What can hold a contact is the snapshot of an
event a delivery keeps for webhooks (a contact's id, or an embedded contact object if an event
ever carries one): the contact's entries are removed from those snapshots.
"""

from __future__ import annotations

import json
import uuid

from sqlalchemy import select
from sqlmodel import Session, col

from services.notifications.models import Delivery


def _scrub(node, contact_id: str):
    if isinstance(node, dict):
        return {
            key: _scrub(value, contact_id)
            for key, value in node.items()
            if not (key in ("contact", "contact_id") and str(value) == contact_id)
        }
    if isinstance(node, list):
        return [
            _scrub(item, contact_id)
            for item in node
            if not (
                item == contact_id
                or (
                    isinstance(item, dict)
                    and str(item.get("id")) == contact_id
                    and ("name" in item or "email" in item or "first_name" in item)
                )
            )
        ]
    return node


def erase_contact(*, session: Session, contact_id: uuid.UUID) -> int:
    """Return how many delivery snapshots changed."""
    needle = str(contact_id)
    changed = 0
    for delivery in session.execute(select(Delivery).where(col(Delivery.payload).contains(needle))).scalars():
        try:
            document = json.loads(delivery.payload)
        except ValueError:
            continue
        delivery.payload = json.dumps(_scrub(document, needle))
        changed += 1
    return changed
