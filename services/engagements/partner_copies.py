"""The partner read copy: kept from liaison.partners.v1, used to validate, display and search.

Rules: an older partner version never overwrites a newer copy; a merged partner's id is
re-pointed to its survivor wherever engagements name it; an erased contact leaves every engagement.
"""

from __future__ import annotations

import uuid
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.orm.util import identity_key
from sqlmodel import Session, col

from services.engagements.models import Engagement, EngagementPartner, PartnerCopy, PartnerRelationship
from services.kit.problems import NotFound, Problem, ProblemType

MAX_MERGE_HOPS = 20
MEMBER_TYPES = ("part_of", "member_of")


class UnknownPartner(Problem):
    status = 422
    title = "Unknown partner"
    type = ProblemType.UNKNOWN_PARTNER


@dataclass(frozen=True)
class RecordPartner:
    """Command: make the read copy of a partner match what the partners service says it now is."""

    id: uuid.UUID
    kind: str
    status: str
    version: int
    name_fr: str | None = None
    name_en: str | None = None
    acronyms: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    country: str | None = None
    region: str | None = None


@dataclass(frozen=True)
class RecordRelationship:
    id: uuid.UUID
    partner_id: uuid.UUID
    type: str
    target_id: uuid.UUID
    membership_status: str | None = None
    since: date | None = None
    until: date | None = None
    version: int | None = None  # None: an event from before relationships had versions


def _is_stale(held: PartnerRelationship | None, version: int | None) -> bool:
    return held is not None and version is not None and held.version >= version


def record_partner(*, session: Session, command: RecordPartner) -> tuple[PartnerCopy, bool]:
    """The copy, and whether its searchable names changed (engagements naming it are then re-indexed)."""
    copy = session.get(PartnerCopy, command.id)
    if copy is not None and copy.version >= command.version:
        return copy, False
    values = {name: getattr(command, name) for name in command.__dataclass_fields__}
    if copy is None:
        copy = PartnerCopy(**values)
        names_changed = False
    else:
        before = copy.search_names()
        for name, value in values.items():
            setattr(copy, name, value)
        names_changed = copy.search_names() != before
    session.add(copy)
    return copy, names_changed


def mark_merged(*, session: Session, duplicate_id: uuid.UUID, survivor_id: uuid.UUID) -> None:
    if duplicate_id == survivor_id:
        raise ValueError("a partner cannot be merged into itself")
    copy = session.get(PartnerCopy, duplicate_id)
    if copy is None:
        # Never heard of it: keep a tombstone so that a late request naming it is still re-pointed.
        copy = PartnerCopy(id=duplicate_id, kind="other", status="archived", version=0)
    copy.merged_into = survivor_id
    session.add(copy)
    # Relationships of the duplicate now belong to the survivor.
    for relationship in session.scalars(
        select(PartnerRelationship).where(
            (col(PartnerRelationship.partner_id) == duplicate_id) | (col(PartnerRelationship.target_id) == duplicate_id)
        )
    ):
        if relationship.partner_id == duplicate_id:
            relationship.partner_id = survivor_id
        if relationship.target_id == duplicate_id:
            relationship.target_id = survivor_id
        if relationship.partner_id == relationship.target_id:
            relationship.removed = True


def engagements_of(*, session: Session, partner_id: uuid.UUID) -> list[Engagement]:
    return list(
        session.scalars(
            select(Engagement)
            .join(EngagementPartner, col(EngagementPartner.engagement_id) == col(Engagement.id))
            .where(col(EngagementPartner.partner_id) == partner_id)
        )
    )


def record_relationship(*, session: Session, command: RecordRelationship, removed: bool = False) -> None:
    """Apply an added (or, with `removed`, a removed) relationship unless what is held is as new or newer."""
    relationship = session.get(PartnerRelationship, command.id)
    if _is_stale(relationship, command.version):
        return
    relationship = relationship or PartnerRelationship(
        id=command.id, partner_id=command.partner_id, type=command.type, target_id=command.target_id
    )
    for name in command.__dataclass_fields__:
        if name != "version":
            setattr(relationship, name, getattr(command, name))
    relationship.version = command.version or relationship.version
    relationship.removed = removed
    session.add(relationship)


