"""Log by e-mail (mail_in.py): a real SMTP client (smtplib) against the real listener on a free port,
then the draft completed and confirmed through the API."""

import smtplib
import uuid
from email.message import EmailMessage

import pytest
from sqlmodel import select

from services.engagements.events import HANDLERS, handlers_with_contacts
from services.engagements.mail_in import MailIn
from services.engagements.mail_text import html_to_text, title_of
from services.engagements.models import Attachment, Engagement
from services.engagements.settings import EngagementsSettings
from services.engagements.tests.support import add_partner, as_, outbox_events
from services.engagements.tests.test_attachments import DOCX, EXE, PDF, PNG
from services.engagements.tests.test_contact_copies import Keys, contact_event, deliver
from services.kit import file_types
from services.kit.blobs import FileBlobs
from services.kit.events import new_event
from services.kit.identity import Caller
from services.kit.sealed import new_key
from tests.support.apps import unit_settings
from tests.support.ports import free_port

LIAISON = "liaison@liaison.test"
CAMILLE = Caller(user="camille", roles=frozenset({"officer"}))
JULES = Caller(user="jules", roles=frozenset({"officer"}))
ATTACHMENT_MAX = 8 * 1024


def add_person(sessions, username: str, email: str, *, disabled: bool = False) -> None:
    data = {"id": str(uuid.uuid4()), "username": username, "email": email, "disabled": disabled, "version": 1}
    event = new_event(type="liaison.user.created", source="/liaison/directory", subject=data["id"], data=data)
    with sessions() as session:
        for handler in HANDLERS["liaison.user.created"]:
            handler(event, session=session)
        session.commit()


@pytest.fixture
def store(tmp_path):
    return tmp_path / "attachments"


@pytest.fixture
def mailbox(sessions, store):
    add_person(sessions, "camille", "Camille.Tremblay@mri.example")
    add_person(sessions, "jules", "jules@mri.example")
    add_person(sessions, "ancien", "ancien@mri.example", disabled=True)
    settings = unit_settings(
        EngagementsSettings,
        mail_port=free_port(),
        mail_domain="liaison.test",
        mail_max_bytes=50_000,
        attachment_max_bytes=ATTACHMENT_MAX,
    )
    worker = MailIn(settings=settings, sessions=sessions, blobs=FileBlobs(store))
    worker.start()
    yield settings
    worker.stop()


def smtp(settings) -> smtplib.SMTP:
    return smtplib.SMTP(settings.mail_host, settings.mail_port, timeout=10)


def forward(*, sender="camille.tremblay@mri.example", subject="TR: RE: Rencontre avec la Bavière") -> EmailMessage:
    message = EmailMessage()
    message["From"] = f"Camille Tremblay <{sender}>"
    message["To"] = f"Liaison <{LIAISON}>, Hans Müller <hans.mueller@bayern.example>"
    message["Cc"] = "protocole@mri.example"
    message["Subject"] = subject
    message.set_content(
        "Pour consigner.\n\n---------- Message transféré ---------\n"
        "From: Hans Müller <hans.mueller@bayern.example>\nDate: Mon, 02 Mar 2026 09:30:00 -0500\n\n"
        "Merci pour la rencontre sur les batteries.\x00"
    )
    message.add_alternative("<p>Pour <b>consigner</b>.</p><script>alert(1)</script>", subtype="html")
    return message


def drafts(sessions) -> list[Engagement]:
    with sessions() as session:
        return list(session.exec(select(Engagement)).all())


def test_a_known_senders_forward_becomes_her_draft(mailbox, sessions, engagements_engine):
    with smtp(mailbox) as client:
        refused = client.send_message(forward(), from_addr="Camille.Tremblay@mri.example", to_addrs=[LIAISON])
    assert refused == {}
    [draft] = drafts(sessions)
    assert draft.draft is True
    assert draft.title == "Rencontre avec la Bavière"
    assert (draft.created_by, draft.officers) == ("camille", ["camille"])
    assert draft.starts_at.isoformat() == "2026-03-02T14:30:00+00:00"  # the forwarded message's date
    assert "Merci pour la rencontre sur les batteries." in draft.notes and "\x00" not in draft.notes
    # Partners' contacts carry no e-mail address in this service's copy: the addresses wait in the notes.
    assert draft.notes.startswith(
        "Adresses de l'e-mail, à rapprocher des contacts : hans.mueller@bayern.example, protocole@mri.example"
    )
    assert outbox_events(engagements_engine) == []  # told to no one while a draft


