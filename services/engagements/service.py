"""Engagement rules. Functions take keyword arguments and never commit: the caller's unit of work does."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import HTTPException
from sqlalchemy import delete, func, select
from sqlmodel import Session

from services.engagements import events, search
from services.engagements.access import can_see, is_insider, require_writer
from services.engagements.models import (
    Engagement,
    EngagementOfficer,
    EngagementPartner,
    EngagementThrust,
    FollowUp,
    PartnerCopy,
)
from services.engagements.partner_copies import resolve_for_engagement
from services.engagements.schemas import EngagementCreate, EngagementUpdate
from services.engagements.views import LOCAL_ZONE
from services.kit.identity import Caller
from services.kit.preconditions import check_version, expected_version
from services.kit.problems import NotFound, Problem
from services.kit.thrusts import taxonomy
from services.kit.types import utcnow

AGREEMENT_FIELDS = ("agreement_status", "signatories", "signed_on", "effective_on", "expires_on")
SIMPLE_FIELDS = (
    "type",
    "title",
    "starts_at",
    "ends_at",
    "contact_ids",
    "officers",
    "summary",
    "notes",
    "outcome",
    "discussion_points",
    "thrusts",
    "tags",
    "confidentiality",
    "mission_id",
    *AGREEMENT_FIELDS,
)


class InvalidEngagement(Problem):
    status = 422
    title = "Invalid engagement"


def check_if_match(if_match: str | None, version: int, *, what: str = "engagement", required: bool = True) -> None:
    if if_match is None and not required:
        return
    check_version(version, expected_version(if_match), what=what)


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


def _local_year_quarter(engagement: Engagement) -> tuple[int, int]:
    local = engagement.starts_at.astimezone(LOCAL_ZONE)
    return local.year, (local.month - 1) // 3 + 1


def _check_rules(*, session: Session, caller: Caller, engagement: Engagement) -> None:
    if engagement.ends_at < engagement.starts_at:
        raise InvalidEngagement("ends_at must not be before starts_at.", field="ends_at")
    engagement.thrusts = taxonomy().validate(engagement.thrusts)
    if engagement.type != "agreement":
        set_fields = [f for f in AGREEMENT_FIELDS if getattr(engagement, f)]
        if set_fields:
            raise InvalidEngagement(
                f"{', '.join(set_fields)}: only an engagement of type agreement carries them.", fields=set_fields
            )
    elif engagement.agreement_status is None:
        engagement.agreement_status = "negotiating"
    if engagement.effective_on and engagement.expires_on and engagement.expires_on < engagement.effective_on:
        raise InvalidEngagement("expires_on must not be before effective_on.", field="expires_on")
    if engagement.mission_id is not None:
        if engagement.type == "mission":
            raise InvalidEngagement("A mission cannot be part of another mission.", field="mission_id")
        mission = session.get(Engagement, engagement.mission_id)
        if mission is None or not can_see(caller, mission) or mission.id == engagement.id:
            raise InvalidEngagement(f"No mission has the id {engagement.mission_id}.", field="mission_id")
        if mission.type != "mission":
            raise InvalidEngagement(f"{mission.id} is a {mission.type}, not a mission.", field="mission_id")
    engagement.local_year, engagement.local_quarter = _local_year_quarter(engagement)


def _sync_links(*, session: Session, engagement: Engagement, partners: list[PartnerCopy], new: bool) -> None:
    if not new:
        for table in (EngagementPartner, EngagementThrust, EngagementOfficer):
            session.execute(delete(table).where(table.engagement_id == engagement.id))
    session.add_all([EngagementPartner(engagement_id=engagement.id, partner_id=p.id) for p in partners])
    session.add_all(
        [
            EngagementThrust(engagement_id=engagement.id, code=code, top=code.split(".")[0])
            for code in engagement.thrusts
        ]
    )
    session.add_all([EngagementOfficer(engagement_id=engagement.id, officer=o) for o in engagement.officers])


def _values(data: EngagementCreate | EngagementUpdate, names) -> dict[str, Any]:
    return {name: getattr(data, name) for name in names}


def log_engagement(
    *, session: Session, caller: Caller, data: EngagementCreate, engagement_id: uuid.UUID | None = None
) -> Engagement:
    """`engagement_id`: only for loaders that need stable ids (demo data); the API always makes a new one."""
    require_writer(caller)
    partners = resolve_for_engagement(session=session, partner_ids=data.partner_ids)
    now = utcnow()
    fields = _values(data, SIMPLE_FIELDS)
    fields["ends_at"] = data.ends_at or data.starts_at
    for name in ("contact_ids", "officers", "discussion_points", "tags", "signatories"):
        fields[name] = fields[name] or []
    location = data.location
    engagement = Engagement(
        **fields,
        id=engagement_id or uuid.uuid4(),
        partner_ids=[str(p.id) for p in partners],
        location_city=location.city if location else None,
        location_country=location.country if location else None,
        local_year=0,
        local_quarter=0,
        created_by=caller.user,
        version=1,
        created_at=now,
        updated_at=now,
    )
    engagement.contact_ids = [str(c) for c in engagement.contact_ids]
    engagement.mission_id = data.mission_id
    _check_rules(session=session, caller=caller, engagement=engagement)
    session.add(engagement)
    session.flush()
    _sync_links(session=session, engagement=engagement, partners=partners, new=True)
    search.index(session=session, engagement=engagement, partners=partners)
    events.record_engagement_logged(session=session, engagement=engagement)
    return engagement


def _state(engagement: Engagement) -> dict[str, Any]:
    state = {name: getattr(engagement, name) for name in SIMPLE_FIELDS}
    state["location"] = (engagement.location_city, engagement.location_country)
    state["partner_ids"] = list(engagement.partner_ids)
    return {k: list(v) if isinstance(v, list) else v for k, v in state.items()}


def update_engagement(
    *, session: Session, caller: Caller, engagement_id: uuid.UUID, data: EngagementUpdate, if_match: str | None
) -> Engagement:
    require_writer(caller)
    engagement = get_engagement(session=session, caller=caller, engagement_id=engagement_id, for_update=True)
    check_if_match(if_match, engagement.version)
    before = _state(engagement)
    sent = data.model_fields_set
    for name in sent & set(SIMPLE_FIELDS):
        value = getattr(data, name)
        if name == "contact_ids":
            value = [str(c) for c in value or []]
        elif name in ("officers", "discussion_points", "tags", "signatories"):
            value = value or []
        setattr(engagement, name, value)
    if "location" in sent:
        engagement.location_city = data.location.city if data.location else None
        engagement.location_country = data.location.country if data.location else None
    current = {uuid.UUID(p) for p in engagement.partner_ids}
    wanted = data.partner_ids if "partner_ids" in sent else [uuid.UUID(p) for p in engagement.partner_ids]
    partners = resolve_for_engagement(session=session, partner_ids=wanted, already=current)
    engagement.partner_ids = [str(p.id) for p in partners]
    if engagement.type != "mission" and session.scalar(
        select(func.count()).select_from(Engagement).where(Engagement.mission_id == engagement.id)
    ):
        raise InvalidEngagement("This mission holds engagements: it must stay of type mission.", field="type")
    if (
        (before["confidentiality"] == "restricted" or engagement.confidentiality == "restricted")
        and before["confidentiality"] != engagement.confidentiality
        and not is_insider(caller, engagement)
    ):
        raise HTTPException(
            status_code=403,
            detail="Only the author, its officers or an admin change who may see a restricted engagement.",
        )
    _check_rules(session=session, caller=caller, engagement=engagement)
    changed = sorted(name for name, value in _state(engagement).items() if before[name] != value)
    if not changed:
        return engagement
    engagement.version += 1
    engagement.updated_at = utcnow()
    session.add(engagement)
    _sync_links(session=session, engagement=engagement, partners=partners, new=False)
    search.index(session=session, engagement=engagement, partners=partners)
    events.record_engagement_updated(session=session, engagement=engagement, changed_fields=changed)
    return engagement


def delete_engagement(*, session: Session, caller: Caller, engagement_id: uuid.UUID, if_match: str | None) -> None:
    require_writer(caller)
    engagement = get_engagement(session=session, caller=caller, engagement_id=engagement_id, for_update=True)
    check_if_match(if_match, engagement.version, required=False)
    if not is_insider(caller, engagement):
        raise HTTPException(status_code=403, detail="Only the author, its officers or an admin delete an engagement.")
    if session.scalar(select(func.count()).select_from(Engagement).where(Engagement.mission_id == engagement.id)):
        raise Problem(
            "This mission still holds engagements: move or delete them first.", status=409, title="Mission not empty"
        )
    events.record_engagement_deleted(session=session, engagement=engagement, deleted_by=caller.user)
    search.unindex(session=session, engagement_id=engagement.id)
    for table in (FollowUp, EngagementPartner, EngagementThrust, EngagementOfficer):
        session.execute(delete(table).where(table.engagement_id == engagement.id))
    session.delete(engagement)