def remove_relationship(*, session: Session, relationship_id: uuid.UUID) -> None:
    """A removal from before versions (ids only): nothing to compare, so it is applied as it comes."""
    session.execute(delete(PartnerRelationship).where(col(PartnerRelationship.id) == relationship_id))


def survivor(*, session: Session, partner_id: uuid.UUID) -> PartnerCopy | None:
    """The partner the id now stands for (following merges), or None if never heard of."""
    copy = session.get(PartnerCopy, partner_id)
    for _ in range(MAX_MERGE_HOPS):
        if copy is None or copy.merged_into is None:
            return copy
        copy = session.get(PartnerCopy, copy.merged_into)
    return None


def resolve_for_engagement(
    *, session: Session, partner_ids: list[uuid.UUID], already: AbstractSet[uuid.UUID] = frozenset()
) -> list[PartnerCopy]:
    """The partners a new or changed engagement names, merged ids re-pointed and de-duplicated.

    `already` are those the engagement named before: an archived one may stay, not be added.
    """
    unknown: list[str] = []
    archived: list[str] = []
    resolved: dict[uuid.UUID, PartnerCopy] = {}
    for partner_id in partner_ids:
        copy = survivor(session=session, partner_id=partner_id)
        if copy is None or copy.version == 0:
            unknown.append(str(partner_id))
        elif copy.status != "active" and copy.id not in already:
            archived.append(str(partner_id))
        else:
            resolved.setdefault(copy.id, copy)
    if unknown:
        raise UnknownPartner(
            f"The engagements service has not heard of partner(s) {', '.join(unknown)}: create them first "
            "(if just created, their event may still be on its way; retry in a moment).",
            partner_ids=unknown,
        )
    if archived:
        restore = [f"/api/v1/partners/{partner_id}/restore" for partner_id in archived]
        raise UnknownPartner(
            f"Archived partner(s) cannot be named on an engagement: {', '.join(archived)}. "
            f"An administrator can restore it first (POST {restore[0]}), then log the engagement.",
            title="Archived partner",
            type=ProblemType.ARCHIVED_PARTNER,
            partner_ids=archived,
            restore=restore,
        )
    return list(resolved.values())


def get_known_partner(*, session: Session, partner_id: uuid.UUID) -> PartnerCopy:
    copy = survivor(session=session, partner_id=partner_id)
    if copy is None or copy.version == 0:
        raise NotFound(
            f"The engagements service has not heard of partner {partner_id}; "
            "if it was just created, its event may still be on its way."
        )
    return copy


def with_members(*, session: Session, partner_id: uuid.UUID, depth: int = 5) -> list[uuid.UUID]:
    """The partner and those part_of / member_of it, transitively (Bavaria part_of Germany member_of EU)."""
    found, frontier = [partner_id], [partner_id]
    for _ in range(depth):
        if not frontier:
            break
        members = session.scalars(
            select(col(PartnerRelationship.partner_id)).where(
                col(PartnerRelationship.target_id).in_(frontier),
                col(PartnerRelationship.type).in_(MEMBER_TYPES),
                col(PartnerRelationship.removed).is_(False),
            )
        ).all()
        frontier = [m for m in dict.fromkeys(members) if m not in found]
        found.extend(frontier)
    return found


def partners_by_id(*, session: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, PartnerCopy]:
    # Those the session holds already (an engagement just logged: its partners were resolved) cost no query.
    held = {i: p for i in ids if isinstance(p := session.identity_map.get(identity_key(PartnerCopy, i)), PartnerCopy)}
    missing = ids - held.keys()
    if missing:
        held |= {p.id: p for p in session.scalars(select(PartnerCopy).where(col(PartnerCopy.id).in_(missing)))}
    return held
