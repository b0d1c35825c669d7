"""Engagement rules. Functions take keyword arguments and never commit: the caller's unit of work does."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlmodel import Session, col

from services.engagements import access, agreements, audit, events, search
from services.engagements.access import (
    GOVERNING,
    can_see,
    ensure_may_change,
    ensure_may_delete,
    ensure_may_join,
    ensure_open_follow_ups_seen,
    is_insider,
)
from services.engagements.models import (
    Attachment,
    Engagement,
    EngagementOfficer,
    EngagementThrust,
    FollowUp,
    PartnerCopy,
    Person,
)
from services.engagements.partner_copies import resolve_for_engagement
from services.engagements.schemas import (
    AgreementStatus,
    AuditEntryRead,
    Confidentiality,
    EngagementBase,
    EngagementCreate,
    EngagementType,
    EngagementUpdate,
)
from services.kit import blobs as blob_store
from services.kit.blobs import Blobs
from services.kit.identity import Caller
from services.kit.people import usernames
from services.kit.preconditions import check_version
from services.kit.problems import NotFound, Problem
from services.kit.thrusts import taxonomy
from services.kit.types import utcnow

AGREEMENT_FIELDS = ("agreement_status", "signatories", "signed_on", "effective_on", "expires_on")
WRITABLE = frozenset(EngagementBase.model_fields)  # what a PATCH sets as sent (location and partners aside)


@dataclass(frozen=True)
class DraftData:
    """What an e-mail gives a draft (mail_in.py): the rest is the author's to complete."""

    title: str
    notes: str | None
    starts_at: datetime | None
    # Those the e-mail's recipients are (contacts matched by address, contact_copies.py): known and active.
    partners: list[PartnerCopy] = field(default_factory=list)
    contact_ids: list[uuid.UUID] = field(default_factory=list)


class InvalidEngagement(Problem):
    status = 422
    title = "Invalid engagement"


# --- reading -------------------------------------------------------------------------------------------


def get_engagement(
    *, session: Session, caller: Caller, engagement_id: uuid.UUID, for_update: bool = False
) -> Engagement:
    engagement = session.get(Engagement, engagement_id, with_for_update=for_update or None)
    # A restricted engagement the caller may not see answers exactly like one that does not exist.
    if engagement is None or not can_see(caller, engagement, by_id=True):
        raise NotFound(f"No engagement has the id {engagement_id}.")
    return engagement


# --- writing -------------------------------------------------------------------------------------------


def officers_of(*, session: Session, names: list[str], kept: list[str] | tuple[str, ...] = ()) -> list[str]:
    """The officers named (ids or usernames of enabled people of the directory copy) as the usernames
    stored, or a 422 naming `officers`; `kept`: officers the engagement has already (see `usernames`)."""
    return usernames(session=session, table=Person, values=names, field="officers", kept=kept)


def _check_rules(
    *, session: Session, caller: Caller, engagement: Engagement, zone: ZoneInfo, joins_mission: bool
) -> None:
    """`joins_mission`: the engagement is being put into its mission (logged in it, or moved to it)."""
    if engagement.ends_at < engagement.starts_at:
        raise InvalidEngagement("ends_at must not be before starts_at.", field="ends_at")
    engagement.thrusts = taxonomy().validate(engagement.thrusts)
    if engagement.type != EngagementType.AGREEMENT:
        set_fields = [f for f in AGREEMENT_FIELDS if getattr(engagement, f)]
        if set_fields:
            raise InvalidEngagement(
                f"{', '.join(set_fields)}: only an engagement of type agreement carries them.", fields=set_fields
            )
    elif engagement.agreement_status is None:
        engagement.agreement_status = AgreementStatus.NEGOTIATING
    agreements.check_dates(engagement)
    if engagement.mission_id is not None:
        if engagement.type == EngagementType.MISSION:
            raise InvalidEngagement("A mission cannot be part of another mission.", field="mission_id")
        mission = session.get(Engagement, engagement.mission_id)
        if mission is None or not can_see(caller, mission) or mission.id == engagement.id:
            raise InvalidEngagement(f"No mission has the id {engagement.mission_id}.", field="mission_id")
        if mission.type != EngagementType.MISSION:
            raise InvalidEngagement(f"{mission.id} is a {mission.type}, not a mission.", field="mission_id")
        if joins_mission:
            ensure_may_join(caller, mission)
    local = engagement.starts_at.astimezone(zone)
    engagement.local_year, engagement.local_quarter = local.year, (local.month - 1) // 3 + 1


