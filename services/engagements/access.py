"""Who sees what: restricted engagements are seen by few (writes need officer or admin: `deps.Writer`).

A restricted engagement is visible only to its author, its officers and admins (and, by id, to
another service calling with role `service`, to learn who may be told about it). Everyone else
gets what they would get if it did not exist: a 404, no search hit, no count.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, or_, true
from sqlmodel import col

from services.engagements.models import Engagement, EngagementOfficer
from services.engagements.schemas import Confidentiality
from services.kit.identity import Caller
from services.kit.roles import Role


def is_insider(caller: Caller, engagement: Engagement) -> bool:
    return caller.is_admin or caller.user == engagement.created_by or caller.user in engagement.officers


def can_see(caller: Caller, engagement: Engagement, *, by_id: bool = False) -> bool:
    if engagement.confidentiality != Confidentiality.RESTRICTED or is_insider(caller, engagement):
        return True
    return by_id and Role.SERVICE in caller.roles


def visible_to(caller: Caller) -> ColumnElement[bool]:
    """The SQL condition every list, count, facet and report adds."""
    if caller.is_admin:
        return true()
    return or_(
        col(Engagement.confidentiality) != Confidentiality.RESTRICTED,
        col(Engagement.created_by) == caller.user,
        exists().where(
            col(EngagementOfficer.engagement_id) == col(Engagement.id), col(EngagementOfficer.officer) == caller.user
        ),
    )
