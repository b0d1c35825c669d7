"""People at partners, and the posts they held. Personal data: erased on request (Loi 25 / GDPR)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import delete, or_, select, tuple_
from sqlmodel import Session, col

from services.kit import cursors, sync
from services.kit.identity import Caller
from services.kit.outbox import OutboxMessage, OutboxStatus
from services.kit.preconditions import check_version
from services.kit.problems import NotFound, Problem
from services.kit.types import utcnow
from services.partners import audit
from services.partners.contact_schemas import ContactCreate, ContactRead, ContactUpdate, Mandate
from services.partners.events import (
    CONTACT_ADDED,
    CONTACT_UPDATED,
    record_contact_added,
    record_contact_erased,
    record_contact_updated,
)
from services.partners.models import AuditEntry, Contact, ContactKey, MandateRow, Partner
from services.partners.service import get_partner, live_partner

PERSONAL = ("honorific", "name", "title", "email", "phone", "preferred_language", "notes", "mandates")


class Gone(Problem):
    status = 410
    title = "Gone"


def contact_read(*, session: Session, contact: Contact) -> ContactRead:
    mandates = session.scalars(
        select(MandateRow)
        .where(col(MandateRow.contact_id) == contact.id)
        .order_by(col(MandateRow.since), col(MandateRow.id))
    )
    return ContactRead.model_validate(
        {
            **{name: getattr(contact, name) for name in ContactRead.model_fields if name != "mandates"},
            "mandates": [Mandate(post=m.post, partner_id=m.partner_id, since=m.since, until=m.until) for m in mandates],
        }
    )


def _state(read: ContactRead) -> dict[str, Any]:
    return read.model_dump(mode="json", include=set(PERSONAL))


def _set_mandates(session: Session, contact: Contact, mandates: Sequence[Mandate]) -> None:
    session.execute(delete(MandateRow).where(col(MandateRow.contact_id) == contact.id))
    for mandate in mandates:
        where = mandate.partner_id or contact.partner_id
        if session.get(Partner, where) is None:
            raise Problem(f"Mandate partner_id {where} is no partner.", status=422, title="Invalid request")
        session.add(
            MandateRow(
                contact_id=contact.id, post=mandate.post, partner_id=where, since=mandate.since, until=mandate.until
            )
        )
    session.flush()


def add_contact(
    *, session: Session, partner_id: uuid.UUID, data: ContactCreate, caller: Caller | None = None
) -> ContactRead:
    live_partner(session=session, partner_id=partner_id)
    now, user = utcnow(), caller.user if caller else None
    contact = Contact(
        partner_id=partner_id,
        created_at=now,
        updated_at=now,
        created_by=user,
        updated_by=user,
        **data.model_dump(exclude={"mandates"}),
    )
    session.add(contact)
    session.flush()
    _set_mandates(session, contact, data.mandates)
    read = contact_read(session=session, contact=contact)
    audit.record(
        session=session,
        partner_id=partner_id,
        entity_type="contact",
        entity_id=contact.id,
        action="contact_added",
        actor=user,
        changes=audit.field_changes({}, _state(read)),
    )
    record_contact_added(session=session, contact=read)
    return read


def get_contact(*, session: Session, contact_id: uuid.UUID) -> Contact:
    contact = session.get(Contact, contact_id)
    if contact is not None:
        return contact
    erased = session.scalar(
        select(col(AuditEntry.id)).where(
            col(AuditEntry.entity_type) == "contact",
            col(AuditEntry.entity_id) == str(contact_id),
            col(AuditEntry.action) == "contact_erased",
        )
    )
    if erased is not None:
        raise Gone(f"Contact {contact_id} was erased.")
    raise NotFound(f"No contact has the id {contact_id}.")


def update_contact(
    *,
    session: Session,
    contact_id: uuid.UUID,
    data: ContactUpdate,
    expected_version: int | None,
    caller: Caller | None = None,
) -> ContactRead:
    contact = get_contact(session=session, contact_id=contact_id)
    check_version(contact.version, expected_version, what="contact")
    before = contact_read(session=session, contact=contact)
    changes = data.model_dump(exclude_unset=True, exclude={"mandates"})
    for name, value in changes.items():
        setattr(contact, name, value)
    if "mandates" in data.model_fields_set:
        _set_mandates(session, contact, data.mandates or [])
    after = contact_read(session=session, contact=contact)
    diff = audit.field_changes(_state(before), _state(after))
    if not diff:
        return before
    contact.version += 1
    contact.updated_at = utcnow()
    contact.updated_by = caller.user if caller else None
    session.add(contact)
    session.flush()
    read = contact_read(session=session, contact=contact)
    audit.record(
        session=session,
        partner_id=contact.partner_id,
        entity_type="contact",
        entity_id=contact.id,
        action="contact_updated",
        actor=read.updated_by,
        changes=diff,
    )
    record_contact_updated(session=session, contact=read)
    return read


def erase_contact(*, session: Session, contact_id: uuid.UUID, caller: Caller | None = None) -> None:
    contact = get_contact(session=session, contact_id=contact_id)
    partner_id = contact.partner_id
    audit.forget_person(session=session, contact_id=contact_id)
    _forget_sent_events(session, contact_id)
    # Crypto-shredding: without its key, the sealed copies on every topic can never be read again.
    session.execute(delete(ContactKey).where(col(ContactKey.contact_id) == contact_id))
    session.execute(delete(MandateRow).where(col(MandateRow.contact_id) == contact_id))
    session.delete(contact)
    session.flush()
    audit.record(
        session=session,
        partner_id=partner_id,
        entity_type="contact",
        entity_id=contact_id,
        action="contact_erased",
        actor=caller.user if caller else None,
    )
    record_contact_erased(session=session, contact_id=contact_id, partner_id=partner_id)


def _forget_sent_events(session: Session, contact_id: uuid.UUID) -> None:
    """Published events about the person are kept in the outbox table: keep their ids, drop the rest.
    (Rows not yet published go out as they are; the erased event follows them on the same key.)"""
    rows = session.scalars(
        select(OutboxMessage).where(
            col(OutboxMessage.status) == OutboxStatus.SENT,
            col(OutboxMessage.event_type).in_([CONTACT_ADDED, CONTACT_UPDATED]),
            col(OutboxMessage.payload).contains(str(contact_id)),
        )
    )
    for row in rows:
        event = json.loads(row.payload)
        if event.get("data", {}).get("id") == str(contact_id):
            event["data"] = {"id": str(contact_id), "partner_id": event["data"].get("partner_id"), "erased": True}
            row.payload = json.dumps(event)
            session.add(row)


def sealing_key(*, session: Session, contact_id: uuid.UUID) -> bytes:
    """The key this contact's personal fields are sealed with on the bus (410 once erased)."""
    contact = get_contact(session=session, contact_id=contact_id)
    key = session.get(ContactKey, contact.id)
    if key is None:  # a contact from before sealing: its next event makes one
        raise NotFound(f"Contact {contact_id} has no sealing key yet: none of its events was sealed.")
    return key.key


