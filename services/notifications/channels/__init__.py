"""How a notification leaves: email (SMTP), signed webhooks, the in-app inbox."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SendOutcome:
    ok: bool
    status_code: int | None = None
    error: str | None = None
    final: bool = False  # no point trying again (a destination refused: see destinations.py)
