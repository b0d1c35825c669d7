"""A small, true-to-life directory for `make up`: real ISO codes, real memberships.

`load_demo(session=...)` adds what is missing and nothing else (stable ids), so calling it at
every start is safe. From a shell: `python -m services.partners demo` (migrates first).
"""

from __future__ import annotations

import contextlib
import uuid
from datetime import date
from typing import Any

from sqlmodel import Session

from services.kit.identity import Caller
from services.kit.problems import Conflict
from services.kit.roles import Role, roles
from services.partners import relationships, service
from services.partners.models import Partner
from services.partners.schemas import PartnerCreate, RelationshipCreate

DEMO = Caller(user="demo-loader", roles=roles(Role.ADMIN))
_NAMESPACE = uuid.UUID("6f0c7d2e-3a41-4c59-9d7a-4b1f3e2a9c10")
# The gateway's demo teams (gateway/demo.py), by the ids it gives them: uuid5(this, "team:" + name),
# a convention of the demo data only. Europe's partners are Direction Europe's; international
# organisations and forums are the multilateral team's.
PEOPLE_DEMO_NAMESPACE = uuid.UUID("6f2d8e3f-4b52-4d6a-8e8b-5c2a4f3b0d21")
EUROPE = "Direction Europe"
FRANCOPHONIE = "Francophonie et multilatéral"

