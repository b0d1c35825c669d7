"""The errors a client is told about (RFC 9457 problem details), as plain exceptions.

Service code raises these; it never imports the web framework. `kit/http_problems.py` turns them
into `application/problem+json` answers.
"""

from __future__ import annotations

import gettext
import io
import re
from contextvars import ContextVar
from enum import StrEnum
from functools import cache
from http import HTTPStatus
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

# RFC 9110's names where Python's table still has the older ones.
_TITLES = {413: "Content too large", 422: "Unprocessable content"}


def status_title(status: int) -> str:
    return _TITLES.get(status) or HTTPStatus(status).phrase


class ProblemType(StrEnum):
    """The RFC 9457 `type` of the problems a client acts on by kind, not by words: titles and details
    are translated (Accept-Language), so a client (the web app first) decides on these instead. Every
    other problem is `about:blank`, its status saying what it is."""

    BLANK = "about:blank"
    IDEMPOTENCY_KEY_REUSED = "urn:liaison:problem:idempotency-key-reused"
    ARCHIVED_PARTNER = "urn:liaison:problem:archived-partner"
    UNKNOWN_PARTNER = "urn:liaison:problem:unknown-partner"


class Problem(Exception):
    """A domain error with the status and words the client should get."""

    status = 400
    title = "Bad request"
    type: str = ProblemType.BLANK

    def __init__(
        self,
        detail: str,
        *,
        status: int | None = None,
        title: str | None = None,
        type: str | None = None,  # RFC 9457's name for it
        **extensions: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if status is not None and status != self.status:
            self.status = status
            self.title = status_title(status)  # a 413 raised as a plain Problem is not a "Bad request"
        if title is not None:
            self.title = title
        if type is not None:
            self.type = type
        self.extensions = extensions


class NotFound(Problem):
    status = 404
    title = "Not found"


class Forbidden(Problem):
    status = 403
    title = "Forbidden"


class Conflict(Problem):
    status = 409
    title = "Conflict"


# --- the caller's language ----------------------------------------------------------------------------
#
# Problems are written in English in the code (the msgids); `http_problems` answers them in the
# language the caller's Accept-Language asks for, from the gettext catalog `kit/locale/<lang>/
# LC_MESSAGES/problems.po` (compiled in memory by Babel). A msgid may hold `{name}` placeholders: it
# then matches a detail made by an f-string ("No partner has the id {id}.") and its translation gets
# the same values, so raise sites stay as they are. A text the catalog lacks is answered in English.

LANGUAGES = ("en", "fr")
DEFAULT_LANGUAGE = "en"
LOCALE_DIR = Path(__file__).parent / "locale"
# The language of the request being answered: set by the request middleware (services) and the front
# door (gateway) from Accept-Language, read when a problem is written.
problem_language: ContextVar[str] = ContextVar("problem_language", default=DEFAULT_LANGUAGE)

# Fields as the web app's forms label them (English msgids; the catalog has them under msgctxt "field").
FIELD_LABELS = {
    "name_fr": "Name (French)",
    "name_en": "Name (English)",
    "kind": "Kind",
    "acronyms": "Acronyms",
    "aliases": "Other names",
    "country": "Country",
    "subdivision": "Subdivision",
    "region": "World region",
    "website": "Website",
    "owner": "Owning officer",
    "first_name": "First name",
    "last_name": "Last name",
    "email": "Email",
    "phone": "Phone",
    "position": "Position",
    "type": "Type",
    "title": "Title",
    "starts_at": "Start",
    "ends_at": "End",
    "location": "Place",
    "city": "City",
    "partner_ids": "Partners",
    "contact_ids": "People met",
    "officers": "Officers",
    "summary": "Summary",
    "notes": "Notes",
    "outcome": "Outcome",
    "thrusts": "Policy thrusts",
    "confidentiality": "Confidentiality",
    "agreement_status": "Agreement status",
    "effective_on": "In effect from",
    "expires_on": "Expires on",
    "mission_id": "Mission",
    "description": "Description",
    "assignee": "Assignee",
    "due_on": "Due on",
    "status": "Status",
    "owed_by": "Owed by",
    "target": "Followed",
    "channels": "Channels",
    "rhythm": "Rhythm",
    "language": "Language",
    "timezone": "Time zone",
    "url": "URL",
    "secret": "Secret",
    "event_types": "Event types",
    "username": "Username",
    "password": "Password",
    "roles": "Roles",
    "display_name": "Display name",
    "scopes": "Scopes",
    "cursor": "Cursor",
    "limit": "Page size",
    "q": "Search",
}


def accepted_language(header: str | None) -> str:
    """The language of ours the caller prefers most (RFC 9110 q-values), English when none is."""
    best, best_q = DEFAULT_LANGUAGE, 0.0
    for position, item in enumerate((header or "").split(",")):
        tag, _, params = item.strip().partition(";")
        primary = tag.strip().split("-")[0].lower()
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        # Earlier tags win ties; the first one named wins over an unqualified later one.
        quality -= position * 1e-6
        if primary in LANGUAGES and quality > best_q:
            best, best_q = primary, quality
    return best


class _Catalog:
    def __init__(self, translations: gettext.NullTranslations, msgids: list[str]) -> None:
        self.translations = translations
        self.patterns = sorted(
            ((_pattern(msgid), msgid) for msgid in msgids if "{" in msgid),
            key=lambda item: -len(_LITERAL.sub("", item[1])),
        )

    def translate(self, text: str) -> str:
        found = self.translations.gettext(text)
        if found != text or "{" in text:
            return found
        for pattern, msgid in self.patterns:
            matched = pattern.fullmatch(text)
            if matched:
                values = {k: self.translate(v) for k, v in matched.groupdict().items()}
                return self.translations.gettext(msgid).format(**values)
        return text


_LITERAL = re.compile(r"\{[a-z_]+\}")


def _pattern(msgid: str) -> re.Pattern[str]:
    parts, last = [], 0
    for placeholder in _LITERAL.finditer(msgid):
        parts.append(re.escape(msgid[last : placeholder.start()]))
        parts.append(f"(?P<{placeholder.group()[1:-1]}>.+?)")
        last = placeholder.end()
    parts.append(re.escape(msgid[last:]))
    return re.compile("".join(parts), re.DOTALL)


@cache
def _catalog(language: str) -> _Catalog | None:
    path = LOCALE_DIR / language / "LC_MESSAGES" / "problems.po"
    if language == DEFAULT_LANGUAGE or not path.exists():
        return None
    with path.open("rb") as po:
        catalog = read_po(po, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    msgids = [str(m.id) for m in catalog if m.id and not m.context and isinstance(m.id, str)]
    return _Catalog(gettext.GNUTranslations(compiled), msgids)


def localize(text: str, language: str | None = None) -> str:
    """`text` in the caller's language (the request's, unless named), English when not translated."""
    catalog = _catalog(language or problem_language.get())
    return catalog.translate(text) if catalog else text


def field_label(field: str, language: str | None = None) -> str:
    """A field as the forms name it ("starts_at" -> "Début"); unknown fields keep their name."""
    english = FIELD_LABELS.get(field)
    if english is None:
        return field
    catalog = _catalog(language or problem_language.get())
    return catalog.translations.pgettext("field", english) if catalog else english
