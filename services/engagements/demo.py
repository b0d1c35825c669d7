"""Demo data for `make up`: a few dozen realistic engagements across the policy thrusts.

`python -m services.engagements.demo` (after `migrate`) loads them into the configured database;
running it again changes nothing. The engagements need partners in the read copy, so the demo puts
copies there itself when they are missing, under the ids of the partners service's demo directory
(services/partners/demo.py: uuid5 of its namespace and a handle). `make up` loads that directory first
and runs this with `--wait-for-partners`, so the copies made from the partners' own events are used.
Officers and assignees are the gateway's demo users (gateway/demo.py), named by username, the same way:
`--wait-for-people` waits for their events, and copies are made for those still missing.
"""

from __future__ import annotations

import argparse
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import Session, col

from services.engagements import followups, partner_copies, service
from services.engagements.demo_data import ENGAGEMENTS, OFFICERS, PARTNERS, PEOPLE
from services.engagements.models import Engagement, PartnerCopy, Person
from services.engagements.schemas import (
    AgreementStatus,
    Confidentiality,
    EngagementCreate,
    EngagementType,
    FollowUpCreate,
    Location,
)
from services.engagements.settings import EngagementsSettings
from services.kit.db import make_engine, make_session_factory
from services.kit.event_models import UserState
from services.kit.identity import Caller
from services.kit.people import record_person
from services.kit.roles import Role, roles
from services.kit.settings import load_settings

DEMO_NAMESPACE = uuid.UUID("6f1c9a52-4d0e-4f6b-9a57-1c2f3e4d5a60")
# The partners service's demo directory names its partners uuid5(this, handle); a convention of the
# demo data only (the services share nothing else).
PARTNERS_DEMO_NAMESPACE = uuid.UUID("6f0c7d2e-3a41-4c59-9d7a-4b1f3e2a9c10")
# The gateway's demo users (gateway/demo.py: `python -m gateway demo`), by username; their ids are
# uuid5(this namespace, "user:" + username) there too, another convention of the demo data only.
PEOPLE_DEMO_NAMESPACE = uuid.UUID("6f2d8e3f-4b52-4d6a-8e8b-5c2a4f3b0d21")

_HANDLES = {name: handle for handle, _, name_fr, name_en, *_ in PARTNERS for name in (name_fr, name_en) if name}


def _agreement_dates(starts: datetime, now: datetime, n: int) -> dict[str, date]:
    """Signed the day it was logged, in force at once, expiring at varied distances (some this year)."""
    return {
        "signed_on": starts.date(),
        "effective_on": starts.date(),
        "expires_on": (now + timedelta(days=20 + 250 * (n % 4))).date(),
    }


def partner_id(name: str) -> uuid.UUID:
    """The demo partner called `name` (English or French), under the partners demo directory's id."""
    return uuid.uuid5(PARTNERS_DEMO_NAMESPACE, _HANDLES[name])


def person_id(username: str) -> uuid.UUID:
    """The gateway's demo user called `username`, under the id the gateway's demo gives them."""
    return uuid.uuid5(PEOPLE_DEMO_NAMESPACE, f"user:{username}")


def _record_people(session: Session) -> None:
    """Officers must be people of the directory copy: the gateway's events make them; a demo loaded
    without the gateway's demo makes the copies itself (version 1: the gateway's own events win)."""
    for username, display_name, email in PEOPLE:
        if session.scalars(select(Person).where(col(Person.username) == username)).first() is None:
            state = UserState(
                id=person_id(username),
                username=username,
                display_name=display_name,
                email=email,
                language="fr",
                disabled=False,
                version=1,
            )
            record_person(session=session, table=Person, state=state)


def engagement_id(title: str) -> uuid.UUID:
    return uuid.uuid5(DEMO_NAMESPACE, f"engagement:{title}")


