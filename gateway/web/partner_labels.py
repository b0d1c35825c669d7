"""What the partner and search pages call the API's codes, in the page's language.

The API speaks in codes (`international_organization`, `member_of`, `trade.internationalization`);
a person reads words. Country names come from the CLDR (Babel), subdivisions from ISO 3166-2
(pycountry), thrusts from the taxonomy's own FR/EN labels.
"""

from __future__ import annotations

from functools import lru_cache
from types import SimpleNamespace
from typing import Any

import pycountry
from babel import Locale

from gateway.web import vocab
from gateway.web.i18n import BABEL_LOCALES, current_language
from gateway.web.i18n import lazy_gettext as _l
from gateway.web.vocab import ENGAGEMENT_TYPES as ENGAGEMENT_TYPES  # re-exported: the pages' one module of labels
from gateway.web.vocab import REGIONS as REGIONS
from services.kit.thrusts import taxonomy

KINDS = {
    "state": _l("State"),
    "federated_state": _l("Federated state"),
    "international_organization": _l("International organization"),
    "forum": _l("Forum"),
    "ngo": _l("NGO"),
    "company": _l("Company"),
    "academic": _l("Academic institution"),
    "cultural": _l("Cultural organization"),
    "government_agency": _l("Government agency"),
    "other": _l("Other"),
}


STATUSES = {"active": _l("Active"), "archived": _l("Archived")}


RELATIONSHIPS = {
    "member_of": _l("Member of"),
    "part_of": _l("Part of"),
    "partner_of": _l("Partner of"),
}
# The same tie seen from its other end.
RELATIONSHIPS_INCOMING = {
    "member_of": _l("Has as member"),
    "part_of": _l("Includes"),
    "partner_of": _l("Partner of"),
}

MEMBERSHIPS = {
    "member": _l("member"),
    "associate": _l("associate"),
    "observer": _l("observer"),
    "suspended": _l("suspended"),
}

FOLLOW_UP_STATUSES = {"open": _l("Open"), "done": _l("Done"), "cancelled": _l("Cancelled")}

AUDIT_ACTIONS = {
    "created": _l("Partner created"),
    "updated": _l("Partner updated"),
    "archived": _l("Partner archived"),
    "merged": _l("Duplicate merged in"),
    "merged_into": _l("Merged into another partner"),
    "relationship_added": _l("Relationship added"),
    "relationship_removed": _l("Relationship removed"),
    "contact_added": _l("Contact added"),
    "contact_updated": _l("Contact updated"),
    "contact_erased": _l("Contact's personal data erased"),
    "attachment_added": _l("File added"),
    "attachment_removed": _l("File removed"),
}

# The partner fields a person edits, with their labels (the edit form and the 412 comparison).
FIELDS = {
    "kind": _l("Kind"),
    "name_fr": _l("Name in French"),
    "name_en": _l("Name in English"),
    "acronyms": _l("Acronyms"),
    "aliases": _l("Other names"),
    "country": _l("Country"),
    "subdivision": _l("Subdivision"),
    "region": _l("Region"),
    "website": _l("Website"),
    "description_fr": _l("Description in French"),
    "description_en": _l("Description in English"),
    "owner": _l("Responsible officer"),
    "owner_team_id": _l("Owning team"),
    "thrusts": _l("Policy thrusts"),
}
# What else the audit trail names (a file's addition or removal).
AUDIT_FIELDS = FIELDS | {"filename": _l("File")}


def label(table: dict[str, Any], code: str | None) -> str:
    """The table's word for a code in the current language, or the code itself when the table does not know it."""
    return str(vocab.label(table, code))


def country_name(code: str | None) -> str:
    if not code:
        return ""
    return str(_locale().territories.get(code, code))


def is_country(code: str) -> bool:
    """An ISO 3166-1 alpha-2 code (the CLDR also names non-countries, such as ZZ "Unknown Region")."""
    return len(code) == 2 and pycountry.countries.get(alpha_2=code.upper()) is not None


def subdivision_name(code: str | None) -> str:
    if not code:
        return ""
    found = pycountry.subdivisions.get(code=code)  # type: ignore[no-untyped-call]  # pycountry's get is untyped
    return f"{found.name} ({code})" if found else code


@lru_cache(maxsize=2)
def _locale_for(lang: str) -> Locale:
    return Locale.parse(BABEL_LOCALES[lang])


def _locale() -> Locale:
    return _locale_for(current_language.get())


def countries() -> list[tuple[str, str]]:
    """(code, name) of every ISO 3166-1 country, sorted by its name in the page's language."""
    names = _locale().territories
    return sorted(((c.alpha_2, names.get(c.alpha_2, c.name)) for c in pycountry.countries), key=lambda p: p[1])


def thrust_name(code: str | None) -> str:
    if not code:
        return ""
    thrust = taxonomy().get(code)
    if thrust is None:
        return code
    return thrust.fr if current_language.get() == "fr" else thrust.en


def thrust_choices() -> list[tuple[str, str]]:
    """Every thrust, a child indented under its parent (the taxonomy's order)."""
    return [(t.code, ("— " if t.parent else "") + thrust_name(t.code)) for t in taxonomy()]


def partner_name(partner: dict[str, Any] | None) -> str:
    """A partner's name in the page's language first, the other one when that is all it has."""
    if not partner:
        return ""
    first, second = ("name_fr", "name_en") if current_language.get() == "fr" else ("name_en", "name_fr")
    return partner.get(first) or partner.get(second) or str(partner.get("id", ""))


def other_name(partner: dict[str, Any] | None) -> str:
    """The name in the other language, when it differs from the one shown."""
    if not partner:
        return ""
    shown = partner_name(partner)
    for key in ("name_fr", "name_en"):
        if partner.get(key) and partner[key] != shown:
            return str(partner[key])
    return ""


def names() -> SimpleNamespace:
    """What the partner and search templates read, as `L.kinds`, `L.partner_name(p)`..."""
    return SimpleNamespace(
        kinds=KINDS,
        regions=REGIONS,
        statuses=STATUSES,
        engagement_types=ENGAGEMENT_TYPES,
        relationships=RELATIONSHIPS,
        relationships_incoming=RELATIONSHIPS_INCOMING,
        memberships=MEMBERSHIPS,
        follow_up_statuses=FOLLOW_UP_STATUSES,
        audit_actions=AUDIT_ACTIONS,
        fields=AUDIT_FIELDS,
        label=label,
        country_name=country_name,
        subdivision_name=subdivision_name,
        thrust_name=thrust_name,
        partner_name=partner_name,
        other_name=other_name,
    )
