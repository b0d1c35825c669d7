"""Who sees and changes what: restricted engagements are seen by few; any engagement is changed by few.

A restricted engagement is visible only to its author, its officers and admins (and, by id, to
another service calling with role `service`, to learn who may be told about it). Everyone else
gets what they would get if it did not exist: a 404, no search hit, no count.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, or_, select
from sqlmodel import Session, col

from services.engagements.models import Engagement, EngagementOfficer, FollowUp
from services.engagements.schemas import Confidentiality, FollowUpStatus
from services.kit.identity import Caller
from services.kit.permissions import ensure_party
from services.kit.problems import Problem
from services.kit.roles import Role

# Who governs an engagement: only its author or an admin changes these (or deletes it).
GOVERNING = frozenset({"officers", "confidentiality"})


def is_insider(caller: Caller, engagement: Engagement) -> bool:
    return caller.is_admin or caller.user == engagement.created_by or caller.user in engagement.officers


def can_see(caller: Caller, engagement: Engagement, *, by_id: bool = False) -> bool:
    if engagement.draft:  # an e-mail's content, until its sender confirms it: theirs alone
        return by_id and caller.user == engagement.created_by
    if engagement.confidentiality != Confidentiality.RESTRICTED or is_insider(caller, engagement):
        return True
    return by_id and Role.SERVICE in caller.roles


def visible_to(caller: Caller) -> ColumnElement[bool]:
    """The SQL condition every list, count, facet and report adds. Drafts are in none of them
    (their author lists theirs with `drafts_of`)."""
    confirmed = col(Engagement.draft).is_(False)
    if caller.is_admin:
        return confirmed
    return confirmed & or_(
        col(Engagement.confidentiality) != Confidentiality.RESTRICTED,
        col(Engagement.created_by) == caller.user,
        exists().where(
            col(EngagementOfficer.engagement_id) == col(Engagement.id), col(EngagementOfficer.officer) == caller.user
        ),
    )


def drafts_of(caller: Caller) -> ColumnElement[bool]:
    return col(Engagement.draft).is_(True) & (col(Engagement.created_by) == caller.user)


# --- changing (the role, officer or admin, is checked first: `deps.Writer`) -------------------------


def ensure_may_change(caller: Caller, engagement: Engagement, *, fields: set[str] | frozenset[str]) -> None:
    """Its author, its listed officers or an admin change it; only its author or an admin changes
    `GOVERNING` fields. `engagement` must be as it was BEFORE the change: judged on the state after,
    an outsider could list himself as an officer and be let in by his own change."""
    governed = sorted(fields & GOVERNING)
    if governed:
        ensure_party(caller, owner=engagement.created_by, action=f"change its {', '.join(governed)}", fields=governed)
    ensure_party(caller, owner=engagement.created_by, parties=engagement.officers, action="change this engagement")


def ensure_may_change_follow_up(caller: Caller, engagement: Engagement, *, assignee: str) -> None:
    """The engagement's people change its follow-ups; so does whoever owes one (to complete it, say)."""
    ensure_party(
        caller, owner=engagement.created_by, parties=[*engagement.officers, assignee], action="change this follow-up"
    )


def ensure_may_join(caller: Caller, mission: Engagement) -> None:
    """Putting an engagement into a mission changes the mission (it then cannot be deleted, nor stop
    being a mission, while it holds it): only those who may change the mission do it."""
    ensure_party(caller, owner=mission.created_by, parties=mission.officers, action="add an engagement to this mission")


def ensure_may_delete(caller: Caller, engagement: Engagement) -> None:
    ensure_party(caller, owner=engagement.created_by, action="delete an engagement")


def ensure_may_see(user: str, engagement: Engagement, *, field: str) -> None:
    """A person given part of a restricted engagement (a follow-up) must be able to see it.
    Admins see everything, but only a user name is known here: an admin is listed as an officer first."""
    if engagement.confidentiality == Confidentiality.RESTRICTED and not is_insider(Caller(user=user), engagement):
        raise Problem(
            f"{user} cannot see this restricted engagement: only its author and its officers can be given it.",
            status=422,
            title="Invalid follow-up",
            field=field,
        )


def ensure_open_follow_ups_seen(*, session: Session, engagement: Engagement, field: str) -> None:
    """Made restricted, or with fewer officers, an engagement must still be seen by whoever owes one of
    its open follow-ups: their reminders would otherwise go to someone not allowed to read them."""
    if engagement.confidentiality != Confidentiality.RESTRICTED:
        return
    assignees = session.scalars(
        select(col(FollowUp.assignee))
        .where(col(FollowUp.engagement_id) == engagement.id, col(FollowUp.status) == FollowUpStatus.OPEN)
        .distinct()
    )
    unseen = sorted(a for a in assignees if not is_insider(Caller(user=a), engagement))
    if unseen:
        raise Problem(
            f"{', '.join(unseen)} would no longer see this engagement but owe open follow-ups on it: "
            "reassign those follow-ups first, or keep them among its officers.",
            status=422,
            title="Invalid engagement",
            field=field,
            assignees=unseen,
        )
