"""What a notification says, in the reader's language (French by default, English on request) and
time zone.

One rendering feeds every channel: the inbox entry takes the title and text, the email the
subject, text and HTML. French words agree with the engagement type's gender ("Appel consigné",
"Rencontre consignée") and counts with their plural; times are the reader's local time followed by
the zone's name (Babel, CLDR), so "11 h 00" never leaves the reader guessing whose 11 o'clock it is.
Links open the web app's pages (`gateway/web/routes`): `/engagements/{id}`, its `#follow-ups`
section, `/inbox`.
"""

from __future__ import annotations

import contextlib
import html
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, get_timezone_name

LANGUAGES = ("fr", "en")

# (name, grammatical gender in French: "f" takes the feminine agreement)
TYPE_NAMES: dict[str, dict[str, tuple[str, str]]] = {
    "fr": {
        "meeting": ("Rencontre", "f"),
        "mission": ("Mission", "f"),
        "call": ("Appel", "m"),
        "event": ("Événement", "m"),
        "agreement": ("Entente", "f"),
        "correspondence": ("Correspondance", "f"),
        "visit": ("Visite", "f"),
    },
    "en": {
        "meeting": ("Meeting", "n"),
        "mission": ("Mission", "n"),
        "call": ("Call", "n"),
        "event": ("Event", "n"),
        "agreement": ("Agreement", "n"),
        "correspondence": ("Correspondence", "n"),
        "visit": ("Visit", "n"),
    },
}
# The engagement's fields as the web form labels them (changed fields are named this way).
FIELD_LABELS = {
    "fr": {
        "type": "type",
        "title": "titre",
        "starts_at": "début",
        "ends_at": "fin",
        "location": "lieu",
        "partner_ids": "partenaires",
        "contact_ids": "personnes rencontrées",
        "officers": "responsables",
        "summary": "résumé",
        "notes": "notes",
        "outcome": "résultat",
        "thrusts": "axes de la politique",
        "confidentiality": "confidentialité",
        "agreement_status": "statut de l’entente",
    },
    "en": {
        "type": "type",
        "title": "title",
        "starts_at": "start",
        "ends_at": "end",
        "location": "place",
        "partner_ids": "partners",
        "contact_ids": "people met",
        "officers": "officers",
        "summary": "summary",
        "notes": "notes",
        "outcome": "outcome",
        "thrusts": "policy thrusts",
        "confidentiality": "confidentiality",
        "agreement_status": "agreement status",
    },
}
WORDS = {
    "fr": {
        "logged.m": "{type} consigné : {title}",
        "logged.f": "{type} consignée : {title}",
        "updated.m": "{type} mis à jour : {title}",
        "updated.f": "{type} mise à jour : {title}",
        "with": "Avec : {names}",
        "when": "Quand : {when}",
        "where": "Lieu : {where}",
        "changed.1": "Champ modifié : {fields}",
        "changed.n": "Champs modifiés : {fields}",
        "open": "Voir la fiche : {link}",
        "untitled": "(sans titre)",
        "due_soon": "Suivi à faire d’ici le {due_on} : {description}",
        "overdue": "Suivi en retard (échéance du {due_on}) : {description}",
        "reminder_body": "Vous êtes responsable de ce suivi.",
        "renewal": "Entente à renouveler : elle expire le {due_on} ({description})",
        "renewal_body": "Vous suivez cette entente : décidez de son renouvellement avant son expiration.",
        "digest.1": "Résumé quotidien : 1 notification",
        "digest.n": "Résumé quotidien : {count} notifications",
        "footer": "Vous recevez ce message parce que vous suivez ce sujet dans Liaison.",
        "datetime": "EEEE d MMMM y 'à' H 'h' mm",
        "date": "d MMMM y",
    },
    "en": {
        "logged.n": "{type} logged: {title}",
        "updated.n": "{type} updated: {title}",
        "with": "With: {names}",
        "when": "When: {when}",
        "where": "Where: {where}",
        "changed.1": "Changed field: {fields}",
        "changed.n": "Changed fields: {fields}",
        "open": "Open: {link}",
        "untitled": "(untitled)",
        "due_soon": "Follow-up due by {due_on}: {description}",
        "overdue": "Follow-up overdue (was due on {due_on}): {description}",
        "reminder_body": "You are responsible for this follow-up.",
        "renewal": "Agreement up for renewal: it expires on {due_on} ({description})",
        "renewal_body": "You follow this agreement: decide on its renewal before it expires.",
        "digest.1": "Daily digest: 1 notification",
        "digest.n": "Daily digest: {count} notifications",
        "footer": "You receive this because you follow this topic in Liaison.",
        "datetime": "EEEE d MMMM y 'at' h:mm a",
        "date": "d MMMM y",
    },
}


@dataclass(frozen=True)
class Reader:
    """Who a message is written for: their language and time zone."""

    language: str = "fr"
    zone: tzinfo = UTC


