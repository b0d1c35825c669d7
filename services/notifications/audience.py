"""Who hears about an engagement: subscribers of its partners, thrusts, regions or type — never
its author, and for a restricted one only its officers, the members of the teams it is shared with
(per this service's people copy) and admins."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import and_, or_, select
from sqlmodel import Session, col

from services.kit.roles import STAFF, Role
from services.notifications.models import KnownPartner, Person, Recipient, Subscription
from services.notifications.schemas import Rhythm, SubscriptionKind

T = TypeVar("T")
# Look-ups shared by the events of one consumer transaction (a poll's batch): a burst about the same
# partners asks the same questions once (issue 12: these queries were most of an event's cost).
MEMO = "notifications.audience_memo"


@dataclass
class Listener:
    user: str
    channels: set[str] = field(default_factory=set)
    immediate: set[str] = field(default_factory=set)  # channels some immediate subscription asked for

    @property
    def held(self) -> frozenset[str]:
        return frozenset(self.channels - self.immediate)


def thrust_and_parents(codes: list[str]) -> set[str]:
    """A subscription to `trade` covers `trade.investment`: match the code and every ancestor."""
    covered: set[str] = set()
    for code in codes:
        parts = code.split(".")
        covered.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    return covered


def officer_users(officers: list[Any]) -> set[str]:
    users = set()
    for officer in officers or []:
        if isinstance(officer, str):
            users.add(officer)
        elif isinstance(officer, dict):
            user = officer.get("user") or officer.get("id") or officer.get("email")
            if user:
                users.add(str(user))
    return users


def remembered(session: Session, key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`, once per transaction and key. Whatever changes subscriptions, known partners or
    recipients in this session calls `forget` first."""
    memo: dict[Hashable, Any] = session.info.setdefault(MEMO, {})
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def forget(session: Session) -> None:
    session.info.pop(MEMO, None)


def listeners(
    *, session: Session, partner_ids: list[uuid.UUID], thrusts: list[str], engagement_type: str | None
) -> dict[str, Listener]:
    key = ("listeners", tuple(partner_ids), tuple(sorted(set(thrusts))), engagement_type)
    return remembered(session, key, lambda: _listeners(session, partner_ids, thrusts, engagement_type))


def _listeners(
    session: Session, partner_ids: list[uuid.UUID], thrusts: list[str], engagement_type: str | None
) -> dict[str, Listener]:
    regions = (
        set(
            session.execute(
                select(col(KnownPartner.region)).where(
                    col(KnownPartner.id).in_(partner_ids), col(KnownPartner.region).is_not(None)
                )
            ).scalars()
        )
        if partner_ids
        else set()
    )
    wanted = [
        and_(
            col(Subscription.kind) == SubscriptionKind.PARTNER,
            col(Subscription.target).in_([str(p) for p in partner_ids]),
        ),
        and_(
            col(Subscription.kind) == SubscriptionKind.THRUST, col(Subscription.target).in_(thrust_and_parents(thrusts))
        ),
        and_(col(Subscription.kind) == SubscriptionKind.REGION, col(Subscription.target).in_(regions)),
    ]
    if engagement_type:
        wanted.append(
            and_(
                col(Subscription.kind) == SubscriptionKind.ENGAGEMENT_TYPE, col(Subscription.target) == engagement_type
            )
        )
    found: dict[str, Listener] = {}
    for subscription in session.execute(select(Subscription).where(or_(*wanted))).scalars():
        listener = found.setdefault(subscription.user, Listener(subscription.user))
        listener.channels.update(subscription.channels)
        if subscription.rhythm == Rhythm.IMMEDIATE:
            listener.immediate.update(subscription.channels)
    return found


def team_members(*, session: Session, users: list[str], teams: set[str]) -> set[str]:
    """Those of `users` who are, per the people copy, enabled members of one of `teams`."""
    if not teams or not users:
        return set()
    people = session.execute(select(Person).where(col(Person.username).in_(users))).scalars()
    return {p.username for p in people if not p.disabled and teams & set(p.teams)}


def allowed(
    *,
    session: Session,
    found: dict[str, Listener],
    confidentiality: str,
    author: str | None,
    officers: set[str],
    shared_with_teams: Collection[str] = (),
) -> list[Listener]:
    """Drop the author, and whoever may not see an engagement of this confidentiality (a restricted
    one: its officers, the members of the teams it is shared with, admins)."""
    candidates = {user: listener for user, listener in found.items() if user != author}
    if confidentiality == "public" or not candidates:
        return list(candidates.values())
    roles = {
        r.user: set(r.roles)
        for r in session.execute(select(Recipient).where(col(Recipient.user).in_(list(candidates)))).scalars()
    }
    if confidentiality == "restricted":
        members = team_members(session=session, users=list(candidates), teams=set(shared_with_teams))
        return [
            listener
            for user, listener in candidates.items()
            if user in officers or user in members or Role.ADMIN in roles.get(user, set())
        ]
    return [listener for user, listener in candidates.items() if roles.get(user, set()) & STAFF]
