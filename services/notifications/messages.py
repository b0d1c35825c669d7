"""What a notification says, in the recipient's language (French by default, English on request).

One rendering feeds every channel: the inbox entry takes the title and text, the email the
subject, text and HTML.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date
from typing import Any

TYPE_NAMES = {
    "fr": {
        "meeting": "Rencontre",
        "mission": "Mission",
        "call": "Appel",
        "event": "Événement",
        "agreement": "Entente",
        "correspondence": "Correspondance",
        "visit": "Visite",
    },
    "en": {
        "meeting": "Meeting",
        "mission": "Mission",
        "call": "Call",
        "event": "Event",
        "agreement": "Agreement",
        "correspondence": "Correspondence",
        "visit": "Visit",
    },
}
WORDS = {
    "fr": {
        "logged": "{type} consignée : {title}",
        "updated": "{type} mise à jour : {title}",
        "with": "Avec : {names}",
        "when": "Quand : {when}",
        "where": "Lieu : {where}",
        "changed": "Champs modifiés : {fields}",
        "open": "Voir la fiche : {link}",
        "untitled": "(sans titre)",
        "due_soon": "Suivi à faire d'ici le {due_on} : {description}",
        "overdue": "Suivi en retard (échéance du {due_on}) : {description}",
        "reminder_body": "Vous êtes responsable de ce suivi.",
        "renewal": "Entente à renouveler : elle expire le {due_on} ({description})",
        "renewal_body": "Vous suivez cette entente : décidez de son renouvellement avant son expiration.",
        "digest": "Résumé quotidien : {count} notification(s)",
        "footer": "Vous recevez ce message parce que vous suivez ce sujet dans Liaison.",
    },
    "en": {
        "logged": "{type} logged: {title}",
        "updated": "{type} updated: {title}",
        "with": "With: {names}",
        "when": "When: {when}",
        "where": "Where: {where}",
        "changed": "Changed fields: {fields}",
        "open": "Open: {link}",
        "untitled": "(untitled)",
        "due_soon": "Follow-up due on {due_on}: {description}",
        "overdue": "Follow-up overdue (was due on {due_on}): {description}",
        "reminder_body": "You are the assignee of this follow-up.",
        "renewal": "Agreement up for renewal: it expires on {due_on} ({description})",
        "renewal_body": "You follow this agreement: decide on its renewal before it expires.",
        "digest": "Daily digest: {count} notification(s)",
        "footer": "You receive this because you follow this topic in Liaison.",
    },
}


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


def engagement_message(
    engagement: dict[str, Any], *, updated: bool, partner_names: list[str], language: str, public_url: str
) -> Rendered:
    words = WORDS[language]
    kind = TYPE_NAMES[language].get(str(engagement.get("type")), str(engagement.get("type") or "").title() or "—")
    title = words["updated" if updated else "logged"].format(
        type=kind, title=engagement.get("title") or words["untitled"]
    )
    lines = []
    if partner_names:
        lines.append(words["with"].format(names=", ".join(partner_names)))
    if engagement.get("starts_at"):
        lines.append(words["when"].format(when=engagement["starts_at"]))
    if where := _place(engagement.get("location")):
        lines.append(words["where"].format(where=where))
    if engagement.get("summary"):
        lines.append(str(engagement["summary"])[:1000])
    if updated and engagement.get("changed_fields"):
        lines.append(words["changed"].format(fields=", ".join(map(str, engagement["changed_fields"]))))
    return Rendered(
        title=title[:500], lines=tuple(lines), link=f"{public_url.rstrip('/')}/engagements/{engagement.get('id')}"
    )


def _place(location) -> str:
    """'Paris, FR' from the event's {"city", "country"}; nothing when neither is known."""
    if isinstance(location, dict):
        return ", ".join(str(location[k]) for k in ("city", "country") if location.get(k))
    return str(location or "")


def reminder_message(
    *, kind: str, description: str, due_on: date, engagement_id: str, language: str, public_url: str
) -> Rendered:
    words = WORDS[language]
    title = words[kind].format(due_on=due_on.isoformat(), description=description)
    return Rendered(
        title=title[:500],
        lines=(words.get(f"{kind}_body", words["reminder_body"]),),
        link=f"{public_url.rstrip('/')}/engagements/{engagement_id}",
    )


def digest_message(*, titles: list[str], language: str) -> Rendered:
    return Rendered(
        title=WORDS[language]["digest"].format(count=len(titles)), lines=tuple(f"• {title}" for title in titles)
    )
