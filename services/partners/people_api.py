"""HTTP routes for what hangs off a partner: its relationships and its contacts (people)."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from fastapi import APIRouter, Response, status
from sqlalchemy import select
from sqlmodel import col

from services.kit import sync
from services.kit.app import SessionDep
from services.kit.edge import ExpectedVersion, UpdatedSince
from services.kit.inputs import Date
from services.kit.openapi_problems import problems
from services.kit.preconditions import etag
from services.kit.sealed import ALGORITHM, encode_key
from services.partners import contacts, relationships
from services.partners.contact_schemas import ContactCreate, ContactRead, ContactUpdate
from services.partners.deps import Editor, Limit, Reader
from services.partners.models import Partner
from services.partners.schemas import (
    Page,
    PartnerNames,
    RelationshipCreate,
    RelationshipListed,
    RelationshipRead,
    RelationshipType,
)

router = APIRouter(prefix="/api/v1", tags=["relationships and contacts"])
ERASED = problems(410)  # a contact erased (its personal data gone) answers 410 Gone, not 404


def _relationship(row) -> RelationshipRead:
    return RelationshipRead.model_validate(row, from_attributes=True)


@router.get("/partners/{partner_id}/relationships", response_model=Page[RelationshipListed])
def list_relationships(
    partner_id: uuid.UUID,
    session: SessionDep,
    _: Reader,
    direction: Literal["outgoing", "incoming", "both"] = "both",
    type: RelationshipType | None = None,
    as_of: Date | None = None,
) -> Page[RelationshipListed]:
    rows = relationships.list_relationships(
        session=session, partner_id=partner_id, direction=direction, type=type, as_of=as_of
    )
    ends = {
        p.id: PartnerNames.model_validate(p, from_attributes=True)
        for p in session.scalars(
            select(Partner).where(col(Partner.id).in_({r.partner_id for r in rows} | {r.target_id for r in rows}))
        )
    }
    listed = [
        RelationshipListed(**_relationship(r).model_dump(), partner=ends[r.partner_id], target=ends[r.target_id])
        for r in rows
    ]
    return Page[RelationshipListed](items=listed, next_cursor=None, total=len(rows))


@router.post(
    "/partners/{partner_id}/relationships",
    status_code=status.HTTP_201_CREATED,
    response_model=RelationshipRead,
    responses=problems(409),  # the link exists already, or part_of would loop
)
def add_relationship(
    partner_id: uuid.UUID, body: RelationshipCreate, session: SessionDep, caller: Editor
) -> RelationshipRead:
    return _relationship(
        relationships.add_relationship(session=session, partner_id=partner_id, data=body, caller=caller)
    )


@router.delete("/partners/{partner_id}/relationships/{relationship_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_relationship(
    partner_id: uuid.UUID, relationship_id: uuid.UUID, session: SessionDep, caller: Editor
) -> Response:
    relationships.remove_relationship(
        session=session, partner_id=partner_id, relationship_id=relationship_id, caller=caller
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/partners/{partner_id}/contacts", response_model=Page[ContactRead])
def list_contacts(
    partner_id: uuid.UUID,
    session: SessionDep,
    _: Reader,
    as_of: Date | None = None,
    limit: Limit = 50,
    cursor: str | None = None,
    updated_since: UpdatedSince = None,
) -> Page[ContactRead]:
    """With `as_of`: whoever held a post (a mandate) at this partner on that day."""
    position = sync.since(updated_since=updated_since, cursor=cursor)
    items, next_cursor = contacts.list_contacts(
        session=session, partner_id=partner_id, as_of=as_of, limit=limit, cursor=cursor, position=position
    )
    return Page[ContactRead](items=items, next_cursor=next_cursor)


@router.post("/partners/{partner_id}/contacts", status_code=status.HTTP_201_CREATED, response_model=ContactRead)
def add_contact(
    partner_id: uuid.UUID, body: ContactCreate, session: SessionDep, caller: Editor, response: Response
) -> ContactRead:
    contact = contacts.add_contact(session=session, partner_id=partner_id, data=body, caller=caller)
    response.headers["Location"] = f"/api/v1/contacts/{contact.id}"
    response.headers["ETag"] = etag(contact.version)
    return contact


@router.get("/contacts/{contact_id}", response_model=ContactRead, responses=ERASED)
def get_contact(contact_id: uuid.UUID, session: SessionDep, _: Reader, response: Response) -> ContactRead:
    contact = contacts.get_contact(session=session, contact_id=contact_id)
    response.headers["ETag"] = etag(contact.version)
    return contacts.contact_read(session=session, contact=contact)


@router.get("/contacts/{contact_id}/key", responses=ERASED)
def get_contact_key(contact_id: uuid.UUID, session: SessionDep, _: Reader) -> dict[str, Any]:
    """The key that opens this contact's sealed fields in its events (services/kit/sealed.py); 410 once erased."""
    key = contacts.sealing_key(session=session, contact_id=contact_id)
    return {"contact_id": str(contact_id), "alg": ALGORITHM, "key": encode_key(key)}


@router.patch("/contacts/{contact_id}", response_model=ContactRead, responses=ERASED)
def update_contact(
    contact_id: uuid.UUID,
    body: ContactUpdate,
    session: SessionDep,
    caller: Editor,
    response: Response,
    expected: ExpectedVersion,
) -> ContactRead:
    contact = contacts.update_contact(
        session=session, contact_id=contact_id, data=body, expected_version=expected, caller=caller
    )
    response.headers["ETag"] = etag(contact.version)
    return contact


@router.delete("/contacts/{contact_id}", status_code=status.HTTP_204_NO_CONTENT, responses=ERASED)
def erase_contact(contact_id: uuid.UUID, session: SessionDep, caller: Editor) -> Response:
    """Erases the person's personal data (Loi 25 / GDPR); the audit keeps only that it happened."""
    contacts.erase_contact(session=session, contact_id=contact_id, caller=caller)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