def test_unknown_disabled_or_misdirected_mail_is_refused_and_nothing_written(mailbox, sessions):
    with smtp(mailbox) as client:
        for stranger in ("inconnu@ailleurs.example", "ancien@mri.example"):
            with pytest.raises(smtplib.SMTPSenderRefused) as refused:
                client.send_message(forward(sender=stranger), from_addr=stranger, to_addrs=[LIAISON])
            assert refused.value.smtp_code == 550 and b"Sender unknown" in refused.value.smtp_error
            client.rset()
        with pytest.raises(smtplib.SMTPRecipientsRefused) as misdirected:
            client.send_message(forward(), from_addr="jules@mri.example", to_addrs=["autre@liaison.test"])
        [(code, text)] = misdirected.value.recipients.values()
        assert code == 550 and LIAISON.encode() in text
        client.rset()
        # Another user's mailbox in From: is not a way to log in their name.
        with pytest.raises(smtplib.SMTPDataError) as spoofed:
            client.send_message(forward(), from_addr="jules@mri.example", to_addrs=[LIAISON])
        assert spoofed.value.smtp_code == 550
    assert drafts(sessions) == []


def test_a_malformed_or_oversized_message_does_not_stop_the_listener(mailbox, sessions):
    with smtp(mailbox) as client:
        client.sendmail("jules@mri.example", [LIAISON], b"\xff\xfe garbage without headers\r\n\r\n\x00\x01")
        with pytest.raises(smtplib.SMTPSenderRefused) as too_big:  # its declared SIZE is over the limit
            client.sendmail("jules@mri.example", [LIAISON], b"Subject: big\r\n\r\n" + b"x" * 60_000)
        assert too_big.value.smtp_code == 552
    with smtp(mailbox) as client:  # still answering
        assert client.noop()[0] == 250
        client.send_message(forward(sender="jules@mri.example"), from_addr="jules@mri.example", to_addrs=[LIAISON])
    # The garbage (no header, no From:) is the envelope sender's placeholder draft, never a crash.
    assert sorted(d.title for d in drafts(sessions)) == ["Message sans objet", "Rencontre avec la Bavière"]


def test_the_author_completes_and_confirms_the_draft_and_no_one_else_can(mailbox, sessions, client, engagements_engine):
    with smtp(mailbox) as mail:
        mail.send_message(forward(), from_addr="camille.tremblay@mri.example", to_addrs=[LIAISON])
    [draft] = drafts(sessions)
    url = f"/api/v1/engagements/{draft.id}"
    # Out of every list, and unseen by anyone else; listed for its author with drafts=true.
    assert client.get("/api/v1/engagements", auth=as_(CAMILLE)).json()["total"] == 0
    mine = client.get("/api/v1/engagements", params={"drafts": "true"}, auth=as_(CAMILLE)).json()
    assert [item["id"] for item in mine["items"]] == [str(draft.id)] and mine["items"][0]["draft"] is True
    assert client.get("/api/v1/engagements", params={"drafts": "true"}, auth=as_(JULES)).json()["total"] == 0
    assert client.get(url, auth=as_(JULES)).status_code == 404
    assert client.post(f"{url}/confirm", auth=as_(JULES)).status_code == 404
    incomplete = client.post(f"{url}/confirm", auth=as_(CAMILLE))
    assert incomplete.status_code == 422 and "partner_ids" in incomplete.json()["detail"]
    partner = add_partner(sessions)
    completed = {"partner_ids": [str(partner)], "thrusts": ["trade.investment"]}
    changed = client.patch(url, json=completed, headers={"If-Match": 'W/"1"'}, auth=as_(CAMILLE))
    assert changed.status_code == 200, changed.text
    assert outbox_events(engagements_engine) == []
    confirmed = client.post(f"{url}/confirm", auth=as_(CAMILLE))
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["draft"] is False
    [event] = [e for e in outbox_events(engagements_engine) if e["type"].startswith("liaison.engagement")]
    assert event["type"] == "liaison.engagement.logged" and event["data"]["title"] == "Rencontre avec la Bavière"
    assert client.get("/api/v1/engagements", auth=as_(JULES)).json()["total"] == 1
    assert client.post(f"{url}/confirm", auth=as_(CAMILLE)).status_code == 409


