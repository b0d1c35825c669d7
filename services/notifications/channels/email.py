"""Email over SMTP (aiosmtplib): plain text and HTML alternatives, in the recipient's language."""

from __future__ import annotations

import asyncio
import json
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

import aiosmtplib

from services.notifications.channels import SendOutcome
from services.notifications.messages import Rendered
from services.notifications.settings import NotificationsSettings


def email_payload(*, to: str, rendered: Rendered, language: str) -> str:
    """What the delivery row keeps, so that a retry or replay sends the same message."""
    return json.dumps(
        {
            "to": to,
            "language": language,
            "subject": rendered.title,
            "text": rendered.text(language),
            "html": rendered.html(language),
        }
    )


def build_message(payload: dict[str, Any], *, sender: str, delivery_id: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = payload["to"]
    message["Subject"] = payload["subject"]
    message["Date"] = formatdate(localtime=False)
    # Stable per delivery: a mail client shows a resent copy (after a crash mid-send) as one message.
    message["Message-ID"] = make_msgid(idstring=delivery_id, domain="liaison.local")
    message["Content-Language"] = payload.get("language", "fr")
    message.set_content(payload["text"])
    message.add_alternative(payload["html"], subtype="html")
    return message


async def send(payload: dict[str, Any], *, settings: NotificationsSettings, delivery_id: str) -> SendOutcome:
    if not settings.smtp_host:
        return SendOutcome(False, error="SMTP is not configured (LIAISON_NOTIFICATIONS_SMTP_HOST)")
    message = build_message(payload, sender=settings.smtp_from, delivery_id=delivery_id)
    try:
        # One deadline for the whole conversation: aiosmtplib's timeout is per command.
        async with asyncio.timeout(settings.smtp_timeout_seconds):
            await aiosmtplib.send(
                message,
                hostname=settings.smtp_host,
                port=settings.smtp_port,
                username=settings.smtp_username,
                password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
                start_tls=settings.smtp_starttls,
                timeout=settings.smtp_timeout_seconds,
            )
    except TimeoutError:
        return SendOutcome(False, error=f"no complete answer within the {settings.smtp_timeout_seconds:g}s deadline")
    except (aiosmtplib.SMTPException, OSError) as exc:
        return SendOutcome(False, error=f"{type(exc).__name__}: {exc}"[:500])
    return SendOutcome(True, status_code=250)
