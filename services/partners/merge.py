"""Merging a duplicate B into A: B's relationships, contacts, names and thrusts move to A, and B
becomes a redirect to A (`merged_into`), so old references still lead somewhere.

The administrator picks, field by field, whose value survives (`MergeChoices`); a name given up
stays an alias, so the partner is still found by it."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlmodel import Session, col

from services.kit.identity import Caller
from services.kit.preconditions import check_version
from services.kit.problems import Problem
from services.partners import attachments, audit, search
from services.partners.contacts import contact_read
from services.partners.events import (
    record_contact_updated,
    record_partner_merged,
    record_partner_updated,
    record_relationship_added,
    record_relationship_removed,
)
from services.partners.models import Contact, MandateRow, Partner, Relationship
from services.partners.places import check_place
from services.partners.schemas import Keep, MergeChoices, PartnerStatus
from services.partners.service import editable_state, index_partner, live_partner, touch


def merge_partners(
    *,
    session: Session,
    survivor_id: uuid.UUID,
    duplicate_id: uuid.UUID,
    expected_version: int | None = None,
    caller: Caller | None = None,
    keep: MergeChoices | None = None,
) -> Partner:
    if survivor_id == duplicate_id:
        raise Problem("A partner cannot be merged into itself.", status=422, title="Invalid request")
    survivor = live_partner(session=session, partner_id=survivor_id, for_update=True)
    duplicate = live_partner(session=session, partner_id=duplicate_id, for_update=True)
    if expected_version is not None:
        check_version(survivor.version, expected_version, what="partner")
    user = caller.user if caller else None

    before = editable_state(survivor)
    chosen = (keep or MergeChoices()).model_dump(exclude_none=True)
    given_up = [survivor.name_fr, survivor.name_en]
    for name in MergeChoices.model_fields:
        if chosen.get(name) == Keep.DUPLICATE or (
            name not in chosen and getattr(survivor, name) is None and name not in ("subdivision",)
        ):
            setattr(survivor, name, getattr(duplicate, name))
    if not (survivor.name_fr or survivor.name_en):
        raise Problem("The merged partner needs name_fr or name_en (or both).", status=422, title="Invalid request")
    if "subdivision" not in chosen and survivor.subdivision is None and survivor.country == duplicate.country:
        survivor.subdivision = duplicate.subdivision
    try:
        check_place(survivor.country, survivor.subdivision)
    except ValueError as exc:
        raise Problem(f"The merged partner's place does not hold: {exc}", status=422, title="Invalid request") from None
    own_names = {search.fold(n) for n in (survivor.name_fr, survivor.name_en) if n}
    for known_as in (*given_up, duplicate.name_fr, duplicate.name_en, *duplicate.aliases):
        if known_as and search.fold(known_as) not in own_names and known_as not in survivor.aliases:
            survivor.aliases = [*survivor.aliases, known_as]
    survivor.acronyms = list(dict.fromkeys([*survivor.acronyms, *duplicate.acronyms]))
    survivor.thrusts = list(dict.fromkeys([*survivor.thrusts, *duplicate.thrusts]))

    _move_relationships(session, survivor, duplicate)
    _move_contacts(session, survivor, duplicate)
    attachments.move(session=session, survivor_id=survivor.id, duplicate_id=duplicate.id)

    diff = audit.field_changes(before, editable_state(survivor))
    touch(survivor, caller)
    session.add(survivor)
    index_partner(session, survivor)
    duplicate.merged_into = survivor.id
    duplicate.status = PartnerStatus.ARCHIVED
    touch(duplicate, caller)
    session.add(duplicate)
    search.reindex(session=session, partner=duplicate)  # its names now belong to the survivor
    session.flush()

    audit.record(
        session=session,
        partner_id=survivor.id,
        entity_type="partner",
        entity_id=survivor.id,
        action="merged",
        actor=user,
        changes=diff | {"merged_from": {"before": None, "after": str(duplicate.id)}},
    )
    audit.record(
        session=session,
        partner_id=duplicate.id,
        entity_type="partner",
        entity_id=duplicate.id,
        action="merged_into",
        actor=user,
        changes={"merged_into": {"before": None, "after": str(survivor.id)}},
    )
    record_partner_updated(session=session, partner=survivor, changed_fields=sorted(diff))
    record_partner_merged(session=session, duplicate=duplicate, survivor=survivor)
    return survivor


def _move_relationships(session: Session, survivor: Partner, duplicate: Partner) -> None:
    """Re-point B's links to A. Links that would tie A to itself, repeat one A has, or make a
    part_of loop are dropped; each move is a removed + added pair so consumers stay in step."""
    rows = session.scalars(
        select(Relationship).where(
            (col(Relationship.partner_id) == duplicate.id) | (col(Relationship.target_id) == duplicate.id)
        )
    ).all()
    existing = {
        (r.partner_id, r.type, r.target_id)
        for r in session.scalars(
            select(Relationship).where(
                (col(Relationship.partner_id) == survivor.id) | (col(Relationship.target_id) == survivor.id)
            )
        )
    }
    for relationship in rows:
        relationship.version += 1
        record_relationship_removed(session=session, relationship=relationship, version=relationship.version)
        source = survivor.id if relationship.partner_id == duplicate.id else relationship.partner_id
        target = survivor.id if relationship.target_id == duplicate.id else relationship.target_id
        triple = (source, relationship.type, target)
        if (
            source == target
            or triple in existing
            or (relationship.type == "part_of" and (target, "part_of", source) in existing)
        ):
            session.delete(relationship)
            continue
        relationship.partner_id, relationship.target_id = source, target
        relationship.version += 1
        existing.add(triple)
        session.add(relationship)
        session.flush()
        record_relationship_added(session=session, relationship=relationship)
    session.flush()


def _move_contacts(session: Session, survivor: Partner, duplicate: Partner) -> None:
    for mandate in session.scalars(select(MandateRow).where(col(MandateRow.partner_id) == duplicate.id)):
        mandate.partner_id = survivor.id
        session.add(mandate)
    for contact in session.scalars(select(Contact).where(col(Contact.partner_id) == duplicate.id)).all():
        contact.partner_id = survivor.id
        contact.version += 1
        session.add(contact)
        session.flush()
        record_contact_updated(session=session, contact=contact_read(session=session, contact=contact))
    session.flush()