# (handle, fields)
PARTNERS: list[tuple[str, dict[str, Any]]] = [
    (
        "fr",
        {
            "kind": "state",
            "name_fr": "France",
            "name_en": "France",
            "country": "FR",
            "region": "europe",
            "aliases": ["République française"],
            "website": "https://www.diplomatie.gouv.fr",
            "thrusts": ["french-language", "culture", "trade"],
        },
    ),
    (
        "be",
        {
            "kind": "state",
            "name_fr": "Belgique",
            "name_en": "Belgium",
            "country": "BE",
            "region": "europe",
            "aliases": ["Royaume de Belgique", "België"],
        },
    ),
    (
        "fwb",
        {
            "kind": "federated_state",
            "name_fr": "Fédération Wallonie-Bruxelles",
            "name_en": "Wallonia-Brussels Federation",
            "acronyms": ["FWB"],
            "country": "BE",
            "region": "europe",
            "aliases": ["Communauté française de Belgique"],
            "thrusts": ["french-language", "culture"],
        },
    ),
    (
        "wal",
        {
            "kind": "federated_state",
            "name_fr": "Wallonie",
            "name_en": "Wallonia",
            "country": "BE",
            "subdivision": "BE-WAL",
            "region": "europe",
            "aliases": ["Région wallonne"],
            "thrusts": ["climate", "trade.investment"],
        },
    ),
    (
        "de",
        {
            "kind": "state",
            "name_fr": "Allemagne",
            "name_en": "Germany",
            "country": "DE",
            "region": "europe",
            "aliases": ["Bundesrepublik Deutschland", "Deutschland"],
        },
    ),
    (
        "by",
        {
            "kind": "federated_state",
            "name_fr": "Bavière",
            "name_en": "Bavaria",
            "country": "DE",
            "subdivision": "DE-BY",
            "region": "europe",
            "aliases": ["Freistaat Bayern", "Bayern"],
            "website": "https://www.bayern.de",
            "thrusts": ["research-innovation", "trade.investment"],
        },
    ),
    (
        "us",
        {
            "kind": "state",
            "name_fr": "États-Unis",
            "name_en": "United States",
            "acronyms": ["USA"],
            "country": "US",
            "region": "north-america",
            "aliases": ["United States of America"],
        },
    ),
    (
        "ny",
        {
            "kind": "federated_state",
            "name_fr": "État de New York",
            "name_en": "New York State",
            "country": "US",
            "subdivision": "US-NY",
            "region": "north-america",
            "acronyms": ["NYS"],
            "thrusts": ["trade", "security.north-america"],
        },
    ),
    (
        "ma",
        {
            "kind": "federated_state",
            "name_fr": "Massachusetts",
            "name_en": "Massachusetts",
            "country": "US",
            "subdivision": "US-MA",
            "region": "north-america",
            "aliases": ["Commonwealth of Massachusetts"],
            "thrusts": ["climate.clean-tech", "research-innovation"],
        },
    ),
    (
        "es",
        {
            "kind": "state",
            "name_fr": "Espagne",
            "name_en": "Spain",
            "country": "ES",
            "region": "europe",
            "aliases": ["España", "Reino de España"],
        },
    ),
    (
        "mx",
        {
            "kind": "state",
            "name_fr": "Mexique",
            "name_en": "Mexico",
            "country": "MX",
            "region": "latin-america-caribbean",
            "aliases": ["Estados Unidos Mexicanos", "México"],
        },
    ),
    (
        "sn",
        {
            "kind": "state",
            "name_fr": "Sénégal",
            "name_en": "Senegal",
            "country": "SN",
            "region": "africa",
            "aliases": ["République du Sénégal"],
            "thrusts": ["french-language", "solidarity"],
        },
    ),
    (
        "ht",
        {
            "kind": "state",
            "name_fr": "Haïti",
            "name_en": "Haiti",
            "country": "HT",
            "region": "latin-america-caribbean",
            "aliases": ["République d'Haïti", "Ayiti"],
            "thrusts": ["solidarity.humanitarian", "french-language"],
        },
    ),
    (
        "is",
        {
            "kind": "state",
            "name_fr": "Islande",
            "name_en": "Iceland",
            "country": "IS",
            "region": "arctic",
            "aliases": ["Ísland"],
            "thrusts": ["north-arctic"],
        },
    ),
    (
        "oif",
        {
            "kind": "international_organization",
            "name_fr": "Organisation internationale de la Francophonie",
            "name_en": "International Organisation of La Francophonie",
            "acronyms": ["OIF"],
            "aliases": ["Francophonie", "La Francophonie"],
            "region": "global",
            "website": "https://www.francophonie.org",
            "thrusts": ["french-language.francophonie"],
        },
    ),
    (
        "unesco",
        {
            "kind": "international_organization",
            "name_fr": "Organisation des Nations unies pour l'éducation, la science et la culture",
            "name_en": "United Nations Educational, Scientific and Cultural Organization",
            "acronyms": ["UNESCO"],
            "region": "global",
            "website": "https://www.unesco.org",
            "thrusts": ["culture.unesco-diversity"],
        },
    ),
    (
        "oecd",
        {
            "kind": "international_organization",
            "name_fr": "Organisation de coopération et de développement économiques",
            "name_en": "Organisation for Economic Co-operation and Development",
            "acronyms": ["OCDE", "OECD"],
            "region": "global",
            "thrusts": ["trade.policy"],
        },
    ),
    (
        "arctic",
        {
            "kind": "forum",
            "name_fr": "Conseil de l'Arctique",
            "name_en": "Arctic Council",
            "region": "arctic",
            "thrusts": ["north-arctic"],
        },
    ),
    (
        "under2",
        {
            "kind": "forum",
            "name_fr": "Coalition Under2",
            "name_en": "Under2 Coalition",
            "region": "global",
            "thrusts": ["climate"],
        },
    ),
    (
        "climategroup",
        {
            "kind": "ngo",
            "name_en": "Climate Group",
            "name_fr": "Climate Group",
            "country": "GB",
            "region": "europe",
            "aliases": ["The Climate Group"],
            "thrusts": ["climate"],
        },
    ),
    (
        "msf",
        {
            "kind": "ngo",
            "name_fr": "Médecins Sans Frontières",
            "name_en": "Doctors Without Borders",
            "acronyms": ["MSF"],
            "country": "CH",
            "region": "global",
            "thrusts": ["solidarity.humanitarian"],
        },
    ),
    (
        "oxfamqc",
        {
            "kind": "ngo",
            "name_fr": "Oxfam-Québec",
            "country": "CA",
            "subdivision": "CA-QC",
            "region": "north-america",
            "thrusts": ["solidarity"],
        },
    ),
    (
        "lmu",
        {
            "kind": "academic",
            "name_fr": "Université Louis-et-Maximilien de Munich",
            "name_en": "Ludwig Maximilian University of Munich",
            "acronyms": ["LMU"],
            "aliases": ["Ludwig-Maximilians-Universität München"],
            "country": "DE",
            "subdivision": "DE-BY",
            "region": "europe",
            "thrusts": ["research-innovation", "mobility-youth.student-mobility"],
        },
    ),
    (
        "ucad",
        {
            "kind": "academic",
            "name_fr": "Université Cheikh Anta Diop de Dakar",
            "acronyms": ["UCAD"],
            "country": "SN",
            "subdivision": "SN-DK",
            "region": "africa",
            "thrusts": ["mobility-youth.student-mobility"],
        },
    ),
    (
        "jp",
        {
            "kind": "state",
            "name_fr": "Japon",
            "name_en": "Japan",
            "country": "JP",
            "region": "asia-pacific",
            "aliases": ["Nippon", "日本"],
            "thrusts": ["trade", "research-innovation"],
        },
    ),
    (
        "cat",
        {
            "kind": "federated_state",
            "name_fr": "Catalogne",
            "name_en": "Catalonia",
            "country": "ES",
            "subdivision": "ES-CT",
            "region": "europe",
            "aliases": ["Catalunya", "Generalitat de Catalunya"],
            "thrusts": ["culture", "trade"],
        },
    ),
    (
        "california",
        {
            "kind": "federated_state",
            "name_fr": "Californie",
            "name_en": "California",
            "country": "US",
            "subdivision": "US-CA",
            "region": "north-america",
            "acronyms": ["CA"],
            "thrusts": ["climate.carbon-pricing", "trade"],
        },
    ),
    (
        "umontpellier",
        {
            "kind": "academic",
            "name_fr": "Université de Montpellier",
            "name_en": "University of Montpellier",
            "country": "FR",
            "region": "europe",
            "thrusts": ["mobility-youth.student-mobility", "research-innovation"],
        },
    ),
    (
        "mit",
        {
            "kind": "academic",
            "name_en": "Massachusetts Institute of Technology",
            "acronyms": ["MIT"],
            "country": "US",
            "subdivision": "US-MA",
            "region": "north-america",
            "thrusts": ["research-innovation"],
        },
    ),
]

