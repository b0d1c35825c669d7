"""The contacts' e-mail addresses, kept from liaison.partners.v1 so that an e-mail's recipients name
the draft's partners and contacts (mail_in.py).

A contact's personal fields travel sealed (kit/sealed.py): the partners service gives this service
the contact's key (partners_client.py), the address alone is kept, and `liaison.contact.erased`
deletes the copy (its key is gone by then, so a late redelivery keeps no address either). A merge
moves contacts to the survivor with a new version: the copy follows.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Protocol

from sqlalchemy import delete, select
from sqlmodel import Session, col

from services.engagements.models import ContactCopy
from services.kit.event_models import ContactState
from services.kit.sealed import open_sealed


class ContactKeys(Protocol):
    def contact_key(self, contact_id: uuid.UUID) -> bytes | None: ...


def record_contact(*, session: Session, data: ContactState, keys: ContactKeys) -> None:
    copy = session.get(ContactCopy, data.id)
    if copy is not None and copy.version >= data.version:
        return
    email = data.email  # an event from before sealing carries it in the clear
    if data.sealed is not None:
        key = keys.contact_key(data.id)
        if key is None:  # erased meanwhile (its erasure event is on its way, or was applied): keep nothing
            erase_contact(session=session, contact_id=data.id)
            return
        email = open_sealed(data.sealed.model_dump(), key=key, contact_id=str(data.id), version=data.version).get(
            "email"
        )
    copy = copy or ContactCopy(id=data.id, partner_id=data.partner_id, version=data.version)
    copy.partner_id, copy.version = data.partner_id, data.version
    copy.email = email.strip().lower() if isinstance(email, str) and email.strip() else None
    session.add(copy)


def erase_contact(*, session: Session, contact_id: uuid.UUID) -> None:
    session.execute(delete(ContactCopy).where(col(ContactCopy.id) == contact_id))


def contacts_with(*, session: Session, addresses: Sequence[str]) -> list[ContactCopy]:
    """The contacts whose address is one of these (lower case), in the addresses' order."""
    if not addresses:
        return []
    found = session.scalars(select(ContactCopy).where(col(ContactCopy.email).in_(list(addresses)))).all()
    order = {address: position for position, address in enumerate(addresses)}
    return sorted(found, key=lambda c: (order.get(c.email or "", len(order)), str(c.id)))