def _index(*, session: Session, engagement: Engagement, partners: list[PartnerCopy], new: bool) -> None:
    """The rows filters and facets join on (thrusts, officers) and the full-text document."""
    if not new:
        for table in (EngagementThrust, EngagementOfficer):
            session.execute(delete(table).where(col(table.engagement_id) == engagement.id))
    session.add_all(
        [
            EngagementThrust(engagement_id=engagement.id, code=code, top=code.split(".")[0])
            for code in engagement.thrusts
        ]
    )
    session.add_all([EngagementOfficer(engagement_id=engagement.id, officer=o) for o in engagement.officers])
    access.index_teams(session=session, engagement=engagement, new=new)
    search.index(session=session, engagement=engagement, partners=partners)


def log_engagement(
    *,
    session: Session,
    caller: Caller,
    data: EngagementCreate,
    zone: ZoneInfo,
    engagement_id: uuid.UUID | None = None,
) -> Engagement:
    """`zone`: the service's time zone. `engagement_id`: only for loaders that need stable ids (demo data)."""
    partners = resolve_for_engagement(session=session, partner_ids=data.partner_ids)
    officers = officers_of(session=session, names=data.officers)
    now = utcnow()
    location = data.location
    engagement = Engagement.model_validate(
        data.model_dump(include=set(WRITABLE)),
        update={
            "id": engagement_id or uuid.uuid4(),
            "ends_at": data.ends_at or data.starts_at,
            "officers": officers,
            "location_city": location.city if location else None,
            "location_country": location.country if location else None,
            "local_year": 0,
            "local_quarter": 0,
            "created_by": caller.user,
            "updated_by": caller.user,
            "version": 1,
            "created_at": now,
            "updated_at": now,
        },
    )
    engagement.name_partners([p.id for p in partners])
    _check_rules(session=session, caller=caller, engagement=engagement, zone=zone, joins_mission=True)
    access.ensure_known_teams(session=session, teams=engagement.shared_with_teams)
    # No explicit flush: the engagement is written once, its search document already filled in (an
    # INSERT then an UPDATE would compute the PostgreSQL tsvector twice), with its links, audit entry
    # and outbox row in the same round of INSERTs at commit (SQLite's FTS statement flushes it first).
    session.add(engagement)
    _index(session=session, engagement=engagement, partners=partners, new=True)
    _audit(session, engagement, "logged", caller=caller, before={}, after=_state(engagement))
    events.record_engagement_logged(session=session, engagement=engagement)
    return engagement


def log_draft(*, session: Session, author: str, data: DraftData, zone: ZoneInfo) -> Engagement:
    """A draft for `author` (a username of the directory), from an e-mail (mail_in.py): the partners and
    contacts its recipients are, no thrust yet; the author completes it before `confirm_draft`.
    Recorded in the audit, published nowhere."""
    now = utcnow()
    starts_at = data.starts_at or now
    engagement = Engagement(
        type=EngagementType.MEETING,
        title=data.title,
        starts_at=starts_at,
        ends_at=starts_at,
        officers=[author],
        notes=data.notes,
        contact_ids=data.contact_ids,
        thrusts=[],
        local_year=0,
        local_quarter=0,
        created_by=author,
        updated_by=author,
        draft=True,
        created_at=now,
        updated_at=now,
    )
    local = starts_at.astimezone(zone)
    engagement.local_year, engagement.local_quarter = local.year, (local.month - 1) // 3 + 1
    engagement.name_partners([p.id for p in data.partners])
    session.add(engagement)
    session.flush()
    _index(session=session, engagement=engagement, partners=data.partners, new=True)
    _audit(session, engagement, "drafted", caller=Caller(user=author), before={}, after=_state(engagement))
    return engagement


