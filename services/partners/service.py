"""Partner rules. Functions take keyword arguments and never commit: the caller's unit of work does."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col

from services.kit.identity import Caller
from services.kit.preconditions import check_version
from services.kit.problems import Conflict, NotFound, Problem
from services.kit.thrusts import taxonomy
from services.kit.types import utcnow
from services.partners import audit, search
from services.partners.events import (
    record_partner_archived,
    record_partner_created,
    record_partner_restored,
    record_partner_updated,
)
from services.partners.models import Partner, PartnerThrust
from services.partners.places import check_place
from services.partners.schemas import DuplicateCandidate, PartnerCreate, PartnerRead, PartnerStatus, PartnerUpdate

MAX_REDIRECTS = 10
# What the audit and `changed_fields` compare: the fields a person edits.
EDITABLE = (
    "kind",
    "name_fr",
    "name_en",
    "acronyms",
    "aliases",
    "country",
    "subdivision",
    "region",
    "website",
    "description_fr",
    "description_en",
    "owner",
    "owner_team_id",
    "thrusts",
)


class LikelyDuplicate(Conflict):
    title = "Likely duplicate"


def display_key(partner: Partner) -> str:
    return sort_key_for(partner.name_fr, partner.name_en)


def sort_key_for(name_fr: str | None, name_en: str | None) -> str:
    """What lists are ordered by: the display name folded."""
    return search.fold(name_fr or name_en or "")[:300]


def editable_state(partner: Partner) -> dict[str, Any]:
    return {name: getattr(partner, name) for name in EDITABLE}


def index_partner(session: Session, partner: Partner) -> None:
    partner.sort_key = display_key(partner)
    search.reindex(session=session, partner=partner)
    session.execute(delete(PartnerThrust).where(col(PartnerThrust.partner_id) == partner.id))
    for code in partner.thrusts:
        session.add(PartnerThrust(partner_id=partner.id, code=code))


def _user(caller: Caller | None) -> str | None:
    return caller.user if caller else None


def create_partner(
    *,
    session: Session,
    data: PartnerCreate,
    caller: Caller | None = None,
    allow_duplicate: bool = False,
    partner_id: uuid.UUID | None = None,
) -> Partner:
    """`partner_id` is for loaders that need stable ids (the demo directory); the API never sets it."""
    thrusts = taxonomy().validate(data.thrusts)
    now = utcnow()
    # One clock reading: a partner never updated has created_at == updated_at exactly.
    partner = Partner.model_validate(
        data,
        update={
            "created_at": now,
            "updated_at": now,
            "thrusts": thrusts,
            "created_by": _user(caller),
            "updated_by": _user(caller),
            "id": partner_id or uuid.uuid4(),
        },
    )
    if not allow_duplicate:
        refuse_duplicates(session=session, partner=partner)
    session.add(partner)
    session.flush()
    index_partner(session, partner)
    audit.record(
        session=session,
        partner_id=partner.id,
        entity_type="partner",
        entity_id=partner.id,
        action="created",
        actor=_user(caller),
        changes=audit.field_changes({}, editable_state(partner)),
    )
    record_partner_created(session=session, partner=partner)
    return partner


def refuse_duplicates(*, session: Session, partner: Partner) -> None:
    found = search.likely_duplicates(session=session, partner=partner)
    if not found:
        return
    candidates = [
        DuplicateCandidate(
            id=p.id,
            name_fr=p.name_fr,
            name_en=p.name_en,
            country=p.country,
            kind=p.kind,
            matched=name,
            status=p.status,
            restore=restore_link(p.id) if p.status == PartnerStatus.ARCHIVED else None,
        ).model_dump(mode="json")
        for p, name in found
    ]
    archived = [c for c in candidates if c["restore"]]
    if archived and len(archived) == len(candidates):
        # The match is archived, not gone: creating a second one would only make a new duplicate.
        names = ", ".join(c["name_fr"] or c["name_en"] or c["id"] for c in archived)
        raise LikelyDuplicate(
            f"A partner with a similar name is archived ({names}) — restore it? "
            f"POST {archived[0]['restore']} brings it back; or say the new one is deliberate with "
            "?allow_duplicate=true.",
            candidates=candidates,
            restore=archived[0]["restore"],
        )
    raise LikelyDuplicate(
        "A partner with a similar name already exists in the same country; use it, or say the new one is "
        "deliberate with ?allow_duplicate=true.",
        candidates=candidates,
    )


def get_partner(*, session: Session, partner_id: uuid.UUID) -> Partner:
    """The partner stored at this id, a merged one included (see `resolve_partner`)."""
    partner = session.get(Partner, partner_id)
    if partner is None:
        raise NotFound(f"No partner has the id {partner_id}.")
    return partner


def resolve_partner(*, session: Session, partner_id: uuid.UUID) -> Partner:
    """The partner this id stands for now: a merged duplicate leads to the partner it was merged into."""
    partner = get_partner(session=session, partner_id=partner_id)
    for _ in range(MAX_REDIRECTS):
        if partner.merged_into is None:
            return partner
        partner = get_partner(session=session, partner_id=partner.merged_into)
    raise Problem(f"Partner {partner_id} redirects too many times.", status=500)


def live_partner(*, session: Session, partner_id: uuid.UUID, for_update: bool = False) -> Partner:
    """A partner that can still change: not a merged redirect."""
    partner = get_partner(session=session, partner_id=partner_id)
    if partner.merged_into is not None:
        raise Conflict(
            f"Partner {partner_id} was merged into {partner.merged_into}; change that one instead.",
            merged_into=str(partner.merged_into),
        )
    if for_update:
        session.refresh(partner, with_for_update=True)
    return partner


def update_partner(
    *,
    session: Session,
    partner_id: uuid.UUID,
    data: PartnerUpdate,
    expected_version: int | None,
    caller: Caller | None = None,
) -> Partner:
    partner = live_partner(session=session, partner_id=partner_id, for_update=True)
    check_version(partner.version, expected_version, what="partner")
    changes = data.model_dump(exclude_unset=True)
    if "thrusts" in changes:
        changes["thrusts"] = taxonomy().validate(changes["thrusts"])
    before = editable_state(partner)
    after = before | changes
    if not (after["name_fr"] or after["name_en"]):
        raise Problem("A partner needs name_fr or name_en (or both).", status=422, title="Invalid request")
    try:
        check_place(after["country"], after["subdivision"])
    except ValueError as exc:
        raise Problem(str(exc), status=422, title="Invalid request") from None
    diff = audit.field_changes(before, after)
    if not diff:
        return partner
    for name in diff:
        setattr(partner, name, after[name])
    touch(partner, caller)
    session.add(partner)
    index_partner(session, partner)
    audit.record(
        session=session,
        partner_id=partner.id,
        entity_type="partner",
        entity_id=partner.id,
        action="updated",
        actor=_user(caller),
        changes=diff,
    )
    record_partner_updated(session=session, partner=partner, changed_fields=sorted(diff))
    return partner


def archive_partner(
    *, session: Session, partner_id: uuid.UUID, expected_version: int | None = None, caller: Caller | None = None
) -> Partner:
    return _move_status(
        session=session,
        partner_id=partner_id,
        expected_version=expected_version,
        caller=caller,
        to=PartnerStatus.ARCHIVED,
        action="archived",
        publish=record_partner_archived,
    )


def restore_partner(
    *, session: Session, partner_id: uuid.UUID, expected_version: int | None = None, caller: Caller | None = None
) -> Partner:
    """Undo an archive: the partner is listed, found and may be named on engagements again."""
    return _move_status(
        session=session,
        partner_id=partner_id,
        expected_version=expected_version,
        caller=caller,
        to=PartnerStatus.ACTIVE,
        action="restored",
        publish=record_partner_restored,
    )


def _move_status(
    *,
    session: Session,
    partner_id: uuid.UUID,
    expected_version: int | None,
    caller: Caller | None,
    to: PartnerStatus,
    action: str,
    publish: Callable[..., object],
) -> Partner:
    """Archive and restore: one move between active and archived, audited and published; none when already there."""
    partner = live_partner(session=session, partner_id=partner_id, for_update=True)
    if expected_version is not None:
        check_version(partner.version, expected_version, what="partner")
    if partner.status == to:
        return partner
    before = partner.status
    partner.status = to
    touch(partner, caller)
    session.add(partner)
    audit.record(
        session=session,
        partner_id=partner.id,
        entity_type="partner",
        entity_id=partner.id,
        action=action,
        actor=_user(caller),
        changes={"status": {"before": str(before), "after": str(to)}},
    )
    publish(session=session, partner=partner)
    return partner


def restore_link(partner_id: uuid.UUID) -> str:
    return f"/api/v1/partners/{partner_id}/restore"


def touch(partner: Partner, caller: Caller | None) -> None:
    partner.version += 1
    partner.updated_at = utcnow()
    partner.updated_by = _user(caller)


def read(partner: Partner) -> PartnerRead:
    return PartnerRead.model_validate(partner)
