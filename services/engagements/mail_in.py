"""Log by e-mail: an SMTP listener for the ministry's Liaison address (issue 13).

An officer forwards (or Bcc's) a meeting's e-mail to liaison@<LIAISON_ENGAGEMENTS_MAIL_DOMAIN>; it
becomes a draft engagement for them (service.log_draft), which they complete and confirm in the web
app. The sender is a person of the directory's read copy, matched by e-mail address on the envelope
(MAIL FROM) and on the From: header; anyone else, and any other recipient, is refused with a 550
before the message is taken, so nothing is written for them. The To/Cc addresses that are partners'
contacts (contact_copies.py) name the draft's contacts and their partners; its files become its
attachments.

A background worker of the service (kit/app.py `Worker`): aiosmtpd's controller runs the SMTP
server on its own thread and event loop; the database work is handed to a worker thread so that a
slow write never holds up another connection.
"""

from __future__ import annotations

import asyncio
import io
import logging
from dataclasses import replace
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parseaddr
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import func
from sqlmodel import col, select
from starlette.datastructures import State

from services.engagements import attachments, contact_copies, mail_text, partner_copies, service
from services.engagements.models import ContactCopy, Engagement, PartnerCopy, Person
from services.engagements.settings import EngagementsSettings
from services.kit.blobs import Blobs
from services.kit.problems import Problem
from services.kit.uploads import Upload, clean_filename, too_large

log = logging.getLogger("liaison.mail_in")

UNKNOWN_SENDER = "550 5.7.1 Sender unknown: only the e-mail address of an enabled Liaison user may log by e-mail"
WRONG_SENDER = "550 5.7.1 The From: header is not the sender's address: forward from your own mailbox"
NO_MAILBOX = "550 5.1.1 No such mailbox: this server takes messages for {address} only"
UNREADABLE = "554 5.6.0 The message could not be read: nothing was logged"


class LiaisonMailbox:
    """aiosmtpd's handler: who may send, to whom, and what a message becomes."""

    def __init__(self, *, settings: EngagementsSettings, sessions: Any, blobs: Blobs) -> None:
        self.settings = settings
        self.sessions = sessions
        self.blobs = blobs
        self.address = settings.mail_address

    def sender(self, address: str) -> str | None:
        """The username of the enabled person with this e-mail address, if exactly one."""
        wanted = address.strip().lower()
        if not wanted:
            return None
        with self.sessions() as session:
            people = session.exec(
                select(Person).where(func.lower(col(Person.email)) == wanted, col(Person.disabled).is_(False))
            ).all()
        return people[0].username if len(people) == 1 else None

    async def _in_thread(self, function: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(None, function, *args)

    async def handle_MAIL(
        self, _server: SMTP, _session: Session, envelope: Envelope, address: str, mail_options: list[str]
    ) -> str:
        if await self._in_thread(self.sender, address) is None:
            log.info("mail refused: unknown sender", extra={"sender": address})
            return UNKNOWN_SENDER
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(
        self, _server: SMTP, _session: Session, envelope: Envelope, address: str, _rcpt_options: list[str]
    ) -> str:
        if address.strip().lower() != self.address:
            return NO_MAILBOX.format(address=self.address)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, _server: SMTP, _session: Session, envelope: Envelope) -> str:
        try:
            return str(await self._in_thread(self.take, envelope.mail_from, envelope.original_content or b""))
        except Exception:
            # A message this code cannot read is refused, not a dead listener: the next one is served.
            log.exception("mail refused: unreadable message", extra={"sender": envelope.mail_from})
            return UNREADABLE

    def take(self, mail_from: str, content: bytes) -> str:
        """The message as a draft for its sender, in one transaction; the SMTP reply."""
        message = BytesParser(policy=policy.default).parsebytes(content)
        if not isinstance(message, EmailMessage):
            return UNREADABLE
        header_from = parseaddr(str(message["from"] or ""))[1]
        author = self.sender(mail_from)
        if author is None:  # disabled since MAIL FROM
            return UNKNOWN_SENDER
        # No From: at all is the envelope's word alone (what some Bcc'ing tools send).
        if header_from and header_from.lower() != mail_from.strip().lower() and self.sender(header_from) != author:
            return WRONG_SENDER
        not_participants = {self.address, mail_from.lower(), header_from.lower()}
        with self.sessions() as session:
            recipients = mail_text.addresses(message, leave_out=not_participants)
            contacts = contact_copies.contacts_with(session=session, addresses=recipients)
            data = mail_text.draft_of(message, leave_out=not_participants | {c.email or "" for c in contacts})
            data = replace(data, partners=self.partners_of(session, contacts), contact_ids=[c.id for c in contacts])
            draft = service.log_draft(session=session, author=author, data=data, zone=self.settings.zone)
            self.keep_files(session, draft, mail_text.files_of(message))
            session.commit()
            draft_id = draft.id
        log.info("mail logged as a draft", extra={"engagement_id": str(draft_id), "author": author})
        return f"250 OK: draft engagement {draft_id}"

    def partners_of(self, session: Any, contacts: list[ContactCopy]) -> list[PartnerCopy]:
        """The contacts' partners as the engagement may name them: merged ids followed, archived and
        not-yet-known ones left for the author (the contact still names the person)."""
        found: dict[Any, PartnerCopy] = {}
        for contact in contacts:
            copy = partner_copies.survivor(session=session, partner_id=contact.partner_id)
            if copy is not None and copy.version > 0 and copy.status == "active":
                found.setdefault(copy.id, copy)
        return list(found.values())

    def keep_files(self, session: Any, draft: Engagement, files: list[mail_text.MailFile]) -> None:
        """The e-mail's files as the draft's attachments, checked as an upload is (size, type by the
        bytes, name); one refused is named in the draft's notes with why, and the rest still kept."""
        refused = []
        for mail_file in files:
            try:
                if len(mail_file.content) > self.settings.attachment_max_bytes:
                    raise too_large(self.settings.attachment_max_bytes)
                upload = Upload(
                    clean_filename(mail_file.filename), io.BytesIO(mail_file.content), len(mail_file.content)
                )
                attachments.attach_to(
                    session=session, blobs=self.blobs, engagement=draft, upload=upload, uploaded_by=draft.created_by
                )
            except Problem as refusal:
                refused.append(f"- {mail_file.filename} : {refusal.detail}")
        if refused:
            note = "Pièces jointes non gardées :\n" + "\n".join(refused)
            draft.notes = f"{draft.notes}\n\n{note}" if draft.notes else note
            session.add(draft)


class MailIn:
    """The worker: starts the listener when a port is set (LIAISON_ENGAGEMENTS_MAIL_PORT), else nothing."""

    def __init__(self, *, settings: EngagementsSettings, sessions: Any, blobs: Blobs) -> None:
        self.settings = settings
        self.handler = LiaisonMailbox(settings=settings, sessions=sessions, blobs=blobs)
        self._controller: Controller | None = None

    def start(self) -> None:
        port = self.settings.mail_port
        if port is None or self._controller is not None:
            return
        self._controller = Controller(
            self.handler,
            hostname=self.settings.mail_host,
            port=port,
            server_hostname=self.settings.mail_domain,
            data_size_limit=self.settings.mail_max_bytes,
        )
        self._controller.start()
        log.info("listening for mail", extra={"address": self.handler.address, "port": port})

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


def build(state: State) -> MailIn:
    settings = state.settings
    assert isinstance(settings, EngagementsSettings)
    return MailIn(settings=settings, sessions=state.sessions, blobs=state.blobs)  # the blobs worker comes first