@dataclass(frozen=True)
class Rendered:
    title: str
    lines: tuple[str, ...]
    link: str | None = None

    def text(self, language: str) -> str:
        parts = [self.title, "", *self.lines]
        if self.link:
            parts += ["", WORDS[language]["open"].format(link=self.link)]
        return "\n".join([*parts, "", "--", WORDS[language]["footer"]]) + "\n"

    def html(self, language: str) -> str:
        lines = "".join(f"<p>{html.escape(line)}</p>" for line in self.lines if line)
        link = (
            f'<p><a href="{html.escape(self.link, quote=True)}">{html.escape(self.link)}</a></p>' if self.link else ""
        )
        return (
            f'<!doctype html><html lang="{language}"><body><h1>{html.escape(self.title)}</h1>{lines}{link}'
            f"<hr><p><small>{html.escape(WORDS[language]['footer'])}</small></p></body></html>"
        )

    @property
    def body(self) -> str:
        return "\n".join(self.lines)


def language_of(value: str | None) -> str:
    return value if value in WORDS else "fr"


def when(moment: datetime | str, reader: Reader) -> str:
    """'samedi 14 mars 2026 à 11 h 00 (heure normale de l'Est...)': the reader's zone, and its name."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(reader.zone)
    shown = format_datetime(local, WORDS[reader.language]["datetime"], tzinfo=reader.zone, locale=reader.language)
    return f"{shown} ({get_timezone_name(local, locale=reader.language)})"


def day(value: date, language: str) -> str:
    return format_date(value, WORDS[language]["date"], locale=language)


def _link(public_url: str, path: str) -> str:
    return f"{public_url.rstrip('/')}{path}"


def engagement_message(
    engagement: dict[str, Any], *, updated: bool, partner_names: list[str], reader: Reader, public_url: str
) -> Rendered:
    language = reader.language
    words = WORDS[language]
    code = str(engagement.get("type") or "")
    kind, gender = TYPE_NAMES[language].get(code, (code.title() or "—", "m" if language == "fr" else "n"))
    title = words[f"{'updated' if updated else 'logged'}.{gender}"].format(
        type=kind, title=engagement.get("title") or words["untitled"]
    )
    lines = []
    if partner_names:
        lines.append(words["with"].format(names=", ".join(partner_names)))
    if engagement.get("starts_at"):
        # A time we cannot read is left out rather than shown raw.
        with contextlib.suppress(TypeError, ValueError):
            lines.append(words["when"].format(when=when(engagement["starts_at"], reader)))
    if where := place(engagement.get("location"), language):
        lines.append(words["where"].format(where=where))
    if engagement.get("summary"):
        lines.append(str(engagement["summary"])[:1000])
    if updated and (changed := engagement.get("changed_fields")):
        labels = [FIELD_LABELS[language].get(str(field), str(field)) for field in changed]
        lines.append(words["changed.1" if len(labels) == 1 else "changed.n"].format(fields=", ".join(labels)))
    return Rendered(
        title=title[:500], lines=tuple(lines), link=_link(public_url, f"/engagements/{engagement.get('id')}")
    )


def place(location: Any, language: str = "fr") -> str:
    """'Munich, Allemagne' from the event's {"city", "country"}; nothing when neither is known."""
    if not isinstance(location, dict):
        return ""
    parts = [str(location["city"])] if location.get("city") else []
    if country := location.get("country"):
        parts.append(_country_name(str(country), language))
    return ", ".join(parts)


def _country_name(code: str, language: str) -> str:
    territory = code.split("-")[0].upper()
    return Locale.parse(language).territories.get(territory, code)


def reminder_message(
    *, kind: str, description: str, due_on: date, engagement_id: str, reader: Reader, public_url: str
) -> Rendered:
    words = WORDS[reader.language]
    title = words[kind].format(due_on=day(due_on, reader.language), description=description)
    return Rendered(
        title=title[:500],
        lines=(words.get(f"{kind}_body", words["reminder_body"]),),
        # A renewal is the agreement's own business; a follow-up's reminder opens its list on the page.
        link=_link(public_url, f"/engagements/{engagement_id}" + ("" if kind == "renewal" else "#follow-ups")),
    )


def digest_message(*, titles: list[str], reader: Reader, public_url: str) -> Rendered:
    words = WORDS[reader.language]
    title = words["digest.1" if len(titles) == 1 else "digest.n"].format(count=len(titles))
    return Rendered(title=title, lines=tuple(f"• {title}" for title in titles), link=_link(public_url, "/inbox"))


def reader_of(recipient: Any, default_zone: tzinfo) -> Reader:
    """A recipient's language and chosen zone (the service's zone when they chose none)."""
    if recipient is None:
        return Reader("fr", default_zone)
    zone_name = getattr(recipient, "timezone", None)
    return Reader(language_of(recipient.language), ZoneInfo(zone_name) if zone_name else default_zone)