def confirm_draft(
    *, session: Session, caller: Caller, engagement_id: uuid.UUID, expected_version: int | None, zone: ZoneInfo
) -> Engagement:
    """The draft becomes an engagement like any other, published as logged now. Only its author
    confirms it (to anyone else it does not exist); it must name its partners and thrusts by then."""
    engagement = get_engagement(session=session, caller=caller, engagement_id=engagement_id, for_update=True)
    if not engagement.draft:
        raise Problem("This engagement is not a draft: it was confirmed already.", status=409, title="Not a draft")
    check_version(engagement.version, expected_version, what="engagement", required=False)
    missing = [name for name in ("partner_ids", "thrusts") if not getattr(engagement, name)]
    if missing:
        raise InvalidEngagement(
            f"{', '.join(missing)}: a draft names its partners and thrusts before it is confirmed.", fields=missing
        )
    _check_rules(session=session, caller=caller, engagement=engagement, zone=zone, joins_mission=False)
    engagement.draft = False
    engagement.version += 1
    engagement.updated_at = utcnow()
    engagement.updated_by = caller.user
    session.add(engagement)
    _audit(session, engagement, "confirmed", caller=caller, before={}, after={})
    events.record_engagement_logged(session=session, engagement=engagement)
    return engagement


def _audit(session: Session, engagement: Engagement, action: str, *, caller: Caller, before: dict, after: dict) -> None:
    restricted = Confidentiality.RESTRICTED in (before.get("confidentiality"), after.get("confidentiality"))
    audit.record(
        session=session,
        engagement_id=engagement.id,
        entity_type="engagement",
        entity_id=engagement.id,
        action=action,
        actor=caller.user,
        restricted=restricted,
        changes=audit.field_changes(before, after),
    )


def _state(engagement: Engagement) -> dict[str, Any]:
    """What a change is compared on: the writable fields, the location and the partners."""
    state = {name: getattr(engagement, name) for name in WRITABLE}
    state["location"] = {"city": engagement.location_city, "country": engagement.location_country}
    state["partner_ids"] = engagement.partner_ids
    return {k: list(v) if isinstance(v, list) else v for k, v in state.items()}


