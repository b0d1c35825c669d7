"""An officer's engagements and open follow-ups as iCalendar (RFC 5545).

Times are in the service's time zone, except a meeting held abroad in a country with one civil time:
it is given in that country's zone (DTSTART;TZID=Europe/Berlin and its VTIMEZONE), so a calendar
shows the officer in Munich the local hour of the meeting as well as their own. A country whose
zones disagree (the United States, Canada, Russia...) cannot say which one: the service's zone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from babel.core import get_global
from icalendar import Calendar, Event
from sqlalchemy import exists, or_, select
from sqlmodel import Session, col

from services.engagements.access import visible_to
from services.engagements.models import Engagement, EngagementOfficer, FollowUp
from services.engagements.schemas import Confidentiality, FollowUpStatus
from services.kit.identity import Caller
from services.kit.inputs import EARLIEST_YEAR, LATEST_YEAR
from services.kit.types import utcnow

PAST_DAYS = 365
MAX_EVENTS = 2000
PRODID = "-//Liaison//Engagements//FR"


@cache
def country_zone(country: str) -> ZoneInfo | None:
    """The one civil time of a country (ISO 3166-1 alpha-2), None when its zones disagree or it has none."""
    names = get_global("territory_zones").get(country.upper()[:2], [])
    zones = [ZoneInfo(name) for name in names]
    if not zones:
        return None
    year = utcnow().year
    moments = [datetime(year, 1, 15, 12, tzinfo=UTC), datetime(year, 7, 15, 12, tzinfo=UTC)]
    offsets = {tuple(moment.astimezone(zone).utcoffset() for moment in moments) for zone in zones}
    return zones[0] if len(offsets) == 1 else None


def meeting_zone(engagement: Engagement, home: ZoneInfo) -> ZoneInfo:
    country = engagement.location_country
    return (country_zone(country) if country else None) or home


def officer_calendar(*, session: Session, caller: Caller, officer: str, zone: ZoneInfo, public_url: str = "") -> bytes:
    since = utcnow() - timedelta(days=PAST_DAYS)
    takes_part = or_(
        col(Engagement.created_by) == officer,
        exists().where(
            col(EngagementOfficer.engagement_id) == col(Engagement.id), col(EngagementOfficer.officer) == officer
        ),
    )
    engagements = session.scalars(
        select(Engagement)
        .where(visible_to(caller), takes_part, col(Engagement.ends_at) >= since)
        .order_by(col(Engagement.starts_at))
        .limit(MAX_EVENTS)
    )
    follow_ups = session.execute(
        select(FollowUp, Engagement)
        .join(Engagement, col(Engagement.id) == col(FollowUp.engagement_id))
        .where(
            visible_to(caller),
            col(FollowUp.assignee) == officer,
            col(FollowUp.status) == FollowUpStatus.OPEN,
            # A due date stored before the API checked the range (kit/inputs.py) has no day in a calendar.
            col(FollowUp.due_on).between(date(EARLIEST_YEAR, 1, 1), date(LATEST_YEAR, 12, 31)),
        )
        .order_by(col(FollowUp.due_on))
        .limit(MAX_EVENTS)
    )
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    # The name comes from the URL: no control character may reach a content line (a CR there is a 500).
    calendar.add("x-wr-calname", "Liaison — " + "".join(c if c.isprintable() else " " for c in officer))
    calendar.add("x-wr-timezone", zone.key)
    stamp = utcnow()
    for engagement in engagements:
        event = Event()
        event.add("uid", f"engagement-{engagement.id}@liaison")
        event.add("dtstamp", stamp)
        local = meeting_zone(engagement, zone)
        event.add("dtstart", engagement.starts_at.astimezone(local))
        event.add("dtend", max(engagement.ends_at, engagement.starts_at + timedelta(minutes=1)).astimezone(local))
        event.add("summary", f"[{engagement.type}] {engagement.title}")
        event.add("last-modified", engagement.updated_at)
        event.add("sequence", engagement.version - 1)
        if engagement.summary:
            event.add("description", engagement.summary)
        place = ", ".join(p for p in (engagement.location_city, engagement.location_country) if p)
        if place:
            event.add("location", place)
        if engagement.confidentiality != Confidentiality.PUBLIC:
            restricted = engagement.confidentiality == Confidentiality.RESTRICTED
            event.add("class", "CONFIDENTIAL" if restricted else "PRIVATE")
        if public_url:
            event.add("url", f"{public_url}/api/v1/engagements/{engagement.id}")
        calendar.add_component(event)
    for follow_up, engagement in follow_ups:
        event = Event()
        event.add("uid", f"follow-up-{follow_up.id}@liaison")
        event.add("dtstamp", stamp)
        event.add("dtstart", follow_up.due_on)
        event.add("dtend", follow_up.due_on + timedelta(days=1))
        event.add("summary", f"Follow-up due: {follow_up.description[:120]}")
        event.add("description", f"{follow_up.description}\n\nEngagement: {engagement.title}")
        event.add("transp", "TRANSPARENT")
        event.add("sequence", follow_up.version - 1)
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
