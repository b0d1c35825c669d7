"""Opaque keyset cursors: the sort key of the last item seen, base64url JSON."""

from __future__ import annotations

import base64
import binascii
import json

from services.kit.problems import Problem


class BadCursor(Problem):
    status = 400
    title = "Invalid cursor"


def encode(*values: str) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(values)).encode()).decode().rstrip("=")


def decode(cursor: str, *, size: int) -> list[str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise BadCursor("The cursor is not one this service gave out; start again without it.") from None
    if not (isinstance(values, list) and len(values) == size and all(isinstance(v, str) for v in values)):
        raise BadCursor("The cursor is not one this service gave out; start again without it.")
    return values