def list_contacts(
    *,
    session: Session,
    partner_id: uuid.UUID,
    as_of: date | None,
    limit: int,
    cursor: str | None,
    position: sync.Since | None = None,
) -> tuple[list[ContactRead], str | None]:
    """The partner's contacts; with `as_of`, whoever held a post at this partner on that day; with
    `position`, an incremental sync (kit/sync.py): changed since then, oldest change first."""
    get_partner(session=session, partner_id=partner_id)
    statement = select(Contact)
    if as_of is None:
        statement = statement.where(col(Contact.partner_id) == partner_id)
    else:
        statement = statement.where(
            col(Contact.id).in_(
                select(col(MandateRow.contact_id)).where(
                    col(MandateRow.partner_id) == partner_id,
                    or_(col(MandateRow.since).is_(None), col(MandateRow.since) <= as_of),
                    or_(col(MandateRow.until).is_(None), col(MandateRow.until) >= as_of),
                )
            )
        )
    if position is not None:
        statement = statement.where(sync.changed_after(position, col(Contact.updated_at), col(Contact.id)))
        rows = list(session.scalars(statement.order_by(col(Contact.updated_at), col(Contact.id)).limit(limit)))
        return [contact_read(session=session, contact=c) for c in rows], sync.resume_cursor(position, rows)
    if cursor:
        name, last_id = cursors.decode(cursor, str, uuid.UUID)
        statement = statement.where(tuple_(Contact.name, Contact.id) > tuple_(name, last_id))
    rows = list(session.scalars(statement.order_by(Contact.name, col(Contact.id)).limit(limit + 1)))
    next_cursor = cursors.encode(rows[limit - 1].name, rows[limit - 1].id) if len(rows) > limit else None
    return [contact_read(session=session, contact=c) for c in rows[:limit]], next_cursor
