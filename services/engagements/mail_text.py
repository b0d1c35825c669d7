"""An e-mail sent to the Liaison address, read as a draft engagement: its title, its date, its notes.

Pure functions on `email.message.EmailMessage` (the listener is mail_in.py). What cannot be read is
left out rather than guessed: no forwarded date found means "now", no subject a placeholder title.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser

from services.engagements.service import DraftData

TITLE_MAX = 300
NOTES_MAX = 100_000
NO_SUBJECT = "Message sans objet"
# Reply and forward prefixes as mail clients write them (French, English, German), repeated or not.
PREFIXES = re.compile(r"^(\s*(re|fwd?|tr|fw|wg|aw|ref|réf)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)
# A forwarded block's date line, as clients quote it ("Date: ...", "Envoyé : ...", "Sent: ...").
DATE_LINE = re.compile(r"^[>\s]*(date|sent|envoyé|date d'envoi)\s*:\s*(.+?)\s*$", re.IGNORECASE | re.MULTILINE)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
BLOCKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "hr"})
HIDDEN = frozenset({"script", "style", "head", "title"})


class _TextOf(HTMLParser):
    """HTML to plain text: the text, a line break at each block, nothing of scripts and styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, _attrs: list[tuple[str, str | None]]) -> None:
        if tag in HIDDEN:
            self.hidden += 1
        elif tag in BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _TextOf()
    parser.feed(html)
    parser.close()
    lines = (re.sub(r"[ \t\xa0]+", " ", line).strip() for line in "".join(parser.parts).splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def clean(text: str) -> str:
    """Line ends made plain, control characters (NUL among them) dropped."""
    return CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).strip()


def title_of(subject: str | None) -> str:
    title = clean(PREFIXES.sub("", " ".join((subject or "").split())))
    return title[:TITLE_MAX].strip() or NO_SUBJECT


def _body_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = part.get_content()
    if not isinstance(content, str):
        return ""
    return html_to_text(content) if part.get_content_type() == "text/html" else content


def _forwarded(message: EmailMessage) -> EmailMessage | None:
    """A message forwarded as an attachment (message/rfc822), as Outlook and Thunderbird can."""
    for part in message.walk():
        if part.get_content_type() == "message/rfc822":
            inner = part.get_content()
            if isinstance(inner, EmailMessage):
                return inner
    return None


def _as_date(value: str) -> datetime | None:
    try:
        found = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        try:
            found = datetime.fromisoformat(value)
        except ValueError:
            return None
    return found if found.tzinfo else found.replace(tzinfo=UTC)


def meeting_date(message: EmailMessage, body: str) -> datetime | None:
    """The forwarded message's date: an attached message's Date, else a quoted "Date:" line."""
    inner = _forwarded(message)
    if inner is not None and inner["date"] and (found := _as_date(str(inner["date"]))):
        return found
    for match in DATE_LINE.finditer(body):
        if found := _as_date(match.group(2)):
            return found
    return None


def addresses(message: EmailMessage, *, leave_out: set[str]) -> list[str]:
    """The To and Cc addresses (and the forwarded message's From, To and Cc), lower case, once each."""
    headers = [str(v) for name in ("to", "cc") for v in message.get_all(name, [])]
    inner = _forwarded(message)
    if inner is not None:
        headers += [str(v) for name in ("from", "to", "cc") for v in inner.get_all(name, [])]
    found = [address.lower() for _name, address in getaddresses(headers) if "@" in address]
    return [a for a in dict.fromkeys(found) if a not in leave_out]


def draft_of(message: EmailMessage, *, leave_out: set[str]) -> DraftData:
    """`leave_out`: addresses that are not participants (the Liaison address, the sender)."""
    body = _body_text(message)
    inner = _forwarded(message)
    if inner is not None:
        body = f"{body}\n\n---\n\n{_body_text(inner)}"
    body = clean(body)
    starts_at = meeting_date(message, body)
    others = addresses(message, leave_out=leave_out)
    # Those no contact of the directory has (mail_in.py leaves out the ones it matched): the author's to match.
    header = f"Adresses de l'e-mail, à rapprocher des contacts : {', '.join(others)}\n\n" if others else ""
    notes = (header + body)[:NOTES_MAX].strip()
    return DraftData(title=title_of(message["subject"]), notes=notes or None, starts_at=starts_at)


@dataclass(frozen=True)
class MailFile:
    """A file the e-mail carries (or the message it forwards): kept as the draft's attachment if taken."""

    filename: str
    content: bytes


UNNAMED_FILE = "piece-jointe"


def files_of(message: EmailMessage) -> list[MailFile]:
    """The attached files, the forwarded message's included: parts with a file name or marked as an
    attachment. Not the body's text nor the forwarded message itself (its text is in the notes)."""
    found = []
    for part in message.walk():
        if part.get_content_maintype() == "multipart" or part.get_content_type() == "message/rfc822":
            continue
        if not (part.get_filename() or part.get_content_disposition() == "attachment"):
            continue
        content = part.get_payload(decode=True)
        found.append(MailFile(part.get_filename() or UNNAMED_FILE, content if isinstance(content, bytes) else b""))
    return found
