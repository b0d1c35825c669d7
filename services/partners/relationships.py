"""Typed, dated links between partners: member_of (with a membership status), part_of, partner_of."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import or_, select
from sqlmodel import Session, col

from services.kit.identity import Caller
from services.kit.problems import Conflict, NotFound, Problem
from services.partners import audit
from services.partners.events import record_relationship_added, record_relationship_removed
from services.partners.models import Relationship
from services.partners.schemas import RelationshipCreate
from services.partners.service import get_partner, live_partner


def add_relationship(
    *, session: Session, partner_id: uuid.UUID, data: RelationshipCreate, caller: Caller | None = None
) -> Relationship:
    live_partner(session=session, partner_id=partner_id)
    if data.target_id == partner_id:
        raise Problem("A partner cannot be linked to itself.", status=422, title="Invalid request")
    live_partner(session=session, partner_id=data.target_id)
    if data.type == "part_of" and _is_part_of(session, data.target_id, partner_id):
        raise Conflict(f"{data.target_id} is already (within) a part of {partner_id}: part_of cannot loop.")
    same = session.scalars(
        select(Relationship).where(
            col(Relationship.partner_id) == partner_id,
            col(Relationship.target_id) == data.target_id,
            col(Relationship.type) == data.type,
        )
    ).all()
    if any(_overlap(r.since, r.until, data.since, data.until) for r in same):
        raise Conflict("This link already exists for an overlapping period.")
    relationship = Relationship(partner_id=partner_id, created_by=caller.user if caller else None, **data.model_dump())
    session.add(relationship)
    session.flush()
    audit.record(
        session=session,
        partner_id=partner_id,
        entity_type="relationship",
        entity_id=relationship.id,
        action="relationship_added",
        actor=caller.user if caller else None,
        changes=audit.field_changes({}, data.model_dump()),
    )
    record_relationship_added(session=session, relationship=relationship)
    return relationship


def _is_part_of(session: Session, start: uuid.UUID, ancestor: uuid.UUID) -> bool:
    """Does following part_of links up from `start` reach `ancestor`?"""
    seen: set[uuid.UUID] = set()
    frontier = [start]
    while frontier:
        current = frontier.pop()
        if current == ancestor:
            return True
        if current in seen:
            continue
        seen.add(current)
        frontier.extend(
            session.scalars(
                select(col(Relationship.target_id)).where(
                    col(Relationship.partner_id) == current, col(Relationship.type) == "part_of"
                )
            )
        )
    return False


def _overlap(since_a: date | None, until_a: date | None, since_b: date | None, until_b: date | None) -> bool:
    return (until_a is None or since_b is None or since_b <= until_a) and (
        until_b is None or since_a is None or since_a <= until_b
    )


def list_relationships(
    *,
    session: Session,
    partner_id: uuid.UUID,
    direction: str = "both",
    type: str | None = None,
    as_of: date | None = None,
) -> list[Relationship]:
    get_partner(session=session, partner_id=partner_id)
    sides = {
        "outgoing": [col(Relationship.partner_id) == partner_id],
        "incoming": [col(Relationship.target_id) == partner_id],
        "both": [col(Relationship.partner_id) == partner_id, col(Relationship.target_id) == partner_id],
    }[direction]
    statement = select(Relationship).where(or_(*sides))
    if type is not None:
        statement = statement.where(col(Relationship.type) == type)
    if as_of is not None:
        statement = statement.where(
            or_(col(Relationship.since).is_(None), col(Relationship.since) <= as_of),
            or_(col(Relationship.until).is_(None), col(Relationship.until) >= as_of),
        )
    return list(session.scalars(statement.order_by(col(Relationship.created_at), col(Relationship.id))))


def remove_relationship(
    *, session: Session, partner_id: uuid.UUID, relationship_id: uuid.UUID, caller: Caller | None = None
) -> None:
    relationship = session.get(Relationship, relationship_id)
    if relationship is None or partner_id not in (relationship.partner_id, relationship.target_id):
        raise NotFound(f"Partner {partner_id} has no relationship {relationship_id}.")
    audit.record(
        session=session,
        partner_id=relationship.partner_id,
        entity_type="relationship",
        entity_id=relationship.id,
        action="relationship_removed",
        actor=caller.user if caller else None,
        changes={
            "type": {"before": relationship.type, "after": None},
            "target_id": {"before": str(relationship.target_id), "after": None},
        },
    )
    record_relationship_removed(session=session, relationship=relationship, version=relationship.version + 1)
    session.delete(relationship)
    session.flush()
