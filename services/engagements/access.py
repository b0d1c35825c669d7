"""Who sees and changes what: restricted engagements are seen by few; any engagement is changed by few.

A restricted engagement is visible only to its author, its officers, the members of the teams it is
shared with (`shared_with_teams`, per the people copy: `with_teams`) and admins (and, by id, to
another service calling with role `service`, to learn who may be told about it). Everyone else
gets what they would get if it did not exist: a 404, no search hit, no count. Sharing with a team
lets its members read, not change: changing stays with the author and officers.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import replace

from sqlalchemy import ColumnElement, delete, exists, or_, select
from sqlmodel import Session, col

from services.engagements.models import Engagement, EngagementOfficer, EngagementTeam, FollowUp, Person
from services.engagements.schemas import Confidentiality, FollowUpStatus
from services.kit.identity import Caller
from services.kit.permissions import ensure_party
from services.kit.problems import Problem
from services.kit.roles import Role

# Who governs an engagement: only its author or an admin changes these (or deletes it).
GOVERNING = frozenset({"officers", "confidentiality", "shared_with_teams"})


def teams_of(*, session: Session, user: str) -> frozenset[str]:
    """The teams of `user` (a username) as the people copy says; none for a disabled or unknown one."""
    person = session.scalars(select(Person).where(col(Person.username) == user)).first()
    return frozenset(person.teams) if person is not None and not person.disabled else frozenset()


def with_teams(*, session: Session, caller: Caller) -> Caller:
    """`caller` with its teams (one look-up per request: `deps.caller_teams`); admins see all anyway."""
    if caller.is_admin or caller.teams:
        return caller
    return replace(caller, teams=teams_of(session=session, user=caller.user))


def _team_ids(caller: Caller) -> list[uuid.UUID]:
    ids = []
    for team in caller.teams:
        try:
            ids.append(uuid.UUID(team))
        except ValueError:  # a copy holds what the directory sent; an odd value shares nothing
            continue
    return ids


def is_insider(caller: Caller, engagement: Engagement) -> bool:
    return (
        caller.is_admin
        or caller.user == engagement.created_by
        or caller.user in engagement.officers
        or not set(_team_ids(caller)).isdisjoint(engagement.shared_with_teams)
    )


def can_see(caller: Caller, engagement: Engagement, *, by_id: bool = False) -> bool:
    if engagement.draft:  # an e-mail's content, until its sender confirms it: theirs alone
        return by_id and caller.user == engagement.created_by
    if engagement.confidentiality != Confidentiality.RESTRICTED or is_insider(caller, engagement):
        return True
    return by_id and Role.SERVICE in caller.roles


class UnknownTeam(Problem):
    status = 422
    title = "Unknown team"


def ensure_known_teams(*, session: Session, teams: Sequence[uuid.UUID], already: Collection[uuid.UUID] = ()) -> None:
    """Teams newly named in `shared_with_teams` must be teams of the directory. The gateway publishes
    people, not teams: a team is known here by its enabled members (a team without one would share
    with nobody). Teams named before (`already`) stay, even once emptied, so an unrelated change of
    the engagement is not refused for them."""
    new = [team for team in teams if team not in already]
    if not new:
        return
    known: set[str] = set()
    for member_of in session.scalars(select(col(Person.teams)).where(col(Person.disabled).is_(False))):
        known.update(member_of)
    unknown = [str(team) for team in new if str(team) not in known]
    if unknown:
        error = {"location": ["body", "shared_with_teams"], "message": "unknown team", "type": "unknown_team"}
        raise UnknownTeam(
            f"shared_with_teams: {', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not a team with "
            "members in the directory (if just made, its members' events may still be on their way; retry "
            "in a moment).",
            errors=[error | {"values": unknown}],
        )


def index_teams(*, session: Session, engagement: Engagement, new: bool) -> None:
    """The rows `visible_to` joins on, kept in step with `shared_with_teams` (as officers' rows are)."""
    if not new:
        unindex_teams(session=session, engagement_id=engagement.id)
    session.add_all([EngagementTeam(engagement_id=engagement.id, team_id=t) for t in engagement.shared_with_teams])


def unindex_teams(*, session: Session, engagement_id: uuid.UUID) -> None:
    session.execute(delete(EngagementTeam).where(col(EngagementTeam.engagement_id) == engagement_id))


def visible_to(caller: Caller) -> ColumnElement[bool]:
    """The SQL condition every list, count, facet and report adds. Drafts are in none of them
    (their author lists theirs with `drafts_of`)."""
    confirmed = col(Engagement.draft).is_(False)
    if caller.is_admin:
        return confirmed
    insider = [
        col(Engagement.confidentiality) != Confidentiality.RESTRICTED,
        col(Engagement.created_by) == caller.user,
        exists().where(
            col(EngagementOfficer.engagement_id) == col(Engagement.id), col(EngagementOfficer.officer) == caller.user
        ),
    ]
    if teams := _team_ids(caller):
        insider.append(
            exists().where(
                col(EngagementTeam.engagement_id) == col(Engagement.id), col(EngagementTeam.team_id).in_(teams)
            )
        )
    return confirmed & or_(*insider)


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
