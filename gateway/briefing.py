"""The printable briefing note on a partner, before a mission: French or English HTML, built from the
partner 360 (so it shows exactly what the caller may see, and says what is missing)."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape

from gateway.composite import items
from services.kit.thrusts import taxonomy

LOCAL_TIME = ZoneInfo("America/Toronto")
LANGUAGES = ("fr", "en")

LABELS: dict[str, dict[str, Any]] = {
    "fr": {
        "title": "Note d'information",
        "who": "Qui sont-ils",
        "kind": "Type",
        "country": "Pays",
        "region": "Région",
        "acronyms": "Sigles",
        "aliases": "Autres noms",
        "website": "Site Web",
        "status": "Statut",
        "memberships": "Appartenances et liens",
        "contacts": "Contacts clés",
        "recent": "Ce que nous avons fait récemment",
        "commitments": "Engagements en cours",
        "ours": "De notre côté",
        "theirs": "De leur côté",
        "thrusts": "Orientations couvertes",
        "none": "Aucun élément.",
        "due": "échéance",
        "missing": "Information partielle : ces parties n'ont pu être obtenues",
        "generated": "Préparée le",
        "merged": "Ce partenaire a été fusionné; la note porte sur le partenaire conservé.",
        "since": "depuis",
        "member_of": "membre de",
        "part_of": "fait partie de",
        "partner_of": "partenaire de",
        "kinds": {
            "state": "État",
            "federated_state": "État fédéré",
            "international_organization": "Organisation internationale",
            "forum": "Forum",
            "ngo": "ONG",
            "company": "Entreprise",
            "academic": "Établissement d'enseignement",
            "cultural": "Organisme culturel",
            "government_agency": "Organisme public",
            "other": "Autre",
        },
    },
    "en": {
        "title": "Briefing note",
        "who": "Who they are",
        "kind": "Kind",
        "country": "Country",
        "region": "Region",
        "acronyms": "Acronyms",
        "aliases": "Other names",
        "website": "Website",
        "status": "Status",
        "memberships": "Memberships and ties",
        "contacts": "Key contacts",
        "recent": "What we did together recently",
        "commitments": "Open commitments",
        "ours": "On our side",
        "theirs": "On their side",
        "thrusts": "Thrusts covered",
        "none": "Nothing recorded.",
        "due": "due",
        "missing": "Partial information: these parts could not be fetched",
        "generated": "Prepared on",
        "merged": "This partner was merged; the note is about the partner kept.",
        "since": "since",
        "member_of": "member of",
        "part_of": "part of",
        "partner_of": "partner of",
        "kinds": {
            "state": "State",
            "federated_state": "Federated state",
            "international_organization": "International organisation",
            "forum": "Forum",
            "ngo": "NGO",
            "company": "Company",
            "academic": "Academic institution",
            "cultural": "Cultural body",
            "government_agency": "Government agency",
            "other": "Other",
        },
    },
}


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["local_date"] = local_date
    return env


def local_date(value: object) -> str:
    if not value:
        return ""
    text = str(value)
    try:
        if len(text) == 10:
            return date.fromisoformat(text).isoformat()
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return moment.astimezone(LOCAL_TIME).strftime("%Y-%m-%d %H:%M") if moment.tzinfo else text
    except ValueError:
        return text


def partner_name(partner: dict[str, Any] | None, lang: str) -> str:
    if not partner:
        return "?"
    first, second = ("name_fr", "name_en") if lang == "fr" else ("name_en", "name_fr")
    return partner.get(first) or partner.get(second) or str(partner.get("id", "?"))


def contact_name(contact: dict[str, Any]) -> str:
    return " ".join(p for p in (contact.get("honorific"), contact.get("name")) if p) or "?"


def thrust_label(code: str, lang: str) -> str:
    thrust = taxonomy().get(code)
    return getattr(thrust, lang) if thrust else code


def engagements_of(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The engagements in a history page, whose items are `{"kind": "engagement", "engagement": {...}}`."""
    return [item["engagement"] for item in history if item.get("kind") == "engagement" and item.get("engagement")]


def tie(relationship: dict[str, Any], partner_id: object, lang: str) -> str:
    """One relationship as a reader says it: "part of Germany", or "LMU — part of Bavaria" seen from Bavaria."""
    labels = LABELS[lang]
    kind = str(relationship.get("type") or "?")
    verb = str(labels.get(kind, kind))
    since = f" ({labels['since']} {relationship['since']})" if relationship.get("since") else ""
    status = relationship.get("membership_status")
    status = f" [{status}]" if status and status != "member" else ""
    if str(relationship.get("partner_id")) == str(partner_id):
        return f"{verb} {partner_name(relationship.get('target'), lang)}{status}{since}"
    return (
        f"{partner_name(relationship.get('partner'), lang)} — {verb} "
        f"{partner_name(relationship.get('target'), lang)}{status}{since}"
    )


def render_briefing(overview: dict[str, Any], *, lang: str, now: datetime) -> str:
    partner = overview.get("partner") or {}
    history = engagements_of(items(overview.get("history")))
    follow_ups = items(overview.get("open_follow_ups"))
    codes = sorted(
        {code for engagement in history for code in engagement.get("thrusts") or []} | set(partner.get("thrusts") or [])
    )
    thrusts = [(code, thrust_label(code, lang)) for code in codes]
    ours = [f for f in follow_ups if f.get("owed_by", "quebec") != "partner"]
    theirs = [f for f in follow_ups if f.get("owed_by") == "partner"]
    relationships = [tie(r, partner.get("id"), lang) for r in items(overview.get("relationships"))]
    return (
        environment()
        .get_template("briefing.html")
        .render(
            lang=lang,
            t=LABELS[lang],
            partner=partner,
            name=partner_name(partner, lang),
            kind=LABELS[lang]["kinds"].get(partner.get("kind"), partner.get("kind")),
            contacts=items(overview.get("contacts")),
            contact_name=contact_name,
            relationships=relationships,
            history=history,
            ours=ours,
            theirs=theirs,
            thrusts=thrusts,
            missing=overview.get("missing", []),
            merged="requested_id" in overview,
            generated=now.astimezone(LOCAL_TIME).strftime("%Y-%m-%d %H:%M"),
        )
    )