def load(session: Session, *, zone: ZoneInfo, now: datetime | None = None) -> int:
    """Put the demo partners and engagements in; returns how many engagements were added.

    `zone`: the service's time zone (its settings' `zone`): the demo's meetings fall in office hours there."""
    now = now or datetime.now(UTC)
    by_name: dict[str, uuid.UUID] = {}
    for _handle, kind, name_fr, name_en, acronyms, country, region in PARTNERS:
        pid = partner_id(name_en or name_fr)
        by_name[name_en or name_fr] = by_name[name_fr] = pid
        if session.get(PartnerCopy, pid) is None:  # the partners service's own copy wins when there is one
            partner_copies.record_partner(
                session=session,
                command=partner_copies.RecordPartner(
                    id=pid,
                    kind=kind,
                    status="active",
                    version=1,
                    name_fr=name_fr,
                    name_en=name_en,
                    acronyms=acronyms,
                    country=country,
                    region=region,
                ),
            )
    _record_people(session)
    session.flush()
    added = 0
    for n, (kind, title, names, thrusts, days_ago, city, country, summary, level) in enumerate(ENGAGEMENTS):
        if session.get(Engagement, engagement_id(title)) is not None:
            continue
        officer = OFFICERS[n % len(OFFICERS)]
        starts = (now - timedelta(days=days_ago)).replace(hour=14, minute=0, second=0, microsecond=0)
        data = EngagementCreate(
            type=EngagementType(kind),
            title=title,
            starts_at=starts,
            ends_at=starts + (timedelta(days=4) if kind == "mission" else timedelta(hours=1, minutes=30)),
            location=Location(city=city, country=country),
            partner_ids=[by_name[p] for p in names],
            officers=[officer],
            summary=summary,
            thrusts=thrusts,
            confidentiality=Confidentiality(level),
            notes=f"## Points saillants\n\n- {summary}\n- Prochaine étape à confirmer.",
            agreement_status=AgreementStatus.IN_FORCE if kind == "agreement" else None,
        )
        if kind == "agreement":
            data = data.model_copy(update=_agreement_dates(starts, now, n))
        # Stable ids make the demo safe to load twice.
        engagement = service.log_engagement(
            session=session,
            caller=Caller(officer, roles(Role.OFFICER)),
            data=data,
            zone=zone,
            engagement_id=engagement_id(title),
        )
        if n % 3 == 0:
            followups.add_follow_up(
                session=session,
                caller=Caller(officer, roles(Role.OFFICER)),
                engagement_id=engagement.id,
                data=FollowUpCreate(
                    description=f"Transmettre le compte rendu : {title}",
                    assignee=officer,
                    due_on=(now + timedelta(days=7 - n)).date(),
                ),
            )
        added += 1
    return added


def wait_for_partners(sessions, timeout: float) -> int:
    """Wait until the read copy knows every demo partner (from the partners service's events).

    Returns how many it knows."""
    wanted = {partner_id(name_en or name_fr) for _, _, name_fr, name_en, *_ in PARTNERS}
    deadline = time.monotonic() + timeout
    while True:
        with sessions() as session:
            known = len(session.execute(select(col(PartnerCopy.id)).where(col(PartnerCopy.id).in_(wanted))).all())
        if known == len(wanted) or time.monotonic() >= deadline:
            return known
        time.sleep(0.5)


def wait_for_people(sessions, timeout: float) -> int:
    """Wait until the people copy knows every demo user (from the gateway's events); how many it knows."""
    deadline = time.monotonic() + timeout
    while True:
        with sessions() as session:
            known = len(session.execute(select(col(Person.id)).where(col(Person.username).in_(OFFICERS))).all())
        if known == len(OFFICERS) or time.monotonic() >= deadline:
            return known
        time.sleep(0.5)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m services.engagements.demo")
    parser.add_argument(
        "--wait-for-partners",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="first wait up to SECONDS for the partners demo directory's events to arrive",
    )
    parser.add_argument(
        "--wait-for-people",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="first wait up to SECONDS for the gateway's demo users (python -m gateway demo) to arrive",
    )
    args = parser.parse_args(argv)
    settings = load_settings(EngagementsSettings, kafka_enabled=False)
    engine = make_engine(settings.database_url)
    try:
        sessions = make_session_factory(engine)
        if args.wait_for_partners:
            known = wait_for_partners(sessions, args.wait_for_partners)
            print(f"demo: {known} of {len(PARTNERS)} demo partners known from the partners service")
        if args.wait_for_people:
            known = wait_for_people(sessions, args.wait_for_people)
            print(f"demo: {known} of {len(PEOPLE)} demo users known from the gateway")
        with sessions() as session:
            added = load(session, zone=settings.zone)
            session.commit()
        print(f"demo: {added} engagements added ({len(ENGAGEMENTS) - added} already there)")
    finally:
        engine.dispose()


if __name__ == "__main__":
    main()