def update_engagement(
    *,
    session: Session,
    caller: Caller,
    engagement_id: uuid.UUID,
    data: EngagementUpdate,
    expected_version: int | None,
    zone: ZoneInfo,
) -> Engagement:
    engagement = get_engagement(session=session, caller=caller, engagement_id=engagement_id, for_update=True)
    before = _state(engagement)
    sent = data.model_fields_set
    # Judged on the engagement as it is, before anything of the change is applied to it (and before
    # its version is compared: someone who may not change it learns nothing from a precondition).
    ensure_may_change(caller, engagement, fields=set())
    if "officers" in sent and data.officers is not None:
        # As stored (ids become usernames) before comparing: officers named by id are not a change.
        data = data.model_copy(
            update={"officers": officers_of(session=session, names=data.officers, kept=before["officers"])}
        )
    governed = {name for name in sent & GOVERNING if getattr(data, name) != before[name]}
    ensure_may_change(caller, engagement, fields=governed)
    check_version(engagement.version, expected_version, what="engagement")
    for name in sent & WRITABLE:
        setattr(engagement, name, getattr(data, name))
    if "location" in sent:
        engagement.location_city = data.location.city if data.location else None
        engagement.location_country = data.location.country if data.location else None
    current = engagement.partner_ids
    wanted = data.partner_ids if data.partner_ids is not None else current
    partners = resolve_for_engagement(session=session, partner_ids=wanted, already=set(current))
    engagement.name_partners([p.id for p in partners])
    if engagement.type != EngagementType.MISSION and session.scalar(
        select(func.count()).select_from(Engagement).where(col(Engagement.mission_id) == engagement.id)
    ):
        raise InvalidEngagement("This mission holds engagements: it must stay of type mission.", field="type")
    joins = engagement.mission_id is not None and engagement.mission_id != before["mission_id"]
    _check_rules(session=session, caller=caller, engagement=engagement, zone=zone, joins_mission=joins)
    access.ensure_known_teams(session=session, teams=engagement.shared_with_teams, already=before["shared_with_teams"])
    agreements.check_transition(caller=caller, before=before["agreement_status"], after=engagement.agreement_status)
    if governed:
        ensure_open_follow_ups_seen(session=session, engagement=engagement, field=sorted(governed)[0])
    after = _state(engagement)
    changed = sorted(name for name, value in after.items() if before[name] != value)
    if not changed:
        return engagement
    engagement.version += 1
    engagement.updated_at = utcnow()
    engagement.updated_by = caller.user
    session.add(engagement)
    _index(session=session, engagement=engagement, partners=partners, new=False)
    _audit(session, engagement, "updated", caller=caller, before=before, after=after)
    events.record_engagement_updated(session=session, engagement=engagement, changed_fields=changed)
    return engagement


def delete_engagement(
    *, session: Session, blobs: Blobs, caller: Caller, engagement_id: uuid.UUID, expected_version: int | None
) -> None:
    """If-Match is optional here: without it the engagement is deleted whatever its version.
    Its attachments go with it; their files once the deletion has committed (kept if it fails)."""
    engagement = get_engagement(session=session, caller=caller, engagement_id=engagement_id, for_update=True)
    ensure_may_delete(caller, engagement)
    check_version(engagement.version, expected_version, what="engagement", required=False)
    if session.scalar(select(func.count()).select_from(Engagement).where(col(Engagement.mission_id) == engagement.id)):
        raise Problem(
            "This mission still holds engagements: move or delete them first.", status=409, title="Mission not empty"
        )
    state = _state(engagement)
    _audit(session, engagement, "deleted", caller=caller, before=state, after=dict.fromkeys(state))
    events.record_engagement_deleted(session=session, engagement=engagement, deleted_by=caller.user)
    search.unindex(session=session, engagement_id=engagement.id)
    access.unindex_teams(session=session, engagement_id=engagement.id)
    files = session.scalars(select(col(Attachment.storage_key)).where(col(Attachment.engagement_id) == engagement.id))
    blob_store.delete_after_commit(session, blobs, list(files))
    for table in (FollowUp, EngagementThrust, EngagementOfficer, Attachment):
        session.execute(delete(table).where(col(table.engagement_id) == engagement.id))
    session.delete(engagement)  # its partner links go with it (cascade)


def audit_trail(
    *, session: Session, caller: Caller, engagement_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[list[AuditEntryRead], str | None]:
    """Newest first. Values changed while it was restricted are read by its insiders only; an admin
    still reads the trail of a deleted engagement (who deleted it, and what it was)."""
    if caller.is_admin and session.get(Engagement, engagement_id) is None:
        if not audit.recorded(session=session, engagement_id=engagement_id):
            raise NotFound(f"No engagement has the id {engagement_id}.")
        insider = True
    else:
        insider = is_insider(caller, get_engagement(session=session, caller=caller, engagement_id=engagement_id))
    rows, next_cursor = audit.entries(session=session, engagement_id=engagement_id, limit=limit, cursor=cursor)
    items = [
        AuditEntryRead.model_validate(row, from_attributes=True).model_copy(
            update={} if insider or not row.restricted else {"changes": audit.withheld(row)}
        )
        for row in rows
    ]
    return items, next_cursor