# (from, type, to, membership_status, since)
LINKS: list[tuple[str, str, str, str | None, date | None]] = [
    ("by", "part_of", "de", None, None),
    ("ny", "part_of", "us", None, None),
    ("ma", "part_of", "us", None, None),
    ("fwb", "part_of", "be", None, None),
    ("wal", "part_of", "be", None, None),
    ("lmu", "part_of", "by", None, None),
    ("cat", "part_of", "es", None, None),
    ("california", "part_of", "us", None, None),
    ("jp", "member_of", "oecd", "member", date(1964, 4, 28)),
    ("fr", "member_of", "oif", "member", date(1970, 3, 20)),
    ("be", "member_of", "oif", "member", date(1970, 3, 20)),
    ("sn", "member_of", "oif", "member", date(1970, 3, 20)),
    ("ht", "member_of", "oif", "member", date(1970, 3, 20)),
    ("fwb", "member_of", "oif", "member", date(1980, 1, 1)),
    ("mx", "member_of", "oif", "observer", date(2014, 11, 30)),
    ("fr", "member_of", "oecd", "member", date(1961, 9, 30)),
    ("be", "member_of", "oecd", "member", date(1961, 9, 30)),
    ("de", "member_of", "oecd", "member", date(1961, 9, 30)),
    ("us", "member_of", "oecd", "member", date(1961, 9, 30)),
    ("is", "member_of", "oecd", "member", date(1961, 9, 30)),
    ("mx", "member_of", "oecd", "member", date(1994, 5, 18)),
    ("us", "member_of", "arctic", "member", date(1996, 9, 19)),
    ("is", "member_of", "arctic", "member", date(1996, 9, 19)),
    ("de", "member_of", "arctic", "observer", date(1998, 1, 1)),
    ("fr", "member_of", "arctic", "observer", date(2000, 1, 1)),
    ("fr", "member_of", "unesco", "member", date(1946, 11, 4)),
    ("mx", "member_of", "unesco", "member", date(1946, 11, 4)),
    ("sn", "member_of", "unesco", "member", date(1960, 11, 10)),
    ("ht", "member_of", "unesco", "member", date(1946, 11, 18)),
    ("climategroup", "partner_of", "under2", None, None),
]


def demo_id(handle: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, handle)


def team_id(name: str) -> uuid.UUID:
    return uuid.uuid5(PEOPLE_DEMO_NAMESPACE, f"team:{name}")


def owner_team(fields: dict[str, Any]) -> uuid.UUID | None:
    if fields["kind"] in ("international_organization", "forum"):
        return team_id(FRANCOPHONIE)
    return team_id(EUROPE) if fields.get("region") == "europe" else None


def load_demo(*, session: Session) -> int:
    """Adds the demo partners and links that are not there yet; returns how many partners it added."""
    added = 0
    for handle, fields in PARTNERS:
        if session.get(Partner, demo_id(handle)) is None:
            service.create_partner(
                session=session,
                data=PartnerCreate(**fields, owner_team_id=owner_team(fields)),
                caller=DEMO,
                allow_duplicate=True,
                partner_id=demo_id(handle),
            )
            added += 1
    for source, kind, target, status, since in LINKS:
        # Refused before anything is written when the link is already there.
        with contextlib.suppress(Conflict):
            relationships.add_relationship(
                session=session,
                partner_id=demo_id(source),
                caller=DEMO,
                data=RelationshipCreate(type=kind, target_id=demo_id(target), membership_status=status, since=since),
            )
    return added
