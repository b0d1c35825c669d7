"""The API's codes as people read them (regions, engagement types, who owes a follow-up, channels),
translated when shown. The codes are the services' (DESIGN.md); only their labels live here."""

from __future__ import annotations

from typing import Any

from gateway.web.i18n import lazy_gettext as _l

REGIONS = {
    "north-america": _l("North America"),
    "latin-america-caribbean": _l("Latin America and the Caribbean"),
    "europe": _l("Europe"),
    "africa": _l("Africa"),
    "middle-east-north-africa": _l("Middle East and North Africa"),
    "asia-pacific": _l("Asia-Pacific"),
    "arctic": _l("Arctic"),
    "global": _l("Global"),
    "unknown": _l("No region"),
}
ENGAGEMENT_TYPES = {
    "meeting": _l("Meeting"),
    "mission": _l("Mission"),
    "call": _l("Call"),
    "event": _l("Event"),
    "agreement": _l("Agreement"),
    "correspondence": _l("Correspondence"),
    "visit": _l("Visit"),
}
OWED_BY = {"quebec": _l("Owed by us"), "partner": _l("Owed to us")}
CHANNELS = {"inbox": _l("Inbox"), "email": _l("Email"), "webhook": _l("Webhook")}
RHYTHMS = {"immediate": _l("Immediately"), "daily": _l("Daily digest")}
SUBSCRIPTION_KINDS = {
    "partner": _l("Partner"),
    "thrust": _l("Policy thrust"),
    "region": _l("Region"),
    "engagement_type": _l("Type of engagement"),
}


def label(table: dict[str, Any], code: str | None) -> Any:
    """The label of a code (a lazy translation, rendered when shown), or the code itself when the table does
    not know it."""
    return table.get(code or "", code or "")


def thrust_label(thrust: dict[str, Any], lang: str) -> str:
    return str(thrust.get(lang) or thrust.get("en") or thrust.get("fr") or thrust.get("code", ""))


def partner_name(partner: dict[str, Any], lang: str) -> str:
    """A partner in the page's language, the other language when that one is missing."""
    other = "en" if lang == "fr" else "fr"
    return partner.get(f"name_{lang}") or partner.get(f"name_{other}") or str(partner.get("id", ""))