def test_titles_and_html_are_read_as_a_person_would():
    assert title_of("Fwd: TR:RE: Re:  Suivi  ") == "Suivi"
    assert title_of("   ") == "Message sans objet"
    assert html_to_text("<html><head><style>p{}</style></head><p>Un&nbsp;<b>deux</b></p><div>trois</div>") == (
        "Un deux\n\ntrois"
    )


def test_a_draft_takes_no_follow_up_and_its_deletion_is_told_to_no_one(mailbox, sessions, client, engagements_engine):
    with smtp(mailbox) as mail:
        mail.send_message(forward(), from_addr="camille.tremblay@mri.example", to_addrs=[LIAISON])
    [draft] = drafts(sessions)
    url = f"/api/v1/engagements/{draft.id}"
    follow_up = {"description": "Envoyer le compte rendu", "assignee": "camille", "owed_by": "quebec"}
    refused = client.post(f"{url}/follow-ups", json=follow_up, auth=as_(CAMILLE))
    assert refused.status_code == 409, refused.text
    assert client.delete(url, auth=as_(CAMILLE)).status_code == 204
    assert drafts(sessions) == [] and outbox_events(engagements_engine) == []


def test_the_emails_files_become_the_drafts_attachments_and_refused_ones_are_noted(mailbox, sessions, store):
    message = forward()
    message.add_attachment(PDF, maintype="application", subtype="pdf", filename="Compte rendu.pdf")
    message.add_attachment(EXE, maintype="application", subtype="pdf", filename="ordre du jour.pdf")
    message.add_attachment(PNG, maintype="image", subtype="png", filename="photo.pdf")
    message.add_attachment(PDF + b"0" * ATTACHMENT_MAX, maintype="application", subtype="pdf", filename="gros.pdf")
    forwarded = EmailMessage()  # a message forwarded as an attachment, with its own file
    forwarded["From"], forwarded["Subject"] = "hans.mueller@bayern.example", "Présentation"
    forwarded.set_content("Voici la présentation.")
    forwarded.add_attachment(DOCX, maintype="application", subtype="octet-stream", filename="présentation.docx")
    message.add_attachment(forwarded)
    with smtp(mailbox) as client:
        assert client.send_message(message, from_addr="camille.tremblay@mri.example", to_addrs=[LIAISON]) == {}

    [draft] = drafts(sessions)
    with sessions() as session:
        kept = session.exec(select(Attachment).order_by(Attachment.filename)).all()
    assert [(a.filename, a.content_type, a.uploaded_by) for a in kept] == [
        ("Compte rendu.pdf", "application/pdf", "camille"),
        ("présentation.docx", file_types.DOCX.content_type, "camille"),
    ]
    assert all(a.engagement_id == draft.id for a in kept)
    assert FileBlobs(store).exists(next(a.storage_key for a in kept if a.filename == "Compte rendu.pdf"))
    assert sorted(p.name for p in store.rglob("*") if p.is_file()) == sorted(str(a.id) for a in kept)
    # Not fatal: the draft is made, and says which files it left out and why.
    refused = draft.notes.split("Pièces jointes non gardées :\n", 1)[1].splitlines()
    assert [line.split(" : ")[0] for line in refused] == ["- ordre du jour.pdf", "- photo.pdf", "- gros.pdf"]
    assert "Attach a PDF" in refused[0] and "image/png" in refused[1] and str(ATTACHMENT_MAX) in refused[2]


def test_recipients_who_are_contacts_name_the_drafts_contacts_and_partners(mailbox, sessions):
    bavaria, archived = add_partner(sessions), add_partner(sessions, status="archived")
    keys = Keys()
    registry = handlers_with_contacts(keys)
    hans, archived_contact, other = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    for contact, partner, email in (
        (hans, bavaria, "Hans.Mueller@bayern.example"),
        (archived_contact, archived, "protocole@mri.example"),
        (other, bavaria, "quelquun@bayern.example"),  # not among the recipients
    ):
        keys.keys[contact] = new_key()
        deliver(sessions, registry, contact_event(contact, key=keys.keys[contact], email=email, partner_id=partner))

    with smtp(mailbox) as client:
        client.send_message(forward(), from_addr="camille.tremblay@mri.example", to_addrs=[LIAISON])
    [draft] = drafts(sessions)
    # Both recipients are contacts; only the active partner is named (an archived one is the author's call).
    assert set(draft.contact_ids) == {hans, archived_contact}
    assert draft.partner_ids == [bavaria]
    assert "Adresses de l'e-mail" not in draft.notes  # every address was matched: none left to match by hand
